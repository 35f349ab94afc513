"""Fixtures for the offline field app: the demo district, a house with residents in the grid
worker's grid and one in the neighbouring grid, and a case waiting for verification."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from gongzhi.areas.models import Area
from gongzhi.registry.models import House, Household
from gongzhi.registry.tests.factories import GRID, NEIGHBOUR_GRID, make_person


def household_with_head(grid):
    """A house in ``grid`` with one household whose head, 张大伯, has a phone (shown masked)."""
    house = House.objects.create(area=grid, address="幸福路88号 阳光小区3栋2单元501室")
    household = Household.objects.create(area=grid, number="H001", house=house)
    head = make_person(grid=grid.code, name="张大伯", house=house, household=household, relation_to_head="head",
                       phone="13800001111", residence_status="permanent")
    household.head = head
    household.save(update_fields=["head"])
    return house, household, head


@pytest.fixture
def field(demo):
    from gongzhi.cases.demo_links import link_departments
    from gongzhi.cases.tests.helpers import case_in

    link_departments()
    grid, neighbour = Area.objects.get(code=GRID), Area.objects.get(code=NEIGHBOUR_GRID)
    lon, lat = grid.centroid
    cases_demo = SimpleNamespace(**vars(demo), grid=grid, lon=lon, lat=lat)
    house, household, head = household_with_head(grid)
    other_house = House.objects.create(area=neighbour, address="邻格路1号")
    stranger = make_person(grid=NEIGHBOUR_GRID, name="李邻格", house=other_house, phone="13900002222")
    to_verify = case_in(cases_demo, "feedback")
    return SimpleNamespace(**vars(cases_demo), house=house, household=household, head=head,
                           stranger=stranger, other_house=other_house, to_verify=to_verify,
                           worker=cases_demo.users["grid"])
