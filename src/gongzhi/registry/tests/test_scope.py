"""Every registry record obeys ``.visible_to(user)``: a grid worker sees their grid only."""

import pytest

from gongzhi.areas.models import Area
from gongzhi.registry.models import (
    Building,
    Estate,
    Facility,
    House,
    Household,
    Organisation,
    Person,
    PersonMove,
    PersonTag,
    SpecialGroup,
    Unit,
    Vehicle,
)

from .factories import GRID, NEIGHBOUR_GRID, OTHER_STREET_GRID, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def residents(demo):
    return {
        "own": [make_person(grid=GRID, name="张三"), make_person(grid=GRID, name="李四")],
        "neighbour": [make_person(grid=NEIGHBOUR_GRID, name="王五")],
        "other_street": [make_person(grid=OTHER_STREET_GRID, name="赵六")],
    }


def test_grid_worker_sees_persons_of_their_grid_only(demo, residents):
    visible = set(Person.objects.visible_to(demo.users["grid"]))
    assert visible == set(residents["own"])


def test_community_staff_see_every_grid_of_their_community(demo, residents):
    visible = set(Person.objects.visible_to(demo.users["community"]))
    assert visible == set(residents["own"] + residents["neighbour"])


def test_district_admin_sees_the_whole_district(demo, residents):
    assert Person.objects.visible_to(demo.users["district"]).count() == 4


def test_anonymous_user_sees_nothing(demo, residents):
    from django.contrib.auth.models import AnonymousUser

    assert not Person.objects.visible_to(AnonymousUser()).exists()


def test_moves_and_tags_are_scoped_through_their_person(demo, residents):
    group = SpecialGroup.objects.get(code="unemployed")
    own, neighbour = residents["own"][0], residents["neighbour"][0]
    for person in (own, neighbour):
        PersonMove.objects.create(person=person, kind="move_in", date="2020-05-01")
        PersonTag.objects.create(person=person, group=group, attributes={"registered": True})
    grid_worker = demo.users["grid"]
    assert [m.person for m in PersonMove.objects.visible_to(grid_worker)] == [own]
    assert [t.person for t in PersonTag.objects.visible_to(grid_worker)] == [own]


def test_every_area_bound_record_is_scoped(demo):
    own, neighbour = Area.objects.get(code=GRID), Area.objects.get(code=NEIGHBOUR_GRID)
    created = {}
    for area in (own, neighbour):
        estate = Estate.objects.create(area=area, name=f"小区{area.code}")
        building = Building.objects.create(area=area, estate=estate, name="1栋")
        unit = Unit.objects.create(area=area, building=building, name="1单元")
        created[area.code] = [
            estate, building, unit,
            House.objects.create(area=area, building=building, unit=unit, room="101", address=f"{area.code}-101"),
            Household.objects.create(area=area, number="0001"),
            Organisation.objects.create(area=area, kind="merchant", name=f"商店{area.code}"),
            Vehicle.objects.create(area=area, plate="皖R1234" + ("5" if area == own else "6")),
            Facility.objects.create(area=area, category="market", name=f"菜场{area.code}"),
        ]
    grid_worker = demo.users["grid"]
    for record in created[GRID]:
        model = type(record)
        assert list(model.objects.visible_to(grid_worker)) == [record], model.__name__
        assert record.district_code == "341702", model.__name__
