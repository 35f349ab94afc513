"""The case loop as the seeds and the national practice run it (issue 12 items 1–8, 12, 14):
社区吹哨, 核查 apart from 结案, every clock watched, urgency, 12345 回访, 好差评 and the public side."""

import datetime

import pytest
from django.utils import timezone

from gongzhi.cases import deadlines, indicators as ind, services
from gongzhi.cases.errors import InvalidInput, InvalidTransition, NotAllowed
from gongzhi.cases.models import Case, CaseEvent, CaseStatus, Category, HandlingLevel, LoopSettings, Priority
from gongzhi.cases.workflow import action_label, available_actions
from gongzhi.notices.models import Notice

from .conftest import GRID
from .helpers import NOW, case_in, new_case

pytestmark = pytest.mark.django_db


def later(minutes: float) -> datetime.datetime:
    return NOW + datetime.timedelta(minutes=minutes)


def act(demo, who, case, action, minutes=30, **params):
    note = params.pop("note", "")
    return services.act(actor=demo.users[who], case=case, action=action, note=note, now=later(minutes), **params)


# --- 1. 社区吹哨，部门报到 -------------------------------------------------------------------------

def test_the_community_whistles_a_department_and_the_street_is_told(cases_demo):
    case = case_in(cases_demo, "accepted")  # 道路破损: handled by departments, whistle-enabled
    community = cases_demo.users["community"]
    dispatch = next(t for t in available_actions(community, case) if t.action == "dispatch")
    assert action_label(community, case, dispatch) == "社区吹哨（派遣部门）"
    case = act(cases_demo, "community", case, "dispatch", department=cases_demo.departments["CG"].pk)
    assert (case.status, case.lead_department, case.level) == (CaseStatus.DISPATCHED, cases_demo.departments["CG"],
                                                               HandlingLevel.DEPARTMENT)
    event = case.events.get(action="dispatch")
    assert event.data["whistle"] is True and event.actor == community
    assert Notice.objects.filter(recipient=cases_demo.users["street"], title__contains="社区已吹哨").exists()
    assert Notice.objects.filter(recipient=cases_demo.users["dept"], title__contains="社区吹哨，请及时报到").exists()
    # The department's 报到 is the same whoever called.
    case = act(cases_demo, "dept", case, "acknowledge", 40)
    assert case.status == CaseStatus.ACKNOWLEDGED and case.events.get(action="acknowledge").data["on_time"] is True
    # The street supervises and may take it over.
    assert "takeover" in [t.action for t in available_actions(cases_demo.users["street"], case)]
    case = act(cases_demo, "street", case, "takeover", 50, department=cases_demo.departments["ZJ"].pk,
               note="改由住建部门主办")
    assert case.lead_department == cases_demo.departments["ZJ"] and case.acknowledged_at is None
    assert case.events.last().data["previous_department_name"] == cases_demo.departments["CG"].name


def test_the_street_labels_its_own_dispatch_plainly(cases_demo):
    case = case_in(cases_demo, "accepted")
    street = cases_demo.users["street"]
    dispatch = next(t for t in available_actions(street, case) if t.action == "dispatch")
    assert action_label(street, case, dispatch) == "派遣部门"


def test_a_category_not_configured_for_whistling_goes_through_the_street(cases_demo):
    Category.objects.filter(code="0303").update(community_whistle=False)
    case = case_in(cases_demo, "accepted")
    assert "dispatch" not in [t.action for t in available_actions(cases_demo.users["community"], case)]
    with pytest.raises(NotAllowed):
        act(cases_demo, "community", case, "dispatch", department=cases_demo.departments["CG"].pk)
    # The community refers it to the street centre with a reason: the dispatch clock starts again.
    with pytest.raises(InvalidInput):
        act(cases_demo, "community", case, "refer")
    case = act(cases_demo, "community", case, "refer", 60, note="涉及多个部门，请街道协调")
    assert case.status == CaseStatus.ACCEPTED and case.dispatch_due > later(60)
    assert Notice.objects.filter(recipient=cases_demo.users["street"], title__contains="社区提请街道派遣").exists()


def test_the_default_catalogue_lets_communities_whistle_every_department_category():
    departmental = Category.objects.filter(default_level=HandlingLevel.DEPARTMENT)
    assert departmental.exists() and not departmental.filter(community_whistle=False).exists()
    assert not Category.objects.exclude(default_level=HandlingLevel.DEPARTMENT).filter(community_whistle=True).exists()


# --- 2. 核查 apart from 结案 ------------------------------------------------------------------------

def test_verification_waits_for_the_centre_to_close(cases_demo):
    case = case_in(cases_demo, "feedback")
    case = act(cases_demo, "grid", case, "verify", 90, note="现场已修好")
    assert case.status == CaseStatus.VERIFIED and case.verified_at == later(90) and case.closed_at is None
    assert not Notice.objects.filter(recipient=cases_demo.users["resident"], title__contains="已办结").exists()
    assert Notice.objects.filter(recipient=cases_demo.users["street"], title__contains="请结案").exists()
    assert "close" not in [t.action for t in available_actions(cases_demo.users["grid"], case)]
    assert "close" in [t.action for t in available_actions(cases_demo.users["street"], case)]
    case = act(cases_demo, "street", case, "close", 100)  # no reason needed after verification
    assert case.status == CaseStatus.CLOSED and case.closed_at == later(100)
    assert Notice.objects.filter(recipient=cases_demo.users["resident"], title__contains="已办结").exists()


def test_closing_without_verification_needs_a_reason(cases_demo):
    case = case_in(cases_demo, "feedback")
    with pytest.raises(InvalidInput) as error:
        act(cases_demo, "street", case, "close")
    assert error.value.fields == {"note": "required"}


def test_a_district_may_close_on_verification(cases_demo):
    LoopSettings.objects.create(district_code=GRID[:6], close_after_verify=True)
    case = case_in(cases_demo, "feedback")
    case = act(cases_demo, "grid", case, "verify", 90)
    assert case.status == CaseStatus.CLOSED and case.verified_at == case.closed_at == later(90)


def test_a_verified_grid_case_is_closed_by_its_community(cases_demo):
    case = case_in(cases_demo, "handling")
    case = act(cases_demo, "grid", case, "start", 40)
    case = act(cases_demo, "grid", case, "feedback", 50, note="已清理")
    case = act(cases_demo, "community", case, "verify", 60)
    assert case.status == CaseStatus.VERIFIED
    case = act(cases_demo, "community", case, "close", 70)
    assert case.status == CaseStatus.CLOSED


# --- 3. Every clock watched --------------------------------------------------------------------------

def test_overdue_acceptance_dispatch_and_report_are_raised_once(cases_demo):
    reported = new_case(cases_demo, now=NOW)  # 1 working hour to accept: 10:00
    accepted = case_in(cases_demo, "accepted")  # 派遣时限: one working hour after 立案
    dispatched = case_in(cases_demo, "dispatched")  # 报到时限: two working hours after dispatch
    result = deadlines.sweep(NOW + datetime.timedelta(hours=4))
    assert (result.accept_overdue, result.dispatch_overdue, result.response_overdue) == (1, 1, 1)
    again = deadlines.sweep(NOW + datetime.timedelta(hours=5))
    assert (again.accept_overdue, again.dispatch_overdue, again.response_overdue) == (0, 0, 0)
    for case, action in ((reported, "accept_overdue"), (accepted, "dispatch_overdue"), (dispatched, "response_overdue")):
        assert CaseEvent.objects.filter(case=case, action=action).count() == 1
    assert Notice.objects.filter(recipient=cases_demo.users["street"], title__contains="立案超时").exists()
    assert Notice.objects.filter(recipient=cases_demo.users["dept"], title__contains="请立即报到").exists()
    assert Notice.objects.filter(recipient=cases_demo.users["street"], title__contains="超时未报到").exists()


def test_an_escalated_grid_case_keeps_its_missed_deadline_in_the_figures(cases_demo):
    case = case_in(cases_demo, "handling")  # 暴露垃圾 handled in the grid: 4 working hours
    missed = case.handle_due
    deadlines.sweep(missed + datetime.timedelta(minutes=5))
    case.refresh_from_db()
    assert case.level == HandlingLevel.COMMUNITY and case.missed_due == missed and case.handle_due > missed
    # The community handles it in time for its own new deadline: still late, as the grid missed.
    case = act(cases_demo, "community", case, "start", (missed - NOW).total_seconds() / 60 + 10)
    case = act(cases_demo, "community", case, "feedback", (missed - NOW).total_seconds() / 60 + 20, note="已清理")
    case = act(cases_demo, "community", case, "verify", (missed - NOW).total_seconds() / 60 + 30)
    case = act(cases_demo, "community", case, "close", (missed - NOW).total_seconds() / 60 + 40)
    start, end = ind.week_bounds(timezone.localdate(NOW))
    figures = ind.indicators(Case.objects.filter(pk=case.pk), start, end, now=end)
    assert (figures["closures_due"], figures["closed_on_time"], figures["closed_late"], figures["overdue"]) == (
        1, 0, 1, 1)


def test_response_and_acceptance_rates(cases_demo):
    on_time = case_in(cases_demo, "acknowledged")  # acknowledged 10 minutes after dispatch
    late = case_in(cases_demo, "dispatched")
    act(cases_demo, "dept", late, "acknowledge", 60 * 6)  # 2 working hours allowed
    never = new_case(cases_demo, now=NOW)  # not accepted by its 立案时限
    start, end = ind.week_bounds(timezone.localdate(NOW))
    figures = ind.indicators(Case.objects.filter(pk__in=[on_time.pk, late.pk, never.pk]), start, end, now=end)
    assert (figures["responses_due"], figures["responded_on_time"]) == (2, 1)
    assert figures["response_rate"] == pytest.approx(0.5)
    assert (figures["acceptances_due"], figures["accepted_on_time"]) == (3, 2)  # the unaccepted one counts as missed


# --- 5. Urgency -----------------------------------------------------------------------------------

def test_an_urgent_case_takes_its_categorys_urgent_limit(cases_demo):
    Category.objects.filter(code="0303").update(urgent_hours=2)
    normal = case_in(cases_demo, "dispatched")
    urgent = case_in(cases_demo, "dispatched", priority=Priority.URGENT)
    assert urgent.handle_due - urgent.handling_started_at == datetime.timedelta(hours=2)  # calendar hours
    assert normal.handle_due - normal.handling_started_at > datetime.timedelta(days=5)


@pytest.mark.parametrize(("priority", "hours"), [(Priority.CRITICAL, 2), (Priority.URGENT, 24),
                                                 (Priority.PRESSING, 7 * 24)])
def test_hotline_cases_meet_the_12345_tiers(cases_demo, priority, hours):
    case = case_in(cases_demo, "dispatched", source="hotline", priority=priority)
    assert case.handle_due - case.handling_started_at == datetime.timedelta(hours=hours)


def test_a_hotline_case_meets_its_category_limit_when_that_is_sooner(cases_demo):
    case = case_in(cases_demo, "dispatched", source="hotline")  # 一般: 15 days, but 道路破损 is 5 working days
    assert case.handle_due - case.handling_started_at < datetime.timedelta(days=15)
    resident = case_in(cases_demo, "dispatched")
    assert case.handle_due == resident.handle_due


# --- 6. 12345 回访 --------------------------------------------------------------------------------

def test_a_hotline_case_is_rated_by_callback_not_by_its_typist(cases_demo):
    case = case_in(cases_demo, "closed:hotline")
    assert "rate" not in [t.action for t in available_actions(cases_demo.users["resident"], case)]
    with pytest.raises(InvalidTransition, match="回访"):
        act(cases_demo, "resident", case, "rate", rating=5)
    with pytest.raises(NotAllowed):  # the street dispatched and closed it: someone else calls back
        act(cases_demo, "street", case, "callback", reached=True, rating=5, resolved=True)
    with pytest.raises(InvalidInput) as error:
        act(cases_demo, "district", case, "callback", reached=False)
    assert error.value.fields == {"note": "required"}
    case = act(cases_demo, "district", case, "callback", 200, reached=False, note="电话无人接听")
    assert (case.callback_reached, case.rating) == (False, None)
    assert "callback" in [t.action for t in available_actions(cases_demo.users["district"], case)]  # try again
    with pytest.raises(InvalidInput) as error:
        act(cases_demo, "district", case, "callback", reached=True, rating=4)
    assert error.value.fields == {"resolved": "required"}
    case = act(cases_demo, "district", case, "callback", 300, reached=True, rating=4, resolved=True)
    assert (case.callback_reached, case.rating, case.resolved, case.rated_at) == (True, 4, True, later(300))
    assert "callback" not in [t.action for t in available_actions(cases_demo.users["district"], case)]


def test_a_residents_own_report_needs_no_callback(cases_demo):
    case = case_in(cases_demo, "closed")
    with pytest.raises(InvalidTransition, match="自行评价"):
        act(cases_demo, "district", case, "callback", reached=True, rating=5, resolved=True)


def test_the_three_rates_and_satisfaction_from_the_first_three_levels(cases_demo):
    ratings = [(5, True), (3, True), (2, False), (1, False)]
    cases = []
    for rating, resolved in ratings:
        case = case_in(cases_demo, "closed")
        cases.append(act(cases_demo, "resident", case, "rate", 500, rating=rating, resolved=resolved))
    start, end = ind.week_bounds(timezone.localdate(NOW))
    figures = ind.indicators(Case.objects.filter(pk__in=[c.pk for c in cases]), start, end, now=end)
    assert (figures["ratings"], figures["satisfied"]) == (4, 2)  # 非常满意 and 基本满意 count, 不满意 does not
    assert figures["satisfaction_rate"] == pytest.approx(0.5) and figures["resolution_rate"] == pytest.approx(0.5)
    assert figures["response_rate"] == pytest.approx(1.0)


# --- 7. 好差评 and reopening -------------------------------------------------------------------------

@pytest.mark.parametrize("rating", [0, 6, "很好", None])
def test_a_rating_is_one_of_the_five_levels(cases_demo, rating):
    case = case_in(cases_demo, "closed")
    with pytest.raises(InvalidInput, match="非常满意"):
        act(cases_demo, "resident", case, "rate", rating=rating)


def test_an_unsatisfied_rating_lets_the_centre_reopen_the_case(cases_demo):
    case = case_in(cases_demo, "closed")
    assert "reopen" not in [t.action for t in available_actions(cases_demo.users["street"], case)]
    case = act(cases_demo, "resident", case, "rate", 200, rating=2, comment="没修好")
    assert Notice.objects.filter(recipient=cases_demo.users["street"], title__contains="不满意").exists()
    case = act(cases_demo, "street", case, "reopen", 210, note="群众不满意，重新派遣")
    assert (case.status, case.closed_at, case.reopen_count, case.lead_department) == (
        CaseStatus.ACCEPTED, None, 1, None)
    assert case.dispatch_due > later(210)
    assert Notice.objects.filter(recipient=cases_demo.users["resident"], title__contains="重新办理").exists()
    # Handled and closed again, the resident rates again.
    for who, action, params in [("street", "dispatch", {}), ("dept", "acknowledge", {}), ("dept", "start", {}),
                                ("dept", "feedback", {"note": "已重新修补"}), ("grid", "verify", {}),
                                ("street", "close", {})]:
        case = act(cases_demo, who, case, action, 300, **params)
    case = act(cases_demo, "resident", case, "rate", 400, rating=4)
    assert case.rating == 4


def test_the_page_names_the_rating_level(client, cases_demo):
    case = case_in(cases_demo, "closed")
    act(cases_demo, "resident", case, "rate", 200, rating=3)
    client.force_login(cases_demo.users["resident"])
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert "基本满意" in html and "★" not in html


# --- 8. The dispatch deadline ---------------------------------------------------------------------

def test_a_case_waiting_for_dispatch_shows_its_dispatch_deadline(client, cases_demo):
    case = case_in(cases_demo, "accepted")
    assert case.dispatch_due == timezone.make_aware(datetime.datetime(2026, 12, 2, 10, 10))  # 1 working hour
    client.force_login(cases_demo.users["street"])
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-testid="dispatch-due">2026-12-02 10:10' in html
    response = client.get(f"/api/v1/cases/{case.pk}")
    assert datetime.datetime.fromisoformat(response.json()["deadline"]) == case.dispatch_due


# --- 12. Refused forms keep what was typed --------------------------------------------------------

def test_a_refused_photo_keeps_the_typed_note(client, cases_demo):
    from django.core.files.uploadedfile import SimpleUploadedFile

    case = case_in(cases_demo, "in_progress")
    client.force_login(cases_demo.users["dept"])
    fake = SimpleUploadedFile("photo.jpg", b"not an image at all", content_type="image/jpeg")
    response = client.post(f"/cases/{case.pk}/act/", {"action": "feedback", "note": "已更换井盖，附现场照片",
                                                      "version": case.version, "photos": fake})
    html = response.content.decode()
    assert response.status_code == 200 and "已更换井盖，附现场照片</textarea>" in html
    assert "JPEG" in html  # which formats are accepted, and the refusal
    assert Case.objects.get(pk=case.pk).status == CaseStatus.IN_PROGRESS


# --- 14. The reporter's public timeline -----------------------------------------------------------

def test_the_reporter_sees_only_the_public_timeline(client, cases_demo, api_token):
    case = case_in(cases_demo, "feedback")
    case = act(cases_demo, "grid", case, "rework", 80, note="内部备注：井盖仍有松动")
    case = act(cases_demo, "dept", case, "feedback", 90, note="内部备注：已加固")
    case = act(cases_demo, "grid", case, "verify", 100)
    case = act(cases_demo, "street", case, "close", 110, note="已修复，感谢您的反映")
    staff_names = {cases_demo.users[who].display_name for who in ("community", "street", "dept", "grid")}
    client.force_login(cases_demo.users["resident"])
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert "已转职能部门办理" in html and "已办结" in html and "已修复，感谢您的反映" in html  # the result is public
    assert "内部备注" not in html and "处置时限" not in html and "报到时限" not in html
    assert not any(name in html for name in staff_names)
    body = client.get(f"/api/v1/cases/{case.pk}", **api_token("resident")).json()
    texts = " ".join(f"{e['actor']} {e['note']}" for e in body["timeline"])
    assert "内部备注" not in texts and not any(name in texts for name in staff_names)
    assert body["handle_due"] is None and body["response_due"] is None
    # Staff still see everything.
    staff = client.get(f"/api/v1/cases/{case.pk}", **api_token("street")).json()
    assert any("内部备注" in e["note"] for e in staff["timeline"]) and staff["handle_due"]


def test_the_district_administrator_sets_closing_on_verification(client, cases_demo):
    from gongzhi.audit.models import AuditEntry

    client.force_login(cases_demo.users["district"])
    html = client.get("/cases/catalogue/").content.decode()
    assert 'data-testid="loop-settings"' in html and "核查通过后自动结案" in html
    district = cases_demo.district
    response = client.post("/cases/catalogue/", {"form": "loop_settings", "district": district.pk,
                                                 "close_after_verify": "on"})
    assert response.status_code == 302 and LoopSettings.closes_after_verify(district.code)
    assert AuditEntry.objects.filter(action="cases.loop_settings").exists()
    client.post("/cases/catalogue/", {"form": "loop_settings", "district": district.pk})
    assert not LoopSettings.closes_after_verify(district.code)
    client.force_login(cases_demo.users["street"])
    assert client.post("/cases/catalogue/", {"form": "loop_settings", "district": district.pk,
                                             "close_after_verify": "on"}).status_code == 403


@pytest.mark.parametrize("who", ["resident", "dept"])
def test_the_api_list_pays_nothing_per_case_for_the_public_side(client, cases_demo, api_token, who):
    """Whether a caller sees a case's internals is decided without a query per case."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    headers = api_token(who)
    d = cases_demo.departments

    def add(n):
        for _ in range(n):  # the resident's own reports, which the department assists
            case = case_in(cases_demo, "accepted")
            act(cases_demo, "street", case, "dispatch", department=d["ZJ"].pk, assist=[d["CG"].pk])

    def count():
        with CaptureQueriesContext(connection) as captured:
            body = client.get("/api/v1/cases", **headers).json()
        return len(captured), body["count"]

    add(2)
    count()  # the first request also stamps the token's last use
    small, two = count()
    add(3)
    large, five = count()
    assert (two, five) == (2, 5) and large == small


def test_another_communitys_staff_can_neither_see_nor_whistle_nor_refer(client, cases_demo):
    from django.http import Http404

    from gongzhi.accounts.models import RoleAssignment, User
    from gongzhi.accounts.roles import Role
    from gongzhi.areas.models import Area
    from gongzhi.cases import selectors

    neighbour = User.objects.create(username="heping", real_name="和平社工")
    RoleAssignment.objects.create(user=neighbour, role=Role.COMMUNITY_STAFF,
                                  area=Area.objects.get(code="341702001002"))
    case = case_in(cases_demo, "accepted")
    with pytest.raises(Http404):
        selectors.case_for(neighbour, case.pk)
    for action, params in (("dispatch", {"department": cases_demo.departments["CG"].pk}), ("refer", {})):
        with pytest.raises(NotAllowed):
            services.act(actor=neighbour, case=case, action=action, note="越界", **params)
    client.force_login(neighbour)
    assert client.post(f"/cases/{case.pk}/act/", {"action": "dispatch", "note": "越界"}).status_code == 404
    assert Case.objects.get(pk=case.pk).status == CaseStatus.ACCEPTED
