"""Indicators of the case loop (网格事件考核指标) over a period ``[start, end)``: counts, rates and
means, overall and per area, department and category. docs/indicators.md defines each one.

How they are computed: ``collect`` reads what a period needs in three queries, however many
cases there are: the cases that touch the period (``.values()`` rows, no model instances), the
dispatch and return events of the cases dispatched in it, and the period's feedback and rework
events. One pass in Python then judges each case once (reported? closed on time? overdue at the
end?), and every breakdown (street, community, grid, department, 大类, 小类) is a regrouping of
those judgements, without going back to the database. Working hours come from the working
calendar (one more query, only when durations are needed) through ``WorkingClock``.

Scope: the cases are always a queryset that starts from ``Case.objects.visible_to(user)``;
``scope_for`` narrows it to what a statistics page may count (the areas where the user holds
``cases.view``, or for department staff the cases their departments lead).

Rates are floats in [0, 1], or ``None`` when their denominator is zero (shown as "—").
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet, Subquery
from django.db.models.fields.json import KT
from django.utils import timezone

from gongzhi.accounts.models import Department
from gongzhi.accounts.permissions import has_perm, perm_paths
from gongzhi.accounts.roles import Perm
from gongzhi.areas.models import CODE_LENGTH, Area, Level
from gongzhi.areas.scope import scope_paths

from .models import Case, CaseEvent, CaseStatus, Category
from .models.case import department_ids
from .worktime import WorkCalendar, _span_us, load_calendar

AreaLevel = Literal["street", "community", "grid"]
AREA_LEVELS: tuple[str, ...] = (Level.STREET, Level.COMMUNITY, Level.GRID)
# 政务服务"好差评": 5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意; the first three count as satisfied.
SATISFIED_FROM = 3
MAX_PERIOD_DAYS = 366
_US_PER_HOUR = 3_600_000_000
_NOT_JUDGED = (CaseStatus.REJECTED, CaseStatus.MERGED)  # never had a handling deadline to meet


# --- Periods ---------------------------------------------------------------------------------


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def day_bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """``[first 00:00, the day after last 00:00)`` in the current time zone (both days included)."""
    if last < first:
        raise ValueError("the period ends before it starts")
    return _midnight(first), _midnight(last + dt.timedelta(days=1))


def week_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The week (Monday to Sunday) that holds ``day``."""
    monday = day - dt.timedelta(days=day.weekday())
    return day_bounds(monday, monday + dt.timedelta(days=6))


def month_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The calendar month that holds ``day``."""
    first = day.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return day_bounds(first, following - dt.timedelta(days=1))


# --- Scope -----------------------------------------------------------------------------------


def within_paths(paths: Iterable[str], field_name: str = "area__path") -> Q:
    """Rows whose ``field_name`` lies in one of the subtrees ``paths`` (nothing when there are none)."""
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{field_name}__startswith": path})
    return q


@dataclass(frozen=True)
class Scope:
    """What a statistics page counts for one user.

    ``cases`` starts from ``Case.objects.visible_to(user)``. ``paths`` are the area subtrees
    counted (used to name areas and to list those without cases). ``departments`` is ``None``
    for area staff; for department staff it holds their departments, and only the cases those
    departments lead are counted.
    """

    cases: QuerySet[Case]
    paths: tuple[str, ...]
    departments: tuple[int, ...] | None = None
    event_filter: Q | None = None  # the same cases as conditions on ``CaseEvent.case``

    @property
    def is_department(self) -> bool:
        return self.departments is not None

    def collect(self, start: dt.datetime, end: dt.datetime, *, now: dt.datetime | None = None) -> Facts:
        return collect(self.cases, start, end, now=now, paths=self.paths, departments=self.departments,
                       event_filter=self.event_filter)


def may_view_statistics(user) -> bool:
    """Area staff with ``cases.view`` see their areas; department staff their departments' cases."""
    return has_perm(user, Perm.CASES_VIEW) or bool(department_ids(user))


def scope_for(user, area: Area | None = None) -> Scope:
    """The cases ``user``'s statistics count, optionally within ``area``; ``PermissionDenied``
    when the user may not see statistics or ``area`` lies outside what they may count.

    Holders of ``cases.view`` count the cases of the areas where they hold it — not the cases
    they reported elsewhere, which ``visible_to`` also lets them read. Department staff without
    it count the cases their departments lead (not those they only assist).
    """
    # ``visible_to(user)`` narrowed to these paths (or these lead departments) is exactly the plain
    # condition below — visible_to's other branches (the user's own reports, the departments) add
    # nothing inside it — so the condition is written directly: its OR of branches and department
    # subquery, repeated inside every event query as ``case IN (…)``, let PostgreSQL choose plans
    # that evaluated it once per event row when its statistics were off (minutes for a demo).
    departments: tuple[int, ...] | None = None
    if has_perm(user, Perm.CASES_VIEW):
        paths = perm_paths(user, Perm.CASES_VIEW)
        case_q, event_q = within_paths(paths), within_paths(paths, "case__area__path")
    elif department_ids(user):
        departments = department_ids(user)
        paths = scope_paths(user)
        case_q, event_q = Q(lead_department__in=departments), Q(case__lead_department__in=departments)
    else:
        raise PermissionDenied
    if area is not None:
        inside = tuple(area.path if area.path.startswith(p) else p for p in paths
                       if area.path.startswith(p) or p.startswith(area.path))
        if not inside:
            raise PermissionDenied
        paths = inside
        case_q &= within_paths(paths)
        event_q &= within_paths(paths, "case__area__path")
    return Scope(cases=Case.objects.filter(case_q), paths=tuple(paths), departments=departments, event_filter=event_q)


# --- Working hours ---------------------------------------------------------------------------


class WorkingClock:
    """``calendar.elapsed(start, end, "working")`` for many spans, with the same result.

    ``WorkCalendar.elapsed`` walks every day of a span; a month of closures (tens of thousands
    of spans, some months long) would take seconds. This reads each day's working periods from
    the calendar once and keeps a running total of whole days, so a span costs two partial days
    and a subtraction.
    """

    def __init__(self, calendar: WorkCalendar) -> None:
        self.calendar = calendar
        self._periods: dict[dt.date, list[tuple[dt.datetime, dt.datetime]]] = {}
        self._origin: dt.date | None = None
        self._before: list[int] = [0]  # microseconds of work on the days from origin to origin + i

    def _day(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        periods = self._periods.get(day)
        if periods is None:
            periods = self._periods[day] = self.calendar.working_periods(day)
        return periods

    def _overlap(self, day: dt.date, low: dt.datetime | None, high: dt.datetime | None) -> int:
        total = 0
        for begin, finish in self._day(day):
            begin = begin if low is None or begin > low else low
            finish = finish if high is None or finish < high else high
            if begin < finish:
                total += _span_us(begin, finish)
        return total

    def _work_before(self, day: dt.date) -> int:
        """Microseconds of work on the days from the origin up to, not including, ``day``."""
        if self._origin is None:
            self._origin = day
        elif day < self._origin:  # extend the running totals backwards, keeping what was summed
            head = [0]
            for offset in range((self._origin - day).days):
                head.append(head[-1] + self._overlap(day + dt.timedelta(days=offset), None, None))
            self._before = head[:-1] + [head[-1] + total for total in self._before]
            self._origin = day
        index = (day - self._origin).days
        while len(self._before) <= index:
            current = self._origin + dt.timedelta(days=len(self._before) - 1)
            self._before.append(self._before[-1] + self._overlap(current, None, None))
        return self._before[index]

    def elapsed(self, start: dt.datetime, end: dt.datetime) -> float:
        """Working hours from ``start`` to ``end`` (0 when ``end`` is not after ``start``)."""
        first, last = self.calendar._local(start), self.calendar._local(end)
        if last <= first:
            return 0.0
        day, last_day = first.date(), last.date()
        if day == last_day:
            return self._overlap(day, first, last) / _US_PER_HOUR
        # The earlier day first: it may move the origin back, which shifts every running total.
        after_first = self._work_before(day + dt.timedelta(days=1))
        middle = self._work_before(last_day) - after_first
        return (self._overlap(day, first, None) + middle + self._overlap(last_day, None, last)) / _US_PER_HOUR


def working_clock(start: dt.datetime) -> WorkingClock:
    """A clock over the working calendar loaded from a year before ``start`` (one query)."""
    return WorkingClock(load_calendar(timezone.localdate(start) - dt.timedelta(days=365 - 31)))


# --- Judging cases ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Where:
    """What a case is grouped by: its area's path, its 小类 and 大类, its lead department."""

    path: str
    category: int | None
    major: int | None
    department: int | None


@dataclass(slots=True)
class Outcome:
    """What one case contributes to the period's indicators."""

    reported: bool = False
    accepted: bool = False
    accepted_on_time: bool = False
    acceptance_missed: bool = False  # its 立案时限 passed in the period and it was still not accepted
    response_due: bool = False  # counted in 应报到数
    responded_on_time: bool = False
    callback: bool = False  # a 回访 was made in the period
    callback_reached: bool = False
    resolved: bool | None = None  # asked with the rating: was the problem solved
    closed: bool = False
    due: bool = False  # counted in 应结案数
    closed_on_time: bool = False
    closed_late: bool = False
    overdue_open: bool = False
    handling_span: tuple[dt.datetime, dt.datetime] | None = None
    handling_hours: float | None = None
    rating: int | None = None


@dataclass(frozen=True, slots=True)
class OverdueCase:
    """A case counted in 超期数: still open past its deadline at the end, or closed late in the period."""

    pk: int
    number: str
    status: str
    where: Where
    handle_due: dt.datetime
    done_at: dt.datetime | None  # when it was handled (feedback, else closure); None while open
    closed: bool  # closed late in the period (else: open and overdue at the end)
    overdue_hours: float  # working hours past the deadline, to ``done_at`` or the end of the period


def _in(moment: dt.datetime | None, start: dt.datetime, end: dt.datetime) -> bool:
    return moment is not None and start <= moment < end


def _after(moment: dt.datetime | None, point: dt.datetime) -> bool:
    """Not yet happened at ``point`` (never, or at or after it)."""
    return moment is None or moment >= point


def judge(row: dict[str, Any], start: dt.datetime, end: dt.datetime, as_of: dt.datetime) -> Outcome:
    """What the case in ``row`` (the columns of ``CASE_COLUMNS``) counts for in ``[start, end)``;
    ``as_of`` is the end of the period, or now when the period has not ended yet."""
    out = Outcome()
    # A grid case moved up to the community keeps the grid deadline it missed: it is judged by it.
    status, due = row["status"], row["missed_due"] or row["handle_due"]
    out.reported = _in(row["reported_at"], start, end)
    if _in(row["accepted_at"], start, end):
        out.accepted = True
        out.accepted_on_time = row["accept_due"] is None or row["accepted_at"] <= row["accept_due"]
    elif (row["accept_due"] is not None and start <= row["accept_due"] < as_of and status == CaseStatus.REPORTED
          and row["accepted_at"] is None):
        out.acceptance_missed = True
    acknowledged, response_due = row["acknowledged_at"], row["response_due"]
    if _in(acknowledged, start, end):
        out.response_due = True
        out.responded_on_time = response_due is None or acknowledged <= response_due
    elif (response_due is not None and start <= response_due < as_of and _after(acknowledged, as_of)
          and status not in _NOT_JUDGED):
        out.response_due = True  # 报到 was due in the period and had not come by its end
    if _in(row["callback_at"], start, end):
        out.callback, out.callback_reached = True, bool(row["callback_reached"])
    done_at = row["feedback_at"] or row["closed_at"]
    closed_in_period = status == CaseStatus.CLOSED and _in(row["closed_at"], start, end)
    if closed_in_period:
        out.closed = True
        if due is not None:
            out.due = True
            out.closed_on_time = done_at <= due
            out.closed_late = not out.closed_on_time
        if row["handling_started_at"] is not None and row["feedback_at"] is not None:
            out.handling_span = (row["handling_started_at"], row["feedback_at"])
    elif (due is not None and status not in _NOT_JUDGED and start <= due < as_of
          and not (status == CaseStatus.CLOSED and row["closed_at"] < end)
          and _after(row["feedback_at"], due) and _after(row["suspended_at"], due)):
        # Its deadline passed in the period and it was neither handled nor put on hold by then,
        # nor closed by the end: a closure that was due and was missed.
        out.due = True
    if (due is not None and due < as_of and status not in _NOT_JUDGED and _after(row["closed_at"], as_of)
            and _after(row["feedback_at"], as_of) and _after(row["suspended_at"], as_of)):
        out.overdue_open = True
    if _in(row["rated_at"], start, end) and row["rating"] is not None:
        out.rating = row["rating"]
        out.resolved = row["resolved"]
    return out


# --- Tallies ---------------------------------------------------------------------------------


def rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


@dataclass(slots=True)
class Tally:
    """The counts behind the indicators of one group; ``result()`` adds the rates and means."""

    reported: int = 0
    accepted: int = 0
    accepted_on_time: int = 0
    acceptances_due: int = 0
    responses_due: int = 0
    responded_on_time: int = 0
    dispatched: int = 0
    dispatched_accurately: int = 0
    returned: int = 0
    closed: int = 0
    closures_due: int = 0
    closed_on_time: int = 0
    closed_late: int = 0
    overdue_open: int = 0
    feedbacks: int = 0
    reworks: int = 0
    handled: int = 0  # closed cases with a handling duration
    handling_hours: float = 0.0
    ratings: int = 0
    satisfied: int = 0
    rating_total: int = 0
    resolved_answers: int = 0  # ratings that said whether the problem was solved
    resolved: int = 0
    callbacks: int = 0
    callbacks_reached: int = 0

    def add_case(self, out: Outcome) -> None:
        self.reported += out.reported
        self.accepted += out.accepted
        self.accepted_on_time += out.accepted_on_time
        self.acceptances_due += out.accepted or out.acceptance_missed
        self.responses_due += out.response_due
        self.responded_on_time += out.responded_on_time
        self.callbacks += out.callback
        self.callbacks_reached += out.callback_reached
        self.closed += out.closed
        self.closures_due += out.due
        self.closed_on_time += out.closed_on_time
        self.closed_late += out.closed_late
        self.overdue_open += out.overdue_open
        if out.handling_hours is not None:
            self.handled += 1
            self.handling_hours += out.handling_hours
        if out.rating is not None:
            self.ratings += 1
            self.satisfied += out.rating >= SATISFIED_FROM
            self.rating_total += out.rating
            if out.resolved is not None:
                self.resolved_answers += 1
                self.resolved += out.resolved

    def add_dispatch(self, accurate: bool) -> None:
        self.dispatched += 1
        self.dispatched_accurately += accurate
        self.returned += not accurate

    def add_event(self, action: str) -> None:
        if action == "feedback":
            self.feedbacks += 1
        else:
            self.reworks += 1

    def result(self) -> dict[str, Any]:
        counts = {f.name: getattr(self, f.name) for f in fields(self)}
        return counts | {
            "on_time_acceptance_rate": rate(self.accepted_on_time, self.acceptances_due),
            "response_rate": rate(self.responded_on_time, self.responses_due),
            "resolution_rate": rate(self.resolved, self.resolved_answers),
            "callback_reach_rate": rate(self.callbacks_reached, self.callbacks),
            "accurate_dispatch_rate": rate(self.dispatched_accurately, self.dispatched),
            "on_time_closure_rate": rate(self.closed_on_time, self.closures_due),
            "rework_rate": rate(self.reworks, self.feedbacks),
            "overdue": self.overdue_open + self.closed_late,
            "mean_handling_hours": self.handling_hours / self.handled if self.handled else None,
            "satisfaction_rate": rate(self.satisfied, self.ratings),
            "mean_rating": self.rating_total / self.ratings if self.ratings else None,
        }


# --- Collecting a period ---------------------------------------------------------------------

CASE_COLUMNS = (
    "pk", "number", "status", "area__path", "category_id", "category__parent_id", "lead_department_id",
    "reported_at", "accept_due", "accepted_at", "handling_started_at", "handle_due", "missed_due", "feedback_at",
    "closed_at", "suspended_at", "rating", "rated_at", "resolved", "response_due", "acknowledged_at", "callback_at",
    "callback_reached",
)
_WHERE = ("area__path", "category_id", "category__parent_id", "lead_department_id")


def _where(path: str, category: int | None, parent: int | None, department: int | None) -> Where:
    # A case filed under a 大类 (or an old category) is its own 大类.
    return Where(path=path, category=category, major=parent or category, department=department)


def _touching(start: dt.datetime, end: dt.datetime, as_of: dt.datetime) -> Q:
    """A superset of the cases ``judge`` may count: it makes each decision itself.

    The ids of the cases any of whose moments falls in the period, as a ``UNION`` of one index range
    per moment (``cases/0007`` indexes each): written as one ``OR``, SQLite read every case of a
    district (1,000,000 cases: 4.5–8.8 s) — one branch not being a range was enough, and with every
    branch a range it still preferred the scan; the union reads a week's few thousand.
    """
    period = {"gte": start, "lt": end}
    branches = [Q(**{f"{name}__{op}": value for op, value in period.items()})
                for name in ("reported_at", "accepted_at", "closed_at", "rated_at", "acknowledged_at", "callback_at")]
    # Acceptance and 报到 due in the period and missed (judged by ``judge``).
    branches.append(Q(accept_due__gte=start, accept_due__lt=as_of, accepted_at__isnull=True))
    branches.append(Q(response_due__gte=start, response_due__lt=as_of))
    # Deadlines that passed before the end of the period, of cases not closed before it began: two
    # ranges of the ``(closed_at, handle_due)`` index (open cases; cases closed since the start).
    branches.append(Q(closed_at__isnull=True, handle_due__lt=as_of))
    branches.append(Q(closed_at__gte=start, handle_due__lt=as_of))
    ids = [Case.objects.filter(branch).order_by().values("pk") for branch in branches]
    return Q(pk__in=ids[0].union(*ids[1:]))


def _department(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def collect(cases: QuerySet[Case], start: dt.datetime, end: dt.datetime, *, now: dt.datetime | None = None,
            paths: Iterable[str] = (), departments: Iterable[int] | None = None,
            event_filter: Q | None = None) -> Facts:
    """Read what ``[start, end)`` needs about ``cases`` (already scoped) and judge each case once.

    Three queries, plus the working calendar when a closed case has a handling duration.
    ``departments`` (department staff) keeps only the dispatches to those departments.
    """
    if end <= start:
        raise ValueError("the period must end after it starts")
    now = now or timezone.now()
    as_of = min(end, now)
    departments = None if departments is None else frozenset(departments)
    case_rows: list[tuple[Where, Outcome]] = []
    overdue_rows: list[tuple[dict[str, Any], Where, Outcome]] = []
    daily: dict[dt.date, int] = defaultdict(int)
    tz = timezone.get_current_timezone()
    for row in cases.filter(_touching(start, end, as_of)).order_by().values(*CASE_COLUMNS).iterator(chunk_size=5000):
        where = _where(row["area__path"], row["category_id"], row["category__parent_id"], row["lead_department_id"])
        out = judge(row, start, end, as_of)
        case_rows.append((where, out))
        if out.reported:
            daily[row["reported_at"].astimezone(tz).date()] += 1
        if out.overdue_open or out.closed_late:
            overdue_rows.append((row, where, out))

    # The events of the same cases: by ``event_filter`` (conditions on the event's case) when the
    # caller has it, else ``case IN (cases)``.
    events = CaseEvent.objects.filter(event_filter) if event_filter is not None else CaseEvent.objects.filter(
        case__in=cases)
    dispatched = events.filter(action="dispatch", at__gte=start, at__lt=end)
    dispatch_rows: list[list[Any]] = []  # [where, department, accurate]
    answering: dict[int, int | None] = {}  # case → index of its dispatch a return would answer
    sequence = (CaseEvent.objects.filter(case_id__in=Subquery(dispatched.values("case_id")),
                                         action__in=("dispatch", "return"), at__gte=start)
                .order_by("case_id", "at", "pk")
                .values_list("case_id", "action", "at", KT("data__department"), *(f"case__{n}" for n in _WHERE)))
    for case_id, action, at, department, *where in sequence.iterator(chunk_size=5000):
        department = _department(department)
        if action == "dispatch":
            if at < end and (departments is None or department in departments):
                answering[case_id] = len(dispatch_rows)
                dispatch_rows.append([_where(*where), department, True])
            else:
                answering[case_id] = None  # after the period, or to a department not counted: it takes the returns
        else:
            index = answering.pop(case_id, None)
            if index is not None and dispatch_rows[index][1] == department:
                dispatch_rows[index][2] = False

    handling_events = [
        (_where(*where), action) for action, *where in
        events.filter(action__in=("feedback", "rework"), at__gte=start, at__lt=end)
        .order_by().values_list("action", *(f"case__{n}" for n in _WHERE)).iterator(chunk_size=5000)
    ]
    facts = Facts(start=start, end=end, as_of=as_of, paths=tuple(paths), departments=departments,
                  cases=case_rows, dispatches=[(w, d, a) for w, d, a in dispatch_rows], events=handling_events,
                  daily=dict(daily), _overdue_rows=overdue_rows)
    facts._measure_handling()
    return facts


GroupKey = Hashable


@dataclass
class Facts:
    """A period's judged cases and events, ready to be grouped any way without more queries
    (naming the groups takes one small query each)."""

    start: dt.datetime
    end: dt.datetime
    as_of: dt.datetime
    paths: tuple[str, ...]
    departments: frozenset[int] | None
    cases: list[tuple[Where, Outcome]]
    dispatches: list[tuple[Where, int | None, bool]]
    events: list[tuple[Where, str]]
    daily: dict[dt.date, int]
    _overdue_rows: list[tuple[dict[str, Any], Where, Outcome]] = field(default_factory=list, repr=False)
    _clock: WorkingClock | None = field(default=None, repr=False)
    _categories: dict[int, tuple[str, str, str | None]] | None = field(default=None, repr=False)

    @property
    def clock(self) -> WorkingClock:
        if self._clock is None:
            self._clock = working_clock(self.start)
        return self._clock

    def _measure_handling(self) -> None:
        spans = [out for _, out in self.cases if out.handling_span is not None]
        for out in spans:
            out.handling_hours = self.clock.elapsed(*out.handling_span)

    # -- grouping --

    def grouped(self, case_key: Callable[[Where], GroupKey],
                dispatch_key: Callable[[Where, int | None], GroupKey] | None = None) -> dict[GroupKey, Tally]:
        """Tallies by ``case_key(where)``; dispatches by ``dispatch_key(where, department)`` (default:
        the case's key)."""
        tallies: dict[GroupKey, Tally] = defaultdict(Tally)
        for where, out in self.cases:
            tallies[case_key(where)].add_case(out)
        for where, department, accurate in self.dispatches:
            key = dispatch_key(where, department) if dispatch_key else case_key(where)
            tallies[key].add_dispatch(accurate)
        for where, action in self.events:
            tallies[case_key(where)].add_event(action)
        return tallies

    def totals(self) -> dict[str, Any]:
        """The indicators of everything in scope."""
        return self.grouped(lambda where: None).get(None, Tally()).result()

    def by_area(self, level: AreaLevel = "street", *, include_empty: bool = False) -> list[dict[str, Any]]:
        """One row per street, community or grid (``key`` its code, ``name``, ``parent``); cases
        filed above that level are in a row with ``key`` None. ``include_empty`` adds the areas of
        the scope without anything to count."""
        if level not in AREA_LEVELS:
            raise ValueError(f"level must be one of {AREA_LEVELS}, not {level!r}")
        length = CODE_LENGTH[level]
        codes: dict[str, str | None] = {}

        def key(where: Where) -> str | None:
            code = codes.get(where.path, "")
            if code == "":
                code = codes[where.path] = next((c for c in where.path.strip("/").split("/") if len(c) == length),
                                                None)
            return code

        tallies = self.grouped(key)
        areas = Area.objects.filter(level=level)
        areas = areas.filter(within_paths(self.paths, "path")) if self.paths else areas.filter(code__in=list(tallies))
        names = {code: (name, parent) for code, name, parent in areas.values_list("code", "name", "parent__name")}
        if include_empty:
            for code in names:
                tallies.setdefault(code, Tally())
        rows = []
        for code, tally in tallies.items():
            name, parent = names.get(code, (None, "")) if code is not None else (None, "")
            rows.append({"key": code, "name": name or code or "", "parent": parent or "", **tally.result()})
        return sorted(rows, key=lambda row: (row["key"] is None, row["key"] or ""))

    def by_department(self) -> list[dict[str, Any]]:
        """One row per lead department (dispatches by the department they went to); cases without
        a department (handled by a grid or community, or not yet dispatched) are left out."""
        tallies = self.grouped(lambda where: where.department, lambda where, department: department)
        tallies.pop(None, None)
        if self.departments is not None:
            tallies = {key: tally for key, tally in tallies.items() if key in self.departments}
        names = dict(Department.objects.filter(pk__in=list(tallies)).values_list("pk", "name"))
        rows = [{"key": pk, "name": names.get(pk, str(pk)), "parent": "", **tally.result()}
                for pk, tally in tallies.items()]
        return sorted(rows, key=lambda row: row["name"])

    def by_category(self, *, major: bool = True) -> list[dict[str, Any]]:
        """One row per 大类 (``major``) or 小类; uncategorised cases in a row with ``key`` None."""
        tallies = self.grouped((lambda where: where.major) if major else (lambda where: where.category))
        if self._categories is None:  # the catalogue is small: read it once for every breakdown
            self._categories = {pk: (code, name, parent) for pk, code, name, parent in
                                Category.objects.values_list("pk", "code", "name", "parent__name")}
        categories = self._categories
        rows = []
        for pk, tally in tallies.items():
            code, name, parent = categories.get(pk, ("", "", "")) if pk is not None else ("", "", "")
            rows.append({"key": pk, "code": code or "", "name": name or "", "parent": "" if major else parent or "",
                         **tally.result()})
        return sorted(rows, key=lambda row: (row["key"] is None, row["code"]))

    def daily_reports(self) -> list[tuple[dt.date, int]]:
        """Cases reported on each day of the period (local dates; days without any included)."""
        first = timezone.localdate(self.start)
        last = timezone.localdate(self.end - dt.timedelta(microseconds=1))
        return [(first + dt.timedelta(days=i), self.daily.get(first + dt.timedelta(days=i), 0))
                for i in range((last - first).days + 1)]

    def overdue_cases(self) -> list[OverdueCase]:
        """The cases behind 超期数, the most overdue first."""
        result = []
        for row, where, out in self._overdue_rows:
            done_at = (row["feedback_at"] or row["closed_at"]) if out.closed_late else None
            due = row["missed_due"] or row["handle_due"]  # the first deadline it missed
            result.append(OverdueCase(
                pk=row["pk"], number=row["number"], status=row["status"], where=where, handle_due=due,
                done_at=done_at, closed=out.closed_late, overdue_hours=self.clock.elapsed(due, done_at or self.as_of)))
        return sorted(result, key=lambda case: (-case.overdue_hours, case.number))


# --- The functions of the brief: one call, one breakdown -------------------------------------


def indicators(cases: QuerySet[Case], start: dt.datetime, end: dt.datetime, *,
               now: dt.datetime | None = None) -> dict[str, Any]:
    """The indicators of ``cases`` (a queryset of visible cases) in ``[start, end)``."""
    return collect(cases, start, end, now=now).totals()


def by_area(user, start: dt.datetime, end: dt.datetime, level: AreaLevel = "street", *, area: Area | None = None,
            now: dt.datetime | None = None, include_empty: bool = False) -> list[dict[str, Any]]:
    """The indicators of each street, community or grid the user may count."""
    return scope_for(user, area).collect(start, end, now=now).by_area(level, include_empty=include_empty)


def by_department(user, start: dt.datetime, end: dt.datetime, *, area: Area | None = None,
                  now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """The indicators of each lead department (department staff: their own only)."""
    return scope_for(user, area).collect(start, end, now=now).by_department()


def by_category(user, start: dt.datetime, end: dt.datetime, *, major: bool = True, area: Area | None = None,
                now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """The indicators of each 大类 (``major``) or 小类."""
    return scope_for(user, area).collect(start, end, now=now).by_category(major=major)


# --- Ranking (定期通报) -----------------------------------------------------------------------


def _rank_key(row: dict[str, Any]) -> tuple:
    closure, satisfaction = row["on_time_closure_rate"], row["satisfaction_rate"]
    return (satisfaction is None, -(satisfaction or 0.0), closure is None, -(closure or 0.0), row["overdue"])


def ranked(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows ordered for the bulletin, each with its ``rank``: residents' satisfaction first (the
    seeds make it the main measure), highest first; then on-time closure rate, highest first; then
    overdue count, lowest first. A rate of "—" comes after every rate. Rows equal on all three
    share a rank (1, 2, 2, 4); names break the tie in the order only."""
    ordered = sorted(rows, key=lambda row: (*_rank_key(row), row.get("parent", ""), row["name"]))
    previous, position = None, 0
    result = []
    for index, row in enumerate(ordered, start=1):
        key = _rank_key(row)
        if key != previous:
            previous, position = key, index
        result.append({**row, "rank": position})
    return result
