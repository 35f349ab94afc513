"""Fixtures for the case loop: the demo district with departments linked to the default catalogue."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from gongzhi.areas.models import Area

GRID = "34170200100101"  # the demo grid worker's grid, in 幸福社区 (341702001001), 东城街道 (341702001)


@pytest.fixture
def cases_demo(demo):
    from gongzhi.accounts.models import Department
    from gongzhi.cases.demo_links import link_departments
    from gongzhi.cases.models import Category

    link_departments()
    grid = Area.objects.get(code=GRID)
    lon, lat = grid.centroid
    return SimpleNamespace(
        **vars(demo), grid=grid, lon=lon, lat=lat,
        departments={d.code: d for d in Department.objects.all()},
        category=lambda code: Category.objects.get(code=code),
    )


@pytest.fixture
def closes_on_verify(db):
    """The demo district configured to close a case on verification (GB/T 30428 keeps 核查 and 结案
    apart by default): tests about figures and notices after a closing use it to close in one step."""
    from gongzhi.cases.models import LoopSettings

    LoopSettings.objects.update_or_create(district_code=GRID[:6], defaults={"close_after_verify": True})


@pytest.fixture
def forty_hour_limits(db):
    """The figures of the indicator tests were worked out with 道路破损 (0303) limited to 40 working
    hours, as the first catalogue had it (it is 5 working days, 37.5 working hours, now)."""
    from gongzhi.cases.models import Category, LimitUnit

    Category.objects.filter(code="0303").update(handling_hours=40, handling_unit=LimitUnit.WORKING)
