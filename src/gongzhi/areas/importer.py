"""Reading and checking an area-hierarchy file (CSV or GeoJSON) before anything is written.

Formats
  * CSV, UTF-8 with or without BOM. Header row (row 1) names the columns ``code``, ``name``,
    ``level``, ``parent`` and, optionally, ``geometry`` (a GeoJSON geometry as text). Chinese
    headers are accepted too: 代码/编码, 名称, 层级, 上级代码, 边界. Levels may be written
    ``district/street/community/grid`` or 区县/街道/社区/网格.
  * GeoJSON FeatureCollection; each feature carries ``code``, ``name``, ``level`` and ``parent``
    in its properties and the boundary as its geometry. Feature *n* is reported as row *n*.

Policy: **all or nothing.** The hierarchy must stay consistent (a grid without its community
is useless), so if any row fails, nothing is written and every failing row is reported by row,
column and reason. Rows are matched by code: a re-import of the same file changes nothing.
Parents are processed before children whatever the order in the file. An empty geometry cell
(or a ``null`` feature geometry) keeps the boundary already stored. Moving an existing area to
another parent is refused: its code and the paths of everything below it would no longer agree.

This module only reads and plans; ``services.import_areas`` checks permission and writes.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import shapely
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from .models import (
    CODE_LENGTH,
    KINDS_OF_LEVEL,
    LEVEL_ORDER,
    PARENT_LEVEL,
    Area,
    Kind,
    Level,
    code_range_text,
    kind_from_code,
)

# Boundaries drawn from different sources rarely share edges to the last digit: a grid may stick
# out of its community by this much (in degrees, about one metre) and still count as inside.
GRID_TOLERANCE_DEGREES = 1e-5
NAME_MAX_LENGTH = Area._meta.get_field("name").max_length
POLYGON_TYPES = ("Polygon", "MultiPolygon")
LOOKUP_CHUNK = 500

REQUIRED_COLUMNS = ("code", "name", "level")
COLUMN_SYNONYMS = {
    "code": ("code", "代码", "编码", "区划代码"),
    "name": ("name", "名称"),
    "level": ("level", "层级"),
    "parent": ("parent", "parent_code", "上级代码", "上级"),
    "geometry": ("geometry", "边界", "几何"),
}
_HEADER_TO_COLUMN = {syn.lower(): col for col, syns in COLUMN_SYNONYMS.items() for syn in syns}

# The words a file may write in the level column: the level they name and the kinds they allow
# (empty: any kind of the level, the code or the area already stored decides). A word that names
# a kind must agree with what the code says (GB/T 10114 ranges, ``models.CODE_KIND_RANGES``).
LEVEL_WORDS: dict[str, tuple[Level, tuple[Kind, ...]]] = {
    **dict.fromkeys(("district", "区县", "区", "县", "县级"), (Level.DISTRICT, ())),
    **dict.fromkeys(("street", "乡镇街道", "街道/乡镇", "乡镇（街道）", "乡级"), (Level.STREET, ())),
    **dict.fromkeys(("subdistrict", "街道", "街道办事处"), (Level.STREET, (Kind.SUBDISTRICT,))),
    **dict.fromkeys(("town", "镇"), (Level.STREET, (Kind.TOWN,))),
    **dict.fromkeys(("township", "乡", "民族乡"), (Level.STREET, (Kind.TOWNSHIP,))),
    "乡镇": (Level.STREET, (Kind.TOWN, Kind.TOWNSHIP)),
    **dict.fromkeys(("community", "村居", "社区/村", "村（社区）", "村级"), (Level.COMMUNITY, ())),
    **dict.fromkeys(("neighbourhood", "neighborhood", "社区", "居委会", "社区居委会", "居民委员会"),
                    (Level.COMMUNITY, (Kind.NEIGHBOURHOOD,))),
    **dict.fromkeys(("village", "村", "村委会", "行政村", "村民委员会"), (Level.COMMUNITY, (Kind.VILLAGE,))),
    **dict.fromkeys(("grid", "网格", "网格/村民小组"), (Level.GRID, ())),
    **dict.fromkeys(("villager_group", "村民小组", "村民组"), (Level.GRID, (Kind.VILLAGER_GROUP,))),
}
LEVEL_SYNONYMS = {word: level for word, (level, _kinds) in LEVEL_WORDS.items()}
LEVEL_WORDS_HELP = gettext_lazy("区县、街道、镇、乡、社区、村、网格、村民小组 或 district/street/community/grid")

_DIGITS = re.compile(r"[0-9]+")

# explain_validity() speaks GEOS English; the reason is shown in Chinese with the original after it.
_VALIDITY_REASONS = [
    ("Ring Self-intersection", gettext_lazy("环自相交")),
    ("Self-intersection", gettext_lazy("自相交")),
    ("Too few points", gettext_lazy("顶点过少")),
    ("Hole lies outside shell", gettext_lazy("内环位于外环之外")),
    ("Nested holes", gettext_lazy("内环相互嵌套")),
    ("Interior is disconnected", gettext_lazy("内部不连通")),
    ("Nested shells", gettext_lazy("外环相互嵌套")),
    ("Duplicate Rings", gettext_lazy("环重复")),
    ("Invalid Coordinate", gettext_lazy("坐标无效")),
]


class ImportFileError(Exception):
    """The file as a whole cannot be read (encoding, syntax, shape); no row can be checked."""


@dataclass(frozen=True, order=True)
class RowError:
    """One problem: the row as the user sees it, the column as named in the file, the reason."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.message}"


@dataclass
class SourceRow:
    """One data row (CSV line or GeoJSON feature) as read, before any check."""

    number: int
    code: str = ""
    name: str = ""
    level: str = ""
    parent: str = ""
    geometry: Any = None


@dataclass
class ParsedFile:
    format: str
    rows: list[SourceRow]
    columns: dict[str, str] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)

    def column(self, name: str) -> str:
        """The column (or property) name as the file spells it, for error messages."""
        return self.columns.get(name, name)


@dataclass
class PlannedArea:
    """A row that passed every check, with what importing it would do."""

    number: int
    code: str
    name: str
    level: str
    parent: str
    geometry: dict | None
    shape: BaseGeometry | None
    kind: str = ""
    existing: Area | None = None
    action: str = ""
    changes: tuple[str, ...] = ()


@dataclass
class ImportPlan:
    rows: int
    errors: list[RowError]
    areas: list[PlannedArea]

    @property
    def ok(self) -> bool:
        return not self.errors


# --- Reading ----------------------------------------------------------------------------------


def parse(data: bytes, filename: str = "") -> ParsedFile:
    """Read CSV or GeoJSON bytes; ``ImportFileError`` when the file itself is unreadable."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            _("文件不是 UTF-8 编码（第 %(pos)d 个字节无法识别）。在 Excel 中请另存为“CSV UTF-8”。")
            % {"pos": exc.start + 1}
        ) from exc
    if not text.strip():
        raise ImportFileError(_("文件为空。"))
    lowered = filename.lower()
    if lowered.endswith((".geojson", ".json")) or (not lowered.endswith(".csv") and text.lstrip().startswith("{")):
        return parse_geojson(text)
    return parse_csv(text)


def parse_csv(text: str) -> ParsedFile:
    # Polygons make long cells; the csv module's default limit (128 KiB) is only ever raised here.
    csv.field_size_limit(max(csv.field_size_limit(), 256 * 1024 * 1024))
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        records = list(reader)
    except csv.Error as exc:
        raise ImportFileError(_("CSV 格式错误（第 %(line)d 行附近）：%(error)s") % {
            "line": reader.line_num, "error": exc}) from exc
    if not records or not any(cell.strip() for cell in records[0]):
        raise ImportFileError(_("第 1 行应为表头（code,name,level,parent,geometry）。"))
    header = [cell.strip().lstrip("\ufeff") for cell in records[0]]
    parsed = ParsedFile(format="csv", rows=[])
    positions: dict[str, int] = {}
    for index, title in enumerate(header):
        column = _HEADER_TO_COLUMN.get(title.lower())
        if column is None:
            continue
        if column in positions:
            parsed.errors.append(RowError(1, title, _("列重复：“%(a)s”与“%(b)s”表示同一列。") % {
                "a": header[positions[column]], "b": title}))
            continue
        positions[column] = index
        parsed.columns[column] = title
    for column in REQUIRED_COLUMNS:
        if column not in positions:
            parsed.errors.append(RowError(1, column, _("缺少必需的列 %(column)s（%(synonyms)s）。") % {
                "column": column, "synonyms": "/".join(COLUMN_SYNONYMS[column][1:])}))
    if parsed.errors:
        parsed.rows = [SourceRow(number) for number, rec in enumerate(records[1:], start=2) if _has_content(rec)]
        return parsed
    for number, record in enumerate(records[1:], start=2):
        if not _has_content(record):
            continue

        def cell(column: str, record=record) -> str:
            index = positions.get(column)
            return record[index].strip() if index is not None and index < len(record) else ""

        parsed.rows.append(SourceRow(
            number=number, code=cell("code"), name=csv_unescape(cell("name")), level=cell("level"),
            parent=cell("parent"),
            geometry=cell("geometry") or None,
        ))
    return parsed


def csv_unescape(text: str) -> str:
    """Undo the exporter's formula guard: ``'=abc`` → ``=abc`` (only before a formula character)."""
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@":
        return text[1:]
    return text


def _has_content(record: list[str]) -> bool:
    return any(cell.strip() for cell in record)


def parse_geojson(text: str) -> ParsedFile:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError(_("GeoJSON 语法错误（第 %(line)d 行第 %(col)d 列）：%(error)s") % {
            "line": exc.lineno, "col": exc.colno, "error": exc.msg}) from exc
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise ImportFileError(_("GeoJSON 文件的顶层应为 FeatureCollection。"))
    features = document.get("features")
    if not isinstance(features, list):
        raise ImportFileError(_("GeoJSON 文件缺少 features 数组。"))
    parsed = ParsedFile(format="geojson", rows=[])
    seen_keys: dict[str, str] = {}
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            parsed.rows.append(SourceRow(number))
            parsed.errors.append(RowError(number, "type", _("不是 GeoJSON Feature。")))
            continue
        properties = feature.get("properties") or {}
        if not isinstance(properties, dict):
            properties = {}
        values: dict[str, str] = {}
        for key, value in properties.items():
            column = _HEADER_TO_COLUMN.get(str(key).strip().lower())
            if column is None or column == "geometry" or column in values:
                continue
            seen_keys.setdefault(column, str(key))
            values[column] = _text(value)
        parsed.rows.append(SourceRow(
            number=number, code=values.get("code", ""), name=values.get("name", ""),
            level=values.get("level", ""), parent=values.get("parent", ""), geometry=feature.get("geometry"),
        ))
    parsed.columns = {**seen_keys, "geometry": "geometry"}
    return parsed


def from_records(records: Iterable[dict]) -> ParsedFile:
    """Rows given as mappings (``code``, ``name``, ``level``, ``parent``, ``geometry``), numbered from 1."""
    rows = [
        SourceRow(number=number, code=_text(rec.get("code")), name=_text(rec.get("name")),
                  level=_text(rec.get("level")), parent=_text(rec.get("parent")),
                  geometry=rec.get("geometry") or None)
        for number, rec in enumerate(records, start=1)
    ]
    return ParsedFile(format="records", rows=rows)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# --- Checking ---------------------------------------------------------------------------------


@dataclass
class _Row:
    source: SourceRow
    level: str | None = None
    kinds: tuple[Kind, ...] = ()  # the kinds the level word allows (empty: any of the level)
    kind: Kind | None = None
    code_ok: bool = False
    duplicate: bool = False
    geometry: dict | None = None
    shape: BaseGeometry | None = None
    geometry_ok: bool = True


def validate(parsed: ParsedFile, *, scope_paths: tuple[str, ...] | None = None) -> ImportPlan:
    """Check every row against the file and the database; plan the writes when all pass.

    ``scope_paths`` limits the rows to the acting user's subtrees (``None``: unrestricted,
    for the management command).
    """
    errors: list[RowError] = list(parsed.errors)
    if parsed.errors and any(e.row == 1 for e in parsed.errors) and parsed.format == "csv":
        return ImportPlan(rows=len(parsed.rows), errors=sorted(errors), areas=[])

    def fail(row: _Row, column: str, message: str) -> None:
        errors.append(RowError(row.source.number, parsed.column(column), message))

    unreadable = {e.row for e in parsed.errors}
    rows = [_Row(source) for source in parsed.rows if source.number not in unreadable]
    first: dict[str, _Row] = {}
    for row in rows:
        _check_fields(row, fail)
        code = row.source.code
        if code:
            if code in first:
                row.duplicate = True
                fail(row, "code", _("代码 %(code)s 重复（第 %(row)d 行已有）。") % {
                    "code": code, "row": first[code].source.number})
            else:
                first[code] = row

    wanted = {r.source.code for r in rows if r.source.code} | {r.source.parent for r in rows if r.source.parent}
    existing = _load_existing(wanted)

    for row in rows:
        if not row.duplicate:
            _check_kind(row, existing, fail)
    for row in rows:
        if not row.duplicate:
            _check_parent(row, first, existing, fail)

    paths, containers = _PathResolver(first, existing), _Containers(first, existing)
    for row in rows:
        if row.duplicate or row.level is None:
            continue
        if row.shape is not None and row.level == Level.GRID:
            _check_grid_inside(row, first, existing, containers, fail)
        if scope_paths is not None:
            path = paths.path(row.source.code)
            if path is not None and not any(path.startswith(p) for p in scope_paths):
                fail(row, "code", _("区划 %(code)s 不在您的管辖范围内。") % {"code": row.source.code})
    _check_existing_grids_stay_inside(rows, first, existing, containers, fail)

    errors = sorted(set(errors))
    if errors:
        return ImportPlan(rows=len(parsed.rows), errors=errors, areas=[])
    return ImportPlan(rows=len(parsed.rows), errors=[], areas=_plan(rows, existing))


def _check_fields(row: _Row, fail) -> None:
    src = row.source
    raw_level = src.level.strip()
    level, row.kinds = LEVEL_WORDS.get(raw_level.lower(), (None, ()))
    if not raw_level:
        fail(row, "level", _("层级为空（应为 %(words)s）。") % {"words": LEVEL_WORDS_HELP})
    elif level is None:
        fail(row, "level", _("无法识别的层级“%(level)s”（应为 %(words)s）。") % {
            "level": raw_level, "words": LEVEL_WORDS_HELP})
    row.level = level

    if not src.code:
        fail(row, "code", _("代码为空。"))
    elif not _DIGITS.fullmatch(src.code):
        fail(row, "code", _("代码“%(code)s”只能由数字组成（在 Excel 中请把该列设为文本格式）。") % {"code": src.code})
    elif level is not None and len(src.code) != CODE_LENGTH[level]:
        fail(row, "code", _("%(level)s代码应为 %(want)d 位数字，“%(code)s”为 %(got)d 位。") % {
            "level": _word(row), "want": CODE_LENGTH[level], "code": src.code, "got": len(src.code)})
    else:
        row.code_ok = True

    if not src.name:
        fail(row, "name", _("名称为空。"))
    elif len(src.name) > NAME_MAX_LENGTH:
        fail(row, "name", _("名称过长（最多 %(max)d 个字符）。") % {"max": NAME_MAX_LENGTH})

    if src.parent and not _DIGITS.fullmatch(src.parent):
        fail(row, "parent", _("上级代码“%(code)s”只能由数字组成。") % {"code": src.parent})

    _check_geometry(row, fail)


def _word(row: _Row) -> str:
    """The row's area named as pages name it: its kind once known (镇, 村…), else its level."""
    if row.kind is not None:
        return str(row.kind.label)
    if len(row.kinds) == 1:
        return str(row.kinds[0].label)
    return str(row.level.label) if row.level is not None else ""


def _check_kind(row: _Row, existing: dict[str, Area], fail) -> None:
    """Settle the row's kind: what the code says, which a word naming a kind must agree with."""
    level, src = row.level, row.source
    if level is None:
        return
    stated = kind_from_code(src.code, level) if row.code_ok else None
    word = src.level.strip()
    digits = src.code[-3:]
    if row.kinds and stated is not None and stated not in row.kinds:
        fail(row, "level", _("层级“%(word)s”与代码不符：代码 %(code)s 末三位 %(digits)s 表示%(stated)s（%(range)s），"
                             "%(want_word)s的代码末三位应为 %(want)s。") % {
            "word": word, "code": src.code, "digits": digits, "stated": stated.label,
            "range": code_range_text(stated), "want_word": "、".join(str(k.label) for k in row.kinds),
            "want": "、".join(code_range_text(k) for k in row.kinds)})
        return
    if stated is not None:
        row.kind = stated
    elif len(row.kinds) == 1:
        row.kind = row.kinds[0]
    elif row.kinds:
        if row.code_ok:
            fail(row, "level", _("层级“%(word)s”无法确定是%(kinds)s：代码 %(code)s 末三位 %(digits)s 不在 %(ranges)s 之内，"
                                 "请直接写明%(kinds)s。") % {
                "word": word, "code": src.code, "digits": digits,
                "kinds": "、".join(f"“{k.label}”" for k in row.kinds),
                "ranges": "、".join(f"{code_range_text(k)}（{k.label}）" for k in row.kinds)})
    else:
        current = existing.get(src.code)
        kinds = KINDS_OF_LEVEL[level]
        row.kind = Kind(current.kind) if current is not None and current.kind in kinds else kinds[0]


def _check_geometry(row: _Row, fail) -> None:
    raw = row.source.geometry
    if raw is None:
        return
    row.geometry_ok = False
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as exc:
            fail(row, "geometry", _("不是有效的 GeoJSON（JSON 语法错误，第 %(pos)d 个字符附近：%(error)s）。") % {
                "pos": exc.pos + 1, "error": exc.msg})
            return
    if not isinstance(raw, dict) or "type" not in raw:
        fail(row, "geometry", _("不是有效的 GeoJSON 几何对象（缺少 type）。"))
        return
    if raw.get("type") not in POLYGON_TYPES:
        fail(row, "geometry", _("几何类型应为 Polygon 或 MultiPolygon，实际为 %(type)s。") % {"type": raw.get("type")})
        return
    try:
        geom = shape(raw)
    except _SHAPE_ERRORS as exc:
        fail(row, "geometry", _("不是有效的 GeoJSON 几何（坐标格式错误：%(error)s）。") % {"error": exc})
        return
    if geom.is_empty:
        fail(row, "geometry", _("几何为空（没有坐标）。"))
        return
    coords = shapely.get_coordinates(geom)
    finite = all(math.isfinite(v) for v in coords.ravel())
    if not finite or (abs(coords[:, 0]) > 180).any() or (abs(coords[:, 1]) > 90).any():
        fail(row, "geometry", _("坐标超出 WGS84 经纬度范围（经度 -180~180，纬度 -90~90）；是否使用了投影坐标？"))
        return
    if not geom.is_valid:
        detail = explain_validity(geom)
        reason = next((zh for en, zh in _VALIDITY_REASONS if detail.startswith(en)), _("几何无效"))
        fail(row, "geometry", _("多边形无效：%(reason)s（%(detail)s）。") % {"reason": reason, "detail": detail})
        return
    row.geometry = {"type": raw["type"], "coordinates": raw["coordinates"]}
    row.shape = geom
    row.geometry_ok = True


def _load_existing(codes: Iterable[str]) -> dict[str, Area]:
    codes = sorted(codes)
    existing: dict[str, Area] = {}
    for start in range(0, len(codes), LOOKUP_CHUNK):
        chunk = codes[start:start + LOOKUP_CHUNK]
        for area in Area.objects.filter(code__in=chunk).select_related("parent").defer("parent__geometry"):
            existing[area.code] = area
    return existing


def _check_parent(row: _Row, first: dict[str, _Row], existing: dict[str, Area], fail) -> None:
    src, level = row.source, row.level
    if level is None:
        return
    current = existing.get(src.code)
    if current is not None and current.level != level:
        fail(row, "level", _("区划 %(code)s 已存在且为%(old)s，不能改为%(new)s。") % {
            "code": src.code, "old": current.kind_label, "new": _word(row)})
        return
    if level == Level.DISTRICT:
        if src.parent:
            fail(row, "parent", _("区县是最高层级，上级代码应留空。"))
        return
    want = PARENT_LEVEL[level]
    if not src.parent:
        fail(row, "parent", _("缺少上级代码（%(level)s的上级应为%(parent)s）。") % {
            "level": _word(row), "parent": want.label})
        return
    if not _DIGITS.fullmatch(src.parent):
        return
    in_file, in_db = first.get(src.parent), existing.get(src.parent)
    if in_file is None and in_db is None:
        fail(row, "parent", _("上级代码 %(code)s 不存在（数据库和本文件中均未找到）。") % {"code": src.parent})
        return
    parent_level = in_file.level if in_file is not None else in_db.level
    if parent_level is None:
        return
    parent_word = _word(in_file) if in_file is not None else in_db.kind_label
    if parent_level != want:
        fail(row, "parent", _("上级 %(code)s 是%(got)s，%(level)s的上级应为%(want)s。") % {
            "code": src.parent, "got": parent_word, "level": _word(row), "want": want.label})
        return
    parent_kind = in_file.kind if in_file is not None else (in_db.kind or None)
    if row.kind == Kind.VILLAGER_GROUP and parent_kind is not None and parent_kind != Kind.VILLAGE:
        fail(row, "parent", _("上级 %(code)s 是%(got)s；村民小组只能属于村（村民委员会）。") % {
            "code": src.parent, "got": parent_word})
        return
    if row.code_ok and not src.code.startswith(src.parent):
        fail(row, "code", _("代码 %(code)s 应以上级代码 %(parent)s 开头。") % {"code": src.code, "parent": src.parent})
        return
    if current is not None:
        current_parent = current.parent.code if current.parent_id else ""
        if current_parent != src.parent:
            fail(row, "parent", _("区划 %(code)s 已存在，上级为 %(old)s；导入不支持调整上级（下级路径会随之失效）。") % {
                "code": src.code, "old": current_parent or "—"})


class _PathResolver:
    """The materialised path a row would get, from the database or from its parents in the file."""

    def __init__(self, first: dict[str, _Row], existing: dict[str, Area]):
        self.first, self.existing, self.cache = first, existing, {}

    def path(self, code: str) -> str | None:
        if code in self.cache:
            return self.cache[code]
        result = None
        if code in self.existing:
            result = self.existing[code].path
        elif code in self.first and self.first[code].level is not None:
            row = self.first[code]
            if row.level == Level.DISTRICT:
                result = f"/{code}/"
            else:
                parent = self.first.get(row.source.parent)
                parent_ok = parent is None or parent.level == PARENT_LEVEL[row.level]
                # Levels strictly decrease towards the root, so this recursion ends.
                parent_path = self.path(row.source.parent) if row.source.parent and parent_ok else None
                result = f"{parent_path}{code}/" if parent_path else None
        self.cache[code] = result
        return result


_SHAPE_ERRORS = (KeyError, TypeError, ValueError, IndexError, AttributeError, shapely.errors.ShapelyError)


def _stored_shape(geometry: Any) -> BaseGeometry | None:
    try:
        geom = shape(geometry)
    except _SHAPE_ERRORS:
        return None
    return geom if geom.is_valid and not geom.is_empty else None


class _Container:
    """A community boundary, widened by the tolerance once and prepared for many ``covers`` tests."""

    def __init__(self, outer: BaseGeometry):
        self.outer = outer
        self.widened = outer.buffer(GRID_TOLERANCE_DEGREES)
        shapely.prepare(self.widened)

    def outside_share(self, inner: BaseGeometry) -> float | None:
        """Share of ``inner`` outside (0..1), or None when it lies inside within the tolerance."""
        if self.widened.covers(inner):
            return None
        return inner.difference(self.outer).area / inner.area if inner.area else 1.0


class _Containers:
    """Each community's boundary as the import would leave it: from the file, else as stored."""

    def __init__(self, first: dict[str, _Row], existing: dict[str, Area]):
        self.first, self.existing, self.cache = first, existing, {}

    def get(self, code: str) -> _Container | None:
        if code not in self.cache:
            row, area = self.first.get(code), self.existing.get(code)
            outer = None
            if row is not None and row.shape is not None:
                outer = row.shape
            elif (row is None or row.source.geometry is None) and area is not None and area.geometry:
                outer = _stored_shape(area.geometry)
            self.cache[code] = _Container(outer) if outer is not None else None
        return self.cache[code]


def _check_grid_inside(row: _Row, first: dict[str, _Row], existing: dict[str, Area], containers: _Containers,
                       fail) -> None:
    parent_code = row.source.parent
    parent_row, parent_area = first.get(parent_code), existing.get(parent_code)
    if parent_row is not None and (not parent_row.geometry_ok or parent_row.level != Level.COMMUNITY):
        return
    if parent_row is None and (parent_area is None or parent_area.level != Level.COMMUNITY):
        return
    community = containers.get(parent_code)
    share = community.outside_share(row.shape) if community is not None else None
    if share is not None:
        fail(row, "geometry", _("%(grid)s边界超出所属%(community)s %(parent)s 的边界（超出部分约占%(grid)s面积的 %(share).1f%%）。")
             % {"grid": _word(row), "community": _word(parent_row) if parent_row is not None else parent_area.kind_label,
                "parent": parent_code, "share": share * 100})


def _check_existing_grids_stay_inside(rows: list[_Row], first: dict[str, _Row], existing: dict[str, Area],
                                      containers: _Containers, fail) -> None:
    """A community's new boundary must still hold its grids that the file does not redraw."""
    communities = {
        r.source.code: r for r in rows
        if r.level == Level.COMMUNITY and r.shape is not None and not r.duplicate and r.code_ok
        and (r.source.code not in existing or existing[r.source.code].geometry != r.geometry)
    }
    codes = sorted(communities)
    for start in range(0, len(codes), LOOKUP_CHUNK):
        grids = (Area.objects.filter(level=Level.GRID, parent__code__in=codes[start:start + LOOKUP_CHUNK],
                                     geometry__isnull=False)
                 .values_list("code", "name", "geometry", "parent__code"))
        for code, name, geometry, parent_code in grids:
            redrawn = first.get(code)
            if redrawn is not None and redrawn.source.geometry is not None:
                continue
            grid = _stored_shape(geometry)
            share = containers.get(parent_code).outside_share(grid) if grid is not None else None
            if share is not None:
                fail(communities[parent_code], "geometry",
                     _("新边界没有包含已有网格 %(code)s（%(name)s），超出部分约占该网格面积的 %(share).1f%%。") % {
                         "code": code, "name": name, "share": share * 100})


# --- Planning ---------------------------------------------------------------------------------


def centroid_of(geom: BaseGeometry) -> tuple[float, float]:
    """The centroid, or a point surely inside when the centroid falls outside (a crescent)."""
    point = geom.centroid
    if not geom.contains(point):
        point = geom.representative_point()
    return round(point.x, 6), round(point.y, 6)


def _plan(rows: list[_Row], existing: dict[str, Area]) -> list[PlannedArea]:
    order = {level: index for index, level in enumerate(LEVEL_ORDER)}
    planned = []
    for row in sorted(rows, key=lambda r: (order[r.level], r.source.number)):
        src = row.source
        item = PlannedArea(number=src.number, code=src.code, name=src.name, level=row.level, parent=src.parent,
                           geometry=row.geometry, shape=row.shape, kind=row.kind or "",
                           existing=existing.get(src.code))
        current = item.existing
        if current is None:
            item.action = "created"
        else:
            changes = []
            if current.name != item.name:
                changes.append("name")
            if item.geometry is not None and (current.geometry != item.geometry or current.centroid is None):
                changes.append("geometry")
            if item.kind and current.kind != item.kind:
                changes.append("kind")
            item.changes = tuple(changes)
            item.action = "updated" if changes else "unchanged"
        planned.append(item)
    return planned
