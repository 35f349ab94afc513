"""Reads of the case loop, always starting from ``Case.objects.visible_to(user)``."""

from __future__ import annotations

import datetime

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from gongzhi.accounts.permissions import has_perm
from gongzhi.accounts.roles import Perm
from gongzhi.areas.models import Area

from gongzhi.core import paging
from gongzhi.core.paging import Keyset

from .holidays import years_without_arrangement
from .models import Case, CaseEvent, CasePhoto, CaseStatus, Category, ExtensionStatus
from .models.case import OPEN_STATUSES, RUNNING_STATUSES

LIST_RELATED = ("area", "area__parent", "category", "category__parent", "suggested_category", "lead_department", "reporter")
# What a row of the staff's case tables shows (queue page, department inbox, supervision board), its
# deadline state and the keyset orders' columns. A row used to load every column of the case and of
# seven related rows, two area boundaries among them: a fifth of the queue page at 1,000,000 cases.
ROW_RELATED = ("area", "category", "suggested_category", "lead_department")
ROW_COLUMNS = ("number", "description", "priority", "status", "level", "reported_at", "accept_due", "dispatch_due",
               "response_due", "handle_due", "warn_at", "feedback_at", "closed_at", "review_date",
               "area__name", "category__name", "suggested_category__name", "lead_department__name")

# Queue tabs: what each shows.
QUEUES: dict[str, Q] = {
    "reported": Q(status=CaseStatus.REPORTED),
    "accepted": Q(status=CaseStatus.ACCEPTED),
    "running": Q(status__in=RUNNING_STATUSES),
    "feedback": Q(status=CaseStatus.FEEDBACK),
    "verified": Q(status=CaseStatus.VERIFIED),
    "suspended": Q(status=CaseStatus.SUSPENDED),
    # Written as "none of the others": the finished are nearly all of a district's million cases, and an
    # IN list let the planner take the status index and sort them all (8 s a page); NOT IN leaves it
    # the walk of the page's order, which finds a page's cases at once.
    "closed": ~Q(status__in=[*OPEN_STATUSES, CaseStatus.SUSPENDED]),
    "open": Q(status__in=OPEN_STATUSES),
    "all": Q(),
}
# The statuses of each tab counted by status (``queue_counts``): together the open tabs and "suspended".
TAB_STATUSES: dict[str, frozenset[str]] = {
    "reported": frozenset({CaseStatus.REPORTED}), "accepted": frozenset({CaseStatus.ACCEPTED}),
    "running": RUNNING_STATUSES, "feedback": frozenset({CaseStatus.FEEDBACK}),
    "verified": frozenset({CaseStatus.VERIFIED}), "suspended": frozenset({CaseStatus.SUSPENDED}),
}
ORDERINGS = {
    "deadline": ("handle_due", "dispatch_due", "accept_due", "-reported_at", "-pk"),
    "reported": ("-reported_at", "-pk"),
    "oldest": ("reported_at", "pk"),
    "number": ("-number", "-pk"),
}
# The orders the queue pages by the last row seen (``core.paging``): non-null columns and the key. The
# deadline order has empty deadlines (a case not yet dispatched) and keeps numbered pages.
KEYSETS = {order: Keyset(fields) for order, fields in ORDERINGS.items() if order != "deadline"}
# Tabs of finished cases (most of a district's million) open newest first: in deadline order they were
# a sort of every closed case for each page.
FINISHED_QUEUES = frozenset({"closed", "all"})
# The tabs whose counts add up to "open" and, with the suspended and finished, to "all".
OPEN_TABS = ("reported", "accepted", "running", "feedback", "verified")


def may_use_queues(user) -> bool:
    """Whether the user works cases from the queues (and may export them): staff who view or handle cases."""
    return has_perm(user, Perm.CASES_VIEW) or has_perm(user, Perm.CASES_HANDLE)


def visible_cases(user) -> QuerySet[Case]:
    return Case.objects.visible_to(user)


def case_for(user, pk: int) -> Case:
    """The case if the user may see it; 404 otherwise (out of scope looks like missing)."""
    case = (visible_cases(user).select_related(*LIST_RELATED, "merged_into", "patrol")
            .prefetch_related("assist_departments").filter(pk=pk).first())
    if case is None:
        raise Http404
    return case


def case_list(user, *, queue: str = "open", q: str = "", category: str = "", area_code: str = "",
              department: int | None = None, overdue: bool = False, source: str = "", order: str = "deadline",
              now: datetime.datetime | None = None) -> QuerySet[Case]:
    cases = visible_cases(user).filter(QUEUES.get(queue, QUEUES["open"]))
    if q:
        cases = cases.filter(Q(number__icontains=q) | Q(description__icontains=q) | Q(address__icontains=q))
    if category:
        cases = cases.filter(Q(category__code=category) | Q(category__parent__code=category))
    if area_code:
        area = Area.objects.filter(code=area_code).first()
        cases = cases.filter(area__path__startswith=area.path) if area else cases.none()
    if department:
        cases = cases.filter(lead_department_id=department)
    if overdue and now is not None:
        cases = cases.overdue(now)
    if source:
        cases = cases.filter(source=source)
    return cases.select_related(*LIST_RELATED).order_by(*ORDERINGS.get(order, ORDERINGS["deadline"]))


def as_rows(cases: QuerySet[Case]) -> QuerySet[Case]:
    """``cases`` loaded as the rows of a staff table: ``ROW_COLUMNS`` and nothing else."""
    return cases.select_related(None).select_related(*ROW_RELATED).only(*ROW_COLUMNS)


def default_order(queue: str) -> str:
    return "reported" if queue in FINISHED_QUEUES else "deadline"


def queue_counts(user) -> dict[str, paging.Count]:
    """How many visible cases each queue tab holds: exact up to ``paging.EXACT_COUNT_LIMIT``, beyond it
    "约 N" (PostgreSQL's estimate) or "超过 N" — the unfinished cases counted by status in one bounded
    query (a bounded count per tab when they are more), the finished in a bounded count of their own;
    "open" and "all" are their sums while every part is exact. One aggregate over every visible
    case read all million of a district's cases for each queue page (0.5 s)."""
    visible = visible_cases(user).order_by()
    if visible.query.where and not Case.objects.filter(reporter=user).exists():
        # Staff who never reported a case themselves: their areas (and departments) alone. With the
        # "or reported by me" branch, neither database could count a community's finished cases
        # from the (area, status) index and read its 100,000 cases instead (0.2 s at 1,000,000).
        visible = Case.objects.visible_to(user, own_reports=False).order_by()
    # The unfinished cases, a few thousand at most in a district, in one count by status; per tab (an
    # index range each, bounded) only when there are more than the exact-count limit.
    tallied = paging.tally_rows(visible.filter(status__in=OPEN_STATUSES | {CaseStatus.SUSPENDED}), "status")
    if tallied is None:
        counts = {name: paging.count_rows(visible.filter(QUEUES[name])) for name in TAB_STATUSES}
    else:
        counts = {name: paging.Count(sum(tallied.get(status, 0) for status in statuses))
                  for name, statuses in TAB_STATUSES.items()}
    counts["closed"] = paging.count_rows(visible.filter(QUEUES["closed"]))
    counts["open"] = _sum(visible.filter(QUEUES["open"]), [counts[name] for name in OPEN_TABS])
    counts["all"] = _sum(visible, [counts["open"], counts["suspended"], counts["closed"]])
    return counts


def _sum(whole, parts: list[paging.Count]) -> paging.Count:
    """The count of ``whole``, made of ``parts``: their sum while each is exact; a part over the limit
    puts the whole over it too, estimated or "超过 N" without counting it again (a community's bounded
    count of every visible case took 0.2 s at 1,000,000 cases)."""
    if all(part.exact for part in parts):
        return paging.Count(sum(part.value for part in parts))
    return paging.beyond_limit(whole, paging.EXACT_COUNT_LIMIT)


def timeline(case: Case) -> QuerySet[CaseEvent]:
    return case.events.select_related("actor").prefetch_related(
        Prefetch("photos", queryset=CasePhoto.objects.order_by("pk")))


def report_photos(case: Case) -> QuerySet[CasePhoto]:
    return case.photos.filter(event__action="report").order_by("pk")


def photo_for(user, pk: int) -> CasePhoto:
    photo = CasePhoto.objects.filter(pk=pk, case__in=visible_cases(user)).select_related("case").first()
    if photo is None:
        raise Http404
    return photo


def pending_extension(case: Case):
    return case.extensions.filter(status=ExtensionStatus.PENDING).select_related("requested_by").first()


def categories() -> QuerySet[Category]:
    """Active 小类 with their 大类, for pickers."""
    return Category.objects.active().minor().select_related("parent").order_by("sort", "code")


def console_summary(user, now: datetime.datetime | None = None) -> dict:
    """The case counts the console shows (one query): waiting, running, overdue, near due, to verify, to close;
    for those who configure the calendar, the years whose holiday arrangement is missing (one more)."""
    from django.utils import timezone

    now = now or timezone.now()
    counts = visible_cases(user).aggregate(
        reported=Count("pk", filter=Q(status=CaseStatus.REPORTED)),
        accepted=Count("pk", filter=Q(status=CaseStatus.ACCEPTED)),
        running=Count("pk", filter=Q(status__in=RUNNING_STATUSES)),
        overdue=Count("pk", filter=Q(status__in=RUNNING_STATUSES, handle_due__lt=now)),
        near=Count("pk", filter=Q(status__in=RUNNING_STATUSES, warn_at__lte=now, handle_due__gte=now)),
        feedback=Count("pk", filter=Q(status=CaseStatus.FEEDBACK)),
        verified=Count("pk", filter=Q(status=CaseStatus.VERIFIED)),
        today=Count("pk", filter=Q(reported_at__date=timezone.localdate(now))),
    )
    counts["calendar_missing"] = (years_without_arrangement(timezone.localdate(now))
                                  if has_perm(user, Perm.CASES_CONFIGURE) else [])
    return counts
