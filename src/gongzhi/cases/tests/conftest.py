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
