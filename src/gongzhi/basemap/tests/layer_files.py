"""Layer files for the import tests: GeoJSON and zipped Shapefiles built in memory with pyshp."""

from __future__ import annotations

import io
import json
import zipfile
from functools import lru_cache

import shapefile

WGS84_PRJ = ('GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],'
             'PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]')
CGCS2000_PRJ = ('GEOGCS["China Geodetic Coordinate System 2000",DATUM["China_2000",SPHEROID["CGCS2000",6378137,'
                '298.257222101]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]]')
GAUSS_PRJ = ('PROJCS["CGCS2000_3_Degree_GK_CM_117E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",'
             'DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],'
             'UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],UNIT["Meter",1.0]]')
XIAN80_PRJ = ('GEOGCS["GCS_Xian_1980",DATUM["D_Xian_1980",SPHEROID["Xian_1980",6378140.0,298.257]],'
              'PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]')

ROADS = [("滨湖大道", [[117.41, 30.65], [117.45, 30.651], [117.49, 30.653]]),
         ("学苑路", [[117.43, 30.62], [117.431, 30.66], [117.433, 30.70]])]


def shapefile_zip(roads=ROADS, *, field: str = "路名", prj: str | None = WGS84_PRJ, extra: dict | None = None,
                  folder: str = "") -> bytes:
    shp, shx, dbf = io.BytesIO(), io.BytesIO(), io.BytesIO()
    writer = shapefile.Writer(shp=shp, shx=shx, dbf=dbf, shapeType=shapefile.POLYLINE, encoding="utf-8")
    writer.field(field, "C", size=50)
    writer.field("LEVEL", "N", size=2)
    for name, line in roads:
        writer.line([line])
        writer.record(name, 2)
    writer.close()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{folder}roads.shp", shp.getvalue())
        archive.writestr(f"{folder}roads.shx", shx.getvalue())
        archive.writestr(f"{folder}roads.dbf", dbf.getvalue())
        archive.writestr(f"{folder}roads.cpg", "UTF-8")
        if prj is not None:
            archive.writestr(f"{folder}roads.prj", prj)
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return out.getvalue()


def geojson(features) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False).encode()


def road_feature(name: str, coordinates) -> dict:
    return {"type": "Feature", "properties": {"name": name},
            "geometry": {"type": "LineString", "coordinates": coordinates}}


def zip_of(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


@lru_cache(maxsize=4)
def zip_bomb_shapefile(megabytes: int = 300) -> bytes:
    """A .dbf of zeros that inflates to ``megabytes`` MB from a few hundred kB."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("roads.shp", b"\x00" * 100)
        archive.writestr("roads.shx", b"\x00" * 100)
        with archive.open("roads.dbf", "w", force_zip64=True) as member:
            chunk = b"\x00" * (1024 * 1024)
            for _ in range(megabytes):
                member.write(chunk)
    return out.getvalue()


def zip_with_many_members(count: int = 200) -> bytes:
    return zip_of({f"part{n}.dbf": b"x" for n in range(count)})


def zip_with_traversal() -> bytes:
    return zip_of({"../../etc/roads.shp": b"x", "roads.shx": b"x", "roads.dbf": b"x"})
