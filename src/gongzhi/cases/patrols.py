"""Patrol logs (巡查走访) as services: start a patrol of one's grid, log the households visited and
the counts of what was found, end it. Findings become cases in one step (``report_case(patrol=…)``).
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.roles import Role
from gongzhi.areas.models import Area, Level
from gongzhi.audit.services import record

from .errors import InvalidInput, NotAllowed
from .models import Patrol, PatrolVisit
from .workflow import role_paths

COUNT_FIELDS = ("disputes", "demands", "suggestions", "public_order", "fire_hazards", "environment")
MAX_COUNT = 999


def patrol_grids(user):
    """The grids a user patrols: those where they are the grid worker."""
    paths = role_paths(user, Role.GRID_WORKER)
    return Area.objects.filter(level=Level.GRID, path__in=paths).order_by("code")


def start_patrol(*, actor, area: Area, companions: str = "", request=None, now=None) -> Patrol:
    now = now or timezone.now()
    if area.level != Level.GRID or area.path not in role_paths(actor, Role.GRID_WORKER):
        raise NotAllowed(_("只能巡查您负责的网格。"))
    if Patrol.objects.filter(worker=actor, ended_at__isnull=True).exists():
        raise InvalidInput(_("您还有一次巡查未结束，请先结束它。"), fields={"patrol": "open"})
    with transaction.atomic():
        patrol = Patrol.objects.create(area=area, worker=actor, companions=(companions or "").strip()[:200],
                                       started_at=now)
        record(actor=actor, action="cases.patrol_start", obj=patrol, after={"area": area.code}, request=request)
    return patrol


def _own_open(actor, patrol: Patrol) -> None:
    if patrol.worker_id != actor.pk:
        raise NotAllowed(_("只能记录自己的巡查。"))
    if patrol.ended_at is not None:
        raise InvalidInput(_("该次巡查已结束。"), fields={"patrol": "ended"})


def add_visit(*, actor, patrol: Patrol, door: str, head_name: str = "", note: str = "", household=None,
              now=None) -> PatrolVisit:
    """A household visited: picked from the registry (its house and head filled in) or typed."""
    _own_open(actor, patrol)
    now = now or timezone.now()
    if household is not None:
        if not household.area.path.startswith(patrol.area.path):
            raise InvalidInput(_("该户不在本网格内。"), fields={"household": "area"})
        door = door or (household.house.address if household.house_id else household.number)
        head_name = head_name or (household.head.real_name if household.head_id else "")
    door = (door or "").strip()
    if not door:
        raise InvalidInput(_("请填写门牌号或选择一户。"), fields={"door": "required"})
    return PatrolVisit.objects.create(patrol=patrol, household=household, door=door[:100],
                                      head_name=(head_name or "").strip()[:50], note=(note or "").strip()[:500], at=now)


def end_patrol(*, actor, patrol: Patrol, summary: str = "", counts: dict | None = None, request=None,
               now=None) -> Patrol:
    _own_open(actor, patrol)
    now = now or timezone.now()
    values = {}
    for name in COUNT_FIELDS:
        raw = (counts or {}).get(name, 0) or 0
        try:
            value = int(raw)
        except (TypeError, ValueError):
            raise InvalidInput(_("请填写整数。"), fields={name: "invalid"}) from None
        if not 0 <= value <= MAX_COUNT:
            raise InvalidInput(_("数量须在 0 到 %(max)d 之间。") % {"max": MAX_COUNT}, fields={name: "range"})
        values[name] = value
    with transaction.atomic():
        for name, value in values.items():
            setattr(patrol, name, value)
        patrol.summary, patrol.ended_at = (summary or "").strip()[:2000], now
        patrol.save()
        record(actor=actor, action="cases.patrol_end", obj=patrol, after={
            "visits": patrol.visits.count(), "cases": patrol.cases.count(), **values}, request=request)
    return patrol


def duration_minutes(patrol: Patrol, now: datetime.datetime | None = None) -> int:
    end = patrol.ended_at or now or timezone.now()
    return max(0, int((end - patrol.started_at).total_seconds() // 60))
