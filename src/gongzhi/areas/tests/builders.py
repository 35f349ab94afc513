"""Small builders for area files used by the areas tests."""

from __future__ import annotations

import csv
import io
import json

HEADER = ("code", "name", "level", "parent", "geometry")


def square(west: float, south: float, east: float, north: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[west, south], [east, south], [east, north], [west, north],
                                                [west, south]]]}


def bowtie() -> dict:
    """A self-intersecting ring (its edges cross at 118.05, 31.05)."""
    return {"type": "Polygon", "coordinates": [[[118.0, 31.0], [118.1, 31.1], [118.1, 31.0], [118.0, 31.1],
                                                [118.0, 31.0]]]}


# A second district beside the demo one: one street, one community, two grids side by side.
NEW_DISTRICT = [
    ("341703", "新区", "district", "", square(118.0, 31.0, 118.1, 31.1)),
    ("341703001", "新城街道", "street", "341703", square(118.0, 31.0, 118.1, 31.1)),
    ("341703001001", "新苑社区", "community", "341703001", square(118.0, 31.0, 118.1, 31.1)),
    ("34170300100101", "新苑社区第01网格", "grid", "341703001001", square(118.0, 31.0, 118.05, 31.1)),
    ("34170300100102", "新苑社区第02网格", "grid", "341703001001", square(118.05, 31.0, 118.1, 31.1)),
]


def csv_bytes(rows, *, header=HEADER, bom: bool = False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([json.dumps(v) if isinstance(v, dict) else v for v in row])
    return (("\ufeff" if bom else "") + out.getvalue()).encode("utf-8")


def geojson_bytes(rows) -> bytes:
    features = [
        {"type": "Feature", "geometry": geometry,
         "properties": {"code": code, "name": name, "level": level, "parent": parent}}
        for code, name, level, parent, geometry in rows
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False).encode("utf-8")


def replace(rows, target: str, /, **changes):
    """``rows`` with the row whose code is ``target`` changed (fields by name)."""
    result = []
    for row in rows:
        if row[0] == target:
            values = dict(zip(HEADER, row))
            values.update(changes)
            row = tuple(values[h] for h in HEADER)
        result.append(row)
    return result
