"""The audit log pages (security auditor only): the filtered, paginated log and its Excel export."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from gongzhi.accounts.permissions import require_perm
from gongzhi.accounts.roles import Perm
from gongzhi.core import paging

from . import labels, selectors, services

PAGE_SIZE = 50
KEYSET = paging.Keyset(("-seq",))
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
@require_GET
def log(request):
    require_perm(request.user, Perm.AUDIT_VIEW)
    filters = selectors.AuditFilter.from_query(request.GET)
    # Newest first, paged by the last entry seen (``seq``) and counted up to ``paging.EXACT_COUNT_LIMIT``:
    # a log of a million and more entries took a full count and an OFFSET scan for each page.
    page = paging.paginate(selectors.entries(filters).select_related("actor"), request.GET, keyset=KEYSET,
                           base=list(filters.as_dict().items()), per_page=PAGE_SIZE)
    choices = labels.action_choices()
    known = {code for _group, options in choices for code, _label in options}
    return render(request, "audit/log.html", {
        "page": page, "filters": filters, "query": filters.querystring(), "action_choices": choices,
        # A prefix typed into the address keeps working; the list names it as the table would.
        "other_action": "" if not filters.action or filters.action in known else labels.action_label(filters.action),
    })


@login_required
@require_GET
def export(request):
    require_perm(request.user, Perm.AUDIT_VIEW)
    filters = selectors.AuditFilter.from_query(request.GET)
    out, _count = services.export_log(actor=request.user, filters=filters, request=request)
    filename = f"audit-{timezone.localtime():%Y%m%d-%H%M%S}.xlsx"
    return FileResponse(out, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)
