"""The offline pack: what a grid worker's phone keeps for a day without signal — the day's tasks,
the houses and residents of their own grids (masked as on screen), and the choices the forms need.
Nothing outside the worker's grids, no ID numbers, no special-group tags."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Q

from gongzhi.accounts.roles import Role
from gongzhi.cases import patrols as patrol_services
from gongzhi.cases.models import Case, CaseStatus, HandlingLevel, Patrol
from gongzhi.cases.models.case import RUNNING_STATUSES
from gongzhi.cases.selectors import categories
from gongzhi.cases.workflow import role_paths
from gongzhi.privacy.services import masked_value
from gongzhi.registry.choices import Employment, ResidenceStatus
from gongzhi.registry.models import Household, House, Person

TASKS_MAX = 100


def grid_paths(user) -> tuple[str, ...]:
    return role_paths(user, Role.GRID_WORKER)


def _in_grids(paths, field: str = "area__path") -> Q:
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{field}__startswith": path})
    return q


def _case(case: Case) -> dict:
    return {"id": case.pk, "number": case.number, "version": case.version, "status": case.status,
            "status_label": case.get_status_display(), "category": case.category.name if case.category_id else "",
            "address": case.address, "area": case.area.name if case.area_id else "",
            "description": case.description[:300],
            "due": case.handle_due.isoformat() if case.handle_due else None}


def tasks(user, paths) -> dict:
    mine = (Case.objects.visible_to(user).filter(_in_grids(paths))
            .select_related("category", "area").order_by("feedback_at", "pk"))
    return {
        "to_verify": [_case(c) for c in mine.filter(status=CaseStatus.FEEDBACK)[:TASKS_MAX]],
        "to_handle": [_case(c) for c in mine.filter(status__in=RUNNING_STATUSES, level=HandlingLevel.GRID)
                      .order_by("handle_due", "pk")[:TASKS_MAX]],
    }


def houses(user, paths) -> list[dict]:
    """Houses of the worker's grids with their current residents (name, age, relation, masked phone,
    residence status and employment: what the visit page shows)."""
    in_grids = _in_grids(paths)
    limit = settings.GONGZHI_FIELD_MAX_HOUSES
    rows = list(House.objects.visible_to(user).filter(in_grids).select_related("area")
                .order_by("area__path", "address", "pk")[:limit])
    residents: dict[int, list[dict]] = {}
    today = datetime.date.today()
    people = (Person.objects.visible_to(user).current().filter(in_grids, house_id__in=[h.pk for h in rows])
              .order_by("name_pinyin", "pk"))
    for person in people:
        residents.setdefault(person.house_id, []).append({
            "id": person.pk, "name": person.real_name, "gender": person.get_gender_display(),
            "age": person.age_on(today),
            "relation": person.get_relation_to_head_display(),
            "phone": masked_value(person, "phone") if person.phone else "",
            "residence_status": person.residence_status, "employment": person.employment,
        })
    return [{"id": h.pk, "address": h.address, "grid": h.area.code, "grid_name": h.area.name,
             "residents": residents.get(h.pk, [])} for h in rows]


def _left_out(user, paths, kept: int) -> bool:
    """Whether the grids hold more houses than a pack carries (the page says so)."""
    return kept >= settings.GONGZHI_FIELD_MAX_HOUSES and House.objects.visible_to(user).filter(
        _in_grids(paths)).count() > kept


def households(user, paths) -> list[dict]:
    rows = (Household.objects.visible_to(user).filter(_in_grids(paths)).select_related("house", "head")
            .order_by("number", "pk")[:settings.GONGZHI_FIELD_MAX_HOUSES])
    return [{"id": h.pk, "door": h.house.address if h.house_id else h.number,
             "head": h.head.real_name if h.head_id else ""} for h in rows]


def pack(user) -> dict:
    paths = grid_paths(user)
    grids = patrol_services.patrol_grids(user)
    house_rows = houses(user, paths)
    return {
        "grids": [{"code": g.code, "name": g.name} for g in grids],
        "houses_left_out": _left_out(user, paths, len(house_rows)),
        "tasks": tasks(user, paths),
        "houses": house_rows,
        "households": households(user, paths),
        "categories": [{"id": c.pk, "name": f"{c.parent.name} · {c.name}"} for c in categories()],
        "choices": {"residence_status": [[v, str(label)] for v, label in ResidenceStatus.choices],
                    "employment": [[v, str(label)] for v, label in Employment.choices]},
        "count_fields": [[name, str(Patrol._meta.get_field(name).verbose_name)]
                         for name in patrol_services.COUNT_FIELDS],
    }
