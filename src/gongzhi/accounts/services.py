"""Account use cases: each checks permission, writes in a transaction and records an audit entry."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from gongzhi.audit.services import record

from . import lockout
from .models import ApiToken, RoleAssignment, User
from .permissions import has_perm
from .roles import Perm

TOKEN_PREFIX = "gz_"


def create_user(
    *,
    actor,
    username: str,
    password: str,
    real_name: str = "",
    phone: str = "",
    must_change_password: bool | None = None,
    request=None,
) -> User:
    """Create an account (system admin, or ``actor=None`` for set-up commands)."""
    if actor is not None and not has_perm(actor, Perm.ACCOUNTS_MANAGE):
        raise PermissionDenied
    user = User(username=username, real_name=real_name, phone=phone)
    validate_password(password, user)
    if must_change_password is None:
        must_change_password = settings.GONGZHI_FORCE_FIRST_PASSWORD_CHANGE
    with transaction.atomic():
        user.set_password(password)
        user.must_change_password = must_change_password
        user.save()
        record(actor=actor, action="account.create", obj=user, after={"username": username, "real_name": real_name},
               request=request)
    return user


def assign_role(*, actor, user: User, role: str, area=None, department=None, request=None) -> RoleAssignment:
    if actor is not None and not has_perm(actor, Perm.ACCOUNTS_MANAGE):
        raise PermissionDenied
    with transaction.atomic():
        assignment, created = RoleAssignment.objects.get_or_create(user=user, role=role, area=area, department=department)
        if created:
            record(actor=actor, action="account.role_assign", obj=user,
                   after={"role": role, "area": getattr(area, "code", None), "department": getattr(department, "code", None)},
                   request=request)
    return assignment


def unlock_account(*, actor, username: str, request=None) -> bool:
    """Lift a login lock (admin page or ``./gz manage unlock``; ``actor=None`` for the command)."""
    if actor is not None and not has_perm(actor, Perm.ACCOUNTS_UNLOCK):
        raise PermissionDenied
    with transaction.atomic():
        was_locked = lockout.unlock(username)
        record(actor=actor, action="account.unlock", object_type="accounts.user", object_id=username,
               object_repr=username, after={"was_locked": was_locked}, request=request,
               actor_name="" if actor else "command-line")
    return was_locked


def change_password(*, user: User, old_password: str, new_password: str, request=None) -> None:
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    if not user.check_password(old_password):
        raise ValidationError(_("原密码不正确。"), code="wrong_password")
    if old_password == new_password:
        raise ValidationError(_("新密码不能与原密码相同。"), code="same_password")
    validate_password(new_password, user)
    with transaction.atomic():
        user.set_password(new_password)
        user.must_change_password = False
        user.save(update_fields=["password", "password_changed_at", "must_change_password"])
        record(actor=user, action="account.password_change", obj=user, request=request)


def password_expired(user: User) -> bool:
    days = settings.GONGZHI_PASSWORD_MAX_AGE_DAYS
    if days <= 0 or user.password_changed_at is None:
        return False
    return user.password_changed_at < timezone.now() - timedelta(days=days)


def create_api_token(*, user: User, name: str, request=None) -> tuple[ApiToken, str]:
    """Issue a personal token; returns (token, key). Only the key's hash is stored."""
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=(name or "API")[:100],
            prefix=key[:10],
            key_hash=ApiToken.hash_key(key),
            expires_at=timezone.now() + timedelta(days=settings.GONGZHI_API_TOKEN_DAYS),
        )
        record(actor=user, action="account.token_create", obj=token, object_repr=f"{token.name} {token.prefix}…",
               request=request)
    return token, key


def revoke_api_token(*, user: User, token_id: int, request=None) -> ApiToken:
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token_id, user=user)
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            record(actor=user, action="account.token_revoke", obj=token, object_repr=f"{token.name} {token.prefix}…",
                   request=request)
    return token


def user_for_token(key: str) -> User | None:
    """The active user behind a bearer key, or None. Touches last_used_at at most once a minute."""
    if not key or not key.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.active().select_related("user").filter(key_hash=ApiToken.hash_key(key)).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
