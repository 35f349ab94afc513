"""A scope that holds every area needs no area condition; one that does not keeps it.

At a million people, joining each person to its area only to test a path that every area
matches was most of the cost of counting a district's special group (16 ms of 17). The
condition is left out only when the user's paths hold every root area and every row has an area.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongzhi.areas.models import Area
from gongzhi.areas.scope import covers_every_area, within_paths
from gongzhi.registry import selectors
from gongzhi.registry.models import PersonTag, SpecialGroup

from .factories import make_id, make_person

pytestmark = pytest.mark.django_db


def _fresh(user):
    """The user as a new request sees it (scope, roots and permissions are cached on the object)."""
    return type(user).objects.get(pk=user.pk)


def _person_sql(user, **filters) -> str:
    return str(selectors.persons_for(user, **filters).order_by().values("pk").query)


def test_a_district_alone_on_its_server_is_read_without_an_area_condition(demo):
    district = _fresh(demo.users["district"])
    assert covers_every_area(district, ("/341702/",))
    assert "areas_area" not in _person_sql(district)
    assert "areas_area" in _person_sql(_fresh(demo.users["community"]))  # a part of it keeps the condition


def test_a_second_district_brings_the_condition_back(demo):
    """Before: no second root was considered; the shortcut must never widen what a user sees."""
    ours = make_person(name="本区人", id_number=make_id(sequence="501"))
    other_root = Area.objects.create(code="341703", name="新区", level="district")
    other_grid = Area.objects.create(code="34170300100101", name="新区网格", level="grid", parent=other_root)
    theirs = make_person(grid=other_grid.code, name="外区人", id_number=make_id(sequence="502"))
    district = _fresh(demo.users["district"])
    assert not covers_every_area(district, ("/341702/",))
    assert "areas_area" in _person_sql(district)
    visible = set(selectors.persons_for(district).values_list("pk", flat=True))
    assert ours.pk in visible and theirs.pk not in visible


def test_a_nullable_step_to_the_area_keeps_the_condition(demo):
    """Rows without an area are outside every scope: only a chain of required links may drop the test."""
    from gongzhi.accounts.models import User

    district = _fresh(demo.users["district"])
    users = within_paths(User.objects.all(), district, ("/341702/",), "home_area__path")
    assert "areas_area" in str(users.query)


def test_a_group_alone_is_counted_from_the_tag_table(demo):
    grid_person = make_person(name="甲", id_number=make_id(sequence="511"))
    PersonTag.objects.create(person=grid_person, group=SpecialGroup.objects.get(code="disabled"))
    district, community = _fresh(demo.users["district"]), _fresh(demo.users["community"])
    counted = selectors.person_count_query(district, tags=["disabled"])
    assert counted is not None and '"registry_person"' not in str(counted.order_by().query)
    assert counted.count() == selectors.persons_for(district, tags=["disabled"]).count() == 1
    assert selectors.person_count_query(community, tags=["disabled"]) is None  # a part: counted with its scope
    assert selectors.person_count_query(district, tags=["disabled"], gender="M") is None


def test_a_contains_search_reads_its_matches_once(demo, login_as):
    """Before: the trigram search ran once for the count and again for the rows."""
    from django.urls import reverse

    house_grid = Area.objects.get(code="34170200100101")
    from gongzhi.registry.models import House

    house = House.objects.create(area=house_grid, address="幸福路61号 康乐华庭1栋")
    for n in range(3):
        make_person(name=f"住户{n}", id_number=make_id(sequence=f"52{n}"), house=house)
    client = login_as("district")
    client.get(reverse("registry:person_list"), {"q": "康乐华庭"})
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("registry:person_list"), {"q": "康乐华庭"}).content.decode()
    searches = [q["sql"] for q in queries.captured_queries if "fts" in q["sql"] or "trgm" in q["sql"]
                or "LIKE '%%" in q["sql"] or "UPPER" in q["sql"]]
    assert len(searches) == 1, searches
    assert "共 3 人" in html and all(f"住户{n}" in html for n in range(3))


def test_many_matches_are_searched_in_each_query_instead(demo, monkeypatch):
    """Above ``MATCHES_READ_LIMIT`` the ids are not read into memory; the results are the same."""
    from gongzhi.registry.models import House

    house = House.objects.create(area=Area.objects.get(code="34170200100101"), address="和平路9号 明月小区")
    for n in range(4):
        make_person(name=f"明{n}", id_number=make_id(sequence=f"53{n}"), house=house)
    district = _fresh(demo.users["district"])
    read = selectors.search_matches("明月小区")
    assert read is not None and read.count == 4
    monkeypatch.setattr(selectors, "MATCHES_READ_LIMIT", 3)
    assert selectors.search_matches("明月小区") is None
    for in_order in (False, True):
        found = selectors.persons_for(district, q="明月小区", in_order=in_order,
                                      matches=selectors.search_matches("明月小区"))
        assert sorted(p.real_name for p in found) == [f"明{n}" for n in range(4)]


@pytest.mark.parametrize(("q", "walks"), [
    ("路61号", True), ("明月小区", True), ("王建明", True),
    ("wjm", False), ("zhang", False), ("王建", False), ("2264", False), (make_id(), False), ("13912345678", False),
])
def test_which_searches_read_their_matches_and_walk_the_order(q, walks):
    """Pinyin text matches one stretch of the name order: walking from the start would cross most of it."""
    assert selectors.walks_search(q) is walks


def test_the_filter_bar_options_are_kept_and_follow_renames(demo, login_as, django_assert_num_queries):
    """The area and group options are read once and kept; saving an area or a group renews them."""
    from django.urls import reverse

    client = login_as("district")
    first = client.get(reverse("registry:person_list")).content.decode()
    assert "幸福社区第01网格" in first
    grid = Area.objects.get(code="34170200100101")
    grid.name = "幸福社区第一网格"
    grid.save()
    group = SpecialGroup.objects.get(code="disabled")
    group.name = "残疾人员"
    group.save()
    renamed = client.get(reverse("registry:person_list")).content.decode()
    assert "幸福社区第一网格" in renamed and "幸福社区第01网格" not in renamed and "残疾人员" in renamed
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("registry:person_list"))
    assert not [q for q in queries.captured_queries if "registry_specialgroup" in q["sql"]
                or ('"areas_area"."level"' in q["sql"])], "the options were read again"


def test_a_person_found_twice_is_counted_once_and_the_limit_still_holds(demo, monkeypatch):
    """Each way of matching adds its ids (UNION ALL): a person matching by name and by address comes
    twice, is kept once, and the read limit counts persons, not rows."""
    from gongzhi.registry.models import House

    house = House.objects.create(area=Area.objects.get(code="34170200100101"), address="明月路1号")
    make_person(name="明月路人", id_number=make_id(sequence="541"), house=house, address_text="明月路1号")
    make_person(name="旁人", id_number=make_id(sequence="542"), house=house)
    found = selectors.search_matches("明月路")
    assert found is not None and found.count == 2
    monkeypatch.setattr(selectors, "MATCHES_READ_LIMIT", 2)
    assert selectors.search_matches("明月路").count == 2
    monkeypatch.setattr(selectors, "MATCHES_READ_LIMIT", 1)
    assert selectors.search_matches("明月路") is None
