from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from . import selectors, services
from .models import Notice


@login_required
def inbox(request):
    unread_only = request.GET.get("unread") == "1"
    page = Paginator(selectors.inbox(request.user, unread_only=unread_only), 20).get_page(request.GET.get("page"))
    return render(request, "notices/inbox.html", {"page": page, "unread_only": unread_only})


@login_required
@require_POST
def open_notice(request, notice_id: int):
    notice = get_object_or_404(Notice, pk=notice_id, recipient=request.user)
    services.mark_read(user=request.user, notice_ids=[notice.pk])
    if notice.link and url_has_allowed_host_and_scheme(notice.link, {request.get_host()}):
        return redirect(notice.link)
    return redirect("notices:inbox")


@login_required
@require_POST
def mark_all_read(request):
    services.mark_read(user=request.user)
    return redirect("notices:inbox")
