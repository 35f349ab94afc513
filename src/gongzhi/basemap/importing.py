"""Reading a road/river layer file: GeoJSON or a zipped Shapefile (``pyshp``), into features with a
name, checked one by one (numbered from 1 as GIS tools number them) with the reason for each one
refused.

Files reach this module only after ``core.uploads`` has checked them (``MAP_LAYER``: size, type,
and for a zip its directory — member count, names, unpacked size — before any member is read).

Coordinates must be longitude/latitude on WGS-84 or CGCS2000 (the two agree within centimetres at
map scale). A ``.prj`` naming a projected system (``PROJCS``, e.g. CGCS2000 / 3-degree
Gauss-Kruger) or another datum (Beijing 1954, Xian 1980) is refused with a clear message, as are
coordinates outside longitude/latitude ranges when there is no ``.prj``.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gongzhi.core import geo

from .models import GEOMETRY_TYPES

NAME_FIELDS = ("name", "NAME", "Name", "名称", "路名", "道路名称", "河流名称", "ROADNAME", "RoadName", "road_name",
               "MC", "mc")
ACCEPTED_DATUMS = ("WGS_1984", "WGS 84", "WGS84", "CGCS2000", "CGCS_2000", "China_2000", "China Geodetic Coordinate "
                   "System 2000", "D_China_2000", "GCS_China_Geodetic_Coordinate_System_2000")
GEOJSON_CRS = ("urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:OGC::CRS84", "EPSG:4326", "urn:ogc:def:crs:EPSG::4326",
               "EPSG:4490", "urn:ogc:def:crs:EPSG::4490")
MAX_FEATURES = 50_000
MAX_ERRORS_SHOWN = 200


class LayerFileError(Exception):
    """The file as a whole cannot be read (a Chinese message)."""


@dataclass
class ReadFeature:
    number: int
    name: str
    geometry: dict


@dataclass
class LayerReport:
    features: list[ReadFeature] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (feature number, reason)
    fields: list[str] = field(default_factory=list)  # the attribute names the file has
    name_field: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.features)


def read_layer(data: bytes, filename: str, *, kind: str, name_field: str = "",
               extent: tuple[float, float, float, float] | None = None) -> LayerReport:
    """Read and check every feature of a layer file (``data``, already through the upload guard)."""
    if filename.lower().endswith(".zip"):
        records, fields = _shapefile_records(data)
    else:
        records, fields = _geojson_records(data)
    report = LayerReport(fields=fields)
    report.name_field = _name_field(name_field, fields)
    allowed = GEOMETRY_TYPES[kind]
    for number, (geometry, attributes) in enumerate(records, start=1):
        if number > MAX_FEATURES:
            raise LayerFileError(_("图层要素过多（超过 %(n)d 个），请分文件导入。") % {"n": MAX_FEATURES})
        if geometry is None:
            report.errors.append((number, _("没有几何（空要素）")))
            continue
        try:
            geometry = geo.validate_geometry(_two_d(geometry), allowed)
        except ValidationError as error:
            report.errors.append((number, " ".join(error.messages)))
            continue
        if extent is not None and not _overlaps(geo.bbox_of(geometry), extent):
            report.errors.append((number, _("不在本区范围内（请检查坐标系或是否选错了文件）")))
            continue
        name = str(attributes.get(report.name_field) or "").strip()[:100] if report.name_field else ""
        report.features.append(ReadFeature(number, name, geometry))
    if not report.features and not report.errors:
        raise LayerFileError(_("文件中没有要素。"))
    return report


def _name_field(chosen: str, fields: list[str]) -> str:
    if chosen:
        if chosen not in fields:
            raise LayerFileError(_("文件中没有名称字段“%(field)s”。可用字段：%(fields)s") % {
                "field": chosen, "fields": "、".join(fields) or _("（无）")})
        return chosen
    return next((f for f in NAME_FIELDS if f in fields), "")


def _overlaps(a, b) -> bool:
    return a[0] <= b[2] and a[2] >= b[0] and a[1] <= b[3] and a[3] >= b[1]


def _two_d(geometry: dict) -> dict:
    """Drop Z and M values: the map is flat."""
    def strip(value):
        if isinstance(value, (list, tuple)) and value and isinstance(value[0], (int, float)):
            return [value[0], value[1]] if len(value) >= 2 else list(value)
        if isinstance(value, (list, tuple)):
            return [strip(v) for v in value]
        return value
    if not isinstance(geometry, dict):
        return geometry
    return {"type": geometry.get("type"), "coordinates": strip(geometry.get("coordinates"))}


# --- GeoJSON ---------------------------------------------------------------------------------------

def _geojson_records(data: bytes):
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise LayerFileError(_("文件不是有效的 GeoJSON（须为 UTF-8 编码的 JSON）。")) from None
    if not isinstance(document, dict):
        raise LayerFileError(_("文件不是有效的 GeoJSON。"))
    crs = document.get("crs")
    if isinstance(crs, dict):
        name = str((crs.get("properties") or {}).get("name", ""))
        if name and name not in GEOJSON_CRS:
            raise LayerFileError(_("坐标系“%(crs)s”不支持：请导出为 WGS-84（EPSG:4326）或 CGCS2000（EPSG:4490）经纬度坐标。")
                                 % {"crs": name[:80]})
    kind = document.get("type")
    if kind == "FeatureCollection":
        items = document.get("features")
        if not isinstance(items, list):
            raise LayerFileError(_("文件不是有效的 GeoJSON（features 不是列表）。"))
    elif kind == "Feature":
        items = [document]
    elif kind in ("LineString", "MultiLineString", "Polygon", "MultiPolygon"):
        items = [{"type": "Feature", "geometry": document, "properties": {}}]
    else:
        raise LayerFileError(_("文件不是有效的 GeoJSON（type 应为 FeatureCollection）。"))
    fields: list[str] = []
    records = []
    for item in items:
        item = item if isinstance(item, dict) else {}
        properties = item.get("properties") if isinstance(item.get("properties"), dict) else {}
        for key in properties:
            if key not in fields and len(fields) < 200:
                fields.append(str(key))
        records.append((item.get("geometry"), properties))
    return records, fields


# --- Shapefile -------------------------------------------------------------------------------------

def _shapefile_records(data: bytes):
    import shapefile

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = {info.filename.rsplit("/", 1)[-1].lower(): info for info in archive.infolist()
                   if not info.is_dir() and not info.filename.startswith("__MACOSX")
                   and not info.filename.rsplit("/", 1)[-1].startswith(".")}
        shp_name = next(n for n in members if n.endswith(".shp"))
        stem = shp_name[:-4]

        def part(ext: str) -> bytes | None:
            info = members.get(stem + ext)
            return archive.read(info) if info is not None else None  # sizes checked by the upload guard
        shp, shx, dbf, prj, cpg = (part(e) for e in (".shp", ".shx", ".dbf", ".prj", ".cpg"))
    except (zipfile.BadZipFile, StopIteration, OSError, EOFError, ValueError, NotImplementedError):
        raise LayerFileError(_("压缩包已损坏或不是 Shapefile。")) from None
    if prj:
        _check_prj(prj.decode("latin-1", errors="replace"))
    encoding = _encoding(cpg)
    try:
        reader = shapefile.Reader(shp=io.BytesIO(shp), shx=io.BytesIO(shx), dbf=io.BytesIO(dbf), encoding=encoding,
                                  encodingErrors="replace")
        if reader.shapeType not in (shapefile.POLYLINE, shapefile.POLYLINEZ, shapefile.POLYLINEM, shapefile.POLYGON,
                                    shapefile.POLYGONZ, shapefile.POLYGONM, shapefile.NULL):
            raise LayerFileError(_("Shapefile 的几何类型是“%(kind)s”，底图图层须为线或面。") % {"kind": reader.shapeTypeName})
        fields = [f[0] for f in reader.fields[1:]]
        if len(reader) > MAX_FEATURES:
            raise LayerFileError(_("图层要素过多（超过 %(n)d 个），请分文件导入。") % {"n": MAX_FEATURES})
        records = []
        for shape_record in reader.iterShapeRecords():
            shape = shape_record.shape
            geometry = None if shape.shapeType == shapefile.NULL or not shape.points else shape.__geo_interface__
            records.append((geometry, shape_record.record.as_dict()))
    except LayerFileError:
        raise
    except Exception:  # pyshp raises plain exceptions on damaged files
        raise LayerFileError(_("Shapefile 无法读取（文件已损坏，或 .shp/.shx/.dbf 不匹配）。")) from None
    return records, fields


def _encoding(cpg: bytes | None) -> str:
    """The .dbf text encoding: the .cpg's word, else UTF-8 (GBK files name themselves in .cpg)."""
    if cpg:
        word = cpg.decode("ascii", errors="ignore").strip().lower()
        aliases = {"936": "gbk", "cp936": "gbk", "gbk": "gbk", "gb2312": "gbk", "gb18030": "gb18030", "utf-8": "utf-8",
                   "utf8": "utf-8", "65001": "utf-8"}
        if word in aliases:
            return aliases[word]
    return "utf-8"


def _check_prj(wkt: str) -> None:
    """Refuse projected systems and datums other than WGS-84 and CGCS2000."""
    text = wkt.strip()
    if re.match(r"^\s*PROJCS\[|^\s*PROJCRS\[", text, re.IGNORECASE):
        name = re.search(r'PROJC(?:RS|S)\["([^"]*)"', text, re.IGNORECASE)
        raise LayerFileError(_("坐标系“%(name)s”是投影坐标（平面米制），不能直接导入：请在地理信息软件中转换为 WGS-84 或 CGCS2000 "
                               "经纬度坐标后再导入。") % {"name": (name.group(1) if name else "PROJCS")[:80]})
    if not re.match(r"^\s*GEOG(?:CS|CRS)\[", text, re.IGNORECASE):
        raise LayerFileError(_(".prj 文件无法识别：请导出为 WGS-84 或 CGCS2000 经纬度坐标。"))
    if not any(datum.lower() in text.lower() for datum in ACCEPTED_DATUMS):
        name = re.search(r'GEOG(?:CS|CRS)\["([^"]*)"', text, re.IGNORECASE)
        raise LayerFileError(_("坐标系“%(name)s”不支持：只接受 WGS-84 或 CGCS2000 经纬度坐标（北京 54、西安 80 须先转换）。")
                             % {"name": (name.group(1) if name else "")[:80]})
