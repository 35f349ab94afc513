"""Desktop queues of cases by status and deadline (community, street, district, departments)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

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
    cases = selectors.case_list(request.user, now=now, **filters)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode([(k, v) for k, v in (form.data.items() if form.is_bound else []) if k != "page" and v])
    base = urlencode([(k, v) for k, v in (form.data.items() if form.is_bound else []) if k not in ("page", "queue") and v])
    return render(request, "cases/queue.html", {
        "form": form, "page": page, "query": query, "base_query": base, "now": now,
        "current": filters.get("queue", "open"), "counts": selectors.queue_counts(request.user),
        "tabs": QUEUE_LABELS, "filtered": any(v for k, v in filters.items() if k not in ("queue", "order")),
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
