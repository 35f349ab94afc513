"""Working-time arithmetic (worktime) and the official holiday data (holidays).

Most tests use a pure calendar built from the official 2026 arrangement, with the default
periods 08:30-12:00 and 13:30-17:30 (7.5 working hours a day); only the loader and the installer
touch the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given, settings as hsettings, strategies as st

from gongzhi.cases import worktime
from gongzhi.cases.holidays import UnknownYear, arrangement_known, install_year, official_entries
from gongzhi.cases.worktime import WorkCalendar, load_calendar, parse_working_hours

from .notices import NOTICES as OFFICIAL  # the notices as typed from them: the cross-check of the package

SH = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC
NEW_YORK = ZoneInfo("America/New_York")
PERIODS = parse_working_hours("08:30-12:00,13:30-17:30")


def overrides_for(*years: int) -> dict[dt.date, bool]:
    return {day: kind == "workday" for year in years for day, kind, _name in OFFICIAL[year]}


CAL = WorkCalendar(overrides=overrides_for(2025, 2026), periods=PERIODS, tz=SH)
PLAIN = WorkCalendar(overrides={}, periods=PERIODS, tz=SH)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, tz: dt.tzinfo = SH) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=tz)


# -- parse_working_hours -----------------------------------------------------------------------


class TestParse:
    def test_default(self):
        assert PERIODS == ((dt.time(8, 30), dt.time(12)), (dt.time(13, 30), dt.time(17, 30)))

    def test_whitespace_seconds_single_digit_hours_and_touching_periods(self):
        assert parse_working_hours(" 8:00-12:00 , 12:00-17:00:30 ") == (
            (dt.time(8), dt.time(12)), (dt.time(12), dt.time(17, 0, 30)))

    def test_single_period(self):
        assert parse_working_hours("09:00-17:00") == ((dt.time(9), dt.time(17)),)

    @pytest.mark.parametrize("spec", [
        "", "   ", "08:30", "08:30-12:00-13:00", "ab:cd-12:00", "08:30-12:00,", "08:30-12:00,,13:30-17:30",
        "24:00-25:00", "08:60-09:00", "0830-1200", "08:30+08:00-12:00",
        "12:00-08:30",  # ends before it starts
        "08:30-08:30",  # empty
        "13:30-17:30,08:30-12:00",  # out of order
        "08:00-12:00,11:00-14:00",  # overlapping
    ])
    def test_invalid(self, spec):
        with pytest.raises(ImproperlyConfigured, match="GONGZHI_WORKING_HOURS"):
            parse_working_hours(spec)

    def test_messages_say_what_is_wrong(self):
        with pytest.raises(ImproperlyConfigured, match="in order and without overlap"):
            parse_working_hours("13:30-17:30,08:30-12:00")
        with pytest.raises(ImproperlyConfigured, match="does not start before it ends"):
            parse_working_hours("12:00-08:30")

    def test_calendar_rejects_bad_periods(self):
        with pytest.raises(ValueError):
            WorkCalendar(overrides={}, periods=((dt.time(12), dt.time(9)),), tz=SH)
        with pytest.raises(TypeError):
            WorkCalendar(overrides={}, periods=PERIODS, tz="Asia/Shanghai")  # type: ignore[arg-type]


# -- days and periods --------------------------------------------------------------------------


class TestDays:
    def test_weekly_rule(self):
        assert [PLAIN.is_working_day(dt.date(2026, 3, 9) + dt.timedelta(days=n)) for n in range(7)] == [
            True, True, True, True, True, False, False]

    @pytest.mark.parametrize(("day", "working"), [
        (dt.date(2026, 1, 1), False),   # 元旦, Thursday
        (dt.date(2026, 1, 2), False),   # 元旦, Friday
        (dt.date(2026, 1, 4), True),    # 元旦调休上班, Sunday
        (dt.date(2026, 2, 14), True),   # 春节调休上班, Saturday
        (dt.date(2026, 2, 16), False),  # 春节, Monday
        (dt.date(2026, 2, 23), False),  # 春节, Monday (正月初七)
        (dt.date(2026, 2, 24), True),
        (dt.date(2026, 4, 6), False),   # 清明节, Monday
        (dt.date(2026, 9, 25), False),  # 中秋节, Friday
        (dt.date(2026, 9, 20), True),   # 国庆节调休上班, Sunday
        (dt.date(2026, 10, 1), False),  # 国庆节
        (dt.date(2026, 10, 7), False),
        (dt.date(2026, 10, 10), True),  # 国庆节调休上班, Saturday
        (dt.date(2026, 10, 11), False),  # an ordinary Sunday
    ])
    def test_official_overrides(self, day, working):
        assert CAL.is_working_day(day) is working

    def test_aware_datetime_is_taken_as_its_local_date(self):
        # 2026-09-30 17:00 UTC is 2026-10-01 01:00 in Shanghai: 国庆节.
        assert CAL.is_working_day(dt.datetime(2026, 9, 30, 17, tzinfo=UTC)) is False
        assert CAL.is_working_day(dt.datetime(2026, 9, 30, 15, tzinfo=UTC)) is True

    def test_working_periods(self):
        assert CAL.working_periods(dt.date(2026, 10, 10)) == [
            (at(2026, 10, 10, 8, 30), at(2026, 10, 10, 12)), (at(2026, 10, 10, 13, 30), at(2026, 10, 10, 17, 30))]
        assert CAL.working_periods(dt.date(2026, 10, 1)) == []
        assert CAL.working_periods(dt.date(2026, 3, 7)) == []
        assert all(start.tzinfo is SH for start, _end in CAL.working_periods(dt.date(2026, 3, 9)))

    def test_overrides_are_read_only(self):
        with pytest.raises(TypeError):
            CAL.overrides[dt.date(2026, 3, 9)] = False  # type: ignore[index]


# -- add, working hours ------------------------------------------------------------------------


class TestAddWorking:
    # 2026-03-09 is an ordinary Monday, 2026-03-13 an ordinary Friday.
    @pytest.mark.parametrize(("start", "hours", "deadline"), [
        (at(2026, 3, 9, 7), 1, at(2026, 3, 9, 9, 30)),           # before the morning period
        (at(2026, 3, 9, 0), 1, at(2026, 3, 9, 9, 30)),           # from midnight
        (at(2026, 3, 9, 8, 30), 1, at(2026, 3, 9, 9, 30)),       # at the start of a period
        (at(2026, 3, 9, 9), 1, at(2026, 3, 9, 10)),              # inside a period
        (at(2026, 3, 9, 8, 30), 3.5, at(2026, 3, 9, 12)),        # ends exactly at the period end
        (at(2026, 3, 9, 11), 1, at(2026, 3, 9, 12)),             # ends exactly at the period end
        (at(2026, 3, 9, 11), 2, at(2026, 3, 9, 14, 30)),         # across the lunch break
        (at(2026, 3, 9, 12), 1, at(2026, 3, 9, 14, 30)),         # at the end of a period
        (at(2026, 3, 9, 12, 30), 0.5, at(2026, 3, 9, 14)),       # during the lunch break
        (at(2026, 3, 9, 13, 30), 4, at(2026, 3, 9, 17, 30)),     # ends exactly at the day's end
        (at(2026, 3, 9, 8, 30), 7.5, at(2026, 3, 9, 17, 30)),    # a whole day stays on that day
        (at(2026, 3, 9, 7), 7.5, at(2026, 3, 9, 17, 30)),
        (at(2026, 3, 9, 8, 30), 8, at(2026, 3, 10, 9)),          # overnight
        (at(2026, 3, 9, 17, 30), 1, at(2026, 3, 10, 9, 30)),     # at the day's end
        (at(2026, 3, 9, 18), 1, at(2026, 3, 10, 9, 30)),         # after hours
        (at(2026, 3, 9, 23, 59), 0.5, at(2026, 3, 10, 9)),
        (at(2026, 3, 13, 17), 1, at(2026, 3, 16, 9)),            # Friday afternoon into Monday
        (at(2026, 3, 14, 10), 1, at(2026, 3, 16, 9, 30)),        # from a Saturday
        (at(2026, 3, 15, 20), 3.5, at(2026, 3, 16, 12)),         # from a Sunday evening
        (at(2026, 3, 9, 8, 30), 37.5, at(2026, 3, 13, 17, 30)),  # a whole week ends on Friday
        (at(2026, 3, 9, 8, 30), 38, at(2026, 3, 16, 9)),
    ])
    def test_ordinary_days(self, start, hours, deadline):
        assert CAL.add(start, hours, "working") == deadline

    def test_weekday_holiday_is_skipped(self):
        # 清明节 2026: Sat 4 to Mon 6 April; Friday afternoon runs into Tuesday.
        assert CAL.add(at(2026, 4, 3, 17), 1) == at(2026, 4, 7, 9)
        # 中秋节 2026 starts on Friday 25 September.
        assert CAL.add(at(2026, 9, 24, 17), 1) == at(2026, 9, 28, 9)

    def test_adjusted_working_weekend_counts(self):
        assert CAL.add(at(2026, 2, 13, 17), 1) == at(2026, 2, 14, 9)     # Saturday worked before 春节
        assert CAL.add(at(2026, 10, 9, 17), 1) == at(2026, 10, 10, 9)    # Saturday worked after 国庆
        assert CAL.add(at(2026, 9, 19, 10), 1) == at(2026, 9, 20, 9, 30)  # Sunday worked before 国庆
        assert CAL.add(at(2026, 1, 3, 10), 1) == at(2026, 1, 4, 9, 30)    # Sunday worked after 元旦
        # Without the calendar the same Saturday is a rest day.
        assert PLAIN.add(at(2026, 2, 13, 17), 1) == at(2026, 2, 16, 9)

    def test_across_guoqing_2026(self):
        assert CAL.add(at(2026, 9, 30, 16, 30), 2) == at(2026, 10, 8, 9, 30)
        # Working days from Fri 18 Sep: 18, 20 (Sun, worked), 21-24, 28-30, 8 Oct, 9, 10 (Sat, worked), 12.
        start = at(2026, 9, 18, 8, 30)
        assert CAL.add(start, 10 * 7.5) == at(2026, 10, 8, 17, 30)
        assert CAL.add(start, 76) == at(2026, 10, 9, 9, 30)
        assert CAL.add(start, 12 * 7.5) == at(2026, 10, 10, 17, 30)
        assert CAL.add(start, 12 * 7.5 + 0.25) == at(2026, 10, 12, 8, 45)

    def test_across_chunjie_2026(self):
        assert CAL.add(at(2026, 2, 13, 13, 30), 12.5) == at(2026, 2, 24, 9, 30)
        # Working days from Thu 12 Feb: 12, 13, 14 (Sat, worked), 24-27, 28 (Sat, worked), 2 Mar.
        start = at(2026, 2, 12, 8, 30)
        assert CAL.add(start, 8 * 7.5) == at(2026, 2, 28, 17, 30)
        assert CAL.add(start, Decimal("60.5")) == at(2026, 3, 2, 9)

    def test_across_the_year_end_2025_2026(self):
        # 2025-12-31 is a Wednesday; 1-3 Jan 2026 rest, Sunday 4 Jan is worked.
        assert CAL.add(at(2025, 12, 31, 17), 1) == at(2026, 1, 4, 9)

    @pytest.mark.parametrize(("hours", "deadline"), [
        (Decimal("0.1"), at(2026, 3, 9, 9, 6)),
        (0.25, at(2026, 3, 9, 9, 15)),
        (Decimal("1.5"), at(2026, 3, 9, 10, 30)),
        (Decimal("3.0"), at(2026, 3, 9, 12)),
        (Decimal("2.75"), at(2026, 3, 9, 11, 45)),
        (Decimal("3.75"), at(2026, 3, 9, 14, 15)),  # 3 h to noon, then 0.75 h from 13:30
        (1 / 60, at(2026, 3, 9, 9, 1)),
    ])
    def test_fractional_hours(self, hours, deadline):
        assert CAL.add(at(2026, 3, 9, 9), hours) == deadline

    def test_a_tiny_positive_amount_still_starts_at_working_time(self):
        # Rounds to 0 microseconds, but it is not zero: counting starts at the next period.
        assert CAL.add(at(2026, 3, 9, 7), 1e-12) == at(2026, 3, 9, 8, 30)
        assert CAL.add(at(2026, 3, 9, 12), Decimal("1e-12")) == at(2026, 3, 9, 13, 30)

    def test_decimal_is_exact(self):
        start = at(2026, 3, 9, 9)
        assert CAL.add(start, Decimal("0.0001")) == start + dt.timedelta(microseconds=360_000)

    def test_zero_returns_start_unchanged(self):
        for start in (at(2026, 3, 9, 9), at(2026, 3, 9, 20), at(2026, 10, 1, 10)):
            assert CAL.add(start, 0) == start
            assert CAL.add(start, Decimal("0")) == start
            assert CAL.add(start, 0.0, "calendar") == start

    @pytest.mark.parametrize("hours", [-1, -0.5, Decimal("-0.1")])
    def test_negative_hours_raise(self, hours):
        with pytest.raises(ValueError, match="negative"):
            CAL.add(at(2026, 3, 9, 9), hours)
        with pytest.raises(ValueError, match="negative"):
            CAL.add(at(2026, 3, 9, 9), hours, "calendar")

    @pytest.mark.parametrize("hours", [float("nan"), float("inf"), Decimal("NaN"), Decimal("Infinity")])
    def test_non_finite_hours_raise(self, hours):
        with pytest.raises(ValueError, match="finite"):
            CAL.add(at(2026, 3, 9, 9), hours)

    def test_bad_arguments(self):
        with pytest.raises(ValueError, match="unit"):
            CAL.add(at(2026, 3, 9, 9), 1, "weekly")
        with pytest.raises(ValueError, match="aware"):
            CAL.add(dt.datetime(2026, 3, 9, 9), 1)
        with pytest.raises(TypeError):
            CAL.add(at(2026, 3, 9, 9), "1")  # type: ignore[arg-type]

    def test_limit_unit_choices_are_accepted(self):
        from gongzhi.cases.models import LimitUnit

        assert CAL.add(at(2026, 3, 13, 17), 1, LimitUnit.WORKING) == at(2026, 3, 16, 9)
        assert CAL.add(at(2026, 3, 13, 17), 1, LimitUnit.CALENDAR) == at(2026, 3, 13, 18)

    def test_other_time_zones_in_local_time_out(self):
        # 01:00 UTC is 09:00 in Shanghai.
        deadline = CAL.add(dt.datetime(2026, 3, 9, 1, tzinfo=UTC), 1)
        assert deadline == at(2026, 3, 9, 10)
        assert deadline.tzinfo is SH
        assert deadline.utcoffset() == dt.timedelta(hours=8)
        # Friday 17:00 in Shanghai is Friday 05:00 in New York.
        assert CAL.add(dt.datetime(2026, 3, 13, 5, tzinfo=NEW_YORK), 1) == at(2026, 3, 16, 9)
        assert CAL.add(dt.datetime(2026, 3, 9, 1, tzinfo=UTC), 0).tzinfo is SH

    def test_a_calendar_in_another_zone_uses_its_own_wall_clock(self):
        new_york = WorkCalendar(overrides={}, periods=PERIODS, tz=NEW_YORK)
        # DST starts on Sunday 8 March 2026 in New York: Friday 17:00 EST + 1h is Monday 09:00 EDT.
        deadline = new_york.add(dt.datetime(2026, 3, 6, 17, tzinfo=NEW_YORK), 1)
        assert deadline == dt.datetime(2026, 3, 9, 9, tzinfo=NEW_YORK)
        assert deadline.utcoffset() == dt.timedelta(hours=-4)

    def test_2000_hours_go_day_by_day(self, monkeypatch):
        calls = 0
        original = WorkCalendar.working_periods

        def counting(self, day):
            nonlocal calls
            calls += 1
            return original(self, day)

        monkeypatch.setattr(WorkCalendar, "working_periods", counting)
        start = at(2029, 1, 1, 8, 30)
        assert start.weekday() == 0
        deadline = PLAIN.add(start, 2000)
        # 2000 = 266 days of 7.5 h + 5 h: 53 full weeks, a Monday, then Tuesday 08:30 + 5 h.
        assert deadline == at(2029, 1, 1, 15) + dt.timedelta(days=53 * 7 + 1)
        assert calls <= (deadline.date() - start.date()).days + 1
        monkeypatch.undo()
        assert PLAIN.elapsed(start, deadline) == pytest.approx(2000, abs=1e-9)

    def test_a_calendar_without_working_days_raises(self):
        class AlwaysRest(Mapping):
            def __getitem__(self, day: dt.date) -> bool:
                return False

            def __iter__(self) -> Iterator[dt.date]:
                return iter(())

            def __len__(self) -> int:
                return 0

        with pytest.raises(ValueError, match="no working period"):
            WorkCalendar(overrides=AlwaysRest(), periods=PERIODS, tz=SH).add(at(2026, 3, 9, 9), 1)
        with pytest.raises(ValueError, match="no working period"):
            WorkCalendar(overrides={}, periods=(), tz=SH).add(at(2026, 3, 9, 9), 1)

    def test_a_long_but_finite_rest_is_fine(self):
        start = dt.date(2026, 3, 9)
        year_off = {start + dt.timedelta(days=n): False for n in range(400)}
        calendar = WorkCalendar(overrides=year_off, periods=PERIODS, tz=SH)
        first = start + dt.timedelta(days=400)
        while first.weekday() >= 5:
            first += dt.timedelta(days=1)
        assert calendar.add(at(2026, 3, 9, 9), 1) == dt.datetime.combine(first, dt.time(9, 30), tzinfo=SH)


class TestAddCalendar:
    def test_plain_elapsed_time(self):
        assert CAL.add(at(2026, 3, 13, 17), 24, "calendar") == at(2026, 3, 14, 17)
        assert CAL.add(at(2026, 9, 30, 16, 30), 48, "calendar") == at(2026, 10, 2, 16, 30)  # holidays count
        assert CAL.add(at(2026, 3, 9, 23), Decimal("1.5"), "calendar") == at(2026, 3, 10, 0, 30)
        assert CAL.add(dt.datetime(2026, 3, 9, 0, tzinfo=UTC), 2, "calendar") == at(2026, 3, 9, 10)


# -- elapsed -----------------------------------------------------------------------------------


class TestElapsed:
    @pytest.mark.parametrize(("start", "end", "hours"), [
        (at(2026, 3, 9, 9), at(2026, 3, 9, 15), 4.5),              # across lunch
        (at(2026, 3, 9, 12), at(2026, 3, 9, 13, 30), 0),           # the lunch break
        (at(2026, 3, 9, 0), at(2026, 3, 10, 0), 7.5),              # a whole day
        (at(2026, 3, 9, 18), at(2026, 3, 10, 8), 0),               # overnight
        (at(2026, 3, 13, 17), at(2026, 3, 16, 9), 1),              # a weekend
        (at(2026, 3, 9, 0), at(2026, 3, 16, 0), 37.5),             # a week
        (at(2026, 9, 30, 17), at(2026, 10, 8, 9), 1),              # 国庆
        (at(2026, 9, 30, 0), at(2026, 10, 12, 0), 4 * 7.5),        # 30 Sep, 8, 9, 10 Oct (Sat, worked)
        (at(2026, 2, 14, 0), at(2026, 2, 24, 0), 7.5),             # only the worked Saturday
        (at(2026, 3, 9, 10), at(2026, 3, 9, 10), 0),               # empty
        (at(2026, 3, 9, 15), at(2026, 3, 9, 10), 0),               # backwards
    ])
    def test_working(self, start, end, hours):
        assert CAL.elapsed(start, end) == pytest.approx(hours, abs=1e-9)
        assert CAL.elapsed(start, end, "working") == pytest.approx(hours, abs=1e-9)

    def test_calendar(self):
        assert CAL.elapsed(at(2026, 9, 30, 17), at(2026, 10, 8, 9), "calendar") == 7 * 24 + 16
        assert CAL.elapsed(at(2026, 3, 9, 15), at(2026, 3, 9, 10), "calendar") == 0
        assert CAL.elapsed(dt.datetime(2026, 3, 9, 1, tzinfo=UTC), at(2026, 3, 9, 10), "calendar") == 1

    def test_mixed_time_zones(self):
        assert CAL.elapsed(dt.datetime(2026, 3, 9, 1, tzinfo=UTC), at(2026, 3, 9, 15)) == 4.5

    def test_returns_float_and_rejects_naive(self):
        assert isinstance(CAL.elapsed(at(2026, 3, 9, 9), at(2026, 3, 9, 10)), float)
        with pytest.raises(ValueError, match="aware"):
            CAL.elapsed(dt.datetime(2026, 3, 9, 9), at(2026, 3, 9, 10))


# -- properties --------------------------------------------------------------------------------

ZONES = st.sampled_from([SH, UTC, NEW_YORK, ZoneInfo("Europe/London")])
STARTS = st.builds(
    lambda naive, zone: naive.replace(tzinfo=zone),
    st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2026, 12, 31)),
    ZONES,
)
HOURS = st.one_of(
    st.decimals(min_value=0, max_value=400, places=2),
    st.floats(min_value=0, max_value=400, allow_nan=False, allow_infinity=False),
    st.integers(min_value=0, max_value=400),
)


def _in_working_time(moment: dt.datetime) -> bool:
    """Independent of the implementation: is the minute starting at ``moment`` (Shanghai) worked?"""
    day = moment.date()
    working = CAL.overrides.get(day, day.weekday() < 5)
    clock = moment.time()
    return working and (dt.time(8, 30) <= clock < dt.time(12) or dt.time(13, 30) <= clock < dt.time(17, 30))


class TestProperties:
    @hsettings(deadline=None, max_examples=300)
    @given(start=STARTS, hours=HOURS)
    def test_elapsed_inverts_add(self, start, hours):
        deadline = CAL.add(start, hours)
        assert deadline.tzinfo is SH
        assert deadline >= start
        assert CAL.elapsed(start, deadline) == pytest.approx(float(hours), abs=1 / 3600)

    @hsettings(deadline=None, max_examples=200)
    @given(start=STARTS, a=HOURS, b=HOURS)
    def test_add_is_monotonic(self, start, a, b):
        low, high = sorted((Decimal(a), Decimal(b)))
        assert CAL.add(start, low) <= CAL.add(start, high)

    @hsettings(deadline=None, max_examples=200)
    @given(start=STARTS, hours=HOURS.filter(lambda h: h > 0))
    def test_a_deadline_lies_in_working_time(self, start, hours):
        deadline = CAL.add(start, hours)
        periods = CAL.working_periods(deadline.date())
        assert any(begin <= deadline <= end for begin, end in periods)
        if Decimal(hours) >= Decimal("0.000001"):  # at least a few microseconds of work were counted
            assert any(begin < deadline <= end for begin, end in periods)

    @hsettings(deadline=None, max_examples=200)
    @given(start=STARTS, hours=HOURS)
    def test_calendar_unit_is_plain_addition(self, start, hours):
        deadline = CAL.add(start, hours, "calendar")
        assert abs((deadline - start) - dt.timedelta(hours=float(hours))) < dt.timedelta(milliseconds=1)
        assert CAL.elapsed(start, deadline, "calendar") == pytest.approx(float(hours), abs=1 / 3600)

    @hsettings(deadline=None, max_examples=40)
    @given(
        start=st.datetimes(min_value=dt.datetime(2025, 12, 20), max_value=dt.datetime(2026, 10, 20))
        .map(lambda naive: naive.replace(second=0, microsecond=0, tzinfo=SH)),
        minutes=st.integers(min_value=1, max_value=20 * 60),
    )
    def test_agrees_with_counting_minute_by_minute(self, start, minutes):
        """A slow reference: step minute by minute, counting the minutes inside working time."""
        moment, counted = start, 0
        while True:
            if _in_working_time(moment):
                counted += 1
                if counted == minutes:
                    expected = moment + dt.timedelta(minutes=1)
                    break
            moment += dt.timedelta(minutes=1)
        assert CAL.add(start, Decimal(minutes) / 60) == expected


# -- the official data -------------------------------------------------------------------------


def _days(first: dt.date, last: dt.date) -> set[dt.date]:
    return {first + dt.timedelta(days=n) for n in range((last - first).days + 1)}


class TestOfficialData:
    @pytest.mark.parametrize("year", sorted(OFFICIAL))
    def test_shape(self, year):
        entries = OFFICIAL[year]
        dates = [day for day, _kind, _name in entries]
        assert len(dates) == len(set(dates)), "one entry per date"
        assert dates == sorted(dates)
        for day, kind, name in entries:
            assert day.year == year
            assert kind in ("holiday", "workday")
            assert name and len(name) <= 50
            if kind == "workday":
                assert day.weekday() >= 5, f"{day} is worked in exchange, so it must be a weekend day"
                assert name.endswith("调休上班")

    def test_2026_matches_the_notice(self):
        entries = OFFICIAL[2026]
        rest = {day for day, kind, _n in entries if kind == "holiday"}
        work = {day for day, kind, _n in entries if kind == "workday"}
        D = dt.date
        assert rest == (_days(D(2026, 1, 1), D(2026, 1, 3)) | _days(D(2026, 2, 15), D(2026, 2, 23))
                        | _days(D(2026, 4, 4), D(2026, 4, 6)) | _days(D(2026, 5, 1), D(2026, 5, 5))
                        | _days(D(2026, 6, 19), D(2026, 6, 21)) | _days(D(2026, 9, 25), D(2026, 9, 27))
                        | _days(D(2026, 10, 1), D(2026, 10, 7)))
        assert work == {D(2026, 1, 4), D(2026, 2, 14), D(2026, 2, 28), D(2026, 5, 9), D(2026, 9, 20), D(2026, 10, 10)}
        names = {day: name for day, _kind, name in entries}
        assert names[D(2026, 10, 1)] == "国庆节"
        assert names[D(2026, 10, 10)] == "国庆节调休上班"
        assert names[D(2026, 2, 17)] == "春节"
        assert names[D(2026, 9, 25)] == "中秋节"
        # The weekdays the notice gives: 1 Jan is a Thursday, 15 Feb a Sunday, 1 Oct a Thursday.
        assert (D(2026, 1, 1).weekday(), D(2026, 2, 15).weekday(), D(2026, 10, 1).weekday()) == (3, 6, 3)

    def test_2025_matches_the_notice(self):
        entries = OFFICIAL[2025]
        rest = {day for day, kind, _n in entries if kind == "holiday"}
        work = {day for day, kind, _n in entries if kind == "workday"}
        D = dt.date
        assert rest == ({D(2025, 1, 1)} | _days(D(2025, 1, 28), D(2025, 2, 4)) | _days(D(2025, 4, 4), D(2025, 4, 6))
                        | _days(D(2025, 5, 1), D(2025, 5, 5)) | _days(D(2025, 5, 31), D(2025, 6, 2))
                        | _days(D(2025, 10, 1), D(2025, 10, 8)))
        assert work == {D(2025, 1, 26), D(2025, 2, 8), D(2025, 4, 27), D(2025, 9, 28), D(2025, 10, 11)}

    @pytest.mark.parametrize("year", sorted(OFFICIAL))
    def test_the_holidays_package_gives_the_notice_day_for_day(self, year):
        """The working calendar takes the official years from the ``holidays`` package: every date
        of the year is a working day or not exactly as the State Council's notice says."""
        package = WorkCalendar(overrides={day: kind == "workday" for day, kind, _n in official_entries(year)},
                               periods=PERIODS, tz=SH)
        notice = WorkCalendar(overrides=overrides_for(year), periods=PERIODS, tz=SH)
        day = dt.date(year, 1, 1)
        while day.year == year:
            assert package.is_working_day(day) == notice.is_working_day(day), day
            day += dt.timedelta(days=1)

    def test_package_names_in_chinese(self):
        names = {day: (kind, name) for day, kind, name in official_entries(2026)}
        D = dt.date
        assert names[D(2026, 10, 1)] == ("holiday", "国庆节") and names[D(2026, 2, 17)] == ("holiday", "春节")
        assert names[D(2026, 10, 10)] == ("workday", "国庆节调休上班")
        assert names[D(2026, 2, 14)] == ("workday", "春节调休上班")
        assert names[D(2026, 10, 6)] == ("holiday", "国庆节")  # a day off moved by 调休 takes its holiday's name
        assert names[D(2026, 4, 6)] == ("holiday", "清明节")  # 补假 too

    def test_a_year_without_its_adjusted_working_days_is_not_known(self):
        # The installed package knows 2027's fixed holidays but not yet the notice's 调休.
        assert arrangement_known(2026) and arrangement_known(2025)
        assert not arrangement_known(2027) and official_entries(2027) == []

    def test_long_holidays_have_the_announced_length(self):
        # 春节 2026 is 9 days, 国庆节 2026 7 days, 劳动节 5 days: count consecutive rest days.
        def run(first: dt.date) -> int:
            n = 0
            while not CAL.is_working_day(first + dt.timedelta(days=n)):
                n += 1
            return n

        assert run(dt.date(2026, 2, 15)) == 9
        assert run(dt.date(2026, 10, 1)) == 7
        assert run(dt.date(2026, 5, 1)) == 5
        assert run(dt.date(2025, 10, 1)) == 8


# -- database: loading and installing ----------------------------------------------------------


@pytest.fixture
def empty_calendar(db):
    """Start from an empty working calendar: a data migration may already have installed the
    official years (the deletion is rolled back with the test's transaction)."""
    from gongzhi.cases.models import CalendarDay

    CalendarDay.objects.all().delete()


@pytest.mark.usefixtures("empty_calendar")
class TestLoadCalendar:
    def test_reads_rows_in_the_window_with_one_query(self, django_assert_num_queries):
        from gongzhi.cases.models import CalendarDay

        start = dt.date(2026, 9, 1)
        CalendarDay.objects.create(date=dt.date(2026, 10, 1), kind="holiday", name="国庆节")
        CalendarDay.objects.create(date=dt.date(2026, 10, 10), kind="workday", name="国庆节调休上班")
        CalendarDay.objects.create(date=start - dt.timedelta(days=31), kind="holiday", name="edge, in")
        CalendarDay.objects.create(date=start - dt.timedelta(days=32), kind="holiday", name="before, out")
        CalendarDay.objects.create(date=start + dt.timedelta(days=10), kind="workday", name="edge, in")
        CalendarDay.objects.create(date=start + dt.timedelta(days=11), kind="holiday", name="after, out")
        with django_assert_num_queries(1):
            calendar = load_calendar(start, days=10)
        assert dict(calendar.overrides) == {
            dt.date(2026, 8, 1): False, dt.date(2026, 9, 11): True}
        calendar = load_calendar(start)
        assert calendar.overrides[dt.date(2026, 10, 1)] is False
        assert calendar.overrides[dt.date(2026, 10, 10)] is True
        assert calendar.is_working_day(dt.date(2026, 10, 1)) is False
        assert calendar.is_working_day(dt.date(2026, 10, 10)) is True

    def test_periods_and_time_zone_come_from_settings(self, settings):
        from django.utils import timezone

        settings.GONGZHI_WORKING_HOURS = "09:00-17:00"
        calendar = load_calendar(dt.date(2026, 3, 1))
        assert calendar.periods == ((dt.time(9), dt.time(17)),)
        assert str(calendar.tz) == "Asia/Shanghai"
        assert calendar.add(at(2026, 3, 9, 16), 2) == at(2026, 3, 10, 10)
        with timezone.override(ZoneInfo("Asia/Urumqi")):
            assert str(load_calendar(dt.date(2026, 3, 1)).tz) == "Asia/Urumqi"

    def test_bad_setting_is_reported(self, settings):
        settings.GONGZHI_WORKING_HOURS = "17:30-08:30"
        with pytest.raises(ImproperlyConfigured, match="GONGZHI_WORKING_HOURS"):
            load_calendar(dt.date(2026, 3, 1))

    def test_defaults_to_today(self):
        from django.utils import timezone

        from gongzhi.cases.models import CalendarDay

        today = timezone.localdate()
        CalendarDay.objects.create(date=today, kind="workday")
        CalendarDay.objects.create(date=today + dt.timedelta(days=801), kind="workday")
        assert dict(load_calendar().overrides) == {today: True}


@pytest.mark.usefixtures("empty_calendar")
class TestInstallYear:
    def test_install_2026_is_idempotent(self):
        from gongzhi.cases.models import CalendarDay

        assert install_year(2026) == len(official_entries(2026)) == 28  # 22 rest days, 6 working weekends
        stamps = dict(CalendarDay.objects.values_list("date", "updated_at"))
        assert install_year(2026) == 0
        assert dict(CalendarDay.objects.values_list("date", "updated_at")) == stamps
        assert CalendarDay.objects.count() == 28 and set(CalendarDay.objects.values_list("source", flat=True)) == {
            "official"}
        national_day = CalendarDay.objects.get(date=dt.date(2026, 10, 1))
        assert (national_day.kind, national_day.name) == ("holiday", "国庆节")
        worked = CalendarDay.objects.get(date=dt.date(2026, 2, 14))
        assert (worked.kind, worked.name) == ("workday", "春节调休上班")

    def test_corrects_official_rows_and_keeps_the_districts_own_on_top(self):
        from gongzhi.cases.models import CalendarDay

        CalendarDay.objects.create(date=dt.date(2026, 10, 1), kind="workday", name="wrong", source="official")
        CalendarDay.objects.create(date=dt.date(2026, 10, 2), kind="holiday", name="国庆节", source="official")
        CalendarDay.objects.create(date=dt.date(2026, 11, 20), kind="holiday", name="区级防汛调休")  # local
        CalendarDay.objects.create(date=dt.date(2026, 10, 10), kind="holiday", name="本区不调休")  # local override
        assert install_year(2026) == 28 - 2
        assert CalendarDay.objects.get(date=dt.date(2026, 10, 1)).kind == "holiday"
        assert CalendarDay.objects.filter(date=dt.date(2026, 11, 20)).exists()
        assert CalendarDay.objects.get(date=dt.date(2026, 10, 10)).kind == "holiday"  # the district's stays
        CalendarDay.objects.filter(date=dt.date(2026, 5, 9)).update(name="")
        assert install_year(2026) == 1

    @pytest.mark.parametrize("year", [1999, 2027])
    def test_unknown_year(self, year):
        with pytest.raises(ValueError, match=f"没有 {year} 年") as info:
            install_year(year)
        assert isinstance(info.value, KeyError)
        assert isinstance(info.value, UnknownYear)
        assert str(info.value).startswith(f"没有 {year} 年")

    def test_installed_calendar_drives_deadlines(self):
        install_year(2025)
        install_year(2026)
        calendar = load_calendar(dt.date(2026, 9, 1))
        assert not calendar.is_working_day(dt.date(2026, 10, 1))
        assert calendar.is_working_day(dt.date(2026, 10, 10))
        assert calendar.add(at(2026, 9, 30, 16, 30), 2) == at(2026, 10, 8, 9, 30)
        assert calendar.add(at(2026, 9, 30, 16, 30), 2) == CAL.add(at(2026, 9, 30, 16, 30), 2)


def test_module_exposes_units():
    assert (worktime.WORKING, worktime.WORKDAY, worktime.CALENDAR) == ("working", "workday", "calendar")
