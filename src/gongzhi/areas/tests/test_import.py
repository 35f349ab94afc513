"""Importing the hierarchy: every validation rule, all-or-nothing, dry run and idempotent re-import."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied
from shapely.geometry import Point, shape

from gongzhi.areas.importer import GRID_TOLERANCE_DEGREES
from gongzhi.areas.models import Area
from gongzhi.areas.services import ImportFileError, import_areas
from gongzhi.audit.models import AuditEntry

from .builders import NEW_DISTRICT, bowtie, csv_bytes, geojson_bytes, replace, square

pytestmark = pytest.mark.django_db

GRID1, GRID2 = "34170300100101", "34170300100102"
COMMUNITY = "341703001001"


def run(data: bytes, *, filename: str = "areas.csv", actor=None, dry_run: bool = False):
    return import_areas(actor=actor, file=data, filename=filename, dry_run=dry_run)


def where(report) -> list[tuple[int, str]]:
    return [(e.row, e.column) for e in report.errors]


# --- Writing ----------------------------------------------------------------------------------


def test_csv_import_creates_the_hierarchy_with_paths_and_centroids():
    report = run(csv_bytes(NEW_DISTRICT))

    assert report.ok and report.committed
    assert report.counts() == {"rows": 5, "created": 5, "updated": 0, "unchanged": 0, "failed": 0}
    grid = Area.objects.select_related("parent").get(code=GRID1)
    assert grid.path == "/341703/341703001/341703001001/34170300100101/"
    assert grid.parent.code == COMMUNITY and grid.level == "grid"
    assert grid.centroid == [118.025, 31.05]
    assert grid.geometry == NEW_DISTRICT[3][4]
    assert Area.objects.get(code="341703").parent is None


def test_geojson_import_creates_the_same_hierarchy():
    report = run(geojson_bytes(NEW_DISTRICT), filename="areas.geojson")

    assert report.format == "geojson"
    assert report.counts()["created"] == 5
    assert Area.objects.get(code=GRID2).path == "/341703/341703001/341703001001/34170300100102/"


def test_chinese_headers_chinese_levels_and_bom_are_accepted():
    levels = {"district": "区县", "street": "街道", "community": "社区", "grid": "网格"}
    rows = [(c, n, levels[lv], p, g) for c, n, lv, p, g in NEW_DISTRICT]
    report = run(csv_bytes(rows, header=("代码", "名称", "层级", "上级代码", "边界"), bom=True))

    assert report.ok, report.errors
    assert Area.objects.get(code=GRID1).level == "grid"


def test_code_header_synonym_and_missing_optional_columns():
    rows = [(c, n, lv, p) for c, n, lv, p, _g in NEW_DISTRICT]
    report = run(csv_bytes(rows, header=("编码", "name", "level", "parent")))

    assert report.ok, report.errors
    assert Area.objects.get(code=GRID1).geometry is None


def test_rows_in_any_order_are_written_parents_first():
    report = run(csv_bytes(list(reversed(NEW_DISTRICT))))

    assert report.ok, report.errors
    assert Area.objects.get(code=GRID1).path.startswith("/341703/341703001/")


def test_reimport_of_the_same_file_changes_nothing():
    data = csv_bytes(NEW_DISTRICT)
    run(data)
    stamps = dict(Area.objects.values_list("code", "updated_at"))

    again = run(data)

    assert again.counts() == {"rows": 5, "created": 0, "updated": 0, "unchanged": 5, "failed": 0}
    assert Area.objects.count() == 5
    assert dict(Area.objects.values_list("code", "updated_at")) == stamps


def test_changed_name_and_geometry_are_updated_and_the_centroid_recomputed():
    run(csv_bytes(NEW_DISTRICT))
    rows = replace(NEW_DISTRICT, GRID1, name="新苑一格", geometry=square(118.0, 31.0, 118.05, 31.05))

    report = run(csv_bytes(rows))

    assert report.counts() == {"rows": 5, "created": 0, "updated": 1, "unchanged": 4, "failed": 0}
    assert [(c.code, c.action, c.fields) for c in report.changes] == [(GRID1, "updated", ("name", "geometry"))]
    grid = Area.objects.get(code=GRID1)
    assert grid.name == "新苑一格"
    assert grid.centroid == [118.025, 31.025]


def test_an_empty_geometry_cell_keeps_the_stored_boundary():
    run(csv_bytes(NEW_DISTRICT))

    report = run(csv_bytes(replace(NEW_DISTRICT, GRID1, geometry="")))

    assert report.counts()["unchanged"] == 5
    assert Area.objects.get(code=GRID1).geometry == NEW_DISTRICT[3][4]


def test_centroid_of_a_crescent_lies_inside_it():
    crescent = {"type": "Polygon", "coordinates": [[
        [118.0, 31.0], [118.1, 31.0], [118.1, 31.1], [118.0, 31.1], [118.0, 31.09], [118.09, 31.09],
        [118.09, 31.01], [118.0, 31.01], [118.0, 31.0]]]}

    assert run(csv_bytes(replace(NEW_DISTRICT, GRID1, geometry=crescent))).ok

    grid = Area.objects.get(code=GRID1)
    assert shape(crescent).contains(Point(grid.centroid))


def test_new_grid_under_an_existing_community(demo):
    rows = [("34170200100111", "幸福社区第11网格", "grid", "341702001001", square(117.401, 30.701, 117.402, 30.702))]

    report = run(csv_bytes(rows))

    assert report.counts()["created"] == 1
    assert Area.objects.get(code="34170200100111").path == "/341702/341702001/341702001001/34170200100111/"


def test_a_committed_import_records_one_audit_entry_with_the_counts():
    before = AuditEntry.objects.count()

    run(csv_bytes(NEW_DISTRICT), filename="new.csv")

    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.latest("seq")
    assert entry.action == "areas.import" and entry.success
    assert entry.actor is None
    assert entry.after["created"] == 5 and entry.after["filename"] == "new.csv" and entry.after["format"] == "csv"


def test_rows_may_be_given_as_mappings():
    records = [dict(zip(("code", "name", "level", "parent", "geometry"), row)) for row in NEW_DISTRICT]
    records[3]["name"] = ""

    failed = import_areas(actor=None, rows=records, dry_run=True)
    records[3]["name"] = "一格"
    report = import_areas(actor=None, rows=records)

    assert [(e.row, e.column) for e in failed.errors] == [(4, "name")]
    assert report.counts()["created"] == 5 and report.format == "records"


# --- Dry run and all-or-nothing ---------------------------------------------------------------


def test_dry_run_writes_nothing_and_reports_what_would_change():
    before = AuditEntry.objects.count()

    report = run(csv_bytes(NEW_DISTRICT), dry_run=True)

    assert report.ok and report.dry_run and not report.committed
    assert report.counts() == {"rows": 5, "created": 5, "updated": 0, "unchanged": 0, "failed": 0}
    assert Area.objects.count() == 0
    assert AuditEntry.objects.count() == before


def test_one_bad_row_means_nothing_is_written():
    rows = replace(NEW_DISTRICT, GRID2, name="")

    report = run(csv_bytes(rows))

    assert not report.ok and not report.committed
    assert report.counts() == {"rows": 5, "created": 0, "updated": 0, "unchanged": 0, "failed": 1}
    assert Area.objects.count() == 0
    entry = AuditEntry.objects.latest("seq")
    assert entry.action == "areas.import" and not entry.success and entry.after["failed"] == 1


def test_nothing_is_updated_either_when_a_row_fails():
    run(csv_bytes(NEW_DISTRICT))
    rows = replace(replace(NEW_DISTRICT, GRID1, name="改名"), GRID2, level="楼栋")

    report = run(csv_bytes(rows))

    assert where(report) == [(6, "level")]
    assert Area.objects.get(code=GRID1).name == "新苑社区第01网格"


def test_every_failing_row_is_reported_in_one_pass():
    rows = replace(replace(NEW_DISTRICT, "341703001", name=""), GRID2, code="x")

    report = run(csv_bytes(rows))

    assert where(report) == [(3, "name"), (6, "code")]
    assert report.failed == 2


# --- One test per rule --------------------------------------------------------------------------

RULES = {
    "empty code": (replace(NEW_DISTRICT, GRID1, code=""), (5, "code"), "代码为空"),
    "code with letters": (replace(NEW_DISTRICT, GRID1, code="3417030010010A"), (5, "code"), "只能由数字组成"),
    "code length must match level": (replace(NEW_DISTRICT, GRID1, code="341703001001011"), (5, "code"),
                                     "网格/村民小组代码应为 14 位数字"),
    "street code length": (replace(NEW_DISTRICT, "341703001", code="3417030011"), (3, "code"), "街道/乡镇代码应为 9 位数字"),
    "unknown level": (replace(NEW_DISTRICT, GRID1, level="楼栋"), (5, "level"), "无法识别的层级“楼栋”"),
    "empty level": (replace(NEW_DISTRICT, GRID1, level=""), (5, "level"), "层级为空"),
    "empty name": (replace(NEW_DISTRICT, GRID1, name=""), (5, "name"), "名称为空"),
    "name too long": (replace(NEW_DISTRICT, GRID1, name="长" * 101), (5, "name"), "名称过长"),
    "code must extend its parent": (replace(NEW_DISTRICT, GRID1, code="34170300200101"), (5, "code"),
                                    "应以上级代码 341703001001 开头"),
    "unknown parent": (replace(NEW_DISTRICT, GRID1, parent="341703001009"), (5, "parent"),
                       "上级代码 341703001009 不存在"),
    "parent of the wrong level": (replace(NEW_DISTRICT, GRID1, parent="341703001"), (5, "parent"),
                                  "网格的上级应为社区"),
    "district has no parent": (replace(NEW_DISTRICT, "341703", parent="341700"), (2, "parent"), "上级代码应留空"),
    "street needs a parent": (replace(NEW_DISTRICT, "341703001", parent=""), (3, "parent"), "缺少上级代码"),
    "parent code with letters": (replace(NEW_DISTRICT, GRID1, parent="34170300100A"), (5, "parent"),
                                 "上级代码“34170300100A”只能由数字组成"),
    "duplicate code": (NEW_DISTRICT + [NEW_DISTRICT[3]], (7, "code"), "代码 34170300100101 重复（第 5 行已有）"),
    "geometry is not JSON": (replace(NEW_DISTRICT, GRID1, geometry="{not json"), (5, "geometry"),
                             "不是有效的 GeoJSON"),
    "geometry is not a polygon": (
        replace(NEW_DISTRICT, GRID1, geometry={"type": "Point", "coordinates": [118, 31]}),
        (5, "geometry"), "几何类型应为 Polygon 或 MultiPolygon，实际为 Point"),
    "geometry has broken coordinates": (
        replace(NEW_DISTRICT, GRID1, geometry={"type": "Polygon", "coordinates": [[[118, 31], [118.1, 31]]]}),
        (5, "geometry"), "坐标格式错误"),
    "self-intersecting polygon": (replace(NEW_DISTRICT, GRID1, geometry=bowtie()), (5, "geometry"),
                                  "多边形无效：自相交（Self-intersection[118.05 31.05]）"),
    "projected coordinates": (replace(NEW_DISTRICT, GRID1, geometry=square(500000, 3400000, 500100, 3400100)),
                              (5, "geometry"), "超出 WGS84 经纬度范围"),
    "grid outside its community": (replace(NEW_DISTRICT, GRID2, geometry=square(118.05, 31.0, 118.15, 31.1)),
                                   (6, "geometry"), "网格边界超出所属社区 341703001001 的边界（超出部分约占网格面积的 50.0%）"),
}


@pytest.mark.parametrize("rows, position, reason", RULES.values(), ids=RULES.keys())
def test_validation_rule(rows, position, reason):
    report = run(csv_bytes(rows))

    assert position in where(report), report.errors
    assert any(reason in e.message for e in report.errors if (e.row, e.column) == position), report.errors
    assert Area.objects.count() == 0


def test_grid_sticking_out_less_than_the_tolerance_is_inside():
    nudge = GRID_TOLERANCE_DEGREES / 2
    rows = replace(NEW_DISTRICT, GRID1, geometry=square(118.0 - nudge, 31.0 - nudge, 118.05, 31.1 + nudge))

    assert run(csv_bytes(rows)).ok


def test_grid_is_checked_against_the_stored_community_boundary(demo):
    rows = [("34170200100111", "越界网格", "grid", "341702001001", square(117.40, 30.70, 117.50, 30.71))]

    report = run(csv_bytes(rows))

    assert where(report) == [(2, "geometry")]
    assert "341702001001" in report.errors[0].message


def test_new_community_boundary_must_still_hold_its_stored_grids(demo):
    community = Area.objects.get(code="341702001001")
    rows = [(community.code, community.name, "community", "341702001", square(117.40, 30.70, 117.415, 30.72))]

    report = run(csv_bytes(rows))

    assert where(report) == [(2, "geometry")] * len(report.errors)
    assert "新边界没有包含已有网格 34170200100104" in " ".join(e.message for e in report.errors)


def test_moving_an_existing_area_to_another_parent_is_refused():
    run(csv_bytes(NEW_DISTRICT[:2]))
    # An area whose code does not follow its parent (created by hand, outside the importer).
    Area.objects.create(code="341709", name="他区", level="district")
    odd = Area.objects.create(code="341709001", name="挂错的街道", level="street",
                              parent=Area.objects.get(code="341703"))
    rows = [("341709001", odd.name, "street", "341709", "")]

    report = run(csv_bytes(rows))

    assert where(report) == [(2, "parent")]
    assert "导入不支持调整上级" in report.errors[0].message
    assert Area.objects.get(code="341709001").parent.code == "341703"


def test_missing_required_column_is_reported_on_the_header_row():
    rows = [(c, n, p) for c, n, _lv, p, _g in NEW_DISTRICT]

    report = run(csv_bytes(rows, header=("code", "name", "parent")))

    assert where(report) == [(1, "level")]
    assert "缺少必需的列 level" in report.errors[0].message
    assert report.rows == 5 and Area.objects.count() == 0


def test_errors_name_the_column_as_the_file_does():
    rows = replace(NEW_DISTRICT, GRID1, code="abc")

    report = run(csv_bytes(rows, header=("代码", "名称", "层级", "上级代码", "边界")))

    assert where(report) == [(5, "代码")]


def test_row_numbers_count_blank_lines_as_a_spreadsheet_does():
    data = csv_bytes(NEW_DISTRICT[:2]) + b"\r\n" + csv_bytes([replace(NEW_DISTRICT, "341703001001", name="")[2]],
                                                             header=())[2:]
    report = run(data)

    assert where(report) == [(5, "name")]


def test_geojson_rows_are_feature_numbers_and_non_features_are_reported():
    document = json.loads(geojson_bytes(replace(NEW_DISTRICT, GRID2, level="")))
    document["features"].insert(1, {"type": "Point", "coordinates": [0, 0]})

    report = run(json.dumps(document).encode(), filename="areas.geojson")

    assert where(report) == [(2, "type"), (6, "level")]
    assert report.rows == 6


def test_geojson_numeric_codes_are_read_as_text():
    document = json.loads(geojson_bytes(NEW_DISTRICT))
    for feature in document["features"]:
        feature["properties"]["code"] = int(feature["properties"]["code"])

    assert run(json.dumps(document).encode(), filename="areas.geojson").ok


# --- Unreadable files ---------------------------------------------------------------------------

UNREADABLE = {
    "not utf-8": ("代码,名称\r\n".encode("gbk"), "areas.csv", "不是 UTF-8 编码"),
    "empty": (b"\xef\xbb\xbf  \r\n", "areas.csv", "文件为空"),
    "geojson syntax": (b'{"type": "FeatureCollection", "features": [', "areas.geojson", "GeoJSON 语法错误"),
    "geojson without features": (b'{"type": "Feature"}', "areas.geojson", "顶层应为 FeatureCollection"),
}


@pytest.mark.parametrize("data, filename, reason", UNREADABLE.values(), ids=UNREADABLE.keys())
def test_unreadable_file(data, filename, reason):
    with pytest.raises(ImportFileError, match=reason):
        run(data, filename=filename)


# --- Who may import what ------------------------------------------------------------------------


def test_street_staff_may_not_import(demo):
    with pytest.raises(PermissionDenied):
        run(csv_bytes(NEW_DISTRICT), actor=demo.users["street"])


def test_district_admin_imports_only_inside_their_district(demo):
    report = run(csv_bytes(NEW_DISTRICT), actor=demo.users["district"])

    assert [e.column for e in report.errors] == ["code"] * 5
    assert "不在您的管辖范围内" in report.errors[0].message
    assert not Area.objects.filter(code="341703").exists()


def test_district_admin_imports_inside_their_district(demo):
    rows = [("34170200100111", "幸福社区第11网格", "grid", "341702001001", "")]

    report = run(csv_bytes(rows), actor=demo.users["district"])

    assert report.counts()["created"] == 1
    entry = AuditEntry.objects.latest("seq")
    assert entry.actor == demo.users["district"] and entry.action == "areas.import"
