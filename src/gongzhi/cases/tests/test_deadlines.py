"""Deadlines across weekends and holidays (frozen time), near-due and overdue computed from them, and the
worker's sweep: reminders, grid → community escalation, supervision of overdue department cases."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from gongzhi.cases import deadlines, services
from gongzhi.cases.models import Case, CaseEvent, CaseStatus, HandlingLevel
from gongzhi.notices.models import Notice

from .helpers import new_case

pytestmark = pytest.mark.django_db


def at(*args) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(*args))


def walk(demo, case, steps, when):
    for username, action, params in steps:
        params = dict(params)
        note = params.pop("note", "")
        case = services.act(actor=demo.users[username], case=case, action=action, note=note, now=when, **params)
    return case


@time_machine.travel(at(2026, 12, 4, 16, 0), tick=False)  # Friday 16:00
def test_working_hour_limits_skip_the_weekend(cases_demo):
    case = new_case(cases_demo, now=timezone.now())
    # Acceptance within 1 working hour: Friday 17:00.
    assert case.accept_due == at(2026, 12, 4, 17, 0)
    case = walk(cases_demo, case, [("community", "accept", {"category": "0101"}), ("street", "dispatch", {})],
                timezone.now())
    # 暴露垃圾: respond within 2 working hours (Friday 1.5 h, Monday 0.5 h) and handle within 4
    # (1.5 h on Friday, then Monday 08:30 + 2.5 h).
    assert case.response_due == at(2026, 12, 7, 9, 0)
    assert case.handle_due == at(2026, 12, 7, 11, 0)
    assert case.warn_at == at(2026, 12, 7, 10, 12)  # 80 % of 4 h = 3.2 h: Monday 08:30 + 1.7 h


@time_machine.travel(at(2026, 9, 30, 15, 0), tick=False)  # the afternoon before National Day
def test_limits_skip_public_holidays_and_count_adjusted_working_days(cases_demo):
    case = new_case(cases_demo, now=timezone.now())
    case = walk(cases_demo, case, [("community", "accept", {"category": "0303"}), ("street", "dispatch", {})],
                timezone.now())
    # 道路破损: 5 working days. 1–7 Oct rest; Thu 8 and Fri 9 Oct; Saturday 10 Oct is an adjusted
    # working day (国庆节调休上班); Sunday 11 rests; Mon 12 and Tue 13 Oct: the fifth working day after
    # 30 Sept, at the same time of day — Tuesday 13 Oct 15:00 (5 × 7.5 = 37.5 working hours).
    assert case.handle_due == at(2026, 10, 13, 15, 0)


@time_machine.travel(at(2026, 12, 2, 9, 0), tick=False)
def test_calendar_hour_limits_ignore_the_calendar(cases_demo):
    category = cases_demo.category("0302")
    category.limit_unit = category.handling_unit = "calendar"
    category.handling_hours = 48
    category.save()
    case = new_case(cases_demo, now=timezone.now())
    case = walk(cases_demo, case, [("community", "accept", {"category": "0302"}), ("street", "dispatch", {})],
                timezone.now())
    assert case.handle_due == at(2026, 12, 4, 9, 0)


def test_near_due_and_overdue_are_computed_from_the_deadline(cases_demo):
    with time_machine.travel(at(2026, 12, 2, 9, 0), tick=False):
        case = new_case(cases_demo, now=timezone.now())
        case = walk(cases_demo, case, [("community", "accept", {"category": "0101"}), ("street", "dispatch", {})],
                    timezone.now())
    # 09:00 + 4 working hours, across the lunch break (12:00–13:30): 14:30; 80 % (3.2 h): 13:42.
    assert (case.handle_due, case.warn_at) == (at(2026, 12, 2, 14, 30), at(2026, 12, 2, 13, 42))
    assert not case.is_near_due(at(2026, 12, 2, 13, 41)) and not case.is_overdue(at(2026, 12, 2, 13, 41))
    assert case.is_near_due(at(2026, 12, 2, 14, 0)) and not case.is_overdue(at(2026, 12, 2, 14, 0))
    assert case.is_overdue(at(2026, 12, 2, 14, 31)) and not case.is_near_due(at(2026, 12, 2, 14, 31))
    assert list(Case.objects.overdue(at(2026, 12, 2, 14, 31))) == [case]
    assert list(Case.objects.overdue(at(2026, 12, 2, 14, 29))) == []
    case = walk(cases_demo, case, [("dept", "acknowledge", {}), ("dept", "start", {}),
                                   ("dept", "feedback", {"note": "已清理"})], at(2026, 12, 2, 15, 0))
    assert not case.is_overdue(at(2026, 12, 3, 9, 0))  # waiting for verification: the handler's clock stopped


def test_sweep_reminds_once_then_supervises_once(cases_demo):
    with time_machine.travel(at(2026, 12, 2, 9, 0), tick=False):
        case = new_case(cases_demo, now=timezone.now())
        case = walk(cases_demo, case, [("community", "accept", {"category": "0101"}), ("street", "dispatch", {})],
                    timezone.now())
    assert vars(deadlines.sweep(at(2026, 12, 2, 10, 0))) == {
        "reminded": 0, "escalated": 0, "supervised": 0, "reviews_due": 0, "accept_overdue": 0, "dispatch_overdue": 0,
        "response_overdue": 0}
    assert deadlines.sweep(at(2026, 12, 2, 13, 45)).reminded == 1
    assert deadlines.sweep(at(2026, 12, 2, 14, 0)).reminded == 0  # once
    assert Notice.objects.filter(recipient=cases_demo.users["dept"], title__contains="临近").count() == 1
    result = deadlines.sweep(at(2026, 12, 2, 15, 0))
    assert result.supervised == 1 and deadlines.sweep(at(2026, 12, 2, 16, 0)).supervised == 0
    case.refresh_from_db()
    assert case.supervised_at == at(2026, 12, 2, 15, 0) and case.status == CaseStatus.DISPATCHED
    assert [e.action for e in CaseEvent.objects.filter(case=case)][-2:] == ["remind", "supervise"]
    assert Notice.objects.filter(recipient=cases_demo.users["street"], title__contains="督办").exists()


def test_department_head_is_told_when_set(cases_demo):
    department = cases_demo.departments["CG"]
    department.head = cases_demo.users["district"]
    department.save()
    with time_machine.travel(at(2026, 12, 2, 9, 0), tick=False):
        case = walk(cases_demo, new_case(cases_demo, now=timezone.now()),
                    [("community", "accept", {"category": "0101"}), ("street", "dispatch", {})], timezone.now())
    deadlines.sweep(at(2026, 12, 3, 9, 0))
    assert Notice.objects.filter(recipient=cases_demo.users["district"], title__contains=case.number).exists()
    assert not Notice.objects.filter(recipient=cases_demo.users["dept"], title__contains="督办").exists()


def test_overdue_grid_case_goes_up_to_the_community(cases_demo):
    with time_machine.travel(at(2026, 12, 2, 9, 0), tick=False):
        case = walk(cases_demo, new_case(cases_demo, now=timezone.now()),
                    [("community", "accept", {"category": "0101"}), ("community", "handle", {"level": "grid"})],
                    timezone.now())
    assert (case.level, case.handle_due) == (HandlingLevel.GRID, at(2026, 12, 2, 14, 30))
    result = deadlines.sweep(at(2026, 12, 2, 15, 0))
    assert result.escalated == 1 and deadlines.sweep(at(2026, 12, 2, 15, 1)).escalated == 0
    case.refresh_from_db()
    # The community gets the category's limit again from the escalation: 2.5 h today, 1.5 h tomorrow.
    assert case.level == HandlingLevel.COMMUNITY and case.handle_due == at(2026, 12, 3, 10, 0)
    assert CaseEvent.objects.filter(case=case, action="escalate").count() == 1
    assert Notice.objects.filter(recipient=cases_demo.users["community"], title__contains="升级").exists()


def test_sweep_yields_to_a_user_who_acted_meanwhile(cases_demo, monkeypatch):
    """The sweep writes with the version check: an action between its read and its write wins."""
    with time_machine.travel(at(2026, 12, 2, 9, 0), tick=False):
        case = walk(cases_demo, new_case(cases_demo, now=timezone.now()),
                    [("community", "accept", {"category": "0101"}), ("street", "dispatch", {})], timezone.now())
    original = deadlines._write

    def racing(target, now, **changes):
        Case.objects.filter(pk=target.pk).update(version=target.version + 1)
        return original(target, now, **changes)

    monkeypatch.setattr(deadlines, "_write", racing)
    assert deadlines.sweep(at(2026, 12, 2, 15, 0)).supervised == 0
    assert Case.objects.get(pk=case.pk).supervised_at is None


def test_suspended_case_is_brought_up_on_its_review_date(cases_demo):
    with time_machine.travel(at(2026, 12, 2, 9, 0), tick=False):
        case = walk(cases_demo, new_case(cases_demo, now=timezone.now()),
                    [("community", "accept", {"category": "0303"}),
                     ("street", "suspend", {"note": "待明年改造", "review_date": "2026-12-10"})], timezone.now())
    assert deadlines.sweep(at(2026, 12, 9, 9, 0)).reviews_due == 0
    assert deadlines.sweep(at(2026, 12, 10, 9, 0)).reviews_due == 1
    assert deadlines.sweep(at(2026, 12, 11, 9, 0)).reviews_due == 0
    assert case.status == CaseStatus.SUSPENDED and not case.is_overdue(at(2027, 6, 1, 9, 0))


def test_extension_moves_the_deadline_by_working_hours(cases_demo):
    with time_machine.travel(at(2026, 12, 4, 9, 0), tick=False):  # Friday
        case = walk(cases_demo, new_case(cases_demo, now=timezone.now()),
                    [("community", "accept", {"category": "0101"}), ("street", "dispatch", {}),
                     ("dept", "acknowledge", {}), ("dept", "start", {}),
                     ("dept", "extend", {"hours": 8, "note": "需要调车"})], timezone.now())
        assert case.handle_due == at(2026, 12, 4, 14, 30)
        case = walk(cases_demo, case, [("street", "extend", {"decision": "approve", "note": "同意"})], timezone.now())
    assert case.handle_due == at(2026, 12, 7, 15, 0)  # 3 h on Friday, 5 h on Monday (lunch excluded)
