"""The field forms of the cases and registry apps, plugged into the offline queue.

Each handler calls the app's own service (permissions, validation, audit live there) and returns
what was written. Later apps register theirs the same way (``actions.register``).
"""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.roles import Perm
from gongzhi.areas.models import Area
from gongzhi.cases import patrols as patrol_services
from gongzhi.cases import services as case_services
from gongzhi.core.errors import Conflict, InvalidInput, NotAllowed
from gongzhi.registry import selectors as registry_selectors
from gongzhi.registry import services as registry_services
from gongzhi.registry.choices import Employment, ResidenceStatus
from gongzhi.registry.models import Household, Person

from . import actions
from .actions import Applied, Context

MAX_VISITS = 200


def _text(payload: dict, name: str, limit: int) -> str:
    value = payload.get(name) or ""
    if not isinstance(value, str):
        raise InvalidInput(_("提交的内容格式不正确。"), fields={name: "type"})
    return value.strip()[:limit]


def _time(value, name: str) -> datetime.datetime:
    return actions.offline_time(value, name, now=timezone.now())


def _pk(payload: dict, name: str) -> int | None:
    value = payload.get(name)
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not str(value).isdigit():
        raise InvalidInput(_("提交的内容格式不正确。"), fields={name: "invalid"})
    return int(value)


def patrol(context: Context) -> Applied:
    """A whole patrol logged offline: the grid, when it started and ended, the households visited
    (picked from the cached list or typed) and the counts of what was found."""
    payload, actor = context.payload, context.actor
    grids = patrol_services.patrol_grids(actor)
    area = grids.filter(code=str(payload.get("grid") or "")).first()
    if area is None:
        raise NotAllowed(_("只能巡查您负责的网格。"), fields={"grid": "scope"})
    started = _time(payload.get("started_at"), "started_at")
    ended = _time(payload.get("ended_at"), "ended_at")
    if ended < started:
        raise InvalidInput(_("结束时间早于开始时间。"), fields={"ended_at": "order"})
    visits = payload.get("visits") or []
    if not isinstance(visits, list) or len(visits) > MAX_VISITS:
        raise InvalidInput(_("走访记录格式不正确。"), fields={"visits": "invalid"})
    record = patrol_services.start_patrol(actor=actor, area=area, companions=_text(payload, "companions", 200),
                                          request=context.request, now=started)
    households = Household.objects.visible_to(actor).select_related("house", "head", "area")
    for number, visit in enumerate(visits, start=1):
        if not isinstance(visit, dict):
            raise InvalidInput(_("走访记录格式不正确。"), fields={"visits": "invalid"})
        household = None
        if (household_pk := _pk(visit, "household")) is not None:
            household = households.filter(pk=household_pk).first()
            if household is None:
                raise InvalidInput(_("第 %(n)d 户：该户不在本网格内或已注销。") % {"n": number},
                                   fields={"visits": "household"})
        at = _time(visit.get("at") or payload.get("started_at"), "visits")
        patrol_services.add_visit(actor=actor, patrol=record, door=_text(visit, "door", 100),
                                  head_name=_text(visit, "head_name", 50), note=_text(visit, "note", 500),
                                  household=household, now=min(max(at, started), ended))
    counts = payload.get("counts") or {}
    if not isinstance(counts, dict):
        raise InvalidInput(_("提交的内容格式不正确。"), fields={"counts": "type"})
    patrol_services.end_patrol(actor=actor, patrol=record, summary=_text(payload, "summary", 2000),
                               counts=counts, request=context.request, now=ended)
    return Applied(label=_("巡查记录（%(grid)s，走访 %(n)d 户）") % {"grid": area.name, "n": len(visits)},
                   url=reverse("cases:patrol", args=[record.pk]), data={"patrol": record.pk})


def case_report(context: Context) -> Applied:
    """A case reported offline with its photos (checked by the shared upload guard on arrival)."""
    payload, actor = context.payload, context.actor
    area = None
    if grid := str(payload.get("grid") or ""):
        area = Area.objects.visible_to(actor).filter(code=grid).first()
        if area is None:
            raise InvalidInput(_("所选网格不在您的辖区内。"), fields={"grid": "scope"})
    lon, lat = payload.get("lon"), payload.get("lat")
    case = case_services.report_case(
        actor=actor, description=_text(payload, "description", 2000), lon=lon, lat=lat, area=area,
        address=_text(payload, "address", 200), category=_pk(payload, "category"), photos=context.photos,
        request=context.request)
    return Applied(label=_("事件 %(number)s") % {"number": case.number},
                   url=reverse("cases:detail", args=[case.pk]), data={"case": case.pk, "number": case.number})


def case_verify(context: Context) -> Applied:
    """核查 done offline: passed (核查通过) or not (核查不通过，返工). The version the worker saw is
    checked, so a case that moved on meanwhile is a conflict, never overwritten."""
    payload, actor = context.payload, context.actor
    pk = _pk(payload, "case")
    if pk is None:
        raise InvalidInput(_("缺少事件。"), fields={"case": "required"})
    from gongzhi.cases.models import Case

    case = Case.objects.visible_to(actor).filter(pk=pk).first()
    if case is None:
        raise NotAllowed(_("该事件不在您的辖区内。"), fields={"case": "scope"})
    passed = payload.get("passed")
    if not isinstance(passed, bool):
        raise InvalidInput(_("请选择核查是否通过。"), fields={"passed": "required"})
    try:
        case = case_services.act(actor=actor, case=case, action="verify" if passed else "rework",
                                 note=_text(payload, "note", 2000), version=payload.get("version"),
                                 photos=context.photos, request=context.request)
    except Conflict as error:
        case.refresh_from_db()
        raise Conflict(_("事件 %(number)s 在您离线期间已有变化（当前状态：%(status)s），本次核查未提交；"
                         "您填写的内容和照片已保留。") % {"number": case.number,
                                                 "status": case.get_status_display()},
                       code=error.code) from None
    return Applied(label=_("事件 %(number)s 核查%(result)s") % {
        "number": case.number, "result": _("通过") if passed else _("不通过")},
        url=reverse("cases:detail", args=[case.pk]), data={"case": case.pk, "status": case.status})


VISIT_FIELDS = {"residence_status": ResidenceStatus, "employment": Employment}


def household_visit(context: Context) -> Applied:
    """入户走访: what the worker found at the door (residence status, employment, a new phone).

    ``seen`` holds the values the worker's cached copy showed; a field somebody else changed
    meanwhile is a conflict rather than silently overwritten."""
    payload, actor = context.payload, context.actor
    pk = _pk(payload, "person")
    person = (registry_selectors.visible_records(Person, actor).select_related("area").filter(pk=pk).first()
              if pk is not None else None)
    if person is None:
        raise NotAllowed(_("该居民不在您的辖区内。"), fields={"person": "scope"})
    if not registry_selectors.in_perm_scope(actor, Perm.REGISTRY_EDIT, person.area):
        raise NotAllowed(_("您不能修改该居民的信息。"), fields={"person": "perm"})
    if person.moved_out or person.deceased:
        raise Conflict(_("%(name)s 在您离线期间已登记迁出或注销，本次走访信息未提交。") % {"name": person.real_name})
    seen = payload.get("seen") if isinstance(payload.get("seen"), dict) else {}
    changes = {}
    for name, choices in VISIT_FIELDS.items():
        value = payload.get(name)
        if value in (None, "") or value == getattr(person, name):
            continue
        if value not in choices.values:
            raise InvalidInput(_("选项无效。"), fields={name: "choice"})
        if name in seen and seen[name] != getattr(person, name):
            raise Conflict(_("%(name)s 的“%(field)s”在您离线期间已被他人修改为“%(value)s”，本次走访信息未提交。") % {
                "name": person.real_name, "field": Person._meta.get_field(name).verbose_name,
                "value": getattr(person, f"get_{name}_display")() or _("未填写")})
        changes[name] = value
    if phone := _text(payload, "phone", 30):
        changes["phone"] = phone
    if changes:
        registry_services.update_person(actor=actor, person=person, request=context.request, **changes)
    return Applied(label=_("入户走访：%(name)s") % {"name": person.real_name},
                   url=reverse("registry:mobile_house", args=[person.house_id]) if person.house_id else "",
                   data={"person": person.pk, "changed": sorted(changes)})


actions.register("patrol", patrol)
actions.register("case.report", case_report)
actions.register("case.verify", case_verify)
actions.register("household.visit", household_visit)
