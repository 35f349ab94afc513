"""The worker's duties around time limits: reminders, escalation and supervision (督办).

Near-due and overdue are computed from the stored deadlines wherever they are shown; these
sweeps only send what a person must be told and move what must move. Each change is made with
the case's version check and a condition that makes it happen once, so a sweep that runs twice
(or on two machines) changes nothing the second time.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.accounts.roles import Role
from gongzhi.notices.services import send_notice

from .models import Case, CaseEvent, CaseStatus, HandlingLevel
from .models.case import RUNNING_STATUSES
from .services import _handlers, _start_handling_clock, case_link, department_staff, staff_over
from .worktime import load_calendar

SYSTEM = _("系统")


@dataclass
class SweepResult:
    reminded: int = 0
    escalated: int = 0
    supervised: int = 0
    reviews_due: int = 0
    accept_overdue: int = 0
    dispatch_overdue: int = 0
    response_overdue: int = 0


def _write(case: Case, now: datetime.datetime, **changes) -> bool:
    """Apply ``changes`` if the case is still at the version read (else another action came first)."""
    written = Case.objects.filter(pk=case.pk, version=case.version).update(
        **changes, version=F("version") + 1, updated_at=now)
    if written:
        case.version += 1
        for name, value in changes.items():
            setattr(case, name, value)
    return bool(written)


def _event(case: Case, action: str, now, note: str = "", **data) -> None:
    CaseEvent.objects.create(case=case, action=action, from_status=case.status, to_status=case.status, actor=None,
                             actor_name=str(SYSTEM), at=now, note=note, data=data)


def _notify(users, case: Case, title: str, body: str = "") -> None:
    users = [user for user in users if user is not None]
    if users:
        send_notice(recipients=users, title=f"{title}：{case.number}", body=body, link=case_link(case), kind="cases")


def _fmt(moment: datetime.datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def _acceptors(case: Case) -> list:
    return staff_over(case.area, [Role.COMMUNITY_STAFF])


def _dispatchers(case: Case) -> list:
    return staff_over(case.area, [Role.STREET_STAFF]) + staff_over(case.area, [Role.COMMUNITY_STAFF])


def _reporters_due(case: Case) -> list:
    department = case.lead_department
    head = [department.head] if department is not None and department.head_id else []
    return department_staff([department]) + head


def _department_late(case: Case) -> str:
    return _("%(dept)s 超时未报到") % {"dept": case.lead_department.name if case.lead_department else ""}


@dataclass(frozen=True)
class _Clock:
    """A clock besides handling's: the status it runs in, its deadline and once-only field, the
    timeline step, who is reminded (and with which title) and what the street centre is told."""

    status: str
    due: str
    raised: str
    action: str
    note: str
    remind: Callable[[Case], list]
    title: str
    due_label: str
    street: Callable[[Case], str] | None  # None: the street is among those reminded
    result: str


_CLOCKS = (
    _Clock(CaseStatus.REPORTED, "accept_due", "accept_overdue_at", "accept_overdue", gettext_lazy("超过立案时限仍未受理。"),
           _acceptors, gettext_lazy("事件超过立案时限，请尽快受理"), gettext_lazy("立案时限：%(due)s"),
           lambda case: gettext_lazy("立案超时：事件仍未受理"), "accept_overdue"),
    _Clock(CaseStatus.ACCEPTED, "dispatch_due", "dispatch_overdue_at", "dispatch_overdue",
           gettext_lazy("超过派遣时限仍未派遣或交办。"), _dispatchers, gettext_lazy("事件超过派遣时限，请尽快派遣或交办"),
           gettext_lazy("派遣时限：%(due)s"), None, "dispatch_overdue"),
    _Clock(CaseStatus.DISPATCHED, "response_due", "response_overdue_at", "response_overdue",
           gettext_lazy("部门超过报到时限仍未报到。"), _reporters_due, gettext_lazy("请立即报到：事件已超过报到时限"),
           gettext_lazy("报到时限：%(due)s"), _department_late, "response_overdue"),
)


def _sweep_other_clocks(now: datetime.datetime, result: SweepResult) -> None:
    """Every clock is watched, not only the handling one: a case not accepted by its 立案时限, not
    dispatched by its 派遣时限, or a department that has not reported (报到) by its 报到时限 — each
    reminds who must act and escalates to the street centre (for 报到 also the department's head),
    once per deadline (``_CLOCKS``)."""
    base = Case.objects.select_related("area", "lead_department", "lead_department__head")
    for clock in _CLOCKS:
        overdue = base.filter(status=clock.status, **{f"{clock.due}__lt": now, f"{clock.raised}__isnull": True})
        for case in overdue:
            with transaction.atomic():
                if not _write(case, now, **{clock.raised: now}):
                    continue
                due = getattr(case, clock.due)
                _event(case, clock.action, now, str(clock.note), due=due.isoformat())
                _notify(clock.remind(case), case, str(clock.title), str(clock.due_label) % {"due": _fmt(due)})
                if clock.street is not None:
                    _notify(staff_over(case.area, [Role.STREET_STAFF]), case, str(clock.street(case)))
                setattr(result, clock.result, getattr(result, clock.result) + 1)


def sweep(now: datetime.datetime | None = None) -> SweepResult:
    """One pass over the open cases: the acceptance, dispatch and 报到 clocks (``_sweep_other_clocks``);
    remind near-due handlers, move overdue grid cases up to the community (keeping the deadline
    they missed in ``missed_due``, which the indicators count), put overdue department cases on the
    street's supervision board."""
    now = now or timezone.now()
    result = SweepResult()
    _sweep_other_clocks(now, result)
    running = Case.objects.filter(status__in=RUNNING_STATUSES).select_related("area", "category", "lead_department",
                                                                                "lead_department__head")
    for case in running.filter(warn_at__lte=now, handle_due__gt=now, reminded_at__isnull=True):
        with transaction.atomic():
            if _write(case, now, reminded_at=now):
                _event(case, "remind", now, due=case.handle_due.isoformat())
                _notify(_handlers(case), case, _("事件临近处置时限"),
                        _("请在 %(due)s 前完成处置。") % {"due": f"{timezone.localtime(case.handle_due):%Y-%m-%d %H:%M}"})
                result.reminded += 1
    calendar = None
    for case in running.filter(level=HandlingLevel.GRID, handle_due__lt=now):
        calendar = calendar or load_calendar(timezone.localdate(now))
        with transaction.atomic():
            previous_due = case.handle_due
            case.level = HandlingLevel.COMMUNITY
            _start_handling_clock(case, calendar, now)
            if _write(case, now, level=case.level, handling_started_at=case.handling_started_at,
                      handle_due=case.handle_due, warn_at=case.warn_at, extended_hours=case.extended_hours,
                      reminded_at=None, supervised_at=None, missed_due=case.missed_due or previous_due):
                _event(case, "escalate", now, _("网格处置超时，升级至社区处置。"), from_level=HandlingLevel.GRID,
                       to_level=HandlingLevel.COMMUNITY, missed_due=previous_due.isoformat())
                _notify(staff_over(case.area, [Role.COMMUNITY_STAFF]), case, _("网格超时事件升级至社区"),
                        case.description[:200])
                result.escalated += 1
    for case in running.filter(level=HandlingLevel.DEPARTMENT, handle_due__lt=now, supervised_at__isnull=True):
        with transaction.atomic():
            if _write(case, now, supervised_at=now):
                _event(case, "supervise", now, _("超过处置时限，列入督办。"), due=case.handle_due.isoformat())
                department = case.lead_department
                head = [department.head] if department and department.head_id else department_staff([department])
                _notify(head, case, _("督办：事件已超过处置时限"), case.description[:200])
                _notify(staff_over(case.area, [Role.STREET_STAFF]), case, _("事件超期，已列入督办"))
                result.supervised += 1
    today = timezone.localdate(now)
    for case in Case.objects.filter(status=CaseStatus.SUSPENDED, review_date__lte=today).select_related("area"):
        already = CaseEvent.objects.filter(case=case, action="review_due",
                                           data__review_date=case.review_date.isoformat()).exists()
        if not already:
            with transaction.atomic():
                _event(case, "review_due", now, _("挂账事件到期复核。"), review_date=case.review_date.isoformat())
                _notify(staff_over(case.area, [Role.STREET_STAFF]), case, _("挂账事件到期复核"))
                result.reviews_due += 1
    return result
