"""Working-time arithmetic for case time limits (时限).

A category's limits are counted as calendar time, as *working* time or in *working days*: the working
periods of a working day (``GONGZHI_WORKING_HOURS``, local time), on Monday to Friday unless the
working calendar (``CalendarDay``: public holidays and the weekends worked in exchange, 调休)
says otherwise. A limit of 8 working hours set on Friday afternoon therefore runs into Monday,
and one set before 国庆 runs past the whole holiday.

One working day is the working periods of a day (``WorkCalendar.day_hours``: 7.5 h for the default
08:30–12:00, 13:30–17:30), so a limit of N working days is N × 7.5 working hours. Take the last
moment of working time at or before the start (the start itself inside a period — 12:00 and 17:30
count as inside; else the end of the latest period before it): the limit ends at that time of day
on the Nth working day after that moment's date. So Friday 16:00 + 1 ends Monday 16:00; a start
in the evening or on a rest day ends at 17:30 of the Nth working day; one before 08:30 counts its
own day as the first (ending 17:30 of the (N−1)th working day after); one in the lunch break ends
at 12:00 of the Nth working day. There is no other conversion of days to hours anywhere
(``cases/tests/test_workdays.py`` checks this rule against ``add`` with hypothesis over the calendar).

Everything here except :func:`load_calendar` is pure: a :class:`WorkCalendar` holds the overrides,
periods and time zone it needs, so deadline computations are testable without a database and
cheap to repeat for many cases. Durations are counted in whole microseconds (integers), not
floats, so that ``add`` never drifts and a deadline lands exactly on a period end when it should.
Arithmetic goes through UTC so that it is correct even in a time zone with daylight saving time
(aware datetimes that share a tzinfo subtract by wall clock in Python, which DST would break).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

from django.core.exceptions import ImproperlyConfigured

Period = tuple[dt.time, dt.time]
Hours = Decimal | float | int

WORKING = "working"
WORKDAY = "workday"
CALENDAR = "calendar"

#: Give up looking for a working period after this many consecutive days without one: only a
#: misconfigured calendar (every day a holiday, or no periods) has a gap this long, and without
#: the bound ``add`` would loop for ever.
MAX_REST_DAYS = 3 * 366

_UTC = dt.UTC
_US_PER_HOUR = 3_600_000_000
_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_SETTING = "GONGZHI_WORKING_HOURS"
_EXAMPLE = "'08:30-12:00,13:30-17:30'"


def _parse_time(text: str, item: str) -> dt.time:
    match = _TIME_RE.match(text.strip())
    if match is None:
        raise ImproperlyConfigured(
            f"{_SETTING}: {item!r} is not a period of the form HH:MM-HH:MM (for example {_EXAMPLE}).")
    hour, minute, second = (int(group) if group else 0 for group in match.groups())
    if hour > 23 or minute > 59 or second > 59:
        raise ImproperlyConfigured(f"{_SETTING}: {text.strip()!r} in {item!r} is not a valid time of day.")
    return dt.time(hour, minute, second)


def _periods_problem(periods: tuple[Period, ...]) -> str | None:
    """Why ``periods`` cannot be a day's working periods, or None when they can."""
    previous: Period | None = None
    for start, end in periods:
        if start.tzinfo is not None or end.tzinfo is not None:
            return f"{start}-{end} must be a local wall-clock time, without a time zone"
        if not start < end:
            return f"{start:%H:%M}-{end:%H:%M} does not start before it ends"
        if previous is not None and start < previous[1]:
            return (f"{start:%H:%M}-{end:%H:%M} starts before {previous[0]:%H:%M}-{previous[1]:%H:%M} "
                    f"ends; list the periods in order and without overlap")
        previous = (start, end)
    return None


def parse_working_hours(spec: str) -> tuple[Period, ...]:
    """Parse ``GONGZHI_WORKING_HOURS`` ("08:30-12:00,13:30-17:30") into ``((start, end), ...)``.

    Periods must be listed in order, each starting before it ends, and must not overlap (they may
    touch). Anything else is a configuration error, reported at once rather than producing
    deadlines that are silently wrong.
    """
    if not isinstance(spec, str) or not spec.strip():
        raise ImproperlyConfigured(f"{_SETTING} must list at least one working period, for example {_EXAMPLE}.")
    periods: list[Period] = []
    for item in spec.split(","):
        bounds = item.split("-")
        if len(bounds) != 2:
            raise ImproperlyConfigured(
                f"{_SETTING}: {item.strip()!r} is not a period of the form HH:MM-HH:MM (for example {_EXAMPLE}).")
        periods.append((_parse_time(bounds[0], item.strip()), _parse_time(bounds[1], item.strip())))
    result = tuple(periods)
    problem = _periods_problem(result)
    if problem is not None:
        raise ImproperlyConfigured(f"{_SETTING}: {problem} (got {spec!r}).")
    return result


def _microseconds(hours: Hours) -> int:
    """``hours`` as a whole number of microseconds; exact for Decimal and int, as exact as it gets for float."""
    if isinstance(hours, bool) or not isinstance(hours, (Decimal, float, int)):
        raise TypeError(f"hours must be a Decimal, float or int, not {type(hours).__name__}")
    value = Decimal(hours)
    if not value.is_finite():
        raise ValueError(f"hours must be finite, not {hours}")
    if value < 0:
        raise ValueError(f"hours must not be negative, not {hours}")
    return int((value * _US_PER_HOUR).to_integral_value())


def _span_us(start: dt.datetime, end: dt.datetime) -> int:
    """Microseconds from ``start`` to ``end`` as absolute time (through UTC, so DST cannot skew it)."""
    delta = end.astimezone(_UTC) - start.astimezone(_UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _check_unit(unit: str) -> str:
    value = str(getattr(unit, "value", unit))
    if value not in (WORKING, WORKDAY, CALENDAR):
        raise ValueError(f"unit must be {WORKING!r}, {WORKDAY!r} or {CALENDAR!r}, not {unit!r}")
    return value


@dataclass(frozen=True)
class WorkCalendar:
    """Working days and hours in one time zone.

    ``overrides`` maps a date to whether it is a working day, departing from the weekly rule
    (Monday to Friday work, weekends rest): public holidays on weekdays map to False, weekends
    worked in exchange to True. Dates outside the mapping follow the weekly rule, so a calendar
    loaded for a window is only right inside that window (:func:`load_calendar` loads two years).
    ``periods`` are the working periods of every working day, in local wall-clock time of ``tz``.
    """

    overrides: Mapping[dt.date, bool]
    periods: tuple[Period, ...]
    tz: dt.tzinfo

    def __post_init__(self) -> None:
        # Frozen means the calendar can be shared between computations; make the mapping
        # read-only too, so that nobody edits a shared calendar by accident.
        if isinstance(self.overrides, dict):
            object.__setattr__(self, "overrides", MappingProxyType(dict(self.overrides)))
        object.__setattr__(self, "periods", tuple((start, end) for start, end in self.periods))
        problem = _periods_problem(self.periods)
        if problem is not None:
            raise ValueError(f"invalid working periods: {problem}")
        if not isinstance(self.tz, dt.tzinfo):
            raise TypeError(f"tz must be a tzinfo, not {type(self.tz).__name__}")

    # -- days and periods --------------------------------------------------------------------

    @property
    def day_hours(self) -> Decimal:
        """The working hours of one working day (the sum of the periods): what a working day is."""
        total = sum(_span_us(dt.datetime.combine(dt.date(2001, 1, 1), start, tzinfo=_UTC),
                             dt.datetime.combine(dt.date(2001, 1, 1), end, tzinfo=_UTC)) for start, end in self.periods)
        return Decimal(total) / _US_PER_HOUR

    def working_hours(self, amount: Hours, unit: str) -> Hours:
        """``amount`` of ``unit`` as working hours when the unit is working days; else unchanged."""
        return Decimal(amount) * self.day_hours if _check_unit(unit) == WORKDAY else amount

    def _local(self, moment: dt.datetime) -> dt.datetime:
        if not isinstance(moment, dt.datetime):
            raise TypeError(f"expected a datetime, not {type(moment).__name__}")
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"expected an aware datetime, got naive {moment.isoformat()}")
        return moment.astimezone(self.tz)

    def is_working_day(self, day: dt.date) -> bool:
        """Whether ``day`` is a working day: the override if there is one, else Monday to Friday.

        An aware datetime is taken as its date in ``tz``.
        """
        if isinstance(day, dt.datetime):
            day = self._local(day).date()
        override = self.overrides.get(day)
        if override is not None:
            return bool(override)
        return day.weekday() < 5

    def working_periods(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        """The working periods of ``day`` as aware datetimes in ``tz``; empty on a rest day."""
        if not self.is_working_day(day):
            return []
        result = []
        for start, end in self.periods:
            # Round-tripping through UTC moves a wall-clock time that DST skips to a real instant.
            begin = dt.datetime.combine(day, start, tzinfo=self.tz).astimezone(_UTC).astimezone(self.tz)
            finish = dt.datetime.combine(day, end, tzinfo=self.tz).astimezone(_UTC).astimezone(self.tz)
            if _span_us(begin, finish) > 0:
                result.append((begin, finish))
        return result

    # -- arithmetic --------------------------------------------------------------------------

    def add(self, start: dt.datetime, hours: Hours, unit: str = WORKING) -> dt.datetime:
        """The moment ``hours`` of ``unit`` time after ``start``, in ``tz``: a deadline.

        Calendar hours are plain elapsed time. Working hours are counted only inside working
        periods: from ``start`` if it is inside one, else from the start of the next one. A
        deadline that uses up a period exactly stays at that period's end (17:30, not the next
        morning's 08:30), which is what people expect to read. Zero hours returns ``start``
        itself (in ``tz``), even outside working time. The loop goes day by day, so even
        thousands of hours cost only a few hundred iterations.
        """
        unit = _check_unit(unit)
        if unit == WORKDAY:
            hours, unit = self.working_hours(hours, unit), WORKING
        remaining = _microseconds(hours)
        local = self._local(start)
        if hours == 0:
            return local
        if unit == CALENDAR:
            return (local.astimezone(_UTC) + dt.timedelta(microseconds=remaining)).astimezone(self.tz)

        day = local.date()
        rest_days = 0
        while True:
            periods = self.working_periods(day)
            if periods:
                rest_days = 0
            else:
                rest_days += 1
                if rest_days > MAX_REST_DAYS:
                    since = day - dt.timedelta(days=MAX_REST_DAYS)
                    raise ValueError(f"no working period in the {MAX_REST_DAYS} days from {since}: "
                                     f"is every day marked as a holiday, or are there no working hours?")
            for begin, end in periods:
                if end <= local:
                    continue
                begin = max(begin, local)
                available = _span_us(begin, end)
                if remaining <= available:
                    return (begin.astimezone(_UTC) + dt.timedelta(microseconds=remaining)).astimezone(self.tz)
                remaining -= available
            day += dt.timedelta(days=1)

    def elapsed(self, start: dt.datetime, end: dt.datetime, unit: str = WORKING) -> float:
        """Hours of ``unit`` time from ``start`` to ``end`` (0 when ``end`` is not after ``start``).

        The inverse of :meth:`add`: ``elapsed(s, add(s, h)) == h`` (to the microsecond). Used for
        how much of a limit a case has used, and for how late it was. Working days are measured
        in working hours.
        """
        unit = _check_unit(unit)
        if unit == WORKDAY:
            unit = WORKING
        first, last = self._local(start), self._local(end)
        if last <= first:
            return 0.0
        if unit == CALENDAR:
            return _span_us(first, last) / _US_PER_HOUR
        total = 0
        day = first.date()
        while day <= last.date():
            for begin, finish in self.working_periods(day):
                begin, finish = max(begin, first), min(finish, last)
                if begin < finish:
                    total += _span_us(begin, finish)
            day += dt.timedelta(days=1)
        return total / _US_PER_HOUR


def load_calendar(start: dt.date | None = None, days: int = 800) -> WorkCalendar:
    """The working calendar from the database, for dates from a month before ``start`` to ``days`` after.

    One query. The month before covers cases opened a little earlier whose used time is still
    being counted; 800 days ahead covers any realistic limit. ``start`` defaults to today in the
    current time zone. Outside the window the weekly rule applies.
    """
    from django.conf import settings
    from django.utils import timezone

    from .models import CalendarDay, DayKind

    if start is None:
        start = timezone.localdate()
    rows = CalendarDay.objects.filter(
        date__range=(start - dt.timedelta(days=31), start + dt.timedelta(days=days)),
    ).values_list("date", "kind")
    overrides = {day: kind == DayKind.WORKDAY for day, kind in rows if kind in DayKind.values}
    return WorkCalendar(
        overrides=overrides,
        periods=parse_working_hours(settings.GONGZHI_WORKING_HOURS),
        tz=timezone.get_current_timezone(),
    )
