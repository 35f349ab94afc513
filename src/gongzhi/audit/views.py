"""The audit log page (security auditor only): filters and pagination."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from gongzhi.accounts.permissions import require_perm
from gongzhi.accounts.roles import Perm

from . import selectors


@login_required
def log(request):
    require_perm(request.user, Perm.AUDIT_VIEW)
    filters = selectors.AuditFilter.from_query(request.GET)
    page = Paginator(selectors.entries(filters), 50).get_page(request.GET.get("page"))
    return render(request, "audit/log.html", {"page": page, "filters": filters, "query": filters.querystring()})
