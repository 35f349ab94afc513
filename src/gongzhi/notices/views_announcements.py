"""Announcement pages: staff write, publish and follow one up (read rate, who has not been reached,
printable by grid); every recipient reads theirs on the board (opening it marks it read)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gongzhi.accounts.permissions import has_perm
from gongzhi.accounts.roles import Perm
from gongzhi.core.errors import DomainError

from . import announcements as service
from .forms import AnnouncementForm
from .models import Announcement, AnnouncementStatus, Receipt

PAGE_SIZE = 30


def _require_send(user) -> None:
    if not has_perm(user, Perm.NOTICES_SEND):
        raise PermissionDenied


def _staff_one(user, pk: int) -> Announcement:
    found = Announcement.objects.visible_to(user).select_related("area", "group", "estate", "building").filter(
        pk=pk).first()
    if found is None:
        raise Http404
    return found


@login_required
@require_GET
def manage(request):
    _require_send(request.user)
    rows = Announcement.objects.visible_to(request.user).select_related("area").order_by("-created_at", "-pk")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notices/announcements.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def new(request):
    _require_send(request.user)
    form = AnnouncementForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        announcement = Announcement(
            title=data["title"], body=data["body"], urgent=data["urgent"], area=data["area"],
            audience=data["audience"], group=data["group"] if data["audience"] == "group" else None,
            estate=data["estate"] if data["audience"] in ("estate_owners", "building") else None,
            building=data.get("building"), expires_at=data["expires_at"])
        try:
            service.save(actor=request.user, announcement=announcement, request=request)
            service.publish(actor=request.user, announcement=announcement, at=data["publish_at"], request=request)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            announcement.refresh_from_db()
            if announcement.status == AnnouncementStatus.SCHEDULED:
                messages.success(request, _("公告将于 %(at)s 发布。") % {
                    "at": timezone.localtime(announcement.publish_at).strftime("%Y-%m-%d %H:%M")})
            else:
                messages.success(request, _("公告已发布。"))
            return redirect("notices:announcement", pk=announcement.pk)
    return render(request, "notices/announcement_form.html", {"form": form})


@login_required
@require_GET
def detail(request, pk: int):
    _require_send(request.user)
    announcement = _staff_one(request.user, pk)
    unreached = service.unreached(announcement)
    return render(request, "notices/announcement.html", {
        "a": announcement, "reach": service.reach(announcement),
        "unreached": unreached[:500], "unreached_more": max(0, unreached.count() - 500),
        "printing": request.GET.get("print") == "1",
    })


@login_required
@require_POST
def withdraw(request, pk: int):
    _require_send(request.user)
    announcement = _staff_one(request.user, pk)
    try:
        service.withdraw(actor=request.user, announcement=announcement, reason=request.POST.get("reason", "")[:300],
                         request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("公告已撤回。"))
    return redirect("notices:announcement", pk=announcement.pk)


@login_required
@require_POST
def told(request, pk: int, receipt_id: int):
    announcement = _staff_one(request.user, pk) if has_perm(request.user, Perm.NOTICES_SEND) else None
    if announcement is None:
        raise PermissionDenied
    receipt = get_object_or_404(Receipt, pk=receipt_id, announcement=announcement)
    try:
        service.mark_told(actor=request.user, receipt=receipt, request=request)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("notices:announcement", pk=announcement.pk)


def _mine(user):
    now = timezone.now()
    return (Announcement.objects.filter(receipts__user=user, status=AnnouncementStatus.PUBLISHED)
            .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now)).distinct())


@login_required
@require_GET
def board(request):
    rows = _mine(request.user).order_by("-urgent", "-published_at", "-pk")
    read = set(Receipt.objects.filter(user=request.user, read_at__isnull=False).values_list("announcement_id", flat=True))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notices/board.html", {"page": page, "read": read})


@login_required
@require_GET
def board_detail(request, pk: int):
    announcement = get_object_or_404(_mine(request.user), pk=pk)
    service.mark_read(user=request.user, announcement=announcement)
    return render(request, "notices/board_detail.html", {"a": announcement})


urls = [
    path("announcements/", manage, name="announcements"),
    path("announcements/new/", new, name="announcement_new"),
    path("announcements/<int:pk>/", detail, name="announcement"),
    path("announcements/<int:pk>/withdraw/", withdraw, name="announcement_withdraw"),
    path("announcements/<int:pk>/told/<int:receipt_id>/", told, name="announcement_told"),
    path("board/", board, name="board"),
    path("board/<int:pk>/", board_detail, name="board_detail"),
]
