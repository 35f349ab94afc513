"""A small neighbourhood for vote tests: one estate in the demo resident's grid with houses, owners,
households, adults, a minor, party members, and the demo ``resident`` bound to a household head."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from gongzhi.areas.models import Area
from gongzhi.registry.choices import PoliticalStatus
from gongzhi.registry.models import Building, Estate, House, Household, Person, ResidentLink
from gongzhi.registry.tests.factories import make_id

COMMUNITY = "341702001001"
GRID = "34170200100101"


@dataclass
class Neighbourhood:
    community: Area
    estate: Estate
    building: Building
    houses: list = field(default_factory=list)
    households: list = field(default_factory=list)
    persons: list = field(default_factory=list)
    heads: list = field(default_factory=list)


def person(area, name, *, birth=datetime.date(1980, 1, 1), household=None, house=None, status="", seq=[500]):
    seq[0] += 1
    return Person.objects.create(area=area, real_name=name, birth_date=birth, household=household, house=house,
                                 political_status=status,
                                 id_number=make_id(birth=birth.strftime("%Y%m%d"), sequence=f"{seq[0] % 1000:03d}"))


def build(demo, *, households: int = 4, areas=(Decimal("100"), Decimal("80"), Decimal("60"), Decimal("60"))):
    grid = Area.objects.get(code=GRID)
    community = Area.objects.get(code=COMMUNITY)
    estate = Estate.objects.create(area=grid, name="幸福小区")
    building = Building.objects.create(area=grid, estate=estate, name="1栋")
    hood = Neighbourhood(community=community, estate=estate, building=building)
    for index in range(households):
        house = House.objects.create(area=grid, building=building, room=f"10{index + 1}",
                                     address=f"幸福小区1栋10{index + 1}", floor_area=areas[index % len(areas)])
        household = Household.objects.create(area=grid, number=f"H{index + 1}", house=house)
        head = person(grid, f"户主{index + 1}", household=household, house=house,
                      status=PoliticalStatus.CPC_MEMBER if index < 2 else "")
        spouse = person(grid, f"配偶{index + 1}", household=household, house=house,
                        status=PoliticalStatus.CPC_PROBATIONARY if index == 0 else "")
        child = person(grid, f"孩子{index + 1}", household=household, house=house, birth=datetime.date.today()
                       - datetime.timedelta(days=365 * 10))
        household.head = head
        household.save()
        house.owner = head
        house.save()
        hood.houses.append(house)
        hood.households.append(household)
        hood.heads.append(head)
        hood.persons += [head, spouse, child]
    resident = demo.users["resident"]
    ResidentLink.objects.filter(user=resident).delete()
    ResidentLink.objects.create(area=grid, user=resident, person=hood.heads[0], method="counter")
    return hood


def bind(user, person_obj):
    ResidentLink.objects.filter(user=user).delete()
    return ResidentLink.objects.create(area=person_obj.area, user=user, person=person_obj, method="counter")
