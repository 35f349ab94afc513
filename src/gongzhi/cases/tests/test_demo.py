"""The demo's case history obeys the transition table and the clocks, and is built once."""

import datetime

import pytest
from django.utils import timezone

from gongzhi.cases import demo
from gongzhi.cases.models import Case, CaseEvent, CaseStatus, HandlingLevel
from gongzhi.cases.models.case import FINAL_STATUSES
from gongzhi.cases.workflow import TRANSITIONS, available_actions

pytestmark = pytest.mark.django_db
NOW = timezone.make_aware(datetime.datetime(2026, 12, 2, 18, 0))


def test_ninety_days_of_history_follow_the_table(cases_demo):
    """The default history (90 days, a few seconds): every case got where it is by steps of the table, its
    fields agree with its state, and the demo shows the things worth showing."""
    count = demo.build(cases_demo.district, now=NOW)
    assert count == Case.objects.count() > 2000
    cases = list(Case.objects.select_related("merged_into").prefetch_related("events"))
    for case in cases:
        events = list(case.events.all())
        assert events[0].action == "report" and events[0].at == case.reported_at
        status = CaseStatus.REPORTED
        for event in events[1:]:
            if event.action == "merged_in":  # another report joined: recorded at the status of the time
                assert event.from_status == event.to_status == status, (case.number, event.action)
            if event.action in TRANSITIONS:
                transition = TRANSITIONS[event.action]
                assert event.from_status == status and status in transition.sources, (case.number, event.action)
                status = transition.target or status
                assert event.to_status == status, (case.number, event.action)
        assert status == case.status, case.number
        assert all(e.at <= NOW for e in events)
        if case.handle_due is not None:
            assert case.handling_started_at < case.handle_due
        assert_consistent(case)
    statuses = {case.status for case in cases}
    assert {CaseStatus.CLOSED, CaseStatus.REJECTED, CaseStatus.MERGED, CaseStatus.SUSPENDED} <= statuses
    assert statuses & {CaseStatus.IN_PROGRESS, CaseStatus.FEEDBACK}
    # What the demo is for: some cases overdue now, some reworked, many rated.
    overdue = [case for case in cases if case.is_overdue(NOW)]
    assert overdue and Case.objects.overdue(NOW).count() == len(overdue)
    reworked = [case for case in cases if case.rework_count]
    assert reworked and all(case.events.filter(action="rework").count() == case.rework_count for case in reworked)
    assert any(case.status == CaseStatus.CLOSED for case in reworked)
    assert any(case.return_count for case in cases)
    # Residents rate; hotline callers are rated through a reached 回访 (12345), never by the typist.
    rated = Case.objects.filter(rating__isnull=False)
    assert CaseEvent.objects.filter(action="rate").count() == rated.exclude(source="hotline").count() > 100
    assert CaseEvent.objects.filter(action="callback", data__reached=True).count() == rated.filter(
        source="hotline").count() > 10
    assert not CaseEvent.objects.filter(action="rate", case__source="hotline").exists()
    # Verified, then closed; some department cases called by the community itself (社区吹哨).
    assert CaseEvent.objects.filter(action="close").count() == Case.objects.filter(status="closed").count()
    assert CaseEvent.objects.filter(action="dispatch", data__whistle=True).exists()
    assert demo.build(cases_demo.district, now=NOW) is None  # once


def assert_consistent(case: Case) -> None:
    """The fields a case in its state must have, as the services would have left them."""
    s, where = CaseStatus, case.number
    if case.status != s.REPORTED:
        assert case.status == s.MERGED or case.status == s.REJECTED or case.category is not None, where
    if case.status in (s.ACCEPTED, s.HANDLING, s.DISPATCHED, s.ACKNOWLEDGED, s.IN_PROGRESS, s.FEEDBACK, s.VERIFIED,
                       s.CLOSED):
        assert case.accepted_at is not None, where
    if case.status in (s.HANDLING, s.DISPATCHED, s.ACKNOWLEDGED, s.IN_PROGRESS, s.FEEDBACK):
        assert case.level and case.handle_due is not None, where
    if case.status == s.HANDLING:
        assert case.level in (HandlingLevel.GRID, HandlingLevel.COMMUNITY) and case.lead_department_id is None, where
    if case.status in (s.DISPATCHED, s.ACKNOWLEDGED) or case.level == HandlingLevel.DEPARTMENT:
        assert case.level == HandlingLevel.DEPARTMENT and case.lead_department_id and case.response_due, where
    if case.status == s.ACKNOWLEDGED:
        assert case.acknowledged_at is not None, where
    if case.status == s.FEEDBACK:
        assert case.feedback_at is not None, where
    if case.status == s.VERIFIED:
        assert case.verified_at is not None and case.closed_at is None, where
    if case.status == s.ACCEPTED:
        assert case.dispatch_due is not None, where  # 派遣时限 shown while it waits for dispatch
    if case.status in (s.CLOSED, s.REJECTED):
        assert case.closed_at is not None, where
    else:
        assert case.closed_at is None, where
    if case.status == s.SUSPENDED:
        assert case.suspended_at is not None and case.review_date is not None, where
    if case.status == s.MERGED:
        assert case.merged_into is not None and case.merged_into.status not in (s.MERGED, s.REJECTED), where
    else:
        assert case.merged_into_id is None, where
    if case.rating is not None:
        assert case.status == s.CLOSED and case.rated_at is not None, where


def test_no_open_case_of_the_demo_is_stuck(cases_demo):
    """Every open or suspended case of the history can be moved on by someone the table names."""
    from gongzhi.accounts.models import Department, RoleAssignment, User
    from gongzhi.accounts.roles import Role

    demo.build(cases_demo.district, now=NOW)
    # Handlers everywhere in the district, and staff for every department (the demo has one each).
    everywhere = User.objects.create(username="handler", real_name="处置人")
    for role in (Role.GRID_WORKER, Role.COMMUNITY_STAFF):
        RoleAssignment.objects.create(user=everywhere, role=role, area=cases_demo.district)
    people = [cases_demo.users["district"], everywhere]
    for department in Department.objects.all():
        staff = User.objects.create(username=f"staff-{department.code}", real_name=department.name)
        RoleAssignment.objects.create(user=staff, role=Role.DEPARTMENT_STAFF, department=department)
        people.append(staff)
    waiting = (Case.objects.exclude(status__in=FINAL_STATUSES)
               .select_related("area", "category", "lead_department", "merged_into"))
    assert waiting.count() > 20
    for case in waiting:
        moves = {t.action for person in people for t in available_actions(person, case)
                 if t.target not in (None, case.status, CaseStatus.SUSPENDED)}
        assert moves, (case.number, case.status)


def test_history_is_deterministic(cases_demo):
    demo.build(cases_demo.district, days=5, now=NOW)
    first = list(Case.objects.order_by("number").values_list("number", "status", "category__code"))
    Case.objects.all().delete()
    demo.build(cases_demo.district, days=5, now=NOW)
    assert list(Case.objects.order_by("number").values_list("number", "status", "category__code")) == first
