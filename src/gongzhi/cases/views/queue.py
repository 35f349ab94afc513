"""Desktop queues of cases by status and deadline (community, street, district, departments).

At a district's million cases the queue pages by the last row seen in the orders that allow it
(newest, oldest, number: ``core.paging``), numbered pages in deadline order (the open tabs, a few
thousand cases), and counts each tab up to ``paging.EXACT_COUNT_LIMIT`` ("约 N" or "超过 N" beyond).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gongzhi.core import paging

from .. import exporting, selectors
from ..forms import QUEUE_LABELS, CaseFilterForm
from ..models import Category

PAGE_SIZE = 30


@login_required
@require_GET
def queue(request):
    if not selectors.may_use_queues(request.user):
        raise PermissionDenied
    form = CaseFilterForm(request.GET or None, categories=Category.objects.active().filter(parent__isnull=True))
    filters = form.filters()
    now = timezone.now()
    cases = selectors.as_rows(selectors.case_list(request.user, now=now, **filters))
    counts = selectors.queue_counts(request.user)
    filtered = any(v for k, v in filters.items() if k not in ("queue", "order"))
    kept = [(k, v) for k, v in (form.data.items() if form.is_bound else [])
            if k not in ("page", "after", "before", "last") and v]
    # A tab without other filters is counted already (its tab's count); a filtered list counts its own rows.
    count = None if filtered else counts[filters["queue"] if filters["queue"] in counts else "open"]
    page = paging.paginate(cases, request.GET, keyset=selectors.KEYSETS.get(filters["order"]), base=kept,
                           per_page=PAGE_SIZE, count=count)
    query = urlencode(kept)
    base = urlencode([(k, v) for k, v in kept if k != "queue"])
    return render(request, "cases/queue.html", {
        "form": form, "page": page, "query": query, "base_query": base, "now": now,
        "current": filters.get("queue", "open"), "counts": counts,
        "tabs": QUEUE_LABELS, "filtered": filtered,
        "filter_errors": form.error_list(), "may_export": selectors.may_use_queues(request.user),
    })


@login_required
@require_POST
def export(request):
    """Start an export of the queue as filtered (its query string) and go to the job's progress page."""
    if not selectors.may_use_queues(request.user):
        raise PermissionDenied
    try:
        job = exporting.start_case_export(actor=request.user, filters=request.GET, request=request)
    except ValidationError as error:
        messages.error(request, _("筛选条件无效，未导出：%(errors)s") % {"errors": "；".join(error.messages)})
        return redirect(f"{reverse('cases:queue')}?{request.GET.urlencode()}")
    return redirect("jobs:detail", pk=job.pk)


urls = [path("", queue, name="queue"), path("export/", export, name="export")]
