"""Builders for the consultation tests: verified residents, staff of another community, bodies, topics."""

from __future__ import annotations

from gongzhi.accounts.models import RoleAssignment, User
from gongzhi.areas.models import Area
from gongzhi.registry.models import ResidentLink
from gongzhi.registry.tests.factories import make_person

COMMUNITY = "341702001001"  # 幸福社区: the demo community staff's
GRID = "34170200100101"
OTHER_COMMUNITY = "341702001002"
OTHER_GRID = "34170200100201"


def verify(user, *, grid: str = GRID, name: str = "王居民", **fields):
    """Bind ``user`` to a new registry person in ``grid`` (as the counter would)."""
    person = make_person(grid=grid, name=name, **fields)
    link = ResidentLink.objects.create(user=user, person=person, area=person.area, method="counter")
    for attr in ("_delib_link",):
        if hasattr(user, attr):
            delattr(user, attr)
    return link


def make_user(username: str, role: str, area_code: str, *, real_name: str = "") -> User:
    user = User.objects.create(username=username, real_name=real_name or username, phone="")
    RoleAssignment.objects.create(user=user, role=role, area=Area.objects.get(code=area_code))
    return user


def resident(username: str, *, grid: str = GRID, name: str = "李四", verified: bool = True) -> User:
    user = User.objects.create(username=username, real_name=name)
    RoleAssignment.objects.create(user=user, role="resident", area=Area.objects.get(code=grid[:12]))
    if verified:
        verify(user, grid=grid, name=name)
    return user


def committee(code: str = COMMUNITY, name: str = ""):
    from gongzhi.deliberation.models import Body

    area = Area.objects.get(code=code)
    return Body.objects.get_or_create(area=area, name=name or f"{area.name}协商委员会",
                                      defaults={"kind": "committee"})[0]


def may_item():
    from gongzhi.deliberation.models import CatalogueItem

    item = CatalogueItem.objects.filter(kind="may").first()
    return item or CatalogueItem.objects.create(kind="may", text="涉及居民切身利益的公共事务", order=1)


def may_not_item():
    from gongzhi.deliberation.models import CatalogueItem

    item = CatalogueItem.objects.filter(kind="may_not").first()
    return item or CatalogueItem.objects.create(kind="may_not", text="违反法律法规的事项", order=1)


def topic(proposer, *, code: str = COMMUNITY, title: str = "小区加装电梯", **fields):
    from gongzhi.deliberation import topics

    return topics.propose(actor=proposer, title=title, description="老旧小区六层无电梯，老人上下楼困难。",
                          area=Area.objects.get(code=code), **fields)
