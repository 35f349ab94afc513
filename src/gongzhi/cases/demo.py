"""Ninety days of case history for the demo district, and the departments linked to the catalogue.

Every case follows the transition table: each step is checked against ``workflow.TRANSITIONS``
(its source state, its target) while the history is drawn, and every deadline comes from the
real calendar and the category's limits (``worktime``), so the demo shows what the platform
would have recorded: most cases filed and closed on time, some handed back by a department,
some reworked, some overdue or suspended, and residents' ratings. Rows are written in bulk
(thousands of cases in seconds); notices and audit entries are not made up for the past.
Deterministic for a given seed and day.
"""

from __future__ import annotations

import datetime
import math
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from shapely.geometry import Point, shape

from gongzhi.accounts.models import Department, User
from gongzhi.areas.models import Area, Level
from gongzhi.registry.demo import ROADS, _full_name

from .classifier import train
from .demo_links import link_departments
from .models import (
    Case,
    CaseEvent,
    CaseSource,
    CaseStatus,
    Category,
    HandlingLevel,
    LimitUnit,
    Priority,
)
from .routing import route
from .workflow import TRANSITIONS
from .worktime import WorkCalendar, load_calendar

S = CaseStatus
DEFAULT_DAYS = 90
DEFAULT_SEED = 2026
WEEKDAY_REPORTS, WEEKEND_REPORTS = 30, 18
# (小类 code, weight, descriptions: {place} is filled with an address)
PROBLEMS = [
    ("0101", 14, ["{place}门口垃圾堆积，好几天没人清理", "{place}旁边绿化带里堆满垃圾袋，味道很大", "{place}路边有人乱扔垃圾"]),
    ("0102", 8, ["{place}楼下堆了很多建筑垃圾", "{place}人行道上堆放杂物，影响通行"]),
    ("0103", 6, ["{place}路口有流动摊贩占道经营", "{place}店外经营，桌椅摆到了人行道上"]),
    ("0104", 7, ["{place}单元门上贴满了小广告", "{place}电线杆上到处是喷涂的小广告"]),
    ("0202", 6, ["{place}的垃圾桶满溢，周围都是垃圾", "{place}垃圾箱已经满了没人清运"]),
    ("0204", 3, ["{place}下水道堵塞，污水冒到路面上"]),
    ("0301", 8, ["{place}的路灯不亮好几天了，晚上很黑", "{place}一排路灯都坏了"]),
    ("0302", 4, ["{place}井盖破损缺了一角，很危险", "{place}窨井盖不见了，容易掉下去"]),
    ("0303", 7, ["{place}人行道地砖破损，老人容易绊倒", "{place}路面塌陷出现一个大坑"]),
    ("0304", 2, ["{place}小广场的健身器材坏了"]),
    ("0402", 2, ["{place}有棵树歪倒了，压到了电线"]),
    ("0404", 2, ["{place}绿地被人开垦种菜"]),
    ("0503", 5, ["{place}有人从楼上拉飞线给电瓶车充电", "{place}楼道里私拉电线给电动车充电"]),
    ("0601", 3, ["{place}消防通道被私家车堵住了"]),
    ("0602", 5, ["{place}楼道里堆放了很多纸箱杂物，有消防隐患"]),
    ("0603", 3, ["{place}有人把电动车推进电梯里"]),
    ("0701", 3, ["{place}电梯经常故障停运", "{place}电梯有异响，大家不敢坐"]),
    ("0702", 3, ["{place}单元门禁坏了一个月没人修"]),
    ("0801", 2, ["{place}顶楼有人私自加盖阳光房"]),
    ("0802", 2, ["{place}楼顶漏水，下雨天家里渗水"]),
    ("0901", 5, ["{place}楼上装修噪音太大，中午也不停", "{place}晚上广场舞音响声音太大"]),
    ("0902", 2, ["{place}邻居之间因为漏水问题发生争执"]),
    ("0903", 2, ["{place}有人遛狗不牵绳，狗粪便也不清理"]),
    ("1002", 2, ["{place}的独居老人希望能有助餐服务"]),
    ("1201", 1, ["{place}的公交站台需要加个遮雨棚"]),
]
COMMENTS = {5: ["处理很及时，非常满意", "当天就解决了，谢谢网格员", "态度好，效率高"], 4: ["处理得不错", "比较满意"],
            3: ["解决了但是有点慢", "一般"], 2: ["拖了很久才处理"], 1: ["问题没有真正解决"]}
FEEDBACK = ["已安排人员现场处理完毕", "已清理干净", "已维修完成，恢复正常", "已联系相关单位处理", "已现场劝导并整改"]


@dataclass
class _History:
    cases: list[Case] = field(default_factory=list)
    events: list[list[CaseEvent]] = field(default_factory=list)


def _point_in(rng: random.Random, grid: Area, polygons: dict) -> tuple[float, float]:
    polygon = polygons.get(grid.pk)
    if polygon is None:
        return grid.centroid_lon, grid.centroid_lat
    minx, miny, maxx, maxy = polygon.bounds
    for _ in range(50):
        lon, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if polygon.contains(Point(lon, lat)):
            return round(lon, 6), round(lat, 6)
    return grid.centroid_lon, grid.centroid_lat


def _working_moment(rng: random.Random, calendar: WorkCalendar, day: datetime.date, tz) -> datetime.datetime:
    """A time of ``day``: mostly in working hours on working days, any daytime hour otherwise."""
    periods = calendar.working_periods(day)
    if periods and rng.random() < 0.8:
        start, end = periods[rng.randrange(len(periods))]
        return start + datetime.timedelta(seconds=rng.uniform(0, (end - start).total_seconds()))
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(7, 0)), tz) + datetime.timedelta(
        minutes=rng.uniform(0, 14 * 60))


class _Recorder:
    """Applies steps to one case, checking each against the transition table."""

    def __init__(self, case: Case, events: list[CaseEvent]):
        self.case, self.events = case, events

    def step(self, action: str, at: datetime.datetime, actor: str, note: str = "", **data) -> None:
        transition = TRANSITIONS.get(action)
        from_status = self.case.status
        if transition is not None:
            assert from_status in transition.sources, (action, from_status)
            if transition.target is not None:
                self.case.status = transition.target
        self.events.append(CaseEvent(action=action, from_status=from_status, to_status=self.case.status,
                                     actor_name=actor, at=at, note=note, data=data))
        self.case.version += 1


def _draw(rng, category: Category, grid: Area, lon, lat, reported_at, now, calendar: WorkCalendar, names: dict,
          grid_worker_name: str, departments_of, routes) -> tuple[Case, list[CaseEvent], list[Department]]:
    source = rng.choices([CaseSource.RESIDENT, CaseSource.PATROL, CaseSource.HOTLINE, CaseSource.OPEN311],
                         [45, 35, 15, 5])[0]
    reporter_name = grid_worker_name if source == CaseSource.PATROL else _full_name(rng)
    template = rng.choice(next(p for p in PROBLEMS if p[0] == category.code)[2])
    place = f"{rng.choice(ROADS)}{rng.randint(1, 300)}号"
    unit = category.limit_unit
    case = Case(source=source, reporter_name=reporter_name, description=template.format(place=place), address=place,
                lon=lon, lat=lat, area=grid, district_code=grid.code[:6], category=None,
                suggested_category=category, suggestion_score=round(rng.uniform(0.4, 0.95), 3),
                priority=Priority.URGENT if category.code in ("0302", "0402", "0701") and rng.random() < 0.5
                else Priority.NORMAL, status=S.REPORTED, reported_at=reported_at,
                accept_due=calendar.add(reported_at, category.accept_hours, unit))
    events: list[CaseEvent] = []
    assist: list[Department] = []
    record = _Recorder(case, events)
    record.step("report", reported_at, reporter_name, source=source)
    centre, community_staff = names["street"], names["community"]

    def at(base, hours):
        moment = calendar.add(base, Decimal(str(round(max(0.05, hours), 2))), unit)
        return moment if moment < now else None

    accepted = at(reported_at, float(category.accept_hours) * rng.choice([0.2, 0.5, 0.8, 0.9, 1.3]))
    if accepted is None:
        return case, events, assist
    roll = rng.random()
    if roll < 0.04:
        record.step("reject", accepted, community_staff, "经核实不属于受理范围，已电话告知反映人")
        case.closed_at = accepted
        return case, events, assist
    case.category, case.accepted_at = category, accepted
    case.dispatch_due = calendar.add(accepted, category.dispatch_hours, unit)
    record.step("accept", accepted, community_staff, category=category.code,
                on_time=accepted <= case.accept_due, corrected=False)
    level = category.default_level
    handled_at = at(accepted, rng.uniform(0.1, 1.0))
    if handled_at is None:
        return case, events, assist
    limit, limit_unit = _handling_limit(calendar, category)
    if level in (HandlingLevel.GRID, HandlingLevel.COMMUNITY):
        case.level = level
        case.handling_started_at, case.handle_due = handled_at, calendar.add(handled_at, limit, limit_unit)
        case.warn_at = calendar.add(handled_at, limit * Decimal("0.8"), limit_unit)
        record.step("handle", handled_at, community_staff, level=level, handle_due=case.handle_due.isoformat())
        handler = grid_worker_name if level == HandlingLevel.GRID else community_staff
        started = at(handled_at, rng.uniform(0.05, 0.3) * float(limit))
        if started is None:
            return case, events, assist
        record.step("start", started, handler)
    else:
        suggestion = routes(category, grid, lon, lat)
        department = departments_of(suggestion.department, category)
        if department is None:
            return case, events, assist
        if rng.random() < 0.05:  # dispatched to the wrong body, handed back, dispatched again
            wrong = rng.choice([d for d in departments_of(None, None, every=True) if d.pk != department.pk])
            _dispatch(case, record, wrong, handled_at, calendar, centre, assist)
            returned = at(handled_at, rng.uniform(0.3, 1.5))
            if returned is None:
                return case, events, assist
            case.return_count += 1
            case.level, case.lead_department = "", None
            case.response_due = case.handle_due = case.warn_at = case.handling_started_at = None
            case.dispatch_due = calendar.add(returned, category.dispatch_hours, unit)
            record.step("return", returned, wrong.name, "该事项不属于本部门职责", department=wrong.pk,
                        department_name=wrong.name)
            handled_at = at(returned, rng.uniform(0.2, 1.0))
            if handled_at is None:
                return case, events, assist
        # 社区吹哨: for the categories that allow it, the community often calls the department itself.
        whistler = community_staff if category.community_whistle and rng.random() < 0.4 else None
        _dispatch(case, record, department, handled_at, calendar, whistler or centre, assist, whistle=bool(whistler))
        acknowledged = at(handled_at, float(category.response_hours) * rng.choice([0.2, 0.4, 0.7, 0.9, 1.4]))
        if acknowledged is None:
            return case, events, assist
        case.acknowledged_at = acknowledged
        record.step("acknowledge", acknowledged, department.name, on_time=acknowledged <= case.response_due)
        started = at(acknowledged, rng.uniform(0.05, 0.3) * float(limit))
        if started is None:
            return case, events, assist
        record.step("start", started, department.name)
        handler = department.name
        if rng.random() < 0.015:
            case.suspended_at, case.review_date = started, (timezone.localtime(started) + datetime.timedelta(
                days=rng.randint(20, 90))).date()
            record.step("suspend", started, centre, "需纳入年度改造计划统筹解决", review_date=case.review_date.isoformat())
            return case, events, assist
    # Feedback: most within the limit, some late.
    fraction = rng.choices([rng.uniform(0.2, 0.8), rng.uniform(0.8, 1.0), rng.uniform(1.05, 2.0)], [70, 18, 12])[0]
    spent = calendar.elapsed(case.handling_started_at, started, unit)  # feedback comes after the start
    feedback = at(started, fraction * float(limit) - spent)
    if feedback is None:
        return case, events, assist
    case.feedback_at = feedback
    record.step("feedback", feedback, handler, rng.choice(FEEDBACK), on_time=feedback <= case.handle_due)
    if rng.random() < 0.08:
        checked = at(feedback, rng.uniform(0.3, 3))
        if checked is None:
            return case, events, assist
        case.rework_count += 1
        case.feedback_at = None
        record.step("rework", checked, grid_worker_name, "现场核查仍未处理到位，请返工", rework=case.rework_count)
        feedback = at(checked, rng.uniform(0.5, 6))
        if feedback is None:
            return case, events, assist
        case.feedback_at = feedback
        record.step("feedback", feedback, handler, "已按要求重新处理", on_time=feedback <= case.handle_due)
    verified = at(feedback, rng.uniform(0.2, 4))
    if verified is None:
        return case, events, assist
    case.verified_at = verified
    record.step("verify", verified, grid_worker_name, "现场核查已处理到位", on_time=feedback <= case.handle_due)
    closed = at(verified, rng.uniform(0.1, 2))
    if closed is None:
        return case, events, assist
    case.closed_at = closed
    record.step("close", closed, centre if case.level == HandlingLevel.DEPARTMENT else community_staff, "",
                verified=True)
    if case.source in (CaseSource.RESIDENT, CaseSource.OPEN311, CaseSource.HOTLINE) and rng.random() < 0.65:
        rating = rng.choices([5, 4, 3, 2, 1], [55, 25, 10, 6, 4])[0]
        if case.rework_count or (case.feedback_at > case.handle_due):
            rating = max(1, rating - 1)
        resolved = rating >= 3 or rng.random() < 0.2
        rated = closed + datetime.timedelta(hours=rng.uniform(1, 48))
        if rated >= now:
            return case, events, assist
        if case.source == CaseSource.HOTLINE:  # 12345: a callback by the centre, sometimes at the second try
            if rng.random() < 0.15:
                case.callback_at, case.callback_reached = rated, False
                record.step("callback", rated, centre, "电话无人接听", reached=False)
                rated += datetime.timedelta(hours=rng.uniform(2, 24))
                if rated >= now:
                    return case, events, assist
            case.callback_at, case.callback_reached = rated, True
            case.rating, case.rating_comment, case.rated_at, case.resolved = rating, "", rated, resolved
            record.step("callback", rated, centre, "已电话回访", reached=True, rating=rating, resolved=resolved)
        else:
            case.rating, case.rating_comment, case.rated_at = rating, rng.choice(COMMENTS[rating]), rated
            case.resolved = resolved
            record.step("rate", rated, reporter_name, rating=rating, resolved=resolved)
    return case, events, assist


def _handling_limit(calendar: WorkCalendar, category: Category) -> tuple[Decimal, str]:
    """The category's handling limit as an amount of hours and their unit (working days as working hours)."""
    unit = category.handling_unit
    if unit == LimitUnit.WORKDAY:
        return Decimal(calendar.working_hours(category.handling_hours, unit)), LimitUnit.WORKING
    return Decimal(category.handling_hours), unit


def _dispatch(case, record, department, when, calendar, centre, assist, *, whistle: bool = False) -> None:
    unit, category = case.category.limit_unit, case.category
    case.level, case.lead_department, case.dispatched_at = HandlingLevel.DEPARTMENT, department, when
    case.response_due = calendar.add(when, Decimal(category.response_hours), unit)
    limit, limit_unit = _handling_limit(calendar, category)
    case.handling_started_at, case.handle_due = when, calendar.add(when, limit, limit_unit)
    case.warn_at = calendar.add(when, limit * Decimal("0.8"), limit_unit)
    case.acknowledged_at = None
    record.step("dispatch", when, centre, department=department.pk, department_name=department.name,
                handle_due=case.handle_due.isoformat(), whistle=whistle)
    assist.clear()


@transaction.atomic
def build(root: Area, *, days: int = DEFAULT_DAYS, seed: int = DEFAULT_SEED, now: datetime.datetime | None = None,
          progress=None) -> int | None:
    """Draw ``days`` of history ending ``now`` in ``root``; None when the district already has cases."""
    link_departments()
    if Case.objects.filter(district_code=root.code[:6]).exists():
        return None
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    rng = random.Random(seed)
    first_day = timezone.localdate(now) - datetime.timedelta(days=days)
    calendar = load_calendar(first_day, days=days + 400)
    grids = list(Area.objects.filter(level=Level.GRID, path__startswith=root.path).select_related("parent__parent")
                 .order_by("code"))
    polygons = {}
    for grid in grids:
        try:
            polygons[grid.pk] = shape(grid.geometry) if grid.geometry else None
        except (KeyError, TypeError, ValueError, AttributeError):
            polygons[grid.pk] = None
    categories = {c.code: c for c in Category.objects.filter(code__in=[p[0] for p in PROBLEMS])
                  .select_related("parent").prefetch_related("departments")}
    problems = [p for p in PROBLEMS if p[0] in categories]
    weights = [p[1] for p in problems]
    departments = list(Department.objects.filter(is_active=True).order_by("code"))

    def departments_of(suggested, category, every=False):
        if every:
            return departments
        return suggested or (next(iter(category.departments.all()), None) if category is not None else None) or (
            departments[0] if departments else None)

    memo: dict[tuple[int, int], object] = {}

    def routes(category, grid, lon, lat):
        """The routing suggestion per (category, community): the demo's rules have no corridors."""
        key = (category.pk, grid.parent_id)
        if key not in memo:
            memo[key] = route(category, grid, lon, lat)
        return memo[key]

    staff = {u.username: u.display_name for u in User.objects.filter(username__in=["street", "community", "grid"])}
    names = {"street": staff.get("street", "街道指挥中心"), "community": staff.get("community", "社区工作者")}
    grid_worker = staff.get("grid", "网格员")
    history = _History()
    duplicates: list = []
    counters: dict[datetime.date, int] = {}
    for offset in range(days + 1):
        day = first_day + datetime.timedelta(days=offset)
        weekend = not calendar.is_working_day(day)
        mean = WEEKEND_REPORTS if weekend else WEEKDAY_REPORTS
        count = max(0, int(rng.gauss(mean, math.sqrt(mean))))
        moments = sorted(_working_moment(rng, calendar, day, tz) for _ in range(count))
        for reported_at in moments:
            if reported_at >= now:
                continue
            code = rng.choices(problems, weights)[0][0]
            grid = rng.choice(grids)
            lon, lat = _point_in(rng, grid, polygons)
            case, events, assist = _draw(rng, categories[code], grid, lon, lat, reported_at, now, calendar, names,
                                         grid_worker, departments_of, routes)
            case.number = _number(counters, reported_at)
            history.cases.append(case)
            history.events.append(events)
            if rng.random() < 0.03 and case.status not in (S.REPORTED, S.REJECTED):
                duplicates.append(_duplicate(rng, case, events, now, names, counters))
    Case.objects.bulk_create(history.cases, batch_size=1000)
    # Duplicates point at the case they joined, which has its key now.
    duplicates = [(duplicate, events) for duplicate, events in duplicates if duplicate is not None]
    for duplicate, _events in duplicates:
        duplicate.merged_into_id = duplicate.merged_into.pk
    Case.objects.bulk_create([duplicate for duplicate, _events in duplicates], batch_size=1000)
    pairs = [*zip(history.cases, history.events), *duplicates]
    CaseEvent.objects.bulk_create([event for case, events in pairs for event in events
                                   if setattr(event, "case", case) is None], batch_size=2000)
    from .models import DailyCounter

    DailyCounter.objects.bulk_create([DailyCounter(key="case", date=date, value=value)
                                      for date, value in counters.items()], ignore_conflicts=True)
    total = len(history.cases) + len(duplicates)
    if progress is not None:
        progress(f"事件 {total} 件 / cases, 流转记录 {sum(len(events) for _c, events in pairs)} 条 / events")
    train()
    return total


def _number(counters: dict, reported_at: datetime.datetime) -> str:
    local = timezone.localtime(reported_at).date()
    counters[local] = counters.get(local, 0) + 1
    return f"{local:%Y%m%d}{counters[local]:04d}"


def _duplicate(rng, original: Case, original_events: list[CaseEvent], now, names, counters):
    """A second resident's report of the same problem, a few hours later, merged into the first."""
    reported_at = original.reported_at + datetime.timedelta(hours=rng.uniform(0.5, 8))
    merged_at = reported_at + datetime.timedelta(minutes=rng.uniform(10, 90))
    if merged_at >= now:
        return None, []
    metres = rng.uniform(10, 60)
    lon = original.lon + metres / (111_320 * math.cos(math.radians(original.lat)))
    name = _full_name(rng)
    duplicate = Case(source=CaseSource.RESIDENT, reporter_name=name, description=f"{original.address}附近，"
                     + original.description.split("，")[-1], address=original.address, lon=round(lon, 6),
                     lat=original.lat, area=original.area, district_code=original.district_code,
                     suggested_category=original.suggested_category, suggestion_score=original.suggestion_score,
                     status=S.REPORTED, reported_at=reported_at, accept_due=original.accept_due,
                     merged_into=original, number=_number(counters, reported_at))
    events: list[CaseEvent] = []
    record = _Recorder(duplicate, events)
    record.step("report", reported_at, name, source=CaseSource.RESIDENT)
    record.step("merge", merged_at, names["community"], "与已受理事件为同一问题", merged_into=original.number)
    # As the service records it: the kept case's status at the time, unchanged by the merge.
    status_then = S.REPORTED
    for event in original_events:  # in the order they happened (two steps may share a moment)
        if event.at <= merged_at and event.to_status:
            status_then = event.to_status
    original_events.append(CaseEvent(action="merged_in", from_status=status_then, to_status=status_then,
                                     actor_name=names["community"], at=merged_at, data={"case": duplicate.number}))
    return duplicate, events
