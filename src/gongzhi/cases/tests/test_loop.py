"""The whole loop through the services: report → accept → dispatch → acknowledge → start → feedback →
verify → rate, with the clocks and the timeline each step leaves."""

import datetime

import pytest
from django.utils import timezone

from gongzhi.cases import services
from gongzhi.cases.models import Case, CaseEvent, CaseStatus, HandlingLevel
from gongzhi.notices.models import Notice

pytestmark = pytest.mark.django_db

# A Wednesday morning in an ordinary working week.
NOW = timezone.make_aware(datetime.datetime(2026, 12, 2, 9, 0))


def report(demo, **extra):
    values = {"actor": demo.users["resident"], "description": "小区门口垃圾堆积好几天了，没人清理", "lon": demo.lon,
              "lat": demo.lat, "now": NOW}
    return services.report_case(**(values | extra))


def test_the_whole_loop(cases_demo):
    demo = cases_demo
    case = report(demo)
    assert case.status == CaseStatus.REPORTED and case.area == demo.grid
    assert case.number.startswith("20261202") and case.accept_due == NOW + datetime.timedelta(hours=1)
    assert Notice.objects.filter(recipient=demo.users["community"], title__contains=case.number).exists()

    case = services.act(actor=demo.users["community"], case=case, action="accept", category="0303",
                        now=NOW + datetime.timedelta(minutes=20))
    assert case.status == CaseStatus.ACCEPTED and case.category.code == "0303"

    case = services.act(actor=demo.users["street"], case=case, action="dispatch",
                        now=NOW + datetime.timedelta(minutes=30))
    assert case.status == CaseStatus.DISPATCHED and case.lead_department == demo.departments["CG"]
    assert case.level == HandlingLevel.DEPARTMENT
    # 道路破损: respond within 2 working hours, handle within 5 working days (08:30–12:00, 13:30–17:30).
    assert case.response_due == timezone.make_aware(datetime.datetime(2026, 12, 2, 11, 30))
    assert case.handle_due > case.response_due

    case = services.act(actor=demo.users["dept"], case=case, action="acknowledge", now=NOW + datetime.timedelta(hours=1))
    case = services.act(actor=demo.users["dept"], case=case, action="start", now=NOW + datetime.timedelta(hours=2))
    case = services.act(actor=demo.users["dept"], case=case, action="feedback", note="已修补路面",
                        now=NOW + datetime.timedelta(hours=20))
    assert case.status == CaseStatus.FEEDBACK
    case = services.act(actor=demo.users["grid"], case=case, action="verify", note="现场核查已修好",
                        now=NOW + datetime.timedelta(hours=21))
    assert case.status == CaseStatus.VERIFIED and case.verified_at and not case.closed_at  # 核查 is not 结案
    case = services.act(actor=demo.users["street"], case=case, action="close", now=NOW + datetime.timedelta(hours=21.5))
    assert case.status == CaseStatus.CLOSED and case.closed_at
    case = services.act(actor=demo.users["resident"], case=case, action="rate", rating=5, comment="很快",
                        now=NOW + datetime.timedelta(hours=22))
    assert (case.rating, case.rating_comment) == (5, "很快")
    actions = list(CaseEvent.objects.filter(case=case).values_list("action", flat=True))
    assert actions == ["report", "accept", "dispatch", "acknowledge", "start", "feedback", "verify", "close", "rate"]
    assert Case.objects.get(pk=case.pk).version == 9
