"""Registry selectors: scoped search, filters, sorting, house residents and area statistics."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from gongzhi.areas.models import Area
from gongzhi.registry import selectors
from gongzhi.registry.models import House, PersonTag, SpecialGroup

from .factories import GRID, NEIGHBOUR_GRID, OTHER_STREET_GRID, make_id
from .factories import make_person as _make_person

pytestmark = pytest.mark.django_db


def years_ago(years: int, days: int = 0) -> str:
    today = datetime.date.today()
    return (today.replace(year=today.year - years, day=min(today.day, 28)) - datetime.timedelta(days=days)).strftime(
        "%Y%m%d")


def make_person(**fields):
    """A person as the services store one: validated, gender and birth date read from the ID."""
    person = _make_person(**fields)
    person.full_clean()
    person.save()
    return person


@pytest.fixture
def people(demo):
    grid = Area.objects.get(code=GRID)
    house = House.objects.create(area=grid, address="幸福路88号 阳光小区3栋2单元501室")
    return {
        "zhang": make_person(name="张三", id_number=make_id(birth="19900101", sequence="011"), phone="13912345678",
                             gender="M", house=house),
        "li": make_person(name="李四", id_number=make_id(birth="19500101", sequence="022"), gender="F",
                          address_text="和平路12号"),
        "zhao": make_person(name="赵小红", id_number=make_id(birth="20150101", sequence="042"), gender="F",
                            registration="non_local", residence_status="floating"),
        "neighbour": make_person(grid=NEIGHBOUR_GRID, name="张四", id_number=make_id(sequence="033")),
        "far": make_person(grid=OTHER_STREET_GRID, name="张五", id_number=make_id(sequence="044")),
    }


def names(qs) -> list[str]:
    return [p.real_name for p in qs]


def test_grid_worker_sees_only_their_grid(demo, people):
    assert sorted(names(selectors.persons_for(demo.users["grid"]))) == sorted(["张三", "李四", "赵小红"])


def test_community_staff_see_their_communitys_grids(demo, people):
    assert "张四" in names(selectors.persons_for(demo.users["community"]))
    assert "张五" not in names(selectors.persons_for(demo.users["community"]))


@pytest.mark.parametrize("username", ["dept", "resident", "admin", "auditor"])
def test_roles_without_registry_view_are_refused(demo, people, username):
    with pytest.raises(PermissionDenied):
        selectors.persons_for(demo.users[username])


@pytest.mark.parametrize(("q", "expected"), [
    ("张", ["张三"]),
    ("zhangsan", ["张三"]),
    ("zhang", ["张三"]),
    ("zs", ["张三"]),
    ("ZS", ["张三"]),
    ("zxh", ["赵小红"]),
    ("5678", ["张三"]),
    ("和平路", ["李四"]),
    ("阳光小区", ["张三"]),
    ("139 1234 5678", ["张三"]),
])
def test_search(demo, people, q, expected):
    assert names(selectors.persons_for(demo.users["grid"], q=q)) == expected


def test_search_by_last_four_of_id_number(demo, people):
    last4 = people["li"].id_number[-4:]
    assert "李四" in names(selectors.persons_for(demo.users["grid"], q=last4))


def test_search_by_exact_id_number_typed_full_width(demo, people):
    full_width = people["zhang"].id_number.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    assert names(selectors.persons_for(demo.users["grid"], q=full_width)) == ["张三"]


def test_search_never_reaches_outside_the_scope(demo, people):
    assert names(selectors.persons_for(demo.users["grid"], q="zs")) == ["张三"]
    assert names(selectors.persons_for(demo.users["grid"], q=people["far"].id_number)) == []
    assert names(selectors.persons_for(demo.users["grid"], q="张四")) == []


def test_filter_by_tag(demo, people):
    group = SpecialGroup.objects.get(code="unemployed")
    PersonTag.objects.create(person=people["li"], group=group, attributes={"registered": True})
    PersonTag.objects.create(person=people["far"], group=group, attributes={"registered": True})
    assert names(selectors.persons_for(demo.users["grid"], tags=["unemployed"])) == ["李四"]
    assert names(selectors.persons_for(demo.users["grid"], tags=["unemployed", "veteran"])) == []


def test_filter_by_age_band(demo, people):
    assert names(selectors.persons_for(demo.users["grid"], age_min=60)) == ["李四"]
    assert names(selectors.persons_for(demo.users["grid"], age_max=17)) == ["赵小红"]
    assert names(selectors.persons_for(demo.users["grid"], age_min=18, age_max=59)) == ["张三"]


def test_age_band_edges(demo):
    make_person(name="甲", id_number=make_id(birth=years_ago(60), sequence="101"))
    make_person(name="乙", id_number=make_id(birth=years_ago(60, days=-1), sequence="102"))
    assert names(selectors.persons_for(demo.users["grid"], age_min=60)) == ["甲"]
    assert names(selectors.persons_for(demo.users["grid"], age_max=59)) == ["乙"]


def test_filters_by_gender_registration_status_and_area(demo, people):
    assert names(selectors.persons_for(demo.users["grid"], gender="M")) == ["张三"]
    assert names(selectors.persons_for(demo.users["grid"], registration="non_local")) == ["赵小红"]
    assert names(selectors.persons_for(demo.users["grid"], residence_status="floating")) == ["赵小红"]
    assert names(selectors.persons_for(demo.users["community"], area_code=NEIGHBOUR_GRID)) == ["张四"]
    assert names(selectors.persons_for(demo.users["grid"], area_code=NEIGHBOUR_GRID)) == []


def test_sorting(demo, people):
    user = demo.users["grid"]
    assert names(selectors.persons_for(user)) == ["李四", "张三", "赵小红"]  # by pinyin
    assert names(selectors.persons_for(user, order="birth_date")) == ["李四", "张三", "赵小红"]
    assert names(selectors.persons_for(user, order="-birth_date")) == ["赵小红", "张三", "李四"]
    assert names(selectors.persons_for(user, order="-name")) == ["赵小红", "张三", "李四"]


def test_person_for_is_404_out_of_scope(demo, people):
    assert selectors.person_for(demo.users["grid"], people["zhang"].pk) == people["zhang"]
    with pytest.raises(Http404):
        selectors.person_for(demo.users["grid"], people["neighbour"].pk)


def test_house_lists_its_residents(demo, people):
    house = selectors.house_for(demo.users["grid"], people["zhang"].house_id)
    assert [p.real_name for p in house.residents.all()] == ["张三"]
    with pytest.raises(Http404):
        selectors.house_for(demo.users["grid"], 10**9)
    assert [h.resident_count for h in selectors.houses_for(demo.users["grid"], q="阳光")] == [1]


def test_area_statistics(demo, people):
    group = SpecialGroup.objects.get(code="veteran")
    PersonTag.objects.create(person=people["zhang"], group=group)
    stats = selectors.area_statistics(demo.users["community"], Area.objects.get(code="341702001001"))
    assert stats["total"] == 4
    assert stats["by_tag"] == [{"code": "veteran", "name": "退役军人", "count": 1}]
    assert stats["floating"] == 1 and stats["registration"]["non_local"] == 1
    bands = {row["band"]: row for row in stats["pyramid"]}
    assert bands["70-74"]["female"] + bands["75-79"]["female"] == 1
    assert sum(row["male"] + row["female"] + row["unknown"] for row in stats["pyramid"]) == 4
    assert stats["pyramid"][-1]["band"] == "100+"


def test_area_statistics_out_of_scope_is_refused(demo, people):
    with pytest.raises(PermissionDenied):
        selectors.area_statistics(demo.users["grid"], Area.objects.get(code=NEIGHBOUR_GRID))


def test_area_statistics_uses_a_fixed_number_of_queries(demo, people, django_assert_max_num_queries):
    area = Area.objects.get(code="341702001001")
    user = demo.users["community"]
    selectors.area_statistics(user, area)
    with django_assert_max_num_queries(5):  # the stored figures (none yet), then the live count
        selectors.area_statistics(user, area)


@pytest.fixture
def grid_worker_living_elsewhere(demo):
    """The demo grid worker, also registered as a resident of another street's community."""
    from gongzhi.accounts.models import RoleAssignment, User

    RoleAssignment.objects.create(user=demo.users["grid"], role="resident", area=Area.objects.get(code="341702002001"))
    return User.objects.get(pk=demo.users["grid"].pk)


def test_a_resident_role_elsewhere_does_not_widen_the_registry_scope(demo, people, grid_worker_living_elsewhere):
    assert sorted(names(selectors.persons_for(grid_worker_living_elsewhere))) == sorted(["张三", "李四", "赵小红"])
    with pytest.raises(Http404):
        selectors.person_for(grid_worker_living_elsewhere, people["far"].pk)
    with pytest.raises(PermissionDenied):
        selectors.area_statistics(grid_worker_living_elsewhere, Area.objects.get(code="341702002001"))
