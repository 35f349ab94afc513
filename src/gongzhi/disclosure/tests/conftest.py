"""Fixtures of the disclosure tests: the demo district's community (幸福社区) and village (青山村)."""

from __future__ import annotations

import datetime

import pytest

COMMUNITY = "341702001001"  # 幸福社区, the demo's community
OTHER_COMMUNITY = "341702001002"  # 和平社区, same street
VILLAGE = "341702101201"  # 青山村


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
