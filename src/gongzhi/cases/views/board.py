"""The department inbox (报到 and feedback) and the street's supervision board (督办)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET

from gongzhi.accounts.permissions import has_perm
from gongzhi.accounts.roles import Perm

from .. import selectors
from ..models import Case, CaseStatus, ExtensionRequest, ExtensionStatus, HandlingLevel
from ..models.case import RUNNING_STATUSES, department_ids

# Cases a section lists, the most urgent first; "在事件办理中查看全部" leads to the queue page, filtered and
# paged, for the rest. The inbox has five sections: at 20 each its 100 rows took 38 ms at 1,000,000 cases.
SHOWN = 20  # the supervision board's
INBOX_SHOWN = 10


@login_required
@require_GET
def inbox(request):
    """What the user's departments must do: acknowledge dispatches, handle, see verification results.

    Each section shows its first ``INBOX_SHOWN`` cases, most urgent first, and how many there are in all;
    the queue page (filtered, paged, exportable) lists the rest.
    """
    departments = department_ids(request.user)
    if not departments:
        raise PermissionDenied
    visible = Case.objects.visible_to(request.user)
    led = selectors.as_rows(visible.filter(lead_department__in=departments))
    assisted = selectors.as_rows(visible.filter(assist_departments__in=departments)
                                 .exclude(lead_department__in=departments)
                                 .filter(status__in=RUNNING_STATUSES | {CaseStatus.FEEDBACK}).distinct())
    in_hand = [CaseStatus.ACKNOWLEDGED, CaseStatus.IN_PROGRESS]
    # Counted over the statuses counted (an index range each), not over every case the department led.
    counts = led.filter(status__in=[CaseStatus.DISPATCHED, *in_hand, CaseStatus.FEEDBACK]).aggregate(
                           to_acknowledge=Count("pk", filter=Q(status=CaseStatus.DISPATCHED)),
                           in_hand=Count("pk", filter=Q(status__in=in_hand)),
                           awaiting_check=Count("pk", filter=Q(status=CaseStatus.FEEDBACK)))
    counts["assisted"] = assisted.count()
    return render(request, "cases/inbox.html", {
        "to_acknowledge": led.filter(status=CaseStatus.DISPATCHED).order_by("response_due")[:INBOX_SHOWN],
        "in_hand": led.filter(status__in=in_hand).order_by("handle_due")[:INBOX_SHOWN],
        "awaiting_check": led.filter(status=CaseStatus.FEEDBACK).order_by("feedback_at")[:INBOX_SHOWN],
        "recently_closed": led.filter(status=CaseStatus.CLOSED).order_by("-closed_at")[:INBOX_SHOWN],
        "assisted": assisted.order_by("handle_due")[:INBOX_SHOWN], "counts": counts, "shown": INBOX_SHOWN,
        "now": timezone.now(),
    })


@login_required
@require_GET
def supervision(request):
    """Overdue and near-due cases, extension requests and suspended cases due for review, by department."""
    if not has_perm(request.user, Perm.CASES_SUPERVISE):
        raise PermissionDenied
    now = timezone.now()
    visible = selectors.visible_cases(request.user)
    overdue = selectors.as_rows(visible.overdue(now)).order_by("handle_due")
    near = selectors.as_rows(visible.filter(status__in=RUNNING_STATUSES, warn_at__lte=now, handle_due__gte=now)
                             ).order_by("handle_due")
    by_department = (overdue.filter(level=HandlingLevel.DEPARTMENT).values("lead_department__name")
                     .annotate(n=Count("pk")).order_by("-n", "lead_department__name"))
    # A scope of every case (a district's account) has no condition: ``case IN (every case)`` read all
    # million of them for a handful of pending requests.
    pending = ExtensionRequest.objects.filter(status=ExtensionStatus.PENDING)
    pending = (pending.filter(case__in=visible) if visible.query.where else pending)
    pending = (pending.select_related("case", "case__lead_department", "requested_by")
               .only("case", "hours", "reason", "requested_at", "case__number", "case__lead_department__name",
                     "requested_by__real_name", "requested_by__username").order_by("requested_at"))
    reviews = selectors.as_rows(visible.filter(status=CaseStatus.SUSPENDED)
                                .filter(Q(review_date__lte=timezone.localdate(now)))).order_by("review_date")
    return render(request, "cases/supervision.html", {
        "overdue": overdue[:SHOWN], "overdue_count": overdue.count(), "near": near[:SHOWN], "near_count": near.count(),
        "shown": SHOWN,
        "by_department": by_department, "pending": pending, "reviews": reviews, "now": now,
    })


urls = [path("inbox/", inbox, name="inbox"), path("supervision/", supervision, name="supervision")]
