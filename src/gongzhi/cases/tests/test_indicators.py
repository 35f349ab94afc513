"""The indicators of the case loop on hand-built histories, with exact expected values.

Every history goes through the services with explicit times in the week of Monday 2026-11-30
(an ordinary working week; working periods 08:30–12:00 and 13:30–17:30, 7.5 hours a day), so
deadlines come from the real calendar and the categories' limits: 0303 道路破损 40 working hours,
0302 井盖破损缺失 and 0201 道路不洁 2 working hours; acceptance within 1 working hour.
"""

from __future__ import annotations

import datetime
import random

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from gongzhi.accounts.models import RoleAssignment, User
from gongzhi.accounts.roles import Role
from gongzhi.areas.models import Area
from gongzhi.cases import indicators as ind
from gongzhi.cases import services
from gongzhi.cases.models import Case
from gongzhi.cases.worktime import WorkCalendar, parse_working_hours

from .conftest import GRID

# Closing on verification keeps these tests about closures to one step (the two steps: test_transitions).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("closes_on_verify", "forty_hour_limits")]


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(2026, month, day, hour, minute))


START, END = ind.week_bounds(datetime.date(2026, 12, 2))  # Monday 11-30 00:00 to Monday 12-07 00:00
AFTER = at(12, 9, 12)  # the Wednesday after: the week is over


def zj_staff(demo) -> User:
    """Staff of 区住房和城乡建设局 (ZJ), the department that returns a case that is not theirs."""
    user = User.objects.create(username="zj", real_name="住建科员")
    RoleAssignment.objects.create(user=user, role=Role.DEPARTMENT_STAFF, department=demo.departments["ZJ"])
    return user


def history(demo, category: str, reported: datetime.datetime, steps, *, area: Area | None = None,
            reporter: str = "resident") -> Case:
    """Report a case at ``reported`` (in the demo grid, or at ``area``'s centre) and take ``steps``:
    ``(when, username, action, params)``; ``dept:XX`` in a department param names a department."""
    lon, lat = area.centroid if area is not None else (demo.lon, demo.lat)
    case = services.report_case(actor=demo.users[reporter], description="路面和设施的问题需要处理", category=category,
                                lon=lon, lat=lat, now=reported)
    for when, username, action, params in steps:
        params = dict(params)
        note = params.pop("note", "")
        if str(params.get("department", "")).startswith("dept:"):
            params["department"] = demo.departments[params["department"][5:]].pk
        actor = demo.users[username] if username in demo.users else User.objects.get(username=username)
        case = services.act(actor=actor, case=case, action=action, note=note, now=when, **params)
    return case


def dispatched_to_cg(day: int, start_hour: int = 9) -> list:
    """Accept at :05, dispatch to 城管 at :10, acknowledge at :20 and start at :30 of ``start_hour``."""
    return [(at(12 if day < 20 else 11, day, start_hour, 5), "community", "accept", {}),
            (at(12 if day < 20 else 11, day, start_hour, 10), "street", "dispatch", {"department": "dept:CG"}),
            (at(12 if day < 20 else 11, day, start_hour, 20), "dept", "acknowledge", {}),
            (at(12 if day < 20 else 11, day, start_hour, 30), "dept", "start", {})]


def build_week(demo) -> dict[str, Case]:
    """The week used by most tests (and the page tests); the expected figures are in ``test_the_week``."""
    zj_staff(demo)
    cases = {}
    # A: accepted on time, dispatched once, fed back and closed within its limit (due the next
    # Monday 12:00, after the period: counted because it was closed in it), rated 5.
    cases["A"] = history(demo, "0303", at(11, 30, 9), [
        (at(11, 30, 9, 20), "community", "accept", {}),
        (at(11, 30, 9, 30), "street", "dispatch", {"department": "dept:CG"}),
        (at(11, 30, 10), "dept", "acknowledge", {}), (at(11, 30, 10, 30), "dept", "start", {}),
        (at(12, 1, 10), "dept", "feedback", {"note": "已修补"}), (at(12, 1, 11), "grid", "verify", {}),
        (at(12, 1, 12), "resident", "rate", {"rating": 5})])
    # B: accepted late (due 10:00), dispatched to 住建 who return it, dispatched again to 城管 at
    # 11:10 (due 14:40), fed back late at 16:00, closed, rated 3.
    cases["B"] = history(demo, "0302", at(11, 30, 9), [
        (at(11, 30, 10, 30), "community", "accept", {}),
        (at(11, 30, 10, 40), "street", "dispatch", {"department": "dept:ZJ"}),
        (at(11, 30, 11), "zj", "return", {"note": "非本部门职责"}),
        (at(11, 30, 11, 10), "street", "dispatch", {"department": "dept:CG"}),
        (at(11, 30, 11, 20), "dept", "acknowledge", {}), (at(11, 30, 11, 30), "dept", "start", {}),
        (at(11, 30, 16), "dept", "feedback", {"note": "已更换井盖"}), (at(11, 30, 16, 30), "grid", "verify", {}),
        (at(12, 1, 9), "resident", "rate", {"rating": 3})])
    # C: reworked once (two feedbacks), closed on time.
    cases["C"] = history(demo, "0303", at(12, 1, 9), [
        (at(12, 1, 9, 10), "community", "accept", {}),
        (at(12, 1, 9, 20), "street", "dispatch", {"department": "dept:CG"}),
        (at(12, 1, 9, 30), "dept", "acknowledge", {}), (at(12, 1, 9, 40), "dept", "start", {}),
        (at(12, 1, 14), "dept", "feedback", {"note": "已修补"}),
        (at(12, 1, 15), "grid", "rework", {"note": "仍有坑洼"}),
        (at(12, 2, 10), "dept", "feedback", {"note": "重新修补"}), (at(12, 2, 11), "grid", "verify", {})])
    # D: due at 11:10, extended by 4 working hours (approved: due 16:40), fed back at 15:00 — on time.
    cases["D"] = history(demo, "0302", at(12, 2, 9), [
        *dispatched_to_cg(2),
        (at(12, 2, 10), "dept", "extend", {"note": "需等待配件", "hours": 4}),
        (at(12, 2, 10, 30), "street", "extend", {"decision": "approve"}),
        (at(12, 2, 15), "dept", "feedback", {"note": "已更换"}), (at(12, 2, 15, 30), "grid", "verify", {}),
        (at(12, 3, 9), "resident", "rate", {"rating": 4})])
    # E: due Thursday 11:10, never fed back: missed, and overdue at the end of the week.
    cases["E"] = history(demo, "0201", at(12, 3, 9), dispatched_to_cg(3))
    # F: fed back on time on Friday, not yet verified at the end of the week: nothing missed.
    cases["F"] = history(demo, "0302", at(12, 4, 9), [*dispatched_to_cg(4), (at(12, 4, 10), "dept", "feedback",
                                                                                {"note": "已处理"})])
    # G: accepted, not dispatched yet. R: rejected.
    cases["G"] = history(demo, "0303", at(12, 4, 14), [(at(12, 4, 14, 10), "community", "accept", {})])
    cases["R"] = history(demo, "0303", at(12, 4, 15), [(at(12, 4, 15, 10), "community", "reject",
                                                       {"note": "不属于受理范围"})])
    # H: reported, dispatched and fed back the week before; verified on Monday of this week.
    cases["H"] = history(demo, "0303", at(11, 25, 9), [
        (at(11, 25, 9, 10), "community", "accept", {}),
        (at(11, 25, 9, 20), "street", "dispatch", {"department": "dept:CG"}),
        (at(11, 25, 9, 30), "dept", "acknowledge", {}), (at(11, 25, 9, 40), "dept", "start", {}),
        (at(11, 27, 10), "dept", "feedback", {"note": "已修补"}), (at(11, 30, 9), "grid", "verify", {})])
    return cases


def test_deadlines_of_the_week_are_what_the_figures_assume(cases_demo):
    cases = build_week(cases_demo)
    assert cases["A"].handle_due == at(12, 7, 12)
    assert cases["B"].handle_due == at(11, 30, 14, 40) and cases["B"].feedback_at == at(11, 30, 16)
    assert cases["D"].handle_due == at(12, 2, 16, 40) and cases["D"].extended_hours == 4
    assert cases["E"].handle_due == at(12, 3, 11, 10)
    assert cases["F"].handle_due == at(12, 4, 11, 10)


def test_the_week(cases_demo):
    build_week(cases_demo)
    figures = ind.indicators(Case.objects.visible_to(cases_demo.users["district"]), START, END, now=AFTER)
    assert figures["reported"] == 8  # A B C D E F G R (H was reported the week before)
    assert (figures["accepted"], figures["accepted_on_time"]) == (7, 6)  # B was accepted late
    assert figures["on_time_acceptance_rate"] == pytest.approx(6 / 7)
    # A, B twice (住建 returned it), C, D, E, F; H's dispatch was the week before.
    assert (figures["dispatched"], figures["dispatched_accurately"], figures["returned"]) == (7, 6, 1)
    assert figures["accurate_dispatch_rate"] == pytest.approx(6 / 7)
    # Closed: A B C D H. Due: those five (each has a deadline) + E (its deadline passed, never fed
    # back); F was fed back in time, G has no deadline, R was rejected. On time: A C D H.
    assert (figures["closed"], figures["closures_due"], figures["closed_on_time"]) == (5, 6, 4)
    assert figures["on_time_closure_rate"] == pytest.approx(4 / 6)
    assert (figures["overdue_open"], figures["closed_late"], figures["overdue"]) == (1, 1, 2)  # E open, B late
    assert (figures["feedbacks"], figures["reworks"]) == (6, 1)  # A B C C D F (H's was last week)
    assert figures["rework_rate"] == pytest.approx(1 / 6)
    # Working hours from the start of the handling clock to the feedback verified:
    # A 8.0, B 0:50 + 2:30, C 2:40 + 4 + 1:30, D 2:50 + 1:30, H 2:40 + 4 + 7:30 + 1:30.
    assert figures["handled"] == 5
    assert figures["mean_handling_hours"] == pytest.approx((8 + 10 / 3 + 49 / 6 + 13 / 3 + 47 / 3) / 5)
    assert figures["mean_handling_hours"] == pytest.approx(7.9)
    # 非常满意, 基本满意 and 满意: 好差评 counts the first three levels as satisfied.
    assert (figures["ratings"], figures["satisfied"]) == (3, 3)
    assert figures["satisfaction_rate"] == pytest.approx(1.0) and figures["mean_rating"] == pytest.approx(4.0)


def test_by_department_counts_each_dispatch_for_the_department_it_went_to(cases_demo):
    build_week(cases_demo)
    rows = {row["name"]: row for row in ind.by_department(cases_demo.users["district"], START, END, now=AFTER)}
    assert set(rows) == {"区城市管理局", "区住房和城乡建设局"}
    cg, zj = rows["区城市管理局"], rows["区住房和城乡建设局"]
    assert (cg["dispatched"], cg["accurate_dispatch_rate"]) == (6, 1.0)
    assert (zj["dispatched"], zj["returned"], zj["accurate_dispatch_rate"]) == (1, 1, 0.0)
    assert (cg["closures_due"], cg["closed_on_time"], cg["overdue"]) == (6, 4, 2)
    # Nothing was due for 住建: the rates have no denominator and are "—", not an error.
    assert zj["closures_due"] == 0 and zj["on_time_closure_rate"] is None and zj["satisfaction_rate"] is None


def test_by_category_major_and_minor(cases_demo):
    build_week(cases_demo)
    majors = {row["code"]: row for row in ind.by_category(cases_demo.users["district"], START, END, now=AFTER)}
    assert set(majors) == {"02", "03"}
    assert (majors["02"]["name"], majors["02"]["reported"], majors["02"]["overdue_open"]) == ("环境卫生", 1, 1)
    assert majors["03"]["reported"] == 7 and majors["03"]["closed"] == 5
    minors = {row["code"]: row for row in
              ind.by_category(cases_demo.users["district"], START, END, major=False, now=AFTER)}
    assert (minors["0302"]["reported"], minors["0302"]["closed_late"], minors["0302"]["parent"]) == (3, 1, "公共设施")
    assert minors["0303"]["on_time_closure_rate"] == 1.0  # A C H


def test_by_area_levels_and_areas_without_cases(cases_demo):
    build_week(cases_demo)
    user = cases_demo.users["district"]
    streets = ind.by_area(user, START, END, "street", now=AFTER, include_empty=True)
    assert [(row["key"], row["name"], row["reported"]) for row in streets] == [
        ("341702001", "东城街道", 8), ("341702002", "西城街道", 0), ("341702003", "南湖街道", 0),
        ("341702101", "青山镇", 0)]
    assert streets[1]["on_time_closure_rate"] is None
    communities = ind.by_area(user, START, END, "community", now=AFTER)
    assert [(row["name"], row["parent"], row["closures_due"]) for row in communities] == [("幸福社区", "东城街道", 6)]
    grids = ind.by_area(user, START, END, "grid", now=AFTER)
    assert [(row["key"], row["reported"]) for row in grids] == [("34170200100101", 8)]
    with pytest.raises(ValueError):
        ind.by_area(user, START, END, "district")


def test_zero_denominators_are_none_never_an_error(cases_demo):
    figures = ind.indicators(Case.objects.none(), START, END, now=AFTER)
    assert figures["reported"] == figures["overdue"] == figures["dispatched"] == 0
    for key in ("on_time_acceptance_rate", "accurate_dispatch_rate", "on_time_closure_rate", "rework_rate",
                "mean_handling_hours", "satisfaction_rate", "mean_rating"):
        assert figures[key] is None, key
    build_week(cases_demo)
    quiet = ind.indicators(Case.objects.all(), *ind.week_bounds(datetime.date(2026, 11, 16)), now=AFTER)
    assert quiet["reported"] == 0 and quiet["on_time_closure_rate"] is None


def test_a_week_in_progress_counts_only_deadlines_already_passed(cases_demo):
    """Seen on Thursday 10:00, E's deadline (11:10) has not passed: not due and not overdue yet."""
    build_week(cases_demo)
    figures = ind.indicators(Case.objects.all(), START, END, now=at(12, 3, 10))
    assert (figures["closures_due"], figures["overdue_open"], figures["closed_late"]) == (5, 0, 1)
    later = ind.indicators(Case.objects.all(), START, END, now=at(12, 3, 12))
    assert (later["closures_due"], later["overdue_open"]) == (6, 1)


def test_overdue_open_at_now_is_the_supervision_boards_overdue(cases_demo):
    build_week(cases_demo)
    now = at(12, 4, 16)
    figures = ind.indicators(Case.objects.all(), START, END, now=now)
    assert figures["overdue_open"] == Case.objects.overdue(now).count() == 1  # E (F was fed back in time)


def test_a_late_case_counts_where_its_deadline_fell_and_where_it_was_closed(cases_demo):
    """E, missed this week, is closed late the week after: due (and missed) in both weeks, once in each."""
    cases = build_week(cases_demo)
    case = cases["E"]
    services.act(actor=cases_demo.users["dept"], case=case, action="feedback", note="已清扫", now=at(12, 8, 9))
    services.act(actor=cases_demo.users["grid"], case=case, action="verify", now=at(12, 8, 10))
    this_week = ind.indicators(Case.objects.all(), START, END, now=AFTER)
    assert (this_week["closures_due"], this_week["closed_on_time"], this_week["overdue_open"]) == (6, 4, 1)
    next_week = ind.indicators(Case.objects.all(), START + datetime.timedelta(days=7), END + datetime.timedelta(days=7),
                               now=AFTER)
    assert (next_week["closed"], next_week["closures_due"], next_week["closed_late"]) == (1, 1, 1)
    assert next_week["on_time_closure_rate"] == 0.0 and next_week["overdue_open"] == 0


def test_a_case_suspended_before_its_deadline_is_not_due(cases_demo):
    case = history(cases_demo, "0201", at(12, 3, 9), [
        *dispatched_to_cg(3),
        (at(12, 3, 10), "street", "suspend", {"note": "待明年改造", "review_date": "2027-03-01"})])
    figures = ind.indicators(Case.objects.all(), START, END, now=AFTER)
    assert case.status == "suspended" and figures["closures_due"] == 0 and figures["overdue_open"] == 0


def test_a_refused_extension_leaves_the_deadline(cases_demo):
    history(cases_demo, "0302", at(12, 2, 9), [
        *dispatched_to_cg(2),
        (at(12, 2, 10), "dept", "extend", {"note": "需等待配件", "hours": 4}),
        (at(12, 2, 10, 30), "street", "extend", {"decision": "refuse", "note": "请按时完成"}),
        (at(12, 2, 15), "dept", "feedback", {"note": "已更换"}), (at(12, 2, 15, 30), "grid", "verify", {})])
    figures = ind.indicators(Case.objects.all(), START, END, now=AFTER)
    assert (figures["closures_due"], figures["closed_on_time"], figures["closed_late"]) == (1, 0, 1)


def test_a_return_answers_the_latest_dispatch_only(cases_demo):
    """Dispatched to 住建 twice: returned the first time, kept the second — one accurate of two."""
    zj_staff(cases_demo)
    history(cases_demo, "0303", at(12, 1, 9), [
        (at(12, 1, 9, 5), "community", "accept", {}),
        (at(12, 1, 9, 10), "street", "dispatch", {"department": "dept:ZJ"}),
        (at(12, 1, 9, 20), "zj", "return", {"note": "非本部门"}),
        (at(12, 1, 9, 30), "street", "dispatch", {"department": "dept:ZJ"}),
        (at(12, 1, 9, 40), "zj", "acknowledge", {})])
    # Dispatched in the week before, returned in this one: the return answers a dispatch outside the period.
    history(cases_demo, "0303", at(11, 27, 9), [
        (at(11, 27, 9, 5), "community", "accept", {}),
        (at(11, 27, 9, 10), "street", "dispatch", {"department": "dept:ZJ"}),
        (at(11, 30, 9), "zj", "return", {"note": "非本部门"})])
    figures = ind.indicators(Case.objects.all(), START, END, now=AFTER)
    assert (figures["dispatched"], figures["dispatched_accurately"]) == (2, 1)
    previous = ind.indicators(Case.objects.all(), *ind.week_bounds(datetime.date(2026, 11, 27)), now=AFTER)
    assert (previous["dispatched"], previous["dispatched_accurately"]) == (1, 0)  # returned later: still a miss


def test_community_and_street_scopes(cases_demo):
    build_week(cases_demo)
    demo = cases_demo
    # One case in 和平社区 (same street, another community) and one in 西城街道 (another street).
    for area in Area.objects.filter(code__in=("34170200100201", "34170200200101")):
        history(demo, "0303", at(12, 2, 9), [(at(12, 2, 9, 5), "district", "accept", {})], area=area,
                reporter="district")
    count = {name: ind.scope_for(demo.users[name]).collect(START, END, now=AFTER).totals()["reported"]
             for name in ("community", "street", "district", "grid")}
    assert count == {"community": 8, "street": 9, "district": 10, "grid": 8}
    # The street's breakdown never shows the other street; the community's never the other community.
    street_rows = ind.by_area(demo.users["street"], START, END, "community", now=AFTER, include_empty=True)
    assert {row["key"][:9] for row in street_rows} == {"341702001"}
    assert {row["name"]: row["reported"] for row in street_rows if row["reported"]} == {"幸福社区": 8, "和平社区": 1}
    community_rows = ind.by_area(demo.users["community"], START, END, "community", now=AFTER, include_empty=True)
    assert [row["name"] for row in community_rows] == ["幸福社区"]


def test_cases_reported_by_staff_elsewhere_are_not_counted_in_their_area(cases_demo):
    """``visible_to`` lets a reporter read their own cases anywhere; statistics count the area only."""
    other = Area.objects.get(code="34170200200101")
    history(cases_demo, "0303", at(12, 2, 9), [], area=other, reporter="community")
    assert Case.objects.visible_to(cases_demo.users["community"]).count() == 1
    assert ind.scope_for(cases_demo.users["community"]).collect(START, END, now=AFTER).totals()["reported"] == 0


def test_department_staff_count_the_cases_their_department_leads(cases_demo):
    build_week(cases_demo)
    scope = ind.scope_for(cases_demo.users["dept"])
    assert scope.is_department and scope.departments == (cases_demo.departments["CG"].pk,)
    facts = scope.collect(START, END, now=AFTER)
    assert [row["name"] for row in facts.by_department()] == ["区城市管理局"]
    totals = facts.totals()
    assert (totals["closures_due"], totals["closed_on_time"], totals["dispatched"]) == (6, 4, 6)
    zj = User.objects.get(username="zj")
    assert ind.scope_for(zj).collect(START, END, now=AFTER).totals()["dispatched"] == 0  # the returned case left
    from django.core.exceptions import PermissionDenied

    for name in ("resident", "admin", "auditor"):
        with pytest.raises(PermissionDenied):
            ind.scope_for(cases_demo.users[name])
    with pytest.raises(PermissionDenied):  # a community user cannot widen the scope to another street
        ind.scope_for(cases_demo.users["community"], Area.objects.get(code="341702002"))


def test_overdue_cases_list_behind_the_count(cases_demo):
    cases = build_week(cases_demo)
    facts = ind.collect(Case.objects.all(), START, END, now=AFTER)
    listed = facts.overdue_cases()
    assert [(c.number, c.closed) for c in listed] == [(cases["E"].number, False), (cases["B"].number, True)]
    # E: due Thursday 11:10, open at the end: 0:50 + 4 on Thursday and 7.5 on Friday. B: 14:40 → 16:00.
    assert listed[0].overdue_hours == pytest.approx(50 / 60 + 4 + 7.5)
    assert listed[1].overdue_hours == pytest.approx(80 / 60) and listed[1].done_at == at(11, 30, 16)


def test_daily_reports_cover_every_day_of_the_period(cases_demo):
    build_week(cases_demo)
    days = ind.collect(Case.objects.all(), START, END, now=AFTER).daily_reports()
    assert [(day.day, n) for day, n in days] == [(30, 2), (1, 1), (2, 1), (3, 1), (4, 3), (5, 0), (6, 0)]


def test_collect_uses_a_bounded_number_of_queries(cases_demo, django_assert_max_num_queries):
    build_week(cases_demo)
    with django_assert_max_num_queries(4):  # cases, dispatch/return events, feedback/rework events, calendar
        ind.collect(Case.objects.all(), START, END, now=AFTER)


def test_periods():
    assert ind.week_bounds(datetime.date(2026, 12, 6)) == (at(11, 30, 0), at(12, 7, 0))
    assert ind.month_bounds(datetime.date(2026, 12, 15)) == (at(12, 1, 0),
                                                              timezone.make_aware(datetime.datetime(2027, 1, 1)))
    assert ind.day_bounds(datetime.date(2026, 12, 1), datetime.date(2026, 12, 1)) == (at(12, 1, 0), at(12, 2, 0))
    with pytest.raises(ValueError):
        ind.day_bounds(datetime.date(2026, 12, 2), datetime.date(2026, 12, 1))


def test_working_clock_agrees_with_the_calendar():
    """The cached clock gives ``WorkCalendar.elapsed`` to the microsecond, across a holiday and a
    weekend worked in exchange, whatever order the spans come in."""
    tz = timezone.get_current_timezone()
    overrides = {datetime.date(2026, 10, d): False for d in range(1, 8)} | {datetime.date(2026, 10, 10): True}
    calendar = WorkCalendar(overrides=overrides, periods=parse_working_hours("08:30-12:00,13:30-17:30"), tz=tz)
    clock = ind.WorkingClock(calendar)
    rng = random.Random(7)
    base = timezone.make_aware(datetime.datetime(2026, 9, 1))
    for _ in range(2000):
        start = base + datetime.timedelta(minutes=rng.randrange(0, 100 * 1440))
        end = start + datetime.timedelta(minutes=rng.randrange(-600, 30 * 1440))
        assert clock.elapsed(start, end) == calendar.elapsed(start, end), (start, end)


def test_ranking_orders_by_satisfaction_then_closure_then_overdue():
    def row(name, closure, satisfaction, overdue):
        return {"name": name, "on_time_closure_rate": closure, "satisfaction_rate": satisfaction, "overdue": overdue}

    rows = [row("甲", 0.5, 1.0, 0), row("乙", 0.9, None, 3), row("丙", 0.9, 0.8, 1), row("丁", None, 1.0, 0),
            row("戊", 0.9, 0.8, 1), row("己", 0.9, 0.8, 0)]
    result = ind.ranked(rows)
    # Satisfaction leads (the seeds' main measure); a satisfaction of "—" comes last.
    assert [(r["name"], r["rank"]) for r in result] == [
        ("甲", 1), ("丁", 2), ("己", 3), ("丙", 4), ("戊", 4), ("乙", 6)]


def test_scope_conditions_count_exactly_the_visible_cases_they_narrow(cases_demo):
    """``scope_for`` writes its scope as plain conditions (no ``visible_to`` subqueries, which let
    PostgreSQL plan the event queries badly); they select exactly what visible_to, narrowed, did."""
    from gongzhi.cases.models import CaseEvent
    from gongzhi.cases.models.case import department_ids

    build_week(cases_demo)
    community = Area.objects.get(code=GRID[:12])
    for user in cases_demo.users.values():
        if not ind.may_view_statistics(user):
            continue
        for area in (None, community):
            try:
                scope = ind.scope_for(user, area)
            except PermissionDenied:
                continue
            visible = Case.objects.visible_to(user)
            if scope.departments is None:
                expected = visible.filter(ind.within_paths(scope.paths))
            else:
                expected = visible.filter(lead_department__in=department_ids(user), **(
                    {} if area is None else {"area__path__startswith": area.path}))
            assert set(scope.cases.values_list("pk", flat=True)) == set(expected.values_list("pk", flat=True))
            assert set(CaseEvent.objects.filter(scope.event_filter).values_list("pk", flat=True)) == set(
                CaseEvent.objects.filter(case__in=expected).values_list("pk", flat=True))
