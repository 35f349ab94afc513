"""The State Council's holiday notices for 2025 and 2026, typed from the notices themselves: the
cross-check that the ``holidays`` package (where the working calendar now takes the official years
from) gives exactly the published rest days and adjusted working days.

Sources: 国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04,
https://www.gov.cn/zhengce/content/202511/content_7047090.htm) and 国办发明电〔2024〕12号 (2024-11-12,
https://www.gov.cn/zhengce/content/202411/content_6986382.htm).
"""

from __future__ import annotations

import datetime as dt

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

NOTICES: dict[int, list[Entry]] = {
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
