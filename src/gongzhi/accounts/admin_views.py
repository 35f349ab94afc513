"""Account administration pages for the system administrator: list, detail, unlock."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .models import AccountLock, User
from .permissions import require_perm
from .roles import Perm, Role
from . import services


@login_required
def user_list(request):
    require_perm(request.user, Perm.ACCOUNTS_MANAGE)
    q = request.GET.get("q", "").strip()
    role = request.GET.get("role", "")
    users = User.objects.order_by("username").prefetch_related("role_assignments__area", "role_assignments__department")
    if q:
        users = users.filter(Q(username__icontains=q) | Q(real_name__icontains=q))
    if role:
        users = users.filter(role_assignments__role=role).distinct()
    page = Paginator(users, 25).get_page(request.GET.get("page"))
    locked = set(AccountLock.objects.filter(until__gt=timezone.now()).values_list("username", flat=True))
    return render(request, "accounts/user_list.html", {
        "page": page, "q": q, "role": role, "roles": Role.choices, "locked": locked,
    })


@login_required
def user_detail(request, user_id: int):
    require_perm(request.user, Perm.ACCOUNTS_MANAGE)
    target = get_object_or_404(User, pk=user_id)
    lock = AccountLock.objects.filter(username=target.username.lower(), until__gt=timezone.now()).first()
    return render(request, "accounts/user_detail.html", {
        "target": target, "lock": lock,
        "assignments": target.role_assignments.select_related("area", "department"),
    })


@login_required
@require_POST
def user_unlock(request, user_id: int):
    require_perm(request.user, Perm.ACCOUNTS_UNLOCK)
    target = get_object_or_404(User, pk=user_id)
    if services.unlock_account(actor=request.user, username=target.username, request=request):
        messages.success(request, _("已解除账号 %(u)s 的登录锁定。") % {"u": target.username})
    else:
        messages.info(request, _("账号 %(u)s 当前未被锁定。") % {"u": target.username})
    return redirect("accounts:user_detail", user_id=target.pk)
