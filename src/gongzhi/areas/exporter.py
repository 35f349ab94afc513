"""Writing the hierarchy as CSV or GeoJSON in the shape the importer reads back unchanged.

CSV: UTF-8 with BOM (so Excel shows the Chinese names), columns ``code,name,level,parent,
geometry``; the geometry is compact GeoJSON text. GeoJSON: a FeatureCollection whose features
carry ``code``, ``name``, ``level`` and ``parent`` in their properties. Rows come in path order,
parents before children.

The level column names the kind where it is not the plain one of its level (``town``,
``township``, ``village``, ``villager_group``), so a town reads as a town and a villagers' group
comes back as one; the importer reads these words (``importer.LEVEL_WORDS``).
"""

from __future__ import annotations

import csv
import io
import json

from django.db.models import QuerySet

from .models import KINDS_OF_LEVEL

FORMATS = ("csv", "geojson")
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "geojson": "application/geo+json"}
EXTENSIONS = {"csv": "csv", "geojson": "geojson"}
HEADER = ["code", "name", "level", "parent", "geometry"]
READ_CHUNK = 1000


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(text: str) -> str:
    """Neutralise spreadsheet formulas (CSV injection): a leading ' makes Excel show text.

    The importer strips that quote again (``importer.csv_unescape``), so exports round-trip.
    """
    return "'" + text if text.startswith(FORMULA_START) else text


def _level_word(level: str, kind: str) -> str:
    return kind if kind and kind != KINDS_OF_LEVEL[level][0] else level


def _rows(areas: QuerySet):
    rows = (areas.order_by("path")
            .values_list("code", "name", "level", "kind", "parent__code", "geometry")
            .iterator(chunk_size=READ_CHUNK))
    for code, name, level, kind, parent, geometry in rows:
        yield code, name, _level_word(level, kind), parent, geometry


def to_csv(areas: QuerySet) -> tuple[str, int]:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    count = 0
    for code, name, level, parent, geometry in _rows(areas):
        text = json.dumps(geometry, ensure_ascii=False, separators=(",", ":")) if geometry else ""
        writer.writerow([code, csv_safe(name), level, parent or "", text])
        count += 1
    return out.getvalue(), count


def to_geojson(areas: QuerySet) -> tuple[str, int]:
    features = [
        {
            "type": "Feature",
            "geometry": geometry or None,
            "properties": {"code": code, "name": name, "level": level, "parent": parent or ""},
        }
        for code, name, level, parent, geometry in _rows(areas)
    ]
    text = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False,
                      separators=(",", ":"))
    return text, len(features)


def render(areas: QuerySet, fmt: str) -> tuple[str, int]:
    """The file text in ``fmt`` (``csv`` or ``geojson``) and the number of areas in it."""
    return to_csv(areas) if fmt == "csv" else to_geojson(areas)
