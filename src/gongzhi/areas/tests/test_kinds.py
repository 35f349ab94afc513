"""Towns, townships and villages (issue 12 item 9): the kind of an area, from its statistical code
(GB/T 10114: street digits 001–099 街道, 100–199 镇, 200–399 乡; community digits 001–199 居委会,
200–399 村委会), stored, imported, exported and shown by one word."""

from __future__ import annotations

import csv
import io

import pytest
from django.apps import apps as django_apps

from gongzhi.areas.models import Area, Kind, Level, default_kind, is_village_code, kind_from_code
from gongzhi.areas.services import export_areas, import_areas

from .builders import csv_bytes, geojson_bytes, square

pytestmark = pytest.mark.django_db


# --- The code says the kind -------------------------------------------------------------------


@pytest.mark.parametrize("code, level, kind", [
    ("341702001", Level.STREET, Kind.SUBDISTRICT),
    ("341702099", Level.STREET, Kind.SUBDISTRICT),
    ("341702100", Level.STREET, Kind.TOWN),
    ("341702199", Level.STREET, Kind.TOWN),
    ("341702200", Level.STREET, Kind.TOWNSHIP),
    ("341702399", Level.STREET, Kind.TOWNSHIP),
    ("341702400", Level.STREET, None),  # outside the ranges: the code says nothing
    ("341702101001", Level.COMMUNITY, Kind.NEIGHBOURHOOD),
    ("341702101199", Level.COMMUNITY, Kind.NEIGHBOURHOOD),
    ("341702101200", Level.COMMUNITY, Kind.VILLAGE),
    ("341702101399", Level.COMMUNITY, Kind.VILLAGE),
    ("341702101400", Level.COMMUNITY, None),
    ("341702", Level.DISTRICT, None),
    ("34170210120101", Level.GRID, None),
])
def test_kind_from_code_follows_the_statistical_ranges(code, level, kind):
    assert kind_from_code(code, level) == kind


def test_default_kind_falls_back_to_the_plain_kind_of_the_level():
    assert default_kind("341702400", Level.STREET) == Kind.SUBDISTRICT
    assert default_kind("341702101400", Level.COMMUNITY) == Kind.NEIGHBOURHOOD
    assert default_kind("34170210120101", Level.GRID) == Kind.GRID
    assert is_village_code("34170210120101") and is_village_code("341702101201")
    assert not is_village_code("34170200100101") and not is_village_code("341702101")


def test_save_stores_the_kind_and_the_label_names_it():
    district = Area.objects.create(code="341799", name="测试区", level=Level.DISTRICT)
    town = Area.objects.create(code="341799105", name="桥头镇", level=Level.STREET, parent=district)
    township = Area.objects.create(code="341799201", name="白沙乡", level=Level.STREET, parent=district)
    village = Area.objects.create(code="341799105220", name="桥头村", level=Level.COMMUNITY, parent=town)
    seat = Area.objects.create(code="341799105001", name="镇区社区", level=Level.COMMUNITY, parent=town)
    group = Area.objects.create(code="34179910522001", name="桥头村第一村民小组", level=Level.GRID, parent=village,
                                kind=Kind.VILLAGER_GROUP)
    grid = Area.objects.create(code="34179910500101", name="镇区社区第01网格", level=Level.GRID, parent=seat)

    stored = dict(Area.objects.values_list("code", "kind"))
    assert stored == {"341799": "district", "341799105": "town", "341799201": "township",
                      "341799105220": "village", "341799105001": "neighbourhood",
                      "34179910522001": "villager_group", "34179910500101": "grid"}
    labels = [a.kind_label for a in (district, town, township, village, seat, group, grid)]
    assert labels == ["区县", "镇", "乡", "村", "社区", "村民小组", "网格"]
    assert [a.resident_label for a in (village, group, seat, grid)] == ["村民", "村民", "居民", "居民"]
    # A plain grid of a village: its people are villagers too, whether or not the parent is loaded.
    plain = Area.objects.create(code="34179910522002", name="桥头村第02网格", level=Level.GRID, parent=village)
    assert plain.kind == Kind.GRID and plain.resident_label == "村民"
    assert Area.objects.get(pk=plain.pk).resident_label == "村民"


def test_the_migration_backfills_kinds_from_the_codes(demo):
    from importlib import import_module

    backfill = import_module("gongzhi.areas.migrations.0002_area_kind").backfill
    Area.objects.update(kind="")

    backfill(django_apps, None)

    kinds = dict(Area.objects.values_list("code", "kind"))
    assert kinds["341702"] == "district"
    assert kinds["341702001"] == "subdistrict" and kinds["341702101"] == "town"
    assert kinds["341702001001"] == "neighbourhood" and kinds["341702101201"] == "village"
    assert kinds["34170200100101"] == "grid"
    # The code does not say a grid is a villagers' group: the backfill leaves it a grid.
    assert kinds["34170210120101"] == "grid"
    assert "" not in kinds.values()


# --- Import -----------------------------------------------------------------------------------

RURAL = [
    ("341703", "新区", "区县", "", square(118.0, 31.0, 118.2, 31.1)),
    ("341703001", "新城街道", "街道", "341703", square(118.0, 31.0, 118.1, 31.1)),
    ("341703101", "桥头镇", "镇", "341703", square(118.1, 31.0, 118.15, 31.1)),
    ("341703201", "白沙乡", "乡", "341703", square(118.15, 31.0, 118.2, 31.1)),
    ("341703001001", "新苑社区", "居委会", "341703001", square(118.0, 31.0, 118.1, 31.1)),
    ("341703101001", "镇区社区", "社区", "341703101", square(118.1, 31.05, 118.15, 31.1)),
    ("341703101201", "桥头村", "村委会", "341703101", square(118.1, 31.0, 118.125, 31.05)),
    ("341703101202", "河口村", "行政村", "341703101", square(118.125, 31.0, 118.15, 31.05)),
    ("341703201201", "白沙村", "村", "341703201", square(118.15, 31.0, 118.2, 31.1)),
    ("34170310120101", "桥头村第一村民小组", "村民小组", "341703101201", square(118.1, 31.0, 118.125, 31.025)),
    ("34170310120102", "桥头村第二村民小组", "村民小组", "341703101201", square(118.1, 31.025, 118.125, 31.05)),
    ("34170310100101", "镇区社区第01网格", "网格", "341703101001", square(118.1, 31.05, 118.15, 31.1)),
]


def test_kind_words_import_to_the_right_level_and_kind():
    report = import_areas(actor=None, file=csv_bytes(RURAL), filename="areas.csv")

    assert report.ok, report.errors
    assert report.counts()["created"] == len(RURAL)
    got = {code: (level, kind) for code, level, kind in Area.objects.values_list("code", "level", "kind")}
    assert got == {
        "341703": ("district", "district"),
        "341703001": ("street", "subdistrict"), "341703101": ("street", "town"),
        "341703201": ("street", "township"),
        "341703001001": ("community", "neighbourhood"), "341703101001": ("community", "neighbourhood"),
        "341703101201": ("community", "village"), "341703101202": ("community", "village"),
        "341703201201": ("community", "village"),
        "34170310120101": ("grid", "villager_group"), "34170310120102": ("grid", "villager_group"),
        "34170310100101": ("grid", "grid"),
    }
    assert [c.kind_label for c in report.changes[:3]] == ["区县", "街道", "镇"]


@pytest.mark.parametrize("word", ["乡镇", "town", "镇"])
def test_words_for_towns_and_townships(word):
    rows = [RURAL[0], ("341703101", "桥头镇", word, "341703", None)]
    report = import_areas(actor=None, file=csv_bytes(rows), filename="areas.csv")
    assert report.ok, report.errors
    assert Area.objects.get(code="341703101").kind == Kind.TOWN


@pytest.mark.parametrize("row, message", [
    (("341703001", "新城街道", "镇", "341703", None),
     "层级“镇”与代码不符：代码 341703001 末三位 001 表示街道（001–099），镇的代码末三位应为 100–199。"),
    (("341703101", "桥头镇", "乡", "341703", None),
     "层级“乡”与代码不符：代码 341703101 末三位 101 表示镇（100–199），乡的代码末三位应为 200–399。"),
    (("341703001", "新城街道", "乡镇", "341703", None),
     "层级“乡镇”与代码不符：代码 341703001 末三位 001 表示街道（001–099），镇、乡的代码末三位应为 100–199、200–399。"),
    (("341703450", "开发区", "乡镇", "341703", None),
     "层级“乡镇”无法确定是“镇”、“乡”：代码 341703450 末三位 450 不在 100–199（镇）、200–399（乡） 之内，"
     "请直接写明“镇”、“乡”。"),
])
def test_a_street_kind_word_that_disagrees_with_the_code_is_reported(row, message):
    report = import_areas(actor=None, file=csv_bytes([RURAL[0], row]), filename="areas.csv")

    assert not report.ok and not report.committed
    assert [(e.row, e.column, e.message) for e in report.errors] == [(3, "level", message)]
    assert not Area.objects.exists()


def test_a_village_word_on_a_residents_committee_code_is_reported_by_row_and_column():
    rows = [RURAL[0], RURAL[2], ("341703101001", "镇区社区", "村", "341703101", None)]
    report = import_areas(actor=None, file=csv_bytes(rows, header=("代码", "名称", "层级", "上级代码", "边界")),
                          filename="areas.csv")

    assert [(e.row, e.column) for e in report.errors] == [(4, "层级")]
    assert report.errors[0].message == (
        "层级“村”与代码不符：代码 341703101001 末三位 001 表示社区（001–199），村的代码末三位应为 200–399。")


def test_a_villagers_group_belongs_to_a_village():
    rows = [RURAL[0], RURAL[2], RURAL[5], ("34170310100101", "镇区第一组", "村民小组", "341703101001", None)]
    report = import_areas(actor=None, file=csv_bytes(rows), filename="areas.csv")

    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (5, "parent", "上级 341703101001 是社区；村民小组只能属于村（村民委员会）。")]


def test_messages_name_the_kind_of_the_row():
    # A village's parent must be a street-level area; the row says 村, the parent is a 村.
    rows = [RURAL[0], RURAL[2], RURAL[6], ("341703101202", "河口村", "村", "341703101201", None)]
    report = import_areas(actor=None, file=csv_bytes(rows), filename="areas.csv")

    assert [e.message for e in report.errors] == ["上级 341703101201 是村，村的上级应为街道/乡镇。"]


def test_a_generic_word_keeps_the_kind_the_area_has():
    import_areas(actor=None, file=csv_bytes(RURAL), filename="areas.csv")
    generic = {"区县": "district", "街道": "street", "镇": "street", "乡": "street", "居委会": "community",
               "社区": "community", "村委会": "community", "行政村": "community", "村": "community",
               "村民小组": "grid", "网格": "grid"}
    rows = [(c, n, generic[lv], p, None) for c, n, lv, p, _g in RURAL]

    report = import_areas(actor=None, file=csv_bytes(rows), filename="areas.csv")

    assert report.ok and report.counts()["unchanged"] == len(RURAL)
    assert Area.objects.get(code="34170310120101").kind == Kind.VILLAGER_GROUP


def test_a_grid_can_become_a_villagers_group_by_import():
    import_areas(actor=None, file=csv_bytes(RURAL), filename="areas.csv")
    row = ("34170310100101", "镇区社区第01网格", "grid", "341703101001", None)
    Area.objects.filter(code="34170310120101").update(kind=Kind.GRID)

    report = import_areas(actor=None, file=csv_bytes([
        row, ("34170310120101", "桥头村第一村民小组", "村民小组", "341703101201", None)]), filename="areas.csv")

    assert report.ok and [(c.code, c.fields) for c in report.changes] == [("34170310120101", ("kind",))]
    assert Area.objects.get(code="34170310120101").kind == Kind.VILLAGER_GROUP


@pytest.mark.parametrize("fmt, filename", [("csv", "areas.csv"), ("geojson", "areas.geojson")])
def test_export_names_the_kind_and_reimports_it(fmt, filename):
    import_areas(actor=None, file=csv_bytes(RURAL), filename="areas.csv")

    text, count = export_areas(actor=None, fmt=fmt)

    if fmt == "csv":
        levels = {r["code"]: r["level"] for r in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))}
        assert levels["341703101"] == "town" and levels["341703201"] == "township"
        assert levels["341703001"] == "street" and levels["341703001001"] == "community"
        assert levels["341703101201"] == "village" and levels["34170310120101"] == "villager_group"
        assert levels["34170310100101"] == "grid"
    Area.objects.filter(code="34170310120101").update(kind=Kind.GRID)
    report = import_areas(actor=None, file=text.encode("utf-8"), filename=filename)
    assert report.ok and report.counts()["updated"] == 1
    assert Area.objects.get(code="34170310120101").kind == Kind.VILLAGER_GROUP


def test_geojson_kind_words_import_too():
    report = import_areas(actor=None, file=geojson_bytes(RURAL[:3] + RURAL[6:7] + RURAL[9:10]),
                          filename="areas.geojson")
    assert report.ok, report.errors
    assert dict(Area.objects.values_list("code", "kind"))["34170310120101"] == "villager_group"


# --- Pages and API ----------------------------------------------------------------------------


def test_area_pages_name_towns_villages_and_villagers_groups(login_as):
    client = login_as("district")

    town = client.get("/areas/341702101/").content.decode()
    assert '<h1>青山镇 <small class="muted">镇</small></h1>' in town
    assert "<dt>层级</dt><dd>镇</dd>" in town
    assert '青山村</a> <span class="muted">村 · 341702101201</span>' in town
    group = client.get("/areas/34170210120101/").content.decode()
    assert '<small class="muted">村民小组</small>' in group and "› <a href=\"/areas/341702101/\">青山镇</a>" in group
    found = client.get("/areas/", {"q": "青山村"}).content.decode()
    assert "<td>青山村</td><td>村</td>" in found
    assert "<td>青山村第一村民小组</td><td>村民小组</td>" in found
    assert '<option value="street">街道/乡镇</option>' in found


def test_api_gives_the_kind_next_to_the_level(client, api_token):
    body = client.get("/api/v1/areas/341702101", **api_token("district")).json()
    assert body["level"] == "street" and body["kind"] == "town"
    group = client.get("/api/v1/areas/34170210120101", **api_token("district")).json()
    assert group["level"] == "grid" and group["kind"] == "villager_group" and group["parent"] == "341702101201"


def test_clean_refuses_a_kind_the_code_or_the_level_contradicts():
    from django.core.exceptions import ValidationError

    town = Area(code="341799105", name="桥头镇", level=Level.STREET, kind=Kind.SUBDISTRICT)
    with pytest.raises(ValidationError) as refused:
        town.clean()
    assert refused.value.message_dict["kind"] == ["代码 341799105 末三位 105 表示镇（100–199），类别不能是街道。"]
    with pytest.raises(ValidationError) as wrong_level:
        Area(code="34179910522001", name="组", level=Level.GRID, kind=Kind.VILLAGE).clean()
    assert wrong_level.value.message_dict["kind"] == ["“村”不是网格/村民小组层级的类别。"]
    Area(code="341799105", name="桥头镇", level=Level.STREET, kind=Kind.TOWN).clean()
    Area(code="341799450", name="开发区", level=Level.STREET, kind=Kind.TOWN).clean()  # the code says nothing
