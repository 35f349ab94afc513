"""Reads for the disclosure pages: the public's (published items of one community, answered
questions) and the staff's (scoped with ``.visible_to(user)``)."""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from gongzhi.areas.models import Area, Level

from .models import DisclosureItem, LedgerEntry, Question, Status


def public_community(code: str) -> Area:
    return get_object_or_404(Area.objects.select_related("parent"), code=code, level=Level.COMMUNITY)


def public_communities(q: str = "") -> QuerySet[Area]:
    areas = Area.objects.filter(level=Level.COMMUNITY).select_related("parent").order_by("path")
    if q:
        areas = areas.filter(Q(name__icontains=q) | Q(parent__name__icontains=q) | Q(code__startswith=q))
    return areas


def quarter_range(year: int, quarter: int) -> tuple[datetime.date, datetime.date]:
    start = datetime.date(year, 3 * (quarter - 1) + 1, 1)
    end = datetime.date(year + 1, 1, 1) if quarter == 4 else datetime.date(year, 3 * quarter + 1, 1)
    return start, end - datetime.timedelta(days=1)


def _filtered(items: QuerySet, *, q: str = "", category: str = "", year: int | None = None,
              quarter: int | None = None) -> QuerySet:
    if q:
        items = items.filter(Q(title__icontains=q) | Q(content__icontains=q))
    if category:
        items = items.filter(category=category)
    if year:
        if quarter:
            start, end = quarter_range(year, quarter)
        else:
            start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
        items = items.filter(period_start__lte=end, period_end__gte=start)  # periods overlapping the range
    return items


def public_items(area: Area, **filters) -> QuerySet[DisclosureItem]:
    items = DisclosureItem.objects.filter(area=area, status=Status.PUBLISHED).order_by("-published_at", "-pk")
    return _filtered(items, **filters)


def public_item(area: Area, pk: int) -> DisclosureItem:
    item = (DisclosureItem.objects.filter(area=area, pk=pk, status=Status.PUBLISHED)
            .prefetch_related("attachments").first())
    if item is None:
        raise Http404
    item.area = area
    return item


def public_years(area: Area) -> list[int]:
    dates = DisclosureItem.objects.filter(area=area, status=Status.PUBLISHED).dates("period_start", "year", order="DESC")
    return [d.year for d in dates]


def answered_questions(area: Area, item: DisclosureItem | None = None) -> QuerySet[Question]:
    questions = (Question.objects.filter(area=area, answered_at__isnull=False)
                 .filter(Q(item__isnull=True) | Q(item__status=Status.PUBLISHED)).select_related("item")
                 .order_by("-answered_at", "-pk"))
    return questions.filter(item=item) if item is not None else questions


# --- Staff -----------------------------------------------------------------------------------------

def staff_communities(user) -> QuerySet[Area]:
    return Area.objects.visible_to(user).filter(level=Level.COMMUNITY).order_by("path")


def staff_items(user, *, area_code: str = "", status: str = "", **filters) -> QuerySet[DisclosureItem]:
    items = DisclosureItem.objects.visible_to(user).select_related("area").order_by("-updated_at", "-pk")
    if area_code:
        items = items.filter(area__code=area_code)
    if status:
        items = items.filter(status=status)
    return _filtered(items, **filters)


def staff_item(user, pk: int) -> DisclosureItem:
    return get_object_or_404(DisclosureItem.objects.visible_to(user).select_related("area")
                             .prefetch_related("attachments"), pk=pk)


def staff_questions(user, *, unanswered: bool = False) -> QuerySet[Question]:
    questions = (Question.objects.visible_to(user).select_related("area", "item", "person", "on_behalf_by")
                 .order_by("-asked_at", "-pk"))
    return questions.filter(answered_at__isnull=True) if unanswered else questions


def staff_question(user, pk: int) -> Question:
    return get_object_or_404(Question.objects.visible_to(user).select_related("area"), pk=pk)


def staff_entry(user, pk: int) -> LedgerEntry:
    return get_object_or_404(LedgerEntry.objects.visible_to(user).select_related("area", "reverses"), pk=pk)


def staff_community(user, code: str) -> Area:
    return get_object_or_404(staff_communities(user), code=code)


CONSOLE_ROWS = 8


def may_see_console(user) -> bool:
    from gongzhi.accounts.permissions import has_perm
    from gongzhi.accounts.roles import Perm

    return has_perm(user, Perm.DISCLOSURE_PUBLISH)


def console_summary(user) -> dict:
    """The console panel: the communities of the user's area that are late with a disclosure."""
    from . import cadence

    communities = list(staff_communities(user).select_related("parent")[:2000])
    overdue = cadence.overdue_for(communities)
    late = [(area, overdue[area.pk]) for area in communities if overdue[area.pk]]
    return {"rows": late[:CONSOLE_ROWS], "count": len(late), "more": max(0, len(late) - CONSOLE_ROWS),
            "unanswered": staff_questions(user, unanswered=True).count()}
