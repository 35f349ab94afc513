"""Export of the visible subtree (CSV and GeoJSON) and its round trip through the importer."""

from __future__ import annotations

import csv
import io
import json

import pytest

from gongzhi.areas.models import Area
from gongzhi.areas.services import export_areas, import_areas
from gongzhi.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_csv_export_has_a_bom_the_header_and_parents_before_children(demo):
    text, count = export_areas(actor=None, fmt="csv")

    assert text.startswith("\ufeffcode,name,level,parent,geometry\r\n")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert count == len(rows) == 151
    seen = set()
    for row in rows:
        assert row["parent"] in seen or row["level"] == "district"
        seen.add(row["code"])
    grid = next(r for r in rows if r["code"] == "34170200100101")
    assert grid["name"] == "幸福社区第01网格" and grid["parent"] == "341702001001"
    assert json.loads(grid["geometry"]) == Area.objects.get(code="34170200100101").geometry


def test_geojson_export_is_a_feature_collection(demo):
    text, count = export_areas(actor=None, fmt="geojson")

    document = json.loads(text)
    assert document["type"] == "FeatureCollection" and count == len(document["features"]) == 151
    first = document["features"][0]
    assert first["properties"] == {"code": "341702", "name": "示范区", "level": "district", "parent": ""}
    assert first["geometry"]["type"] == "Polygon"


@pytest.mark.parametrize("fmt, filename", [("csv", "areas.csv"), ("geojson", "areas.geojson")])
def test_export_reimports_with_zero_changes(demo, fmt, filename):
    text, _count = export_areas(actor=demo.users["district"], fmt=fmt)
    stamps = dict(Area.objects.values_list("code", "updated_at"))

    report = import_areas(actor=demo.users["district"], file=text.encode("utf-8"), filename=filename)

    assert report.ok, report.errors[:3]
    assert report.counts() == {"rows": 151, "created": 0, "updated": 0, "unchanged": 151, "failed": 0}
    assert dict(Area.objects.values_list("code", "updated_at")) == stamps


def test_export_is_scoped_to_the_users_subtree(demo):
    street_text, street_count = export_areas(actor=demo.users["street"], fmt="csv")
    grid_text, grid_count = export_areas(actor=demo.users["grid"], fmt="geojson")

    assert street_count == 45
    codes = [r["code"] for r in csv.DictReader(io.StringIO(street_text.lstrip("\ufeff")))]
    assert all(c.startswith("341702001") for c in codes)
    assert grid_count == 1
    assert json.loads(grid_text)["features"][0]["properties"]["code"] == "34170200100101"


def test_street_export_reimports_unchanged_by_a_district_admin(demo):
    text, _count = export_areas(actor=demo.users["street"], fmt="csv")

    report = import_areas(actor=demo.users["district"], file=text.encode(), filename="street.csv")

    assert report.counts()["unchanged"] == 45 and report.ok


def test_a_web_export_is_audited(demo):
    export_areas(actor=demo.users["street"], fmt="geojson")

    entry = AuditEntry.objects.latest("seq")
    assert entry.action == "areas.export" and entry.actor == demo.users["street"]
    assert entry.after == {"format": "geojson", "rows": 45, "root": ""}


def test_csv_export_neutralises_formulas_and_still_round_trips(demo):
    Area.objects.filter(code="341702001001").update(name="=HYPERLINK(\"http://x\")社区")
    text, _count = export_areas(actor=demo.users["district"], fmt="csv")
    row = next(r for r in csv.reader(io.StringIO(text.lstrip("\ufeff"))) if r[0] == "341702001001")
    assert row[1].startswith("'=")

    report = import_areas(actor=demo.users["district"], file=text.encode("utf-8"), filename="areas.csv")

    assert report.ok and report.counts()["updated"] == 0
    assert Area.objects.get(code="341702001001").name == "=HYPERLINK(\"http://x\")社区"
