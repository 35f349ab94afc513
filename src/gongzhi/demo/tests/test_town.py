"""The demo district's town (issue 12 item 9): 青山镇 with two villages and their villagers' groups
as grids, its own demo accounts, the words its pages use, and the README listing the accounts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from shapely.geometry import shape
from shapely.ops import unary_union

from gongzhi.accounts.models import RoleAssignment, User
from gongzhi.accounts.roles import role_label
from gongzhi.areas import locate
from gongzhi.areas.models import Area, Kind, Level
from gongzhi.demo import district

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parents[4] / "README.md"
TOWN = district.TOWN_CODE
VILLAGE = f"{TOWN}201"
GROUP = f"{TOWN}20101"

# The accounts that existed before the town; they must not change.
ORIGINAL_ACCOUNTS = [
    ("admin", "system_admin", "341702"), ("auditor", "security_auditor", "341702"),
    ("district", "district_admin", "341702"), ("street", "street_staff", "341702001"),
    ("community", "community_staff", "341702001001"), ("grid", "grid_worker", "34170200100101"),
    ("resident", "resident", "341702001001"),
]


def test_the_town_has_villages_and_villagers_groups(demo):
    town = Area.objects.get(code=TOWN)
    villages = list(Area.objects.filter(parent=town).order_by("code"))
    groups = list(Area.objects.filter(parent__in=villages).order_by("code"))

    assert (town.level, town.kind, town.kind_label, town.name) == (Level.STREET, Kind.TOWN, "镇", "青山镇")
    assert 100 <= int(TOWN[-3:]) <= 199
    assert [(v.name, v.kind, v.kind_label) for v in villages] == [("青山村", "village", "村"), ("石门村", "village", "村")]
    assert all(200 <= int(v.code[-3:]) <= 399 for v in villages)
    assert len(groups) == 12 and {g.kind for g in groups} == {Kind.VILLAGER_GROUP}
    assert groups[0].name == "青山村第一村民小组" and groups[0].level == Level.GRID
    assert {g.resident_label for g in groups} == {"村民"}
    # The rest of the district is as before: 3 streets, 12 communities, 120 grids, all plain.
    assert Area.objects.filter(level=Level.STREET, kind=Kind.SUBDISTRICT).count() == 3
    assert Area.objects.filter(level=Level.COMMUNITY, kind=Kind.NEIGHBOURHOOD).count() == 12
    assert Area.objects.filter(level=Level.GRID, kind=Kind.GRID).count() == 120


def test_the_town_tiles_its_own_ground(demo):
    areas = {a.code: a for a in Area.objects.all()}
    grids = [a for a in areas.values() if a.level == Level.GRID]
    shapes = {a.code: shape(a.geometry) for a in areas.values()}

    # The groups tile their villages, the villages the town, and every grid lies in the district.
    for code, area in areas.items():
        if area.parent_id and area.parent.code.startswith(TOWN):
            assert shapes[area.parent.code].covers(shapes[code])
    assert shapes["341702"].covers(shapes[TOWN])
    assert unary_union([shapes[g.code] for g in grids]).area == pytest.approx(
        sum(shapes[g.code].area for g in grids)), "grids overlap"
    assert unary_union([shapes[g.code] for g in grids]).area == pytest.approx(shapes["341702"].area)
    # Point → grid finds the villagers' group, and the streets' grids as before.
    for group in (g for g in grids if g.code.startswith(TOWN)):
        assert locate.locate(group.centroid_lon, group.centroid_lat).code == group.code
    first = areas["34170200100101"]
    assert locate.locate(first.centroid_lon, first.centroid_lat).code == first.code


def test_a_district_built_before_the_town_gets_it_on_the_next_run(demo):
    town = Area.objects.get(code=TOWN)
    RoleAssignment.objects.filter(area__path__startswith=town.path).delete()
    User.objects.filter(home_area__path__startswith=town.path).update(home_area=None)
    for level in (Level.GRID, Level.COMMUNITY, Level.STREET):
        Area.objects.filter(path__startswith=town.path, level=level).delete()
    Area.objects.filter(code="341702").update(geometry=district.STREETS_RECT.geojson())

    root = district.build_areas()

    assert Area.objects.filter(path__startswith=Area.objects.get(code=TOWN).path).count() == 1 + 2 + 12
    assert root.geometry == Area.objects.get(code="341702").geometry == district.DISTRICT_RECT.geojson()
    assert district.build_areas().pk == root.pk and Area.objects.count() == 151


def test_the_town_has_its_own_demo_accounts_and_the_others_are_unchanged(demo):
    rows = {(u, r, c) for u, r, c in RoleAssignment.objects.values_list("user__username", "role", "area__code")}

    assert {("town", "street_staff", TOWN), ("village", "community_staff", VILLAGE),
            ("villagegrid", "grid_worker", GROUP), ("villager", "resident", VILLAGE)} <= rows
    assert set(ORIGINAL_ACCOUNTS) <= rows
    assert User.objects.get(username="villager").home_area.code == GROUP
    from gongzhi.accounts.services import login_name

    assert login_name("13800000024") == "villager"  # as the README says
    assert User.objects.get(username="resident").home_area.code == "34170200100101"
    phones = [a[2] for a in district.DEMO_ACCOUNTS]
    assert len(set(phones)) == len(phones)
    # The town's staff see the town and nothing of the streets.
    town_staff = demo.users["town"]
    assert Area.objects.visible_to(town_staff).count() == 1 + 2 + 12
    assert not Area.objects.visible_to(town_staff).filter(code="341702001").exists()
    assert Area.objects.visible_to(demo.users["villagegrid"]).get().code == GROUP


def test_the_readme_lists_every_demo_account_in_both_languages():
    text = README.read_text(encoding="utf-8")
    english = text[text.index("## Demo accounts"):text.index("## What is there")]
    chinese = text[text.index("## 演示账号"):text.index("## 已有功能")]
    for username, *_rest in district.DEMO_ACCOUNTS:
        assert re.search(rf"^\| `{username}` \|", english, re.M), username
        assert re.search(rf"^\| `{username}` \|", chinese, re.M), username
    assert "青山镇" in english and "青山镇" in chinese


# --- Words: 镇 / 村 / 村民 ---------------------------------------------------------------------


def test_role_labels_follow_the_place():
    assert role_label("street_staff", "/341702/341702101/") == "镇指挥中心"
    assert role_label("street_staff", "/341702/341702201/") == "乡指挥中心"
    assert role_label("street_staff", "/341702/341702001/") == "街道指挥中心"
    assert role_label("community_staff", "/341702/341702101/341702101201/") == "村干部"
    assert role_label("community_staff", "/341702/341702101/341702101001/") == "社区工作者"
    assert role_label("resident", "/341702/341702101/341702101201/34170210120101/") == "村民"
    assert role_label("resident", "/341702/341702001/341702001001/") == "居民"
    assert role_label("grid_worker", "/341702/341702101/341702101201/34170210120101/") == "网格员"
    assert role_label("department_staff", None) == "职能部门"


@pytest.mark.parametrize("username, label", [
    ("town", "镇指挥中心"), ("village", "村干部"), ("villagegrid", "网格员"), ("villager", "村民"),
    ("street", "街道指挥中心"), ("community", "社区工作者"), ("resident", "居民"),
])
def test_the_header_names_the_role_for_its_place(login_as, username, label):
    body = login_as(username).get("/m/" if username in ("villagegrid", "villager", "grid", "resident")
                                  else "/console/").content.decode()
    assert f'class="who">{demo_name(username)}<small>{label}</small>' in body


def demo_name(username: str) -> str:
    return next(name for u, name, *_rest in district.DEMO_ACCOUNTS if u == username)


def test_profile_names_the_role_for_its_place(login_as):
    body = login_as("village").get("/accounts/profile/").content.decode()
    assert "村干部（青山村）" in body


def test_a_villager_sees_their_village(login_as):
    body = login_as("villager").get("/m/").content.decode()
    assert "<h2>我的村</h2>" in body and "<strong>青山村</strong> · 青山村第一村民小组" in body
    assert "<h2>我的社区</h2>" in login_as("resident").get("/m/").content.decode()


def test_registry_pages_say_villager_and_villagers_group(login_as):
    from gongzhi.registry.tests.factories import make_person

    person = make_person(grid=GROUP, name="林大山")
    village = login_as("village")
    detail = village.get(f"/registry/persons/{person.pk}/").content.decode()
    assert "<dt>所属村民小组</dt><dd>青山村第一村民小组</dd>" in detail
    counter = village.get("/registry/counter/").content.decode()
    assert "为村民绑定账号" in counter and "请查验村民本人身份证原件后办理" in counter
    assert "为居民绑定账号" in login_as("community").get("/registry/counter/").content.decode()
