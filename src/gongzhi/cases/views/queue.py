"""Desktop queues of cases by status and deadline (community, street, district, departments)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from gongzhi.accounts.permissions import has_perm
from gongzhi.accounts.roles import Perm

from .. import selectors
from ..forms import CaseFilterForm
from ..models import Category

PAGE_SIZE = 30
QUEUE_LABELS = (("reported", _("待受理")), ("accepted", _("待派遣/处置")), ("running", _("办理中")),
                ("feedback", _("待核查")), ("suspended", _("挂账")), ("closed", _("已办结")), ("open", _("全部在办")),
                ("all", _("全部")))


def _may_use_queue(user) -> bool:
    return has_perm(user, Perm.CASES_VIEW) or has_perm(user, Perm.CASES_HANDLE)


@login_required
@require_GET
def queue(request):
    if not _may_use_queue(request.user):
        raise PermissionDenied
    form = CaseFilterForm(request.GET or None, categories=Category.objects.active().filter(parent__isnull=True))
    filters = form.filters() if form.is_bound else {"queue": "open"}
    now = timezone.now()
    cases = selectors.case_list(request.user, now=now, **filters)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode([(k, v) for k, v in (form.data.items() if form.is_bound else []) if k != "page" and v])
    base = urlencode([(k, v) for k, v in (form.data.items() if form.is_bound else []) if k not in ("page", "queue") and v])
    return render(request, "cases/queue.html", {
        "form": form, "page": page, "query": query, "base_query": base, "now": now,
        "current": filters.get("queue", "open"), "counts": selectors.queue_counts(request.user),
        "tabs": QUEUE_LABELS, "filtered": any(v for k, v in filters.items() if k not in ("queue", "order")),
    })


urls = [path("", queue, name="queue")]
