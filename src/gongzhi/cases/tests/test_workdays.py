"""Limits in working days over the demo calendar (issue 12 item 4), generated with hypothesis.

The demo calendar is the one a fresh installation (and so the demo) works with: the official 2025
and 2026 arrangements from the ``holidays`` package (``official_entries``, installed by migration
0002), the periods of ``GONGZHI_WORKING_HOURS`` (08:30-12:00, 13:30-17:30) and the time zone of
``TIME_ZONE`` (Asia/Shanghai). It is built here without the database, as ``CAL`` is in
test_worktime.py; one database test checks that ``load_calendar`` gives the same calendar.

The definition under test (``worktime``): one working day is the day's working periods, 7.5 h, so
N working days are N × 7.5 working hours. Where that deadline falls, derived from ``add``:

* Let the *anchor* be the last moment of working time at or before the start: the start itself
  when it lies in a period ``(begin, end]`` of a working day (12:00 and 17:30 included, 08:30 and
  13:30 not), otherwise the end of the latest period that has ended (12:00 in the lunch break,
  17:30 of the same day after work, 17:30 of the previous working day before 08:30, at 08:30
  itself and on a rest day). No working time lies between the anchor and the start.
* The deadline is the anchor's time of day on the Nth working day after the anchor's date.

So a start inside working time ends at the same time of day on the Nth working day after its
date; a start after work or on a rest day ends at 17:30 on the Nth working day after its date
(the Nth working day counted from the next period's day, that day being the first); a start at or
before 08:30 ends at 17:30 on the (N-1)th working day after its date (its own day counts as the
first); and a start in the lunch break (12:00, 13:30] ends at 12:00 on the Nth working day after
its date — the end of the morning, not of the day.

Starts run from 2025-12-15 to 2026-12-31: deadlines of up to 20 working days from late December
2026 run into January 2027, which the installed ``holidays`` package has no arrangement for yet,
so the demo calendar (like the reference below, which asks ``is_working_day``) follows the
weekly rule there.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from hypothesis import example, given, settings as hsettings, strategies as st

from gongzhi.cases import catalogue_default
from gongzhi.cases.holidays import official_entries
from gongzhi.cases.worktime import WorkCalendar, load_calendar, parse_working_hours

from .notices import NOTICES

SH = ZoneInfo("Asia/Shanghai")
PERIODS = parse_working_hours(settings.GONGZHI_WORKING_HOURS)
DEMO = WorkCalendar(
    overrides={day: kind == "workday" for year in (2025, 2026) for day, kind, _name in official_entries(year)},
    periods=PERIODS,
    tz=ZoneInfo(settings.TIME_ZONE),
)
DAY = Decimal("7.5")
FIRST_BEGIN, LAST_END = PERIODS[0][0], PERIODS[-1][1]


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SH)


# -- the reference: counting working days, without add ----------------------------------------


def nth_working_day_after(day: dt.date, n: int) -> dt.date:
    """The ``n``th working day after ``day`` (``day`` itself when ``n`` is 0)."""
    while n > 0:
        day += dt.timedelta(days=1)
        if DEMO.is_working_day(day):
            n -= 1
    return day


def anchor(start: dt.datetime) -> dt.datetime:
    """The last moment of working time at or before ``start`` (a period ``(begin, end]``, or a period end)."""
    local = start.astimezone(SH)
    day, clock = local.date(), local.time()
    if DEMO.is_working_day(day):
        for begin, end in reversed(PERIODS):
            if clock > begin:
                return dt.datetime.combine(day, min(clock, end), tzinfo=SH)
    day -= dt.timedelta(days=1)
    while not DEMO.is_working_day(day):
        day -= dt.timedelta(days=1)
    return dt.datetime.combine(day, LAST_END, tzinfo=SH)


def expected_deadline(start: dt.datetime, days: int) -> dt.datetime:
    base = anchor(start)
    return dt.datetime.combine(nth_working_day_after(base.date(), days), base.time(), tzinfo=SH)


def in_period(moment: dt.datetime) -> bool:
    """Inside a working period, its end included: ``begin < moment <= end`` on a working day."""
    return any(begin < moment <= end for begin, end in DEMO.working_periods(moment.astimezone(SH).date()))


# -- strategies ---------------------------------------------------------------------------------

FIRST, LAST = dt.datetime(2025, 12, 15), dt.datetime(2026, 12, 31, 23, 59)
ANY_MINUTE = st.datetimes(min_value=FIRST, max_value=LAST).map(
    lambda naive: naive.replace(second=0, microsecond=0, tzinfo=SH))
# Boundaries are where a rule like this goes wrong: the period edges and a minute either side, on
# dates next to the holidays and the weekends worked in exchange.
EDGE_TIMES = st.sampled_from([
    dt.time(0), dt.time(8, 29), dt.time(8, 30), dt.time(8, 31), dt.time(11, 59), dt.time(12), dt.time(12, 1),
    dt.time(13, 29), dt.time(13, 30), dt.time(13, 31), dt.time(17, 29), dt.time(17, 30), dt.time(17, 31),
    dt.time(23, 59),
])
SPECIAL_DATES = sorted({day + dt.timedelta(days=shift) for year in (2025, 2026)
                        for day, _kind, _name in official_entries(year)
                        if dt.date(2025, 12, 15) <= day <= dt.date(2026, 12, 31) for shift in (-1, 0, 1)}
                       & {FIRST.date() + dt.timedelta(days=n) for n in range((LAST - FIRST).days + 1)})
EDGE_STARTS = st.builds(
    lambda day, clock: dt.datetime.combine(day, clock, tzinfo=SH),
    st.one_of(st.sampled_from(SPECIAL_DATES), st.dates(min_value=FIRST.date(), max_value=LAST.date())),
    EDGE_TIMES,
)
STARTS = st.one_of(ANY_MINUTE, EDGE_STARTS)
DATES = st.one_of(st.sampled_from(SPECIAL_DATES), st.dates(min_value=FIRST.date(), max_value=LAST.date()))
WORKING_DATES = DATES.filter(DEMO.is_working_day)
REST_DATES = DATES.filter(lambda day: not DEMO.is_working_day(day))


def _minutes(first: dt.time, last: dt.time) -> st.SearchStrategy[dt.time]:
    """Times of day from ``first`` to ``last`` inclusive, at minute resolution."""
    low, high = first.hour * 60 + first.minute, last.hour * 60 + last.minute
    return st.integers(min_value=low, max_value=high).map(lambda m: dt.time(m // 60, m % 60))


def _starts(dates: st.SearchStrategy[dt.date], times: st.SearchStrategy[dt.time]) -> st.SearchStrategy[dt.datetime]:
    return st.builds(lambda day, clock: dt.datetime.combine(day, clock, tzinfo=SH), dates, times)


# The start's situations, drawn directly (filtering uniform minutes would reject most draws).
BEFORE_WORK = _starts(WORKING_DATES, _minutes(dt.time(0), FIRST_BEGIN))              # 00:00..08:30
LUNCH_BREAK = _starts(WORKING_DATES, _minutes(dt.time(12, 1), PERIODS[1][0]))        # 12:01..13:30
AFTER_WORK = st.one_of(_starts(WORKING_DATES, _minutes(dt.time(17, 31), dt.time(23, 59))),
                       _starts(REST_DATES, _minutes(dt.time(0), dt.time(23, 59))))
IN_WORK = _starts(WORKING_DATES, st.one_of(_minutes(dt.time(8, 31), dt.time(12)),
                                           _minutes(dt.time(13, 31), LAST_END)))
DAYS = st.integers(min_value=1, max_value=20)
WORK_HOURS = st.integers(min_value=1, max_value=2000).map(lambda tenths: Decimal(tenths) / 10)  # (0, 200], 0.1 steps


# -- the calendar is the demo's ---------------------------------------------------------------


class TestDemoCalendar:
    def test_a_working_day_is_seven_and_a_half_hours(self):
        assert PERIODS == ((dt.time(8, 30), dt.time(12)), (dt.time(13, 30), dt.time(17, 30)))
        assert str(DEMO.tz) == "Asia/Shanghai"
        assert DEMO.day_hours == DAY
        assert DEMO.working_hours(5, "workday") == Decimal("37.5")
        assert DEMO.working_hours(5, "working") == 5

    def test_official_days_are_the_notices(self):
        """Day for day, the demo calendar works when the State Council's notices say so (the notices
        also list the weekend days inside a holiday, which the package leaves to the weekly rule)."""
        typed = WorkCalendar(overrides={day: kind == "workday" for year in (2025, 2026)
                                        for day, kind, _n in NOTICES[year]}, periods=PERIODS, tz=SH)
        days = [dt.date(2025, 1, 1) + dt.timedelta(days=n) for n in range(730)]
        assert [DEMO.is_working_day(day) for day in days] == [typed.is_working_day(day) for day in days]

    @pytest.mark.parametrize("day, working", [
        (dt.date(2026, 1, 1), False), (dt.date(2026, 1, 4), True),     # 元旦; Sunday worked
        (dt.date(2026, 2, 14), True), (dt.date(2026, 2, 16), False),   # 春节: Saturday worked; rest
        (dt.date(2026, 2, 23), False), (dt.date(2026, 2, 28), True),   # Monday rest; Saturday worked
        (dt.date(2026, 5, 5), False), (dt.date(2026, 5, 9), True),     # 劳动节
        (dt.date(2026, 9, 20), True), (dt.date(2026, 9, 25), False),   # Sunday worked; 中秋节
        (dt.date(2026, 10, 7), False), (dt.date(2026, 10, 10), True),  # 国庆节; Saturday worked
        (dt.date(2026, 3, 14), False), (dt.date(2026, 3, 16), True),   # an ordinary weekend and Monday
    ])
    def test_rest_days_and_adjusted_working_days(self, day, working):
        assert DEMO.is_working_day(day) is working

    @pytest.mark.django_db
    def test_load_calendar_gives_the_same_calendar(self):
        """The migrated database (what the demo starts from) holds the same official days."""
        loaded = load_calendar(dt.date(2026, 1, 1), days=365)
        window = [dt.date(2025, 12, 1) + dt.timedelta(days=n) for n in range(396)]
        assert loaded.periods == DEMO.periods and str(loaded.tz) == str(DEMO.tz)
        assert [loaded.is_working_day(day) for day in window] == [DEMO.is_working_day(day) for day in window]


# -- N working days: properties -----------------------------------------------------------------


class TestWorkdayProperties:
    @hsettings(deadline=None, max_examples=250)
    @given(start=STARTS, days=DAYS)
    @example(start=at(2026, 2, 13, 10), days=1)
    @example(start=at(2026, 9, 30, 15), days=5)
    @example(start=at(2026, 10, 1, 10), days=3)
    @example(start=at(2026, 12, 31, 17, 30), days=1)  # into 2027, where only the weekly rule is known
    def test_deadline_counts_working_days(self, start, days):
        deadline = DEMO.add(start, days, "workday")
        assert deadline == DEMO.add(start, days * DEMO.day_hours, "working")
        assert deadline == expected_deadline(start, days)
        assert deadline.tzinfo is DEMO.tz
        assert DEMO.is_working_day(deadline.date())
        assert in_period(deadline)
        assert DEMO.elapsed(start, deadline, "working") == float(days * DAY)
        assert DEMO.elapsed(start, deadline, "workday") == float(days * DAY)  # measured in working hours

    @hsettings(deadline=None, max_examples=150)
    @given(start=IN_WORK, days=DAYS)
    def test_started_in_working_time_it_ends_at_the_same_time_of_day(self, start, days):
        assert in_period(start)
        deadline = DEMO.add(start, days, "workday")
        assert deadline.time() == start.time()
        assert deadline.date() == nth_working_day_after(start.date(), days)

    @hsettings(deadline=None, max_examples=150)
    @given(start=AFTER_WORK, days=DAYS)
    def test_started_after_work_or_on_a_rest_day_it_ends_at_the_end_of_the_nth_day(self, start, days):
        """Counted from the next period's day, that day being the first: 17:30 of the Nth working day."""
        next_period_day = nth_working_day_after(start.date(), 1)
        deadline = DEMO.add(start, days, "workday")
        assert deadline == dt.datetime.combine(nth_working_day_after(next_period_day, days - 1), LAST_END, tzinfo=SH)

    @hsettings(deadline=None, max_examples=100)
    @given(start=BEFORE_WORK, days=DAYS)
    def test_started_before_work_or_at_its_start_the_start_day_is_the_first(self, start, days):
        deadline = DEMO.add(start, days, "workday")
        assert deadline == dt.datetime.combine(nth_working_day_after(start.date(), days - 1), LAST_END, tzinfo=SH)

    @hsettings(deadline=None, max_examples=100)
    @given(start=LUNCH_BREAK, days=DAYS)
    def test_started_in_the_lunch_break_it_ends_at_the_end_of_a_morning(self, start, days):
        """Not at 17:30: the limit counts from 13:30, and N × 7.5 h from 13:30 end at 12:00."""
        deadline = DEMO.add(start, days, "workday")
        assert deadline == dt.datetime.combine(nth_working_day_after(start.date(), days), PERIODS[0][1], tzinfo=SH)

    @hsettings(deadline=None, max_examples=100)
    @given(start=STARTS, first=DAYS, second=DAYS)
    def test_days_add_up(self, start, first, second):
        assert DEMO.add(DEMO.add(start, first, "workday"), second, "workday") == DEMO.add(
            start, first + second, "workday")
        assert DEMO.add(start, first, "workday") < DEMO.add(start, first + second, "workday")


# -- N working days: the boundaries, literally ---------------------------------------------------


@pytest.mark.parametrize("start, days, deadline", [
    # across a weekend: Friday to Monday at the same time
    (at(2026, 3, 13, 16), 1, at(2026, 3, 16, 16)),
    (at(2026, 3, 13, 16), 5, at(2026, 3, 20, 16)),
    # across 国庆 2026 (10-01..10-07 rest): 10-08, 10-09, 10-10 (a Saturday, worked), 10-12, 10-13
    (at(2026, 9, 30, 15), 5, at(2026, 10, 13, 15)),
    (at(2026, 9, 30, 15), 3, at(2026, 10, 10, 15)),
    (at(2026, 9, 18, 10), 1, at(2026, 9, 20, 10)),     # Sunday 09-20 is worked
    (at(2026, 9, 24, 10), 1, at(2026, 9, 28, 10)),     # 中秋节 09-25..09-27
    # across 春节 2026: Saturday 02-14 is worked, 02-15..02-23 rest, Saturday 02-28 worked
    (at(2026, 2, 13, 10), 1, at(2026, 2, 14, 10)),
    (at(2026, 2, 13, 10), 2, at(2026, 2, 24, 10)),
    (at(2026, 2, 27, 10), 1, at(2026, 2, 28, 10)),
    (at(2026, 2, 27, 10), 2, at(2026, 3, 2, 10)),
    # across 元旦 2026 (01-01..01-03 rest, Sunday 01-04 worked) and 劳动节 2026 (Saturday 05-09 worked)
    (at(2025, 12, 31, 10), 1, at(2026, 1, 4, 10)),
    (at(2026, 4, 30, 10), 1, at(2026, 5, 6, 10)),
    (at(2026, 5, 8, 10), 1, at(2026, 5, 9, 10)),
    # started on an adjusted working day
    (at(2026, 10, 10, 9), 1, at(2026, 10, 12, 9)),
    # at 12:00 (the end of the morning: inside, same time of day)
    (at(2026, 3, 9, 12), 1, at(2026, 3, 10, 12)),
    (at(2026, 3, 13, 12), 1, at(2026, 3, 16, 12)),
    (at(2026, 2, 13, 12), 2, at(2026, 2, 24, 12)),
    # at 17:30 (the end of the day: the next working day is the first)
    (at(2026, 3, 13, 17, 30), 1, at(2026, 3, 16, 17, 30)),
    (at(2026, 9, 30, 17, 30), 1, at(2026, 10, 8, 17, 30)),
    (at(2026, 3, 9, 20), 1, at(2026, 3, 10, 17, 30)),
    # at 08:30 (the start of the day: that day is the first, the deadline its 17:30)
    (at(2026, 3, 9, 8, 30), 1, at(2026, 3, 9, 17, 30)),
    (at(2026, 3, 9, 8, 30), 5, at(2026, 3, 13, 17, 30)),
    (at(2026, 2, 13, 8, 30), 2, at(2026, 2, 14, 17, 30)),
    (at(2026, 3, 9, 7), 1, at(2026, 3, 9, 17, 30)),
    # in the lunch break, and at 13:30: counted from 13:30, so ending at 12:00
    (at(2026, 3, 9, 13), 1, at(2026, 3, 10, 12)),
    (at(2026, 3, 9, 13, 30), 1, at(2026, 3, 10, 12)),
    (at(2026, 9, 30, 12, 30), 1, at(2026, 10, 8, 12)),
    # started on a holiday or a weekend: the first working day after it is the first
    (at(2026, 10, 1, 10), 1, at(2026, 10, 8, 17, 30)),
    (at(2026, 10, 1, 10), 3, at(2026, 10, 10, 17, 30)),
    (at(2026, 2, 16, 9), 1, at(2026, 2, 24, 17, 30)),
    (at(2026, 3, 14, 10), 1, at(2026, 3, 16, 17, 30)),
])
def test_boundaries(start, days, deadline):
    assert DEMO.add(start, days, "workday") == deadline
    assert DEMO.add(start, days * DAY, "working") == deadline
    assert expected_deadline(start, days) == deadline
    assert DEMO.elapsed(start, deadline) == float(days * DAY)


# -- working-hour limits --------------------------------------------------------------------------


class TestWorkingHours:
    @hsettings(deadline=None, max_examples=200)
    @given(start=STARTS, hours=WORK_HOURS)
    @example(start=at(2026, 9, 30, 15), hours=Decimal("37.5"))
    @example(start=at(2026, 2, 13, 17, 29), hours=Decimal("0.1"))
    def test_elapsed_gives_back_the_hours(self, start, hours):
        deadline = DEMO.add(start, hours, "working")
        assert DEMO.elapsed(start, deadline, "working") == float(hours)
        assert DEMO.is_working_day(deadline.date()) and in_period(deadline)

    def test_hours_are_not_days(self):
        # 8 working hours from Friday 16:00: 1.5 h on Friday, 6.5 h on Monday (not "one day").
        assert DEMO.add(at(2026, 3, 13, 16), 8, "working") == at(2026, 3, 16, 16, 30)
        assert DEMO.add(at(2026, 3, 13, 16), Decimal("7.5"), "working") == at(2026, 3, 16, 16)


# -- the default catalogue ------------------------------------------------------------------------

# What the first catalogue gave for days, in hours at 7 h (or 8 h) a day (see migration 0006).
OLD_DAY_HOURS = {Decimal(21), Decimal(35), Decimal(40)}


def _working_hour_limits(entry: dict) -> list[Decimal]:
    limits = [Decimal(entry[name]) for name in ("accept_hours", "dispatch_hours", "response_hours")
              if name in entry and entry.get("limit_unit", "working") == "working"]
    if entry["handling_unit"] == "working":
        limits.append(Decimal(entry["handling_hours"]))
    return limits


class TestDefaultCatalogue:
    def test_day_limits_are_whole_working_days(self):
        entries = catalogue_default.entries()
        in_days = [entry for entry in entries if entry["handling_unit"] == "workday"]
        assert in_days, "the default catalogue gives some limits in working days"
        for entry in in_days:
            days = Decimal(entry["handling_hours"])
            assert days > 0 and days == days.to_integral_value(), entry["code"]
        assert {entry["code"]: entry["handling_hours"] for entry in in_days}["0403"] == "5"  # greenery 5 days

    def test_no_day_limit_is_left_in_hours(self):
        for entry in catalogue_default.entries():
            assert not OLD_DAY_HOURS & set(_working_hour_limits(entry)), entry["code"]

    @pytest.mark.django_db
    def test_the_installed_catalogue_agrees(self):
        from gongzhi.cases.models import Category

        shipped = {entry["code"]: entry for entry in catalogue_default.entries()}
        installed = {category.code: category for category in Category.objects.filter(code__in=list(shipped))}
        assert set(installed) == set(shipped)
        for code, category in installed.items():
            assert (category.handling_unit, category.handling_hours) == (
                shipped[code]["handling_unit"], Decimal(shipped[code]["handling_hours"])), code
            if category.handling_unit == "working":
                assert category.handling_hours not in OLD_DAY_HOURS, code
