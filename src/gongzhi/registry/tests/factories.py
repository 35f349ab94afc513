"""Builders for registry tests: valid ID numbers and persons in demo grids."""

from __future__ import annotations

from stdnum.cn import ric

from gongzhi.areas.models import Area
from gongzhi.registry.models import Person

GRID = "34170200100101"  # the demo grid worker's grid
NEIGHBOUR_GRID = "34170200100102"  # same community, another grid
OTHER_STREET_GRID = "34170200200101"


def make_id(region: str = "341702", birth: str = "19900101", sequence: str = "123") -> str:
    """A valid 18-digit ID number: the check digit is computed, not typed."""
    body = f"{region}{birth}{sequence}"
    return body + ric.calc_check_digit(body + "0")


def id_ending_in_x(region: str = "110105", birth: str = "19491231") -> str:
    """A valid ID number whose check digit is X (found by trying sequence numbers)."""
    return next(n for n in (make_id(region, birth, f"{s:03d}") for s in range(1000)) if n.endswith("X"))


def make_person(*, grid: str = GRID, name: str = "张三", **fields) -> Person:
    fields.setdefault("id_number", make_id(sequence=f"{Person.objects.count() + 100:03d}"))
    return Person.objects.create(area=Area.objects.get(code=grid), real_name=name, **fields)
