"""The official public-holiday arrangements (法定节假日放假调休安排), as data for the working calendar.

Each year the General Office of the State Council publishes which dates are rest days (放假) and
which weekend days are worked in exchange (调休上班). Time limits counted in working hours depend
on them, so a district installs the year's arrangement into ``CalendarDay`` (``install_year``)
and adjusts local exceptions by hand afterwards.

Sources (each year cross-checked against the notice as reprinted by several outlets and against
the community-maintained holiday-cn / china-holiday-calender data sets):

- 2026: 国务院办公厅关于2026年部分节假日安排的通知, dated 2025-11-04; full text as released by
  Xinhua (e.g. https://politics.gmw.cn/2025-11/04/content_38391083.htm), original at
  https://www.gov.cn/zhengce/content/202511/content_7047090.htm.
- 2025: 国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号）, dated 2024-11-12;
  full text as released by Xinhua (e.g. https://m.gmw.cn/2024-11/12/content_1303894933.htm),
  original at https://www.gov.cn/zhengce/content/202411/content_6986382.htm.

Every date of each holiday period is listed as "holiday", weekends inside the period included,
so the calendar shows the whole period under its name; the weekly rule would make the weekend
days rest days anyway.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

HOLIDAY = "holiday"
WORKDAY = "workday"

Entry = tuple[dt.date, str, str]


def _rest(first: dt.date, last: dt.date, name: str) -> list[Entry]:
    """Every date from ``first`` to ``last`` (inclusive) as a rest day of the holiday ``name``."""
    return [(first + dt.timedelta(days=n), HOLIDAY, name) for n in range((last - first).days + 1)]


def _work(name: str, *days: dt.date) -> list[Entry]:
    """Weekend ``days`` worked in exchange for the holiday ``name``."""
    return [(day, WORKDAY, f"{name}调休上班") for day in days]


D = dt.date

OFFICIAL: dict[int, list[Entry]] = {
    2025: sorted([
        # 一、元旦：1月1日（周三）放假1天，不调休。
        *_rest(D(2025, 1, 1), D(2025, 1, 1), "元旦"),
        # 二、春节：1月28日（除夕、周二）至2月4日（正月初七、周二）放假调休，共8天。
        #     1月26日（周日）、2月8日（周六）上班。
        *_rest(D(2025, 1, 28), D(2025, 2, 4), "春节"),
        *_work("春节", D(2025, 1, 26), D(2025, 2, 8)),
        # 三、清明节：4月4日（周五）至6日（周日）放假，共3天。
        *_rest(D(2025, 4, 4), D(2025, 4, 6), "清明节"),
        # 四、劳动节：5月1日（周四）至5日（周一）放假调休，共5天。4月27日（周日）上班。
        *_rest(D(2025, 5, 1), D(2025, 5, 5), "劳动节"),
        *_work("劳动节", D(2025, 4, 27)),
        # 五、端午节：5月31日（周六）至6月2日（周一）放假，共3天。
        *_rest(D(2025, 5, 31), D(2025, 6, 2), "端午节"),
        # 六、国庆节、中秋节：10月1日（周三）至8日（周三）放假调休，共8天。
        #     9月28日（周日）、10月11日（周六）上班。
        *_rest(D(2025, 10, 1), D(2025, 10, 8), "国庆节、中秋节"),
        *_work("国庆节、中秋节", D(2025, 9, 28), D(2025, 10, 11)),
    ]),
    2026: sorted([
        # 一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
        *_rest(D(2026, 1, 1), D(2026, 1, 3), "元旦"),
        *_work("元旦", D(2026, 1, 4)),
        # 二、春节：2月15日（腊月二十八、周日）至23日（正月初七、周一）放假调休，共9天。
        #     2月14日（周六）、2月28日（周六）上班。
        *_rest(D(2026, 2, 15), D(2026, 2, 23), "春节"),
        *_work("春节", D(2026, 2, 14), D(2026, 2, 28)),
        # 三、清明节：4月4日（周六）至6日（周一）放假，共3天。
        *_rest(D(2026, 4, 4), D(2026, 4, 6), "清明节"),
        # 四、劳动节：5月1日（周五）至5日（周二）放假调休，共5天。5月9日（周六）上班。
        *_rest(D(2026, 5, 1), D(2026, 5, 5), "劳动节"),
        *_work("劳动节", D(2026, 5, 9)),
        # 五、端午节：6月19日（周五）至21日（周日）放假，共3天。
        *_rest(D(2026, 6, 19), D(2026, 6, 21), "端午节"),
        # 六、中秋节：9月25日（周五）至27日（周日）放假，共3天。
        *_rest(D(2026, 9, 25), D(2026, 9, 27), "中秋节"),
        # 七、国庆节：10月1日（周四）至7日（周三）放假调休，共7天。
        #     9月20日（周日）、10月10日（周六）上班。
        *_rest(D(2026, 10, 1), D(2026, 10, 7), "国庆节"),
        *_work("国庆节", D(2026, 9, 20), D(2026, 10, 10)),
    ]),
}

del D


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

    An upsert keyed on the date: missing dates are created, dates whose kind or name differ are
    corrected, identical rows are left untouched (so running it twice changes nothing, not even
    ``updated_at``). Dates the arrangement does not mention — local exceptions an administrator
    added — are kept.
    """
    from django.db import transaction

    from .models import CalendarDay

    entries = OFFICIAL.get(year)
    if entries is None:
        known = "、".join(str(y) for y in sorted(OFFICIAL))
        raise UnknownYear(_("没有 %(year)d 年的法定节假日安排数据（已收录：%(known)s），请在工作日历中手工录入。")
                          % {"year": year, "known": known})
    changed = 0
    with transaction.atomic():
        existing = {row.date: row for row in
                    CalendarDay.objects.select_for_update().filter(date__in=[day for day, _k, _n in entries])}
        for day, kind, name in entries:
            row = existing.get(day)
            if row is None:
                CalendarDay.objects.create(date=day, kind=kind, name=name)
                changed += 1
            elif row.kind != kind or row.name != name:
                row.kind, row.name = kind, name
                row.save(update_fields=["kind", "name", "updated_at"])
                changed += 1
    return changed
