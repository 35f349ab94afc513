"""How often each category must be disclosed (村民委员会组织法 art. 30, applied to 居委会 as well):
"一般事项至少每季度公布一次；集体财务往来较多的，财务收支情况应当每月公布一次；涉及村民利益的重大
事项应当随时公布" — ordinary matters at least quarterly, finances monthly, major matters at once.

Rules, as computed here (``overdue_for``), per community and category:

- ordinary categories (居务/村务, 党务, 服务): the next publication is due ``ORDINARY_MONTHS`` (3)
  calendar months after the last one was published; from then on the category is overdue;
- finances (财务): due ``FINANCE_MONTHS`` (1) calendar month after the last publication;
- a category never published at all is overdue (``never``);
- major matters: "at once" means within ``MAJOR_MATTER_DAYS`` (5) calendar days of the decision date
  (``DisclosureItem.decided_on``); a major item still a draft after that is overdue.

Published means published now (a withdrawn item no longer counts).
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Category, DisclosureItem, Status, category_label

ORDINARY_MONTHS = 3  # 一般事项至少每季度公布一次
FINANCE_MONTHS = 1  # 财务收支每月公布一次
MAJOR_MATTER_DAYS = 5  # 重大事项“随时公布”：决定之日起 5 日内
CADENCE_MONTHS = {Category.AFFAIRS: ORDINARY_MONTHS, Category.PARTY: ORDINARY_MONTHS,
                  Category.SERVICE: ORDINARY_MONTHS, Category.FINANCE: FINANCE_MONTHS}


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later (the month's last day when it has fewer days: 31 Jan + 1 → 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def due_after(category: str, last_published: datetime.date) -> datetime.date:
    """The last day on which the next publication is still on time."""
    return add_months(last_published, CADENCE_MONTHS[category])


def major_due(decided_on: datetime.date) -> datetime.date:
    return decided_on + datetime.timedelta(days=MAJOR_MATTER_DAYS)


@dataclass(frozen=True)
class Overdue:
    """One thing a community is late with: a category (``item`` None) or a major item."""

    area: object
    category: str
    days: int | None  # None: never published
    due: datetime.date | None = None
    last_published: datetime.date | None = None
    item: DisclosureItem | None = None

    @property
    def label(self) -> str:
        return category_label(self.category, self.area)

    @property
    def message(self) -> str:
        if self.item is not None:
            return _("重大事项“%(title)s”应于 %(due)s 前公开，已逾期 %(days)d 天") % {
                "title": self.item.title, "due": self.due.isoformat(), "days": self.days}
        if self.days is None:
            return _("%(category)s公开：尚未公开过") % {"category": self.label}
        return _("%(category)s公开已逾期 %(days)d 天") % {"category": self.label, "days": self.days}


def _local_date(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def last_published(areas) -> dict[tuple[int, str], datetime.date]:
    """(area id, category) → the local date of its latest publication still public."""
    rows = (DisclosureItem.objects.filter(area__in=areas, status=Status.PUBLISHED)
            .values("area_id", "category").annotate(last=Max("published_at")))
    return {(row["area_id"], row["category"]): _local_date(row["last"]) for row in rows}


def overdue_for(areas, *, today: datetime.date | None = None) -> dict[int, list[Overdue]]:
    """Area id → what it is late with (categories first, in their order, then major items)."""
    today = today or timezone.localdate()
    areas = list(areas)
    last = last_published(areas)
    result: dict[int, list[Overdue]] = {area.pk: [] for area in areas}
    for area in areas:
        for category in Category.values:
            published = last.get((area.pk, category))
            if published is None:
                result[area.pk].append(Overdue(area, category, None))
                continue
            due = due_after(category, published)
            if today > due:
                result[area.pk].append(Overdue(area, category, (today - due).days, due, published))
    by_pk = {area.pk: area for area in areas}
    cutoff = today - datetime.timedelta(days=MAJOR_MATTER_DAYS)
    late = (DisclosureItem.objects.filter(area__in=areas, major=True, decided_on__lt=cutoff, status=Status.DRAFT).order_by("decided_on", "pk"))
    for item in late:
        item.area = by_pk[item.area_id]
        due = major_due(item.decided_on)
        result[item.area_id].append(Overdue(item.area, item.category, (today - due).days, due, item=item))
    return result
