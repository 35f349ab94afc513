"""Fixtures of the disclosure tests: the demo district's community (幸福社区) and village (青山村); for
the small-powers and property tests the default catalogue and an estate of 幸福社区 with a property
company and residents (one of them the verified demo ``resident``)."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest

GRID = "34170200100101"  # 幸福社区第01网格
COMMUNITY = "341702001001"  # 幸福社区
OTHER_COMMUNITY = "341702001002"  # 和平社区
VILLAGE = "341702101201"  # 青山村


def make_person(area, name, body, phone, house=None):
    from stdnum.cn import ric

    from gongzhi.registry.models import Person

    person = Person(area=area, real_name=name, id_number=body + ric.calc_check_digit(body + "0"), phone=phone, house=house)
    person.full_clean()
    person.save()
    return person


@pytest.fixture
def catalogue(db):
    from gongzhi.disclosure import defaults

    defaults.install()


@pytest.fixture
def estate(demo, catalogue):
    from gongzhi.areas.models import Area
    from gongzhi.registry.models import Building, Estate, House, Organisation
    from gongzhi.registry.verification import verify_at_counter

    grid = Area.objects.get(code=GRID)
    company = Organisation.objects.create(area=grid, kind="property_company", name="池州阳光物业服务有限公司")
    estate = Estate.objects.create(area=grid, name="阳光小区", address="幸福路88号", property_company=company,
                                   management_mode="entrusted")
    building = Building.objects.create(area=grid, estate=estate, name="3栋", floors=6)
    house = House.objects.create(area=grid, building=building, address="幸福路88号阳光小区3栋501室")
    other_house = House.objects.create(area=grid, building=building, address="幸福路88号阳光小区3栋502室")
    wang = make_person(grid, "王居民", "34170219800101201", "13800000008", house)
    zhang = make_person(grid, "张秀英", "34170219620315002", "13912345678", other_house)
    verify_at_counter(demo.users["community"], demo.users["resident"], wang)
    return SimpleNamespace(estate=estate, company=company, house=house, wang=wang, zhang=zhang, grid=grid)


@pytest.fixture
def area(demo):
    from gongzhi.areas.models import Area

    return Area.objects.get(code=COMMUNITY)


@pytest.fixture
def other_area(demo):
    from gongzhi.areas.models import Area

    return Area.objects.get(code=OTHER_COMMUNITY)


@pytest.fixture
def village(demo):
    from gongzhi.areas.models import Area

    return Area.objects.get(code=VILLAGE)


@pytest.fixture
def staff(demo):
    return demo.users["community"]


@pytest.fixture
def make_item(staff, area):
    from gongzhi.disclosure import services_items

    def _make(**values):
        defaults = dict(category="affairs", body="committee", title="2026年第一季度居务公开", content="本季度议定事项：楼道照明更换。",
                        period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2026, 3, 31), major=False,
                        decided_on=None)
        defaults.update(values)
        actor = defaults.pop("actor", staff)
        target = defaults.pop("area", area)
        return services_items.create_item(actor=actor, area=target, **defaults)

    return _make
