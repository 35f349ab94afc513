"""The official public-holiday arrangements (法定节假日放假调休安排), as data for the working calendar.

Each year the General Office of the State Council publishes which dates are rest days (放假) and
which weekend days are worked in exchange (调休上班). Time limits counted in working time depend on
them, so a district installs the year's arrangement into ``CalendarDay`` (``install_year``); the
dates it set itself (``CalendarDay.source`` "local") stay on top, and installing again never
overwrites them.

The arrangements come from the maintained ``holidays`` package (``holidays.China``), updated every
year with a ``pip`` upgrade once the notice is out; its 2025 and 2026 data match the notices day for
day (``tests/notices.py`` holds the notices as typed from them, and a test compares). A year whose
adjusted working days the installed package does not know yet (the notice not published, or the
package not upgraded) is refused by ``install_year`` and keeps being reported by
``years_without_arrangement``.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from django.utils.translation import gettext as _

HOLIDAY = "holiday"
WORKDAY = "workday"

Entry = tuple[dt.date, str, str]

_SUBSTITUTED = re.compile(r"由 ?(\d{4}-\d{2}-\d{2}) ?调休")
_SUFFIX = re.compile(r"（补假）$|（观察日）$")


@lru_cache(maxsize=64)
def _package_year(year: int):
    import holidays as holidays_package

    return holidays_package.China(years=year, language="zh_CN")


def arrangement_known(year: int) -> bool:
    """Whether the installed ``holidays`` package has the State Council's arrangement for ``year``:
    its adjusted working days (every year's notice has some), not only the fixed holidays."""
    data = _package_year(year)
    return any(day.year == year for day in getattr(data, "weekend_workdays", ())) or any(
        _SUBSTITUTED.search(name) for name in data.values())


def package_years(today: dt.date) -> list[int]:
    """The years around ``today`` whose arrangement the installed package knows (for the calendar page)."""
    return [year for year in range(today.year - 1, today.year + 2) if arrangement_known(year)]


def official_entries(year: int) -> list[Entry]:
    """``year``'s rest days and adjusted working days from the ``holidays`` package, named in Chinese:
    each rest day by its holiday (a day off moved by 调休, or a 补假, takes the name of the holiday it
    belongs to), each adjusted working day as "<holiday>调休上班". Empty when the year is not known."""
    if not arrangement_known(year):
        return []
    data = {day: str(name) for day, name in _package_year(year).items() if day.year == year}
    named = {day: _SUFFIX.sub("", name) for day, name in data.items() if not _SUBSTITUTED.search(name)}

    def holiday_of(day: dt.date) -> str:
        nearest = min(named, key=lambda other: (abs((other - day).days), other), default=None)
        return named[nearest] if nearest is not None and abs((nearest - day).days) <= 7 else _("调休")

    entries: list[Entry] = []
    for day, name in data.items():
        moved = _SUBSTITUTED.search(name)
        holiday = named.get(day) or holiday_of(day)
        entries.append((day, HOLIDAY, holiday))
        if moved is not None:
            worked = dt.date.fromisoformat(moved.group(1))
            if worked.year == year:
                entries.append((worked, WORKDAY, f"{holiday}调休上班"))
    known = {day for day, _kind, _name in entries}
    for worked in getattr(_package_year(year), "weekend_workdays", ()):
        if worked.year == year and worked not in known:  # a working weekend the package lists on its own
            entries.append((worked, WORKDAY, f"{holiday_of(worked)}调休上班"))
    return sorted(entries)


#: From this month on, next year's arrangement is looked for too (the State Council usually publishes
#: it in November or December, and time limits started in December run into January).
NEXT_YEAR_FROM_MONTH = 11


def years_without_arrangement(today: dt.date) -> list[int]:
    """This year and, from November, next year, when the working calendar holds no holiday for them.

    Without the year's arrangement, working-hour limits count its public holidays as working days
    and its adjusted working weekends as rest days, so deadlines come out wrong: the console and
    the calendar page ask the district to enter it.
    """
    from .models import CalendarDay, DayKind

    years = [today.year] + ([today.year + 1] if today.month >= NEXT_YEAR_FROM_MONTH else [])
    entered = set(CalendarDay.objects.filter(kind=DayKind.HOLIDAY, date__year__in=years)
                  .values_list("date__year", flat=True).distinct())
    return [year for year in years if year not in entered]


class UnknownYear(KeyError, ValueError):
    """No official arrangement is recorded for the year (a KeyError for lookups, a ValueError for callers)."""

    def __str__(self) -> str:
        # KeyError would print the repr of its argument; show the message as written.
        return str(self.args[0]) if self.args else ""


def install_year(year: int) -> int:
    """Write the official arrangement of ``year`` into ``CalendarDay``; return how many rows changed.

    An upsert keyed on the date: missing dates are created, official dates whose kind or name differ
    are corrected, identical rows are left untouched (so running it twice changes nothing, not even
    ``updated_at``). The district's own dates (``source`` "local") stay on top: never overwritten.
    """
    from django.db import transaction

    from .models import CalendarDay, DaySource

    entries = official_entries(year)
    if not entries:
        raise UnknownYear(_("没有 %(year)d 年的法定节假日安排数据（国务院办公厅通知发布后升级 holidays 数据包即可导入），"
                            "请在工作日历中手工录入。") % {"year": year})
    changed = 0
    with transaction.atomic():
        existing = {row.date: row for row in
                    CalendarDay.objects.select_for_update().filter(date__in=[day for day, _k, _n in entries])}
        for day, kind, name in entries:
            row = existing.get(day)
            if row is None:
                CalendarDay.objects.create(date=day, kind=kind, name=name, source=DaySource.OFFICIAL)
                changed += 1
            elif row.source == DaySource.LOCAL:
                continue  # the district's own decision about this date stays on top
            elif row.kind != kind or row.name != name:
                row.kind, row.name = kind, name
                row.save(update_fields=["kind", "name", "updated_at"])
                changed += 1
    return changed
