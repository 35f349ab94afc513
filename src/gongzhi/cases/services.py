"""Writes of the case loop: report a case, take an action on it, and the worker's deadline duties.

Every action goes through ``act``: the transition table (``workflow.TRANSITIONS``) says from
which states and by whom; the action's own function validates its inputs and changes the case;
``act`` then writes it only if nobody else changed it meanwhile (``version``: the second of two
simultaneous actions gets ``CaseConflict``, HTTP 409), records the step on the timeline and in
the audit log, and queues the notices after commit.
"""

from __future__ import annotations

import copy
import datetime
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import Department, RoleAssignment, User
from gongzhi.accounts.permissions import has_perm
from gongzhi.accounts.selectors import staff_over
from gongzhi.accounts.roles import Perm, Role
from gongzhi.areas.models import Area, Level
from gongzhi.audit.services import record
from gongzhi.core import faults
from gongzhi.notices.services import send_notice

from . import photos as photo_processing
from .errors import CaseConflict, InvalidInput, InvalidTransition, NotAllowed
from .models import (
    Case,
    CaseEvent,
    CasePhoto,
    CaseSource,
    CaseStatus,
    Category,
    DailyCounter,
    ENTERED_FOR_CALLER,
    ExtensionRequest,
    ExtensionStatus,
    HandlingLevel,
    LimitUnit,
    LoopSettings,
    Patrol,
    PhotoStage,
    Priority,
)
from .routing import route, serves
from .workflow import TRANSITIONS, UNSATISFIED_UP_TO, Actor, acting_as, is_actor, status_allows
from .worktime import WorkCalendar, load_calendar

S = CaseStatus
DESCRIPTION_MIN, DESCRIPTION_MAX = 5, 2000
NOTE_MAX = 2000
MAX_EXTENSION_HOURS = Decimal(720)
WARN_FRACTION = Decimal("0.8")  # near-due from 80 % of the handling limit


@dataclass
class _Step:
    """What an action's function decided besides the case fields: timeline data and notices."""

    data: dict[str, Any] = field(default_factory=dict)
    # (recipients, title, body) about the case acted on, or (recipients, title, body, case) about
    # another case: a merged case's reporter is told about, and linked to, the case they reported.
    notices: list[tuple] = field(default_factory=list)
    assist: list[Department] | None = None  # the assisting departments to set, when the action sets them
    target: str | None = None  # a status other than the transition's (verify closing at once, where configured)
    after: list[Callable[[], None]] = field(default_factory=list)  # more writes once the case is saved


def case_link(case: Case) -> str:
    return reverse("cases:detail", args=[case.pk])


# --- Recipients --------------------------------------------------------------------------------

def department_staff(departments: Iterable[Department]) -> list[User]:
    ids = [department.pk for department in departments if department is not None]
    return list(User.objects.filter(is_active=True, role_assignments__role=Role.DEPARTMENT_STAFF,
                                    role_assignments__department__in=ids).distinct()) if ids else []


def _reporter_notices(case: Case, text: str, body: str) -> list[tuple]:
    """``text`` for everyone who reported this problem: the case's reporter and the reporters of
    the cases merged into it, each told about (and linked to) the case they reported, the one
    they can open, which shows the shared outcome."""
    groups = [(case, case.reporter if case.reporter_id else None)]
    groups += [(merged, merged.reporter) for merged in case.merged_cases.select_related("reporter")
               if merged.reporter_id]
    notices, told = [], set()
    for own, user in groups:
        if user is not None and user.is_active and user.pk not in told:
            told.add(user.pk)
            notices.append(([user], _title(own, text), body, own))
    return notices


def _handlers(case: Case) -> list[User]:
    if case.level == HandlingLevel.DEPARTMENT:
        return department_staff([case.lead_department])
    if case.level == HandlingLevel.GRID:
        return staff_over(case.area, [Role.GRID_WORKER])
    return staff_over(case.area, [Role.COMMUNITY_STAFF])


# --- Limits ------------------------------------------------------------------------------------

#: The 12345 hotline's feedback limits by urgency (DOMAIN.md: 2 h / 24 h / 7 days / 15 days), in
#: calendar hours. A case typed in for a caller must meet both this and its category's limit.
HOTLINE_TIERS: dict[str, tuple[Decimal, str]] = {
    Priority.CRITICAL: (Decimal(2), LimitUnit.CALENDAR),
    Priority.URGENT: (Decimal(24), LimitUnit.CALENDAR),
    Priority.PRESSING: (Decimal(7 * 24), LimitUnit.CALENDAR),
    Priority.NORMAL: (Decimal(15 * 24), LimitUnit.CALENDAR),
}
DEFAULT_HANDLING = (Decimal(24), LimitUnit.WORKING)  # a case without a category (never dispatched in practice)


def _limit(category: Category | None, name: str) -> tuple[Decimal, str]:
    """The acceptance, dispatch or 报到 limit of ``category`` and its unit (working or calendar hours)."""
    if category is None:
        return Decimal(settings.GONGZHI_CASE_ACCEPT_HOURS), LimitUnit.WORKING
    return Decimal(getattr(category, name)), category.limit_unit


def handling_limits(case: Case) -> list[tuple[Decimal, str]]:
    """The handling limits ``case`` must meet, as (amount, unit): its category's — the urgent limit
    when it is more urgent than 一般 and the category has one — and for a case typed in for a
    caller the 12345 tier of its urgency. The earliest deadline binds."""
    category = case.category
    if category is None:
        limits = [DEFAULT_HANDLING]
    elif case.priority != Priority.NORMAL and category.urgent_hours:
        limits = [(Decimal(category.urgent_hours), LimitUnit.CALENDAR)]
    else:
        limits = [(Decimal(category.handling_hours), category.handling_unit)]
    if case.source in ENTERED_FOR_CALLER:
        limits.append(HOTLINE_TIERS.get(case.priority, HOTLINE_TIERS[Priority.NORMAL]))
    return limits


def _start_handling_clock(case: Case, calendar: WorkCalendar, now: datetime.datetime) -> None:
    due, amount, unit = min(((calendar.add(now, amount, unit), amount, unit) for amount, unit in handling_limits(case)),
                            key=lambda option: option[0])
    case.handling_started_at = now
    case.handle_due = due
    case.warn_at = calendar.add(now, amount * WARN_FRACTION, unit)
    case.extended_hours = Decimal(0)
    case.reminded_at = case.supervised_at = None


def _extension_unit(case: Case) -> str:
    """Extensions are asked in hours: calendar hours where the case's own limit runs in calendar
    time (an urgent limit, a calendar-hour category), else working hours."""
    unit = handling_limits(case)[0][1]
    return LimitUnit.CALENDAR if unit == LimitUnit.CALENDAR else LimitUnit.WORKING


def _start_dispatch_clock(case: Case, now: datetime.datetime, calendar: WorkCalendar | None = None) -> None:
    """A case waiting for dispatch (立案, returned, referred or reopened): its 派遣时限 from now."""
    calendar = calendar or load_calendar(timezone.localdate(now))
    hours, unit = _limit(case.category, "dispatch_hours")
    case.dispatch_due = calendar.add(now, hours, unit)
    case.dispatch_overdue_at = None


def _clear_handling(case: Case) -> None:
    case.level, case.lead_department = "", None
    case.response_due = case.handle_due = case.warn_at = case.handling_started_at = None
    case.acknowledged_at = case.feedback_at = case.verified_at = None
    case.reminded_at = case.supervised_at = case.response_overdue_at = None


# --- Reporting ---------------------------------------------------------------------------------

def _clean_description(text: str) -> str:
    text = (text or "").strip()
    if len(text) < DESCRIPTION_MIN:
        raise InvalidInput(_("请描述问题（至少 %(n)d 个字）。") % {"n": DESCRIPTION_MIN}, fields={"description": "short"})
    if len(text) > DESCRIPTION_MAX:
        raise InvalidInput(_("问题描述过长（最多 %(n)d 个字）。") % {"n": DESCRIPTION_MAX},
                           fields={"description": "long"})
    return text


def _clean_location(lon, lat) -> tuple[float | None, float | None]:
    if lon in (None, "") and lat in (None, ""):
        return None, None
    try:
        lon, lat = float(lon), float(lat)
    except (TypeError, ValueError):
        raise InvalidInput(_("经纬度格式不正确。"), fields={"location": "invalid"}) from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90) or lon != lon or lat != lat:
        raise InvalidInput(_("经纬度超出范围。"), fields={"location": "range"})
    return lon, lat


def _home_grid(user) -> Area | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    assignment = (RoleAssignment.objects.filter(user=user, area__level=Level.GRID)
                  .select_related("area").order_by("pk").first())
    if assignment is not None:
        return assignment.area
    return user.home_area if user.home_area_id else None


def resolve_category(value) -> Category | None:
    """An active 小类 by instance, id (an int) or code (``InvalidInput`` for anything else); None when empty.

    A string is a code first: codes are digits too, and "0101" read as id 101 filed the case under
    whichever category had that id once the catalogue held more than a hundred. A string of digits that
    is no code is still taken as an id (clients that posted ids before the forms posted codes).
    """
    if value in (None, ""):
        return None
    if isinstance(value, Category):
        category = value
    else:
        query = Category.objects.select_related("parent")
        if isinstance(value, int):
            category = query.filter(pk=value).first()
        else:
            text = str(value).strip()
            category = query.filter(code=text).first() or (
                query.filter(pk=int(text)).first() if text.isdigit() and len(text) < 12 else None)
    if category is None or not category.active or category.parent_id is None:
        raise InvalidInput(_("请选择一个有效的事件小类。"), fields={"category": "invalid"})
    return category


_grids_seen: tuple[tuple | None, dict[int, Area]] = (None, {})


def _grid_at(lon: float, lat: float) -> Area | None:
    """The grid containing the point, as ``areas.locate.locate`` answers (with its community).

    The grid's row is remembered in this process for as long as the process's grid index stands:
    the index is checked against the grids' signature on every call and rebuilt when any grid
    changes, and then these rows are read again too. Each caller gets its own copy.
    """
    global _grids_seen
    from gongzhi.areas.locate import grid_index

    index = grid_index()
    area_id = index.locate_id(lon, lat)
    if area_id < 0:
        return None
    signature, seen = _grids_seen
    if signature != index.signature:
        seen = {}
        _grids_seen = (index.signature, seen)
    area = seen.get(area_id)
    if area is None:
        area = Area.objects.select_related("parent").filter(pk=area_id).first()
        if area is None:
            return None
        seen[area_id] = area
    return copy.copy(area)


def _next_case_serial(day: datetime.date) -> int:
    """``DailyCounter.next("case", day)`` in one statement where the database can (SQLite 3.35+, PostgreSQL).

    An upsert that returns the new value: the same numbers from 1, as safe under concurrent callers,
    and one statement instead of four inside the reporting transaction (which, on SQLite, holds the
    write lock until it commits).
    """
    features = connection.features
    if not (features.supports_update_conflicts_with_target and features.can_return_columns_from_insert):
        return DailyCounter.next("case", day)
    quote = connection.ops.quote_name
    table = quote(DailyCounter._meta.db_table)
    key, date, value = (quote(DailyCounter._meta.get_field(name).column) for name in ("key", "date", "value"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({key}, {date}, {value}) VALUES (%s, %s, 1) "  # noqa: S608 - quoted names
            f"ON CONFLICT ({key}, {date}) DO UPDATE SET {value} = {table}.{value} + 1 RETURNING {value}",
            ["case", connection.ops.adapt_datefield_value(day)])
        return cursor.fetchone()[0]


def report_case(*, actor, description: str, lon=None, lat=None, area: Area | None = None, address: str = "",
                category=None, priority: str = Priority.NORMAL, source: str | None = None,
                photos: Iterable[bytes | IO[bytes]] = (), reporter_name: str = "", reporter_phone: str = "",
                patrol: Patrol | None = None, request=None, now: datetime.datetime | None = None,
                within: Callable[[Case], object] | None = None, open311_token: str | None = None) -> Case:
    """File a new report: located in its grid (from the point, else ``area``, else the reporter's
    grid), a category suggested when none is given, the acceptance deadline set, photos stored.

    ``actor`` is None only for Open311 clients (the API key stands for them). Residents, grid
    workers and staff need ``cases.report``. ``within(case)``, when given, runs inside the
    reporting transaction once the case is written (Open311 filing records its client there): it
    commits with the case or not at all. ``open311_token`` is the token the client was given.

    Everything that only reads (validation, the grid, the calendar, the category suggestion, who
    accepts) happens before the transaction opens: on SQLite a write transaction holds the one
    write lock from its first statement to its commit, so only the writes run inside it.
    """
    from .classifier import suggest

    now = now or timezone.now()
    if actor is not None and not has_perm(actor, Perm.CASES_REPORT):
        raise NotAllowed(_("您没有上报事件的权限。"))
    description = _clean_description(description)
    lon, lat = _clean_location(lon, lat)
    category = resolve_category(category)
    if priority not in Priority.values:
        raise InvalidInput(_("紧急程度不正确。"), fields={"priority": "invalid"})
    grid = _grid_at(lon, lat) if lon is not None else None
    if grid is None and lon is not None and area is None:
        raise InvalidInput(_("该位置不在本平台的网格范围内，请在地图上重新选择位置。"), fields={"location": "outside"})
    target = grid or area or _home_grid(actor)
    if target is None:
        raise InvalidInput(_("请在地图上选择问题位置。"), fields={"location": "required"})
    photo_data = list(photos)
    if len(photo_data) > settings.GONGZHI_CASE_PHOTOS_PER_STEP:
        raise InvalidInput(_("最多上传 %(n)d 张照片。") % {"n": settings.GONGZHI_CASE_PHOTOS_PER_STEP},
                           fields={"photos": "count"})
    processed = [photo_processing.process(data) for data in photo_data]
    if lon is None:  # a photo's own location places a report made without one
        located = next((p for p in processed if p.lon is not None), None)
        if located is not None and (found := _grid_at(located.lon, located.lat)) is not None and area is None:
            lon, lat, target = located.lon, located.lat, found
    if source is None:
        source = _default_source(actor, patrol)
    elif source not in CaseSource.values:
        raise InvalidInput(_("来源不正确。"), fields={"source": "invalid"})
    suggested, score = (None, None) if category is not None else suggest(description)
    calendar = load_calendar(timezone.localdate(now))
    hours, unit = _limit(category or suggested, "accept_hours")
    local = timezone.localtime(now)
    case = Case(
        source=source, reporter=actor if actor is not None and actor.is_authenticated else None,
        reporter_name=(reporter_name or "").strip()[:50], reporter_phone=(reporter_phone or "").strip()[:30],
        description=description, address=(address or "").strip()[:200], lon=lon, lat=lat, area=target,
        category=category, suggested_category=suggested, suggestion_score=score, priority=priority,
        patrol=patrol, reported_at=now, accept_due=calendar.add(now, hours, unit),
        open311_token=open311_token or (secrets.token_hex(16) if source == CaseSource.OPEN311 else None),
    )
    acceptors = staff_over(target, [Role.COMMUNITY_STAFF])
    with transaction.atomic():
        case.number = f"{local:%Y%m%d}{_next_case_serial(local.date()):04d}"
        case.save()
        event = CaseEvent.objects.create(case=case, action="report", from_status="", to_status=S.REPORTED,
                                         actor=case.reporter, actor_name=_actor_name(actor, case), at=now,
                                         data={"source": source})
        _store_photos(case, event, processed, PhotoStage.REPORT, actor, now)
        record(actor=actor, actor_name="open311" if actor is None else "", action="cases.report", obj=case,
               after={"number": case.number, "area": target.code, "category": category.code if category else "",
                      "source": source}, request=request)
        if acceptors:
            send_notice(recipients=acceptors, title=_("新事件待受理：%(number)s") % {"number": case.number},
                        body=description[:200], link=case_link(case), kind="cases")
        if within is not None:
            within(case)
    return case


def _default_source(actor, patrol: Patrol | None) -> str:
    """Open311 for key holders, patrol for grid workers, hotline entry for other staff, else a resident's report."""
    if actor is None:
        return CaseSource.OPEN311
    if patrol is not None or Role.GRID_WORKER in actor.roles():
        return CaseSource.PATROL
    if has_perm(actor, Perm.CASES_VIEW):
        return CaseSource.HOTLINE
    return CaseSource.RESIDENT


def _actor_name(actor, case: Case | None = None) -> str:
    if actor is None:
        return case.reporter_name or "Open311" if case is not None else _("系统")
    return getattr(actor, "display_name", "") or actor.username


def _store_photos(case: Case, event: CaseEvent, processed, stage: str, actor, now) -> None:
    for index, photo in enumerate(processed, start=1):
        row = CasePhoto(case=case, event=event, stage=stage, content_type=photo.content_type, size=len(photo.content),
                        width=photo.width, height=photo.height, lon=photo.lon, lat=photo.lat,
                        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None, created_at=now)
        row.image.save(f"{case.number}-{stage}-{event.pk}-{index}-{secrets.token_hex(4)}.{photo.extension}",
                       ContentFile(photo.content), save=False)
        row.save()


# --- Acting on a case --------------------------------------------------------------------------

_CASE_FIELDS = [f.attname for f in Case._meta.concrete_fields if f.attname not in ("id", "version", "updated_at")]


def act(*, actor, case: Case | int, action: str, note: str = "", version: int | None = None,
        photos: Iterable[bytes | IO[bytes]] = (), request=None, now: datetime.datetime | None = None, **params: Any) -> Case:
    """Take ``action`` on ``case`` as ``actor`` (see ``workflow.TRANSITIONS``) and return the case.

    ``version``: the version the actor saw; a different current version raises ``CaseConflict``.
    Without it the case is read here, and a change by someone else between that read and the write
    still raises ``CaseConflict``. Raises ``NotAllowed`` (not the actor's step), ``InvalidTransition``
    (not in this state) and ``InvalidInput`` (a missing reason, a bad rating…).
    """
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise InvalidInput(_("未知的操作：%(action)s。") % {"action": action}, fields={"action": "unknown"})
    now = now or timezone.now()
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise InvalidInput(_("说明过长（最多 %(n)d 个字）。") % {"n": NOTE_MAX}, fields={"note": "long"})
    if version is not None:
        try:
            version = int(version)
        except (TypeError, ValueError):
            raise InvalidInput(_("版本号无效，请刷新页面后重试。"), fields={"version": "invalid"}) from None
    pk = case.pk if isinstance(case, Case) else case
    with transaction.atomic():
        case = (Case.objects.select_related("area", "category", "category__parent", "lead_department",
                                            "merged_into", "reporter").get(pk=pk))
        if version is not None and version != case.version:
            raise CaseConflict(_("该事件已被他人处理（当前版本 %(v)d），请刷新后重试。") % {"v": case.version})
        as_actor = acting_as(actor, case, transition)
        if as_actor is None:
            raise NotAllowed(_("您不能对此事件执行“%(action)s”。") % {"action": transition.label})
        if not status_allows(case, transition):
            if case.status in transition.sources and action == "callback" and not case.rated_by_callback:
                raise InvalidTransition(_("该事件由反映人自行评价，无需回访。"))
            if case.status in transition.sources and action == "rate" and case.rated_by_callback:
                raise InvalidTransition(_("该事件为代反映人录入，由回访记录评价。"))
            raise InvalidTransition(_("事件当前状态为“%(status)s”，不能执行“%(action)s”。") % {
                "status": case.get_status_display(), "action": transition.label})
        if transition.note_required and not note:
            raise InvalidInput(_("请填写说明或理由。"), fields={"note": "required"})
        photos = list(photos)
        if len(photos) > settings.GONGZHI_CASE_PHOTOS_PER_STEP:  # counted before any is decoded
            raise InvalidInput(_("最多上传 %(n)d 张照片。") % {"n": settings.GONGZHI_CASE_PHOTOS_PER_STEP},
                               fields={"photos": "count"})
        processed = [photo_processing.process(data) for data in photos]
        before = {name: getattr(case, name) for name in _CASE_FIELDS}
        from_status = case.status
        step = _STEPS[action](case, actor=actor, as_actor=as_actor, note=note, params=params, now=now)
        if step.target is not None or transition.target is not None:
            case.status = step.target or transition.target
        changed = {name: getattr(case, name) for name in _CASE_FIELDS if getattr(case, name) != before[name]}
        written = Case.objects.filter(pk=case.pk, version=case.version).update(
            **changed, version=F("version") + 1, updated_at=now)
        if not written:
            raise CaseConflict(_("该事件刚被他人处理，请刷新后重试。"))
        case.version += 1
        if step.assist is not None:
            case.assist_departments.set(step.assist)
        event = CaseEvent.objects.create(case=case, action=action, from_status=from_status, to_status=case.status,
                                         actor=actor, actor_name=_actor_name(actor), at=now, note=note,
                                         data={"as": str(as_actor), **step.data})
        _store_photos(case, event, processed, _PHOTO_STAGE.get(action, PhotoStage.FEEDBACK), actor, now)
        for write in step.after:
            write()
        record(actor=actor, action=f"cases.{action}", obj=case, before={"status": from_status},
               after={"status": case.status, **{k: v for k, v in step.data.items() if k != "notes"}}, request=request)
        for recipients, title, body, *about in step.notices:
            users = [user for user in recipients if user is not None and user.pk != getattr(actor, "pk", None)]
            if users:
                send_notice(recipients=users, title=title, body=body, link=case_link(about[0] if about else case),
                            kind="cases")
        faults.point("cases.act.before_commit")
    faults.point("cases.act.committed")
    return case


_PHOTO_STAGE = {"feedback": PhotoStage.FEEDBACK, "verify": PhotoStage.VERIFY, "rework": PhotoStage.VERIFY}


def _title(case: Case, text: str) -> str:
    return f"{text}：{case.number}"


def _step_accept(case, *, actor, as_actor, note, params, now) -> _Step:
    category = resolve_category(params.get("category")) or case.category or case.suggested_category
    if category is None:
        raise InvalidInput(_("请选择事件类别后立案。"), fields={"category": "required"})
    priority = params.get("priority") or case.priority
    if priority not in Priority.values:
        raise InvalidInput(_("紧急程度不正确。"), fields={"priority": "invalid"})
    corrected = case.suggested_category_id is not None and case.suggested_category_id != category.pk
    case.category, case.priority, case.accepted_at = category, priority, now
    _start_dispatch_clock(case, now)
    step = _Step(data={"category": category.code, "on_time": case.accept_due is None or now <= case.accept_due,
                       "corrected": corrected})
    step.notices += _reporter_notices(case, _("您反映的问题已立案"), _("我们将尽快处理。"))
    if corrected:
        from .tasks import retrain_classifier

        transaction.on_commit(lambda: retrain_classifier.enqueue())
    return step


def _step_reject(case, *, actor, as_actor, note, params, now) -> _Step:
    case.closed_at = now
    return _Step(notices=_reporter_notices(case, _("您反映的问题未予立案"), note))


def _step_merge(case, *, actor, as_actor, note, params, now) -> _Step:
    target_id = params.get("duplicate_of") or params.get("merge_into")
    try:
        target = Case.objects.visible_to(actor).select_related("area").get(pk=int(target_id))
    except (TypeError, ValueError, Case.DoesNotExist):
        raise InvalidInput(_("请选择要合并到的事件。"), fields={"duplicate_of": "invalid"}) from None
    while target.merged_into_id is not None:  # merge into the case that is kept
        target = Case.objects.select_related("area").get(pk=target.merged_into_id)
    if target.pk == case.pk or target.status in (S.REJECTED, S.MERGED):
        raise InvalidInput(_("不能合并到该事件。"), fields={"duplicate_of": "invalid"})
    case.merged_into = target
    step = _Step(data={"merged_into": target.number})
    step.notices += _reporter_notices(case, _("您反映的问题已与同一问题合并办理"),
                                      _("合并至事件 %(number)s，办理结果将同步告知您。") % {"number": target.number})
    # Cases merged into this one earlier follow it, so the kept case tells their reporters too.
    step.after.append(lambda: Case.objects.filter(merged_into=case).update(merged_into=target))
    step.after.append(lambda: CaseEvent.objects.create(
        case=target, action="merged_in", from_status=target.status, to_status=target.status, actor=actor,
        actor_name=_actor_name(actor), at=now, note=note, data={"case": case.number}))
    return step


def _resume(case: Case) -> None:
    case.suspended_at = None
    case.review_date = None


def _step_handle(case, *, actor, as_actor, note, params, now) -> _Step:
    level = params.get("level") or (case.category.default_level if case.category and case.category.default_level
                                    in (HandlingLevel.GRID, HandlingLevel.COMMUNITY) else HandlingLevel.COMMUNITY)
    if level not in (HandlingLevel.GRID, HandlingLevel.COMMUNITY):
        raise InvalidInput(_("处置层级只能是网格或社区。"), fields={"level": "invalid"})
    if level == HandlingLevel.GRID and case.area.level != Level.GRID:
        raise InvalidInput(_("该事件不在具体网格内，请交社区处置。"), fields={"level": "no_grid"})
    _resume(case)
    case.level, case.lead_department = level, None
    _start_handling_clock(case, load_calendar(timezone.localdate(now)), now)
    step = _Step(data={"level": level, "handle_due": case.handle_due.isoformat()}, assist=[])
    step.notices.append((_handlers(case), _title(case, _("新的处置任务")), case.description[:200]))
    return step


def _department(value, field_name: str) -> Department:
    try:
        return Department.objects.prefetch_related("serves").get(pk=int(value), is_active=True)
    except (TypeError, ValueError, Department.DoesNotExist):
        raise InvalidInput(_("部门不存在或已停用。"), fields={field_name: "invalid"}) from None


def _step_dispatch(case, *, actor, as_actor, note, params, now) -> _Step:
    """Dispatch to a lead department (and assisting ones): by the street centre, or by the community
    itself for a category it may whistle (社区吹哨) — the department's 报到 is the same either way,
    and the street is told of every whistle so that it can supervise and take over."""
    previous = case.lead_department
    suggestion = route(case.category, case.area, case.lon, case.lat)
    if params.get("department") not in (None, ""):
        lead = _department(params["department"], "department")
    elif suggestion.department is not None:
        lead = suggestion.department
    else:
        raise InvalidInput(_("没有找到负责该类事件的部门，请选择主办部门。"), fields={"department": "required"})
    if not serves(lead, case.area):
        raise InvalidInput(_("%(dept)s 不负责该事件所在区域。") % {"dept": lead.name}, fields={"department": "area"})
    raw_assist = params.get("assist")
    if raw_assist is None:
        assist = [d for d in suggestion.assist if d.pk != lead.pk] if lead == suggestion.department else []
    else:
        if not isinstance(raw_assist, (list, tuple)):
            raise InvalidInput(_("协办部门须为部门编号的列表。"), fields={"assist": "invalid"})
        assist = [_department(value, "assist") for value in raw_assist]
        if any(d.pk == lead.pk for d in assist):
            # Said, not silently dropped: the dispatcher meant something by it.
            raise InvalidInput(_("%(dept)s 已是主办部门，不能同时协办；请另选协办部门。") % {"dept": lead.name},
                               fields={"assist": "lead"})
        assist = list({d.pk: d for d in assist}.values())
        for department in assist:
            if not serves(department, case.area):
                raise InvalidInput(_("%(dept)s 不负责该事件所在区域，不能协办。") % {"dept": department.name},
                                   fields={"assist": "area"})
    _resume(case)
    case.level, case.lead_department = HandlingLevel.DEPARTMENT, lead
    case.dispatched_at, case.acknowledged_at, case.feedback_at = now, None, None
    calendar = load_calendar(timezone.localdate(now))
    hours, unit = _limit(case.category, "response_hours")
    case.response_due = calendar.add(now, hours, unit)
    _start_handling_clock(case, calendar, now)
    case.response_overdue_at = None
    whistle = as_actor is Actor.WHISTLER
    step = _Step(data={"department": lead.pk, "department_name": lead.name, "assist": [d.pk for d in assist],
                       "suggested": suggestion.department.pk if suggestion.department else None,
                       "handle_due": case.handle_due.isoformat(), "whistle": whistle}, assist=assist)
    calling = _("社区吹哨，请及时报到") if whistle else _("新派遣事件，请及时报到")
    step.notices.append((department_staff([lead]), _title(case, calling), case.description[:200]))
    if assist:
        step.notices.append((department_staff(assist), _title(case, _("协办事件")), case.description[:200]))
    if whistle:
        step.notices.append((staff_over(case.area, [Role.STREET_STAFF]),
                             _title(case, _("社区已吹哨派遣 %(dept)s") % {"dept": lead.name}), case.description[:200]))
    if previous is not None and previous.pk != lead.pk:
        step.data.update(previous_department=previous.pk, previous_department_name=previous.name)
        step.notices.append((department_staff([previous]), _title(case, _("事件已由街道改派")), note[:200]))
    return step


def _step_takeover(case, *, actor, as_actor, note, params, now) -> _Step:
    """The street takes a dispatched case over (a community's whistle, or a department that stalls)
    and dispatches it again: to another department, or the same one with a fresh clock."""
    step = _step_dispatch(case, actor=actor, as_actor=as_actor, note=note, params=params, now=now)
    step.data["takeover"] = True
    return step


def _step_refer(case, *, actor, as_actor, note, params, now) -> _Step:
    """The community cannot solve it (or may not whistle for it): the street centre is asked to dispatch."""
    _clear_handling(case)
    _start_dispatch_clock(case, now)
    step = _Step(data={"dispatch_due": case.dispatch_due.isoformat()}, assist=[])
    step.notices.append((staff_over(case.area, [Role.STREET_STAFF]), _title(case, _("社区提请街道派遣")), note[:200]))
    return step


def _step_acknowledge(case, *, actor, as_actor, note, params, now) -> _Step:
    case.acknowledged_at = now
    return _Step(data={"on_time": case.response_due is None or now <= case.response_due})


def _step_return(case, *, actor, as_actor, note, params, now) -> _Step:
    department = case.lead_department
    case.return_count += 1
    _clear_handling(case)
    _start_dispatch_clock(case, now)
    step = _Step(data={"department": department.pk, "department_name": department.name}, assist=[])
    step.notices.append((staff_over(case.area, [Role.STREET_STAFF]),
                         _title(case, _("%(dept)s 退回事件，请重新派遣") % {"dept": department.name}), note))
    return step


def _step_start(case, *, actor, as_actor, note, params, now) -> _Step:
    return _Step()


def _step_feedback(case, *, actor, as_actor, note, params, now) -> _Step:
    case.feedback_at = now
    step = _Step(data={"on_time": case.handle_due is None or now <= case.handle_due})
    verifiers = staff_over(case.area, [Role.GRID_WORKER]) or staff_over(case.area, [Role.COMMUNITY_STAFF])
    step.notices.append((verifiers, _title(case, _("处置已反馈，请核查")), note[:200]))
    return step


def _closers(case: Case) -> list[User]:
    """Who closes a verified case: the street centre for a department's case, else the community."""
    if case.level == HandlingLevel.DEPARTMENT:
        return staff_over(case.area, [Role.STREET_STAFF])
    return staff_over(case.area, [Role.COMMUNITY_STAFF])


def _step_verify(case, *, actor, as_actor, note, params, now) -> _Step:
    """核查 on site: the case waits for 结案 by the centre, unless the district closes on verification."""
    case.verified_at = now
    step = _Step(data={"on_time": case.handle_due is None or (case.feedback_at or now) <= case.handle_due})
    if LoopSettings.closes_after_verify(case.district_code):
        case.closed_at = now
        step.target = S.CLOSED
        step.data["closed"] = True
        step.notices += _reporter_notices(case, _("您反映的问题已办结，请评价"), note[:200])
    else:
        step.notices.append((_closers(case), _title(case, _("事件已核查通过，请结案")), note[:200]))
    return step


def _step_rework(case, *, actor, as_actor, note, params, now) -> _Step:
    case.rework_count += 1
    case.feedback_at = case.verified_at = None
    return _Step(data={"rework": case.rework_count},
                 notices=[(_handlers(case), _title(case, _("核查未通过，请返工")), note[:200])])


def _step_close(case, *, actor, as_actor, note, params, now) -> _Step:
    """结案: after verification; from 待核查 or 挂账 only by the centre, and only with a reason."""
    if case.status != S.VERIFIED and not note:
        raise InvalidInput(_("未经核查结案，请填写说明或理由。"), fields={"note": "required"})
    _resume(case)
    case.closed_at = now
    step = _Step(data={"verified": case.status == S.VERIFIED})
    text = _("您反映的问题已办结，我们将进行回访") if case.rated_by_callback else _("您反映的问题已办结，请评价")
    step.notices += _reporter_notices(case, text, note[:200])
    return step


def _hours(value) -> Decimal:
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidInput(_("延期时长须为小时数。"), fields={"hours": "invalid"}) from None
    if not Decimal(0) < hours <= MAX_EXTENSION_HOURS:
        raise InvalidInput(_("延期时长须在 0 到 %(max)s 小时之间。") % {"max": MAX_EXTENSION_HOURS},
                           fields={"hours": "range"})
    return hours


def pending_extension(case: Case) -> ExtensionRequest | None:
    return case.extensions.filter(status=ExtensionStatus.PENDING).first()


def _step_extend(case, *, actor, as_actor, note, params, now) -> _Step:
    pending = pending_extension(case)
    decision = params.get("decision")
    if isinstance(params.get("approve"), bool):
        decision = "approve" if params["approve"] else "refuse"
    if pending is None:
        if not is_actor(actor, case, Actor.HANDLER):
            raise InvalidTransition(_("没有待审批的延期申请。"))
        if not note:
            raise InvalidInput(_("请填写延期理由。"), fields={"note": "required"})
        hours = _hours(params.get("hours"))
        request_row = ExtensionRequest(case=case, hours=hours, reason=note, requested_by=actor, requested_at=now)
        step = _Step(data={"requested_hours": str(hours)}, after=[request_row.save])
        step.notices.append((staff_over(case.area, [Role.STREET_STAFF]),
                             _title(case, _("延期申请待审批（%(h)s 小时）") % {"h": hours}), note))
        return step
    if not is_actor(actor, case, Actor.SUPERVISOR):
        raise InvalidTransition(_("已有延期申请待审批。"))
    if decision not in ("approve", "refuse"):
        raise InvalidInput(_("请选择批准或不批准。"), fields={"decision": "required"})
    pending.status = ExtensionStatus.APPROVED if decision == "approve" else ExtensionStatus.REFUSED
    pending.decided_by, pending.decided_at, pending.decision_note = actor, now, note
    if decision == "approve":
        unit = _extension_unit(case)
        calendar = load_calendar(timezone.localdate(now))
        case.handle_due = calendar.add(case.handle_due or now, pending.hours, unit)
        case.warn_at = calendar.add(case.warn_at or now, pending.hours, unit)
        case.extended_hours += pending.hours
        case.reminded_at = case.supervised_at = None
    step = _Step(data={"decision": decision, "hours": str(pending.hours)}, after=[pending.save])
    title = _("延期申请已批准") if decision == "approve" else _("延期申请未批准")
    step.notices.append(([pending.requested_by], _title(case, title), note))
    return step


def _step_suspend(case, *, actor, as_actor, note, params, now) -> _Step:
    raw = params.get("review_date")
    try:
        review = raw if isinstance(raw, datetime.date) else datetime.date.fromisoformat(str(raw))
    except (TypeError, ValueError):
        raise InvalidInput(_("请填写挂账复核日期。"), fields={"review_date": "required"}) from None
    if review <= timezone.localdate(now):
        raise InvalidInput(_("复核日期须晚于今天。"), fields={"review_date": "past"})
    case.suspended_at, case.review_date = now, review
    return _Step(data={"review_date": review.isoformat()},
                 notices=[(_handlers(case) if case.level else [], _title(case, _("事件已挂账")), note)])


def _rating(value) -> int:
    try:
        rating = int(value)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise InvalidInput(_("请选择满意度（非常满意、满意、基本满意、不满意或非常不满意）。"), fields={"rating": "range"})
    return rating


def _yes_no(value, field_name: str, message: str, *, required: bool) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower() if value is not None else ""
    if text in ("yes", "true", "1", "是"):
        return True
    if text in ("no", "false", "0", "否"):
        return False
    if required or text:
        raise InvalidInput(message, fields={field_name: "required" if not text else "invalid"})
    return None


def _record_rating(case: Case, step: _Step, rating: int, resolved: bool | None, comment: str, now) -> None:
    if len(comment) > 500:
        raise InvalidInput(_("评价意见过长（最多 500 字）。"), fields={"comment": "long"})
    case.rating, case.rating_comment, case.rated_at, case.resolved = rating, comment, now, resolved
    step.data.update(rating=rating, resolved=resolved)
    if rating <= UNSATISFIED_UP_TO:  # the centre may reopen it
        step.notices.append((staff_over(case.area, [Role.STREET_STAFF]),
                             _title(case, _("群众评价不满意，请复核是否重办")), comment[:200]))


def _step_rate(case, *, actor, as_actor, note, params, now) -> _Step:
    """The reporter's 好差评: five levels (5 非常满意 … 1 非常不满意) and whether it was solved."""
    rating = _rating(params.get("rating"))
    resolved = _yes_no(params.get("resolved"), "resolved", _("请选择问题是否已解决。"), required=False)
    step = _Step()
    _record_rating(case, step, rating, resolved, (params.get("comment") or note or "").strip(), now)
    return step


def _step_callback(case, *, actor, as_actor, note, params, now) -> _Step:
    """12345 回访: the caller is called back by someone who did not handle the case. Not reached:
    the attempt is recorded and the callback stays open; reached: their rating and whether the
    problem was solved."""
    reached = _yes_no(params.get("reached"), "reached", _("请选择是否联系上反映人。"), required=True)
    case.callback_at, case.callback_reached = now, reached
    step = _Step(data={"reached": reached})
    if reached:
        rating = _rating(params.get("rating"))
        resolved = _yes_no(params.get("resolved"), "resolved", _("请选择问题是否已解决。"), required=True)
        _record_rating(case, step, rating, resolved, (params.get("comment") or "").strip(), now)
    elif not note:
        raise InvalidInput(_("未联系上时请说明情况（如：电话无人接听）。"), fields={"note": "required"})
    return step


def _step_reopen(case, *, actor, as_actor, note, params, now) -> _Step:
    """Unsatisfied: the centre sends the case back to be dispatched or handed over again."""
    rating = case.rating
    case.reopen_count += 1
    case.closed_at = None
    _clear_handling(case)
    _start_dispatch_clock(case, now)
    step = _Step(data={"rating": rating, "reopen": case.reopen_count}, assist=[])
    step.notices += _reporter_notices(case, _("您反映的问题已重新办理"), note[:200])
    step.notices.append((staff_over(case.area, [Role.COMMUNITY_STAFF]), _title(case, _("不满意事件重办")), note[:200]))
    return step


_STEPS: dict[str, Callable[..., _Step]] = {
    "accept": _step_accept, "reject": _step_reject, "merge": _step_merge, "handle": _step_handle,
    "dispatch": _step_dispatch, "refer": _step_refer, "takeover": _step_takeover, "acknowledge": _step_acknowledge,
    "return": _step_return, "start": _step_start, "feedback": _step_feedback, "verify": _step_verify,
    "rework": _step_rework, "close": _step_close, "extend": _step_extend, "suspend": _step_suspend,
    "rate": _step_rate, "callback": _step_callback, "reopen": _step_reopen,
}
assert set(_STEPS) == set(TRANSITIONS), "every transition has its step"
