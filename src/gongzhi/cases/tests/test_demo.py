"""The demo's case history obeys the transition table and the clocks, and is built once."""

import datetime

import pytest
from django.utils import timezone

from gongzhi.cases import demo
from gongzhi.cases.models import Case, CaseEvent, CaseStatus
from gongzhi.cases.workflow import TRANSITIONS

pytestmark = pytest.mark.django_db
NOW = timezone.make_aware(datetime.datetime(2026, 12, 2, 18, 0))


def test_history_follows_the_table(cases_demo):
    count = demo.build(cases_demo.district, days=12, now=NOW)
    assert count == Case.objects.count() > 150
    for case in Case.objects.prefetch_related("events"):
        events = list(case.events.all())
        assert events[0].action == "report" and events[0].at == case.reported_at
        status = CaseStatus.REPORTED
        for event in events[1:]:
            if event.action in TRANSITIONS:
                transition = TRANSITIONS[event.action]
                assert event.from_status == status and status in transition.sources, (case.number, event.action)
                status = transition.target or status
        assert status == case.status, case.number
        assert all(e.at <= NOW for e in events)
        if case.handle_due is not None:
            assert case.handling_started_at < case.handle_due
    statuses = set(Case.objects.values_list("status", flat=True))
    assert {CaseStatus.CLOSED, CaseStatus.REJECTED} <= statuses
    assert CaseEvent.objects.filter(action="rate").count() == Case.objects.filter(rating__isnull=False).count() > 0
    assert demo.build(cases_demo.district, days=12, now=NOW) is None  # once


def test_history_is_deterministic(cases_demo):
    demo.build(cases_demo.district, days=5, now=NOW)
    first = list(Case.objects.order_by("number").values_list("number", "status", "category__code"))
    Case.objects.all().delete()
    demo.build(cases_demo.district, days=5, now=NOW)
    assert list(Case.objects.order_by("number").values_list("number", "status", "category__code")) == first
