"""The shared 代办 mechanism (``registry.on_behalf``): the person picker stays inside the staff member's
scope and the area, and the check refuses what the apps rely on it to refuse."""

from __future__ import annotations

import pytest

from gongzhi.areas.models import Area
from gongzhi.core.errors import InvalidInput, NotAllowed
from gongzhi.registry import on_behalf
from gongzhi.registry.models import ResidentLink

from .factories import make_person

pytestmark = pytest.mark.django_db

COMMUNITY = "341702001001"
GRID = "34170200100101"
OTHER_GRID = "34170200100201"


def test_the_picker_finds_current_residents_of_the_area_in_scope_only(demo):
    staff = demo.users["community"]
    here = make_person(grid=GRID, name="张奶奶")
    make_person(grid=GRID, name="张已迁", moved_out=True)
    make_person(grid=OTHER_GRID, name="张外人")
    community = Area.objects.get(code=COMMUNITY)
    assert on_behalf.candidates(staff, community, "张") == [here]
    assert on_behalf.candidates(staff, community, "") == []
    street = demo.users["street"]  # the street sees both communities, the area narrows it
    assert {p.real_name for p in on_behalf.candidates(street, community, "张")} == {"张奶奶"}


def test_the_check_names_the_account_and_refuses_what_it_must(demo):
    staff = demo.users["community"]
    community = Area.objects.get(code=COMMUNITY)
    person = make_person(grid=GRID, name="王居民")
    acting = on_behalf.check(staff=staff, person=person.pk, area=community, perm="deliberation.manage",
                             channel="phone", note="电话 13912345678")
    assert acting.account is None and acting.fields()["on_behalf_by"] == staff
    assert acting.audit()["note"] == "电话 139****5678" and acting.audit()["name"] != "王居民"
    ResidentLink.objects.create(user=demo.users["resident"], person=person, area=person.area, method="counter")
    assert on_behalf.check(staff=staff, person=person, area=community, perm="deliberation.manage",
                           channel="in_person").account == demo.users["resident"]
    with pytest.raises(NotAllowed):
        on_behalf.check(staff=demo.users["resident"], person=person, area=community, perm="deliberation.manage",
                        channel="phone")
    with pytest.raises(InvalidInput, match="辖区的居民档案"):
        on_behalf.check(staff=staff, person="x", area=community, perm="deliberation.manage", channel="phone")
    with pytest.raises(InvalidInput, match="代办说明"):
        on_behalf.check(staff=staff, person=person, area=community, perm="deliberation.manage", channel="phone",
                        note_required=True)
    with pytest.raises(InvalidInput, match="最多"):
        on_behalf.check(staff=staff, person=person, area=community, perm="deliberation.manage", channel="phone",
                        note="长" * 201)
