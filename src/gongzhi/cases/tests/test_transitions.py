"""Every transition: who may take it from which state, what it changes, and the clear errors otherwise."""

import datetime
from decimal import Decimal

import pytest
from django.http import Http404

from gongzhi.cases import selectors, services
from gongzhi.cases.errors import CaseConflict, InvalidInput, InvalidTransition, NotAllowed
from gongzhi.cases.models import Case, CaseEvent, CaseStatus, ExtensionStatus, HandlingLevel
from gongzhi.cases.workflow import TRANSITIONS, available_actions

from .helpers import NOW, another_resident, case_in, new_case, resolve

pytestmark = pytest.mark.django_db
LATER = NOW + datetime.timedelta(hours=3)


def open_case(demo) -> int:
    """The case a merge joins, made when the step is taken (see helpers.resolve)."""
    return case_in(demo, "accepted").pk


# action → (state it is taken from, who takes it, params, the state after)
ALLOWED = [
    ("accept", "reported", "community", {"category": "0303"}, "accepted"),
    ("accept", "reported", "street", {"category": "0303"}, "accepted"),
    ("reject", "reported", "community", {"note": "重复上报"}, "rejected"),
    ("merge", "reported", "community", {"duplicate_of": open_case}, "merged"),
    ("merge", "accepted", "street", {"duplicate_of": open_case}, "merged"),
    ("handle", "accepted", "community", {"level": "community"}, "handling"),
    ("handle", "suspended", "street", {"level": "grid"}, "handling"),
    ("dispatch", "accepted", "street", {}, "dispatched"),
    ("dispatch", "handling", "district", {}, "dispatched"),
    ("dispatch", "suspended", "street", {}, "dispatched"),
    ("dispatch", "accepted", "community", {}, "dispatched"),  # 社区吹哨: 道路破损 may be whistled
    ("refer", "accepted", "community", {"note": "需要街道协调多个部门"}, "accepted"),
    ("refer", "handling", "community", {"note": "社区无法解决"}, "accepted"),
    ("takeover", "dispatched", "street", {"note": "部门未及时报到，街道改派"}, "dispatched"),
    ("takeover", "acknowledged", "street", {"note": "改派主责部门"}, "dispatched"),
    ("takeover", "in_progress", "street", {"note": "处置停滞，街道接管"}, "dispatched"),
    ("acknowledge", "dispatched", "dept", {}, "acknowledged"),
    ("return", "dispatched", "dept", {"note": "不属于本部门职责"}, "accepted"),
    ("return", "acknowledged", "dept", {"note": "属于住建部门"}, "accepted"),
    ("start", "acknowledged", "dept", {}, "in_progress"),
    ("start", "handling", "grid", {}, "in_progress"),
    ("feedback", "in_progress", "dept", {"note": "已修复"}, "feedback"),
    ("verify", "feedback", "grid", {}, "verified"),
    ("verify", "feedback", "community", {}, "verified"),
    ("rework", "feedback", "grid", {"note": "还有两块地砖没换"}, "in_progress"),
    ("rework", "verified", "street", {"note": "结案审核发现仍有问题"}, "in_progress"),
    ("close", "verified", "street", {}, "closed"),
    ("close", "feedback", "street", {"note": "已电话回访确认"}, "closed"),
    ("close", "suspended", "street", {"note": "已纳入改造并完成"}, "closed"),
    ("extend", "handling", "grid", {"hours": 4, "note": "需要物业配合"}, "handling"),
    ("extend", "dispatched", "dept", {"hours": 8, "note": "需要现场勘查"}, "dispatched"),
    ("extend", "acknowledged", "dept", {"hours": 8, "note": "材料未到"}, "acknowledged"),
    ("extend", "in_progress", "dept", {"hours": 16, "note": "施工队排期"}, "in_progress"),
    ("suspend", "accepted", "street", {"note": "等待规划", "review_date": "2027-01-15"}, "suspended"),
    ("suspend", "handling", "street", {"note": "等待物业", "review_date": "2027-01-15"}, "suspended"),
    ("suspend", "dispatched", "street", {"note": "等待资金", "review_date": "2027-01-15"}, "suspended"),
    ("suspend", "acknowledged", "street", {"note": "等待资金", "review_date": "2027-01-15"}, "suspended"),
    ("suspend", "in_progress", "street", {"note": "等待资金", "review_date": "2027-01-15"}, "suspended"),
    ("rate", "closed", "resident", {"rating": 4}, "closed"),
    ("rate", "merged", "resident", {"rating": 5}, "merged"),
    ("callback", "closed:hotline", "district", {"reached": True, "rating": 3, "resolved": True}, "closed"),
    ("reopen", "closed:unsatisfied", "street", {"note": "群众不满意，重新派遣"}, "accepted"),
]

# (action, state, who): the user sees the case, but the step is not theirs (403 forbidden).
FORBIDDEN_ACTOR = [
    ("accept", "reported", "grid"), ("accept", "reported", "resident"),
    ("reject", "reported", "grid"), ("reject", "reported", "resident"),
    ("merge", "reported", "grid"), ("merge", "accepted", "resident"),
    ("handle", "accepted", "grid"), ("handle", "suspended", "grid"),
    ("dispatch", "accepted", "grid"),
    ("refer", "accepted", "street"), ("refer", "accepted", "grid"),  # the street dispatches, it does not refer
    ("takeover", "dispatched", "community"), ("takeover", "dispatched", "dept"),
    ("acknowledge", "dispatched", "street"), ("acknowledge", "dispatched", "grid"),
    ("return", "dispatched", "street"),
    ("start", "acknowledged", "street"), ("start", "acknowledged", "grid"), ("start", "handling", "street"),
    ("feedback", "in_progress", "grid"),
    ("verify", "feedback", "dept"), ("verify", "feedback", "resident"),
    ("rework", "feedback", "dept"),  # a department cannot send its own feedback back
    ("rework", "feedback", "resident"),
    ("close", "feedback", "community"),
    ("close", "verified", "community"),  # a department's case is closed by the centre
    ("close", "verified", "grid"),
    ("extend", "in_progress", "community"), ("extend", "in_progress", "resident"), ("extend", "dispatched", "grid"),
    ("suspend", "accepted", "community"),
    ("rate", "closed", "street"),
    ("callback", "closed:hotline", "street"),  # the street dispatched it: not the one to call back
    ("callback", "closed:hotline", "resident"),
    ("reopen", "closed:unsatisfied", "community"), ("reopen", "closed:unsatisfied", "resident"),
]

# (action, state, who): the user does not see the case at all, so it is 404 like a missing one.
OUT_OF_SCOPE = [
    ("accept", "reported", "dept"), ("reject", "reported", "neighbour"), ("merge", "reported", "dept"),
    ("dispatch", "accepted", "dept"), ("start", "handling", "dept"), ("extend", "handling", "dept"),
    ("rate", "closed", "neighbour"), ("verify", "feedback", "neighbour"),
]

# (action, state, who): the user may take the step, but not in this state (409 invalid_transition).
WRONG_STATE = [
    ("accept", "accepted", "community"), ("reject", "closed", "community"), ("merge", "dispatched", "community"),
    ("merge", "merged", "community"), ("handle", "dispatched", "street"), ("dispatch", "reported", "street"),
    ("acknowledge", "in_progress", "dept"), ("return", "in_progress", "dept"), ("start", "feedback", "dept"),
    ("feedback", "acknowledged", "dept"), ("verify", "in_progress", "grid"), ("rework", "in_progress", "grid"),
    ("rework", "closed", "community"), ("close", "dispatched", "street"), ("close", "in_progress", "street"),
    ("extend", "feedback", "dept"), ("suspend", "closed", "street"), ("rate", "feedback", "resident"),
    ("refer", "dispatched", "community"), ("takeover", "accepted", "street"), ("verify", "verified", "grid"),
    ("callback", "feedback", "district"), ("reopen", "in_progress", "street"),
]

# Inputs every refused step gets, so a refusal is never about a missing field.
ANY_INPUT = {"category": "0303", "rating": 3, "review_date": "2027-01-01", "level": "grid", "hours": 4}


def api_post(client, user, case, action):
    from gongzhi.accounts.services import create_api_token

    _token, key = create_api_token(user=user, name="test")
    return client.post(f"/api/v1/cases/{case.pk}/actions", {"action": action, "note": "试一试"},
                       content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}")


@pytest.mark.parametrize(("action", "state", "who", "params", "after"), ALLOWED,
                         ids=[f"{a}-from-{s}-by-{w}" for a, s, w, _p, _a in ALLOWED])
def test_allowed_transition(cases_demo, action, state, who, params, after):
    case = case_in(cases_demo, state)
    version = case.version
    params = resolve(cases_demo, params)
    note = params.pop("note", "")
    case = services.act(actor=cases_demo.users[who], case=case, action=action, note=note, now=LATER, **params)
    assert case.status == after
    stored = Case.objects.get(pk=case.pk)
    assert stored.status == after and stored.version == version + 1
    event = CaseEvent.objects.filter(case=case).last()
    assert (event.action, event.from_status, event.to_status, event.actor) == (
        action, state.split(":")[0], after, cases_demo.users[who])
    assert event.note == note and event.at == LATER


@pytest.mark.parametrize(("action", "state", "who"), FORBIDDEN_ACTOR,
                         ids=[f"{a}-from-{s}-by-{w}" for a, s, w in FORBIDDEN_ACTOR])
def test_forbidden_actor_is_refused_and_nothing_changes(client, cases_demo, action, state, who):
    case = case_in(cases_demo, state)
    events = case.events.count()
    user = cases_demo.users[who]
    assert selectors.case_for(user, case.pk) == case  # in scope: the refusal is about the step
    with pytest.raises(NotAllowed) as error:
        services.act(actor=user, case=case, action=action, note="试一试", now=LATER, **ANY_INPUT)
    assert "不能对此事件执行" in error.value.message and error.value.status == 403
    response = api_post(client, user, case, action)
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")
    stored = Case.objects.get(pk=case.pk)
    assert (stored.status, stored.version, stored.events.count()) == (case.status, case.version, events)


@pytest.mark.parametrize(("action", "state", "who"), OUT_OF_SCOPE,
                         ids=[f"{a}-from-{s}-by-{w}" for a, s, w in OUT_OF_SCOPE])
def test_actor_out_of_scope_finds_no_case_and_nothing_changes(client, cases_demo, action, state, who):
    another_resident(cases_demo)
    case = case_in(cases_demo, state)
    user = cases_demo.users[who]
    with pytest.raises(Http404):
        selectors.case_for(user, case.pk)  # what the page and the API look the case up with
    response = api_post(client, user, case, action)
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    client.force_login(user)
    assert client.post(f"/cases/{case.pk}/act/", {"action": action, "note": "试一试"}).status_code == 404
    stored = Case.objects.get(pk=case.pk)
    assert (stored.status, stored.version) == (case.status, case.version)


@pytest.mark.parametrize(("action", "state", "who"), WRONG_STATE, ids=[f"{a}-from-{s}" for a, s, _w in WRONG_STATE])
def test_action_in_the_wrong_state_gets_a_clear_conflict(cases_demo, action, state, who):
    case = case_in(cases_demo, state)
    with pytest.raises(InvalidTransition) as error:
        services.act(actor=cases_demo.users[who], case=case, action=action, note="说明", now=LATER, **ANY_INPUT)
    assert error.value.status == 409 and error.value.code == "invalid_transition"
    assert f"事件当前状态为“{case.get_status_display()}”" in error.value.message
    assert Case.objects.get(pk=case.pk).version == case.version


def test_every_transition_is_covered_by_an_allowed_case():
    """Each (action, source state) pair of the table is taken once in ALLOWED."""
    table = {(action, source) for action, transition in TRANSITIONS.items() for source in transition.sources}
    assert {(action, state.split(":")[0]) for action, state, *_rest in ALLOWED} == table


def test_every_action_is_refused_to_someone_and_in_some_state():
    assert {action for action, _s, _w in FORBIDDEN_ACTOR} == set(TRANSITIONS)
    assert {action for action, _s, _w in WRONG_STATE} == set(TRANSITIONS)
    # Keep the lists honest: a forbidden actor is tried where the state allows the step, a wrong state is one
    # the table does not list.
    for action, state, _who in FORBIDDEN_ACTOR + OUT_OF_SCOPE:
        assert state.split(":")[0] in TRANSITIONS[action].sources, (action, state)
    for action, state, _who in WRONG_STATE:
        assert state not in TRANSITIONS[action].sources, (action, state)


def test_unknown_action_is_invalid(cases_demo):
    case = new_case(cases_demo)
    with pytest.raises(InvalidInput, match="未知的操作"):
        services.act(actor=cases_demo.users["community"], case=case, action="teleport")


@pytest.mark.parametrize("action", ["reject", "return", "feedback", "rework", "close", "suspend"])
def test_a_reason_is_required_where_the_table_says_so(cases_demo, action):
    state = {"reject": "reported", "return": "dispatched", "feedback": "in_progress", "rework": "feedback",
             "close": "feedback", "suspend": "accepted"}[action]
    who = {"reject": "community", "return": "dept", "feedback": "dept", "rework": "grid", "close": "street",
           "suspend": "street"}[action]
    case = case_in(cases_demo, state)
    with pytest.raises(InvalidInput) as error:
        services.act(actor=cases_demo.users[who], case=case, action=action, note="  ", review_date="2027-01-01")
    assert error.value.fields == {"note": "required"}


def test_two_people_acting_on_the_same_case_cannot_both_succeed(cases_demo):
    """Both saw version N; the first action wins, the second gets a 409 and changes nothing."""
    case = case_in(cases_demo, "reported")
    seen = case.version
    services.act(actor=cases_demo.users["community"], case=case, action="accept", category="0303", version=seen)
    with pytest.raises(CaseConflict) as error:
        services.act(actor=cases_demo.users["street"], case=case, action="reject", note="无效", version=seen)
    assert error.value.status == 409 and error.value.code == "conflict"
    assert Case.objects.get(pk=case.pk).status == CaseStatus.ACCEPTED


def test_a_write_between_read_and_save_is_detected(cases_demo, monkeypatch):
    """Without a version from the client, a change made after the case was read still makes the save fail."""
    from gongzhi.cases import services as module

    case = case_in(cases_demo, "reported")
    original = module._step_accept

    def meanwhile(target, **kwargs):
        Case.objects.filter(pk=target.pk).update(version=target.version + 1)  # someone else's action lands
        return original(target, **kwargs)

    monkeypatch.setitem(module._STEPS, "accept", meanwhile)
    with pytest.raises(CaseConflict):
        services.act(actor=cases_demo.users["community"], case=case, action="accept", category="0303")
    assert Case.objects.get(pk=case.pk).status == CaseStatus.REPORTED
    assert not CaseEvent.objects.filter(case=case, action="accept").exists()


def test_accept_needs_a_category(cases_demo):
    case = new_case(cases_demo, description="随便说说一些事情")
    case.suggested_category = None
    Case.objects.filter(pk=case.pk).update(suggested_category=None)
    with pytest.raises(InvalidInput) as error:
        services.act(actor=cases_demo.users["community"], case=case, action="accept")
    assert error.value.fields == {"category": "required"}


def test_handle_at_grid_level_starts_the_grid_clock(cases_demo):
    case = case_in(cases_demo, "accepted")
    case = services.act(actor=cases_demo.users["community"], case=case, action="handle", level="grid", now=LATER)
    assert (case.level, case.lead_department) == (HandlingLevel.GRID, None)
    assert case.handling_started_at == LATER and case.handle_due > LATER and case.warn_at < case.handle_due


def test_dispatch_to_a_chosen_department_with_assisting_ones(cases_demo):
    d = cases_demo.departments
    case = case_in(cases_demo, "accepted")
    case = services.act(actor=cases_demo.users["street"], case=case, action="dispatch", department=d["ZJ"].pk,
                        assist=[d["CG"].pk, d["YJ"].pk])
    assert case.lead_department == d["ZJ"]
    assert set(case.assist_departments.all()) == {d["CG"], d["YJ"]}


def test_the_lead_department_cannot_also_assist(cases_demo):
    """Before: naming the lead among the assisting departments was silently dropped (issue 12 item 8)."""
    d = cases_demo.departments
    case = case_in(cases_demo, "accepted")
    with pytest.raises(InvalidInput) as error:
        services.act(actor=cases_demo.users["street"], case=case, action="dispatch", department=d["ZJ"].pk,
                     assist=[d["CG"].pk, d["ZJ"].pk])
    assert error.value.fields == {"assist": "lead"} and d["ZJ"].name in str(error.value)
    case.refresh_from_db()
    assert case.lead_department is None and not case.assist_departments.exists()


def test_dispatch_to_an_unknown_or_inactive_department_is_invalid(cases_demo):
    d = cases_demo.departments["SJ"]
    d.is_active = False
    d.save()
    case = case_in(cases_demo, "accepted")
    for value in (d.pk, 99999, "abc"):
        with pytest.raises(InvalidInput) as error:
            services.act(actor=cases_demo.users["street"], case=case, action="dispatch", department=value)
        assert error.value.fields == {"department": "invalid"}


def test_return_counts_and_stops_the_clock(cases_demo):
    case = case_in(cases_demo, "acknowledged")
    case = services.act(actor=cases_demo.users["dept"], case=case, action="return", note="属住建")
    assert (case.return_count, case.lead_department, case.handle_due, case.level) == (1, None, None, "")


def test_rework_counts_and_goes_back_to_the_department(cases_demo):
    case = case_in(cases_demo, "feedback")
    case = services.act(actor=cases_demo.users["grid"], case=case, action="rework", note="没修好")
    assert (case.status, case.rework_count, case.feedback_at) == (CaseStatus.IN_PROGRESS, 1, None)
    assert available_actions(cases_demo.users["dept"], case)[0].action in ("feedback", "extend")


def test_extension_requested_by_the_department_and_approved_by_the_centre(cases_demo):
    case = case_in(cases_demo, "in_progress")
    due = case.handle_due
    case = services.act(actor=cases_demo.users["dept"], case=case, action="extend", hours="8", note="材料未到")
    assert case.handle_due == due and case.extensions.get().status == ExtensionStatus.PENDING
    with pytest.raises(InvalidTransition, match="待审批"):
        services.act(actor=cases_demo.users["dept"], case=case, action="extend", hours="8", note="再申请")
    case = services.act(actor=cases_demo.users["street"], case=case, action="extend", decision="approve", note="同意")
    assert case.handle_due > due and case.extended_hours == Decimal("8.0")
    assert case.extensions.get().status == ExtensionStatus.APPROVED


def test_extension_refused_keeps_the_deadline(cases_demo):
    case = case_in(cases_demo, "in_progress")
    due = case.handle_due
    services.act(actor=cases_demo.users["dept"], case=case, action="extend", hours=4, note="人手不够")
    case = services.act(actor=cases_demo.users["street"], case=case, action="extend", approve=False, note="不同意")
    assert case.handle_due == due and case.extensions.get().status == ExtensionStatus.REFUSED


def test_extension_decided_without_a_request_is_refused(cases_demo):
    case = case_in(cases_demo, "in_progress")
    with pytest.raises(InvalidTransition, match="没有待审批"):
        services.act(actor=cases_demo.users["street"], case=case, action="extend", decision="approve")


@pytest.mark.parametrize("hours", [0, -1, 721, "abc", None])
def test_extension_hours_are_checked(cases_demo, hours):
    case = case_in(cases_demo, "in_progress")
    with pytest.raises(InvalidInput):
        services.act(actor=cases_demo.users["dept"], case=case, action="extend", hours=hours, note="理由")


def test_suspend_needs_a_future_review_date(cases_demo):
    case = case_in(cases_demo, "accepted")
    for value in (None, "not a date", "2020-01-01"):
        with pytest.raises(InvalidInput):
            services.act(actor=cases_demo.users["street"], case=case, action="suspend", note="等待", review_date=value)


@pytest.mark.parametrize("rating", [0, 6, "x", None])
def test_rating_is_one_to_five(cases_demo, rating):
    case = case_in(cases_demo, "closed")
    with pytest.raises(InvalidInput):
        services.act(actor=cases_demo.users["resident"], case=case, action="rate", rating=rating)


def test_rating_only_once(cases_demo):
    case = case_in(cases_demo, "closed")
    services.act(actor=cases_demo.users["resident"], case=case, action="rate", rating=5)
    with pytest.raises(InvalidTransition):
        services.act(actor=cases_demo.users["resident"], case=case, action="rate", rating=1)


def test_merge_shares_the_outcome_with_every_reporter(client, cases_demo):
    from gongzhi.notices.models import Notice

    resident, neighbour = cases_demo.users["resident"], another_resident(cases_demo)
    first = case_in(cases_demo, "accepted")
    second = services.report_case(actor=neighbour, description="幸福路人行道地砖坏了好几块", lon=cases_demo.lon,
                                  lat=cases_demo.lat, now=NOW)
    second = services.act(actor=cases_demo.users["community"], case=second, action="merge", duplicate_of=first.pk)
    assert second.status == CaseStatus.MERGED and second.merged_into == first
    assert CaseEvent.objects.filter(case=first, action="merged_in", data__case=second.number).exists()
    merged_notice = Notice.objects.get(recipient=neighbour, title__contains="合并办理")
    assert first.number in merged_notice.body
    # Nothing to rate while the case it joined is open.
    assert available_actions(neighbour, second) == []
    with pytest.raises(InvalidTransition):
        services.act(actor=neighbour, case=second, action="rate", rating=5)

    for username, action, params in [("street", "dispatch", {}), ("dept", "acknowledge", {}), ("dept", "start", {}),
                                     ("dept", "feedback", {"note": "已修复"}), ("grid", "verify", {}),
                                     ("street", "close", {})]:
        first = services.act(actor=cases_demo.users[username], case=first, action=action, **params)

    # Both reporters are told once that the problem is solved.
    for reporter in (resident, neighbour):
        assert Notice.objects.filter(recipient=reporter, title__contains="已办结").count() == 1, reporter.username
    # Each rates the report they made; the neighbour's page shows the outcome and the rating button.
    second = Case.objects.get(pk=second.pk)
    assert [t.action for t in available_actions(resident, first)] == ["rate"]
    assert [t.action for t in available_actions(neighbour, second)] == ["rate"]
    client.force_login(neighbour)
    page = client.get(f"/cases/{second.pk}/").content.decode()
    assert first.number in page and "已结案" in page and 'value="rate"' in page
    first = services.act(actor=resident, case=first, action="rate", rating=5)
    second = services.act(actor=neighbour, case=second, action="rate", rating=3, comment="修得有点慢")
    assert (first.rating, second.rating, second.rating_comment) == (5, 3, "修得有点慢")
    # The neighbour still cannot see, nor rate, the resident's report.
    with pytest.raises(Http404):
        selectors.case_for(neighbour, first.pk)
    with pytest.raises(NotAllowed):
        services.act(actor=neighbour, case=first, action="rate", rating=1)
    assert Case.objects.get(pk=first.pk).rating == 5


def test_merge_into_itself_or_a_missing_case_is_invalid(cases_demo):
    case = case_in(cases_demo, "reported")
    for target in (case.pk, 999999, None):
        with pytest.raises(InvalidInput):
            services.act(actor=cases_demo.users["community"], case=case, action="merge", duplicate_of=target)


def test_available_actions_follow_the_table(cases_demo):
    case = case_in(cases_demo, "dispatched")
    assert [t.action for t in available_actions(cases_demo.users["dept"], case)] == ["acknowledge", "return",
                                                                                   "extend"]
    assert [t.action for t in available_actions(cases_demo.users["street"], case)] == ["takeover", "extend",
                                                                                     "suspend"]
    assert available_actions(cases_demo.users["resident"], case) == []
