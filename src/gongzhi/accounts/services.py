"""Account use cases: each checks permission, writes in a transaction and records an audit entry."""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.audit.services import client_ip, record
from gongzhi.privacy import crypto
from gongzhi.privacy.fields import blind_lookup

from . import captcha, lockout, policy, two_factor
from .backends import LoginRefused
from .models import ApiToken, RoleAssignment, User
from .permissions import has_perm
from .roles import Perm, violates_separation

TOKEN_PREFIX = "gz_"

SEPARATION_MESSAGE = gettext_lazy("系统管理员与安全审计员须由不同账号担任（三员分立）。")


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
    """Grant ``role`` in ``area`` (or, for department staff, in ``department``); idempotent."""
    if actor is not None and not has_perm(actor, Perm.ACCOUNTS_MANAGE):
        raise PermissionDenied
    if violates_separation(set(user.role_assignments.values_list("role", flat=True)) | {role}):
        raise ValidationError(SEPARATION_MESSAGE, code="separation_of_duties")
    with transaction.atomic():
        assignment, created = RoleAssignment.objects.get_or_create(user=user, role=role, area=area, department=department)
        if created:
            record(actor=actor, action="account.role_assign", obj=user,
                   after={"role": role, "area": getattr(area, "code", None), "department": getattr(department, "code", None)},
                   request=request)
            revoke_api_tokens(user=user, reason=REVOKED_ROLES, actor=actor, request=request)
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


def reset_two_factor(*, actor, user: User, request=None) -> int:
    """Remove a user's TOTP devices (lost phone); they set up a new one at next sign-in."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if not has_perm(actor, Perm.ACCOUNTS_MANAGE):
        raise PermissionDenied
    with transaction.atomic():
        removed, _ = TOTPDevice.objects.filter(user=user).delete()
        record(actor=actor, action="account.2fa_reset", obj=user, after={"devices_removed": removed}, request=request)
        revoke_api_tokens(user=user, reason=REVOKED_TWO_FACTOR, actor=actor, request=request)
    return removed


def change_password(*, user: User, old_password: str, new_password: str, request=None) -> None:
    """Change one's own password: the old one must match, the new one must follow the rules.

    Raises ``ValidationError`` (code ``wrong_password``, ``same_password`` or the validators'
    codes) with Chinese messages; on success clears the forced-change flag and is audited.
    """
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
        revoke_api_tokens(user=user, reason=REVOKED_PASSWORD, actor=user, request=request)


def password_expired(user: User) -> bool:
    """True when the password is older than ``GONGZHI_PASSWORD_MAX_AGE_DAYS`` (0 = never)."""
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
            credential_stamp=policy.credential_stamp(user),
        )
        record(actor=user, action="account.token_create", obj=token, object_repr=f"{token.name} {token.prefix}…",
               request=request)
    return token, key


def revoke_api_token(*, user: User, token_id: int, request=None) -> ApiToken:
    """Revoke one of the user's own tokens (idempotent); ``DoesNotExist`` for anyone else's."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token_id, user=user)
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            record(actor=user, action="account.token_revoke", obj=token, object_repr=f"{token.name} {token.prefix}…",
                   request=request)
    return token


# Why a user's tokens were revoked all at once (``ApiToken.revoked_reason``, audit entry).
REVOKED_PASSWORD = "password_change"
REVOKED_TWO_FACTOR = "two_factor_change"
REVOKED_ROLES = "role_change"
REVOKED_CREDENTIALS = "credentials_changed"


def revoke_api_tokens(*, user: User, reason: str, actor=None, request=None) -> int:
    """Revoke every active token of ``user`` (a credential or role change); audited when any was."""
    with transaction.atomic():
        count = ApiToken.objects.active().filter(user=user).update(revoked_at=timezone.now(), revoked_reason=reason)
        if count:
            record(actor=actor, action="account.tokens_revoke", obj=user, after={"tokens": count, "reason": reason},
                   request=request, actor_name="" if actor else "system")
    return count


@dataclass(frozen=True)
class TokenHolder:
    """The user behind a bearer key, and whether the key was issued after a second factor."""

    user: User
    second_factor_verified: bool


def token_holder(key: str) -> TokenHolder | None:
    """The active user behind a bearer key, or None. Touches last_used_at at most once a minute.

    A token whose user changed password, second factor or roles since it was issued (its
    credential stamp no longer matches) is revoked here and refused, whatever path made the
    change. Tokens issued before stamps existed are stamped on first use.
    """
    if not key or not key.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.active().select_related("user").filter(key_hash=ApiToken.hash_key(key)).first()
    if token is None or not token.user.is_active:
        return None
    user = token.user
    credentials = policy.Credentials.of(user)
    stamp = credentials.stamp(user)
    now = timezone.now()
    if token.credential_stamp and token.credential_stamp != stamp:
        revoke_api_tokens(user=user, reason=REVOKED_CREDENTIALS)
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=now, revoked_reason=REVOKED_CREDENTIALS)
        return None
    changes = {}
    if not token.credential_stamp:
        changes["credential_stamp"] = stamp
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        changes["last_used_at"] = now
    if changes:
        ApiToken.objects.filter(pk=token.pk).update(**changes)
    # The stamp covers the devices: a device present now was present when the token was issued
    # (through the second factor when the account had one).
    return TokenHolder(user=user, second_factor_verified=bool(credentials.devices))


def user_for_token(key: str) -> User | None:
    """The active user behind a bearer key, or None (policy not applied: see ``token_holder``)."""
    holder = token_holder(key)
    return holder.user if holder else None


SIGN_IN_OK = "ok"
SIGN_IN_INVALID = "invalid_credentials"
SIGN_IN_OTP_INVALID = "otp_invalid"
SIGN_IN_LOCKED = "locked"
SIGN_IN_IP_THROTTLED = "ip_throttled"
SIGN_IN_CAPTCHA_REQUIRED = "captcha_required"


@dataclass(frozen=True)
class SignIn:
    """The outcome of ``sign_in``: ``user`` is set only when every factor passed."""

    outcome: str
    user: User | None = None
    device: object = None
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome == SIGN_IN_OK

    @property
    def refused(self) -> bool:
        return self.outcome in (SIGN_IN_LOCKED, SIGN_IN_IP_THROTTLED, SIGN_IN_CAPTCHA_REQUIRED)

    @property
    def needs_captcha(self) -> bool:
        return self.outcome == SIGN_IN_CAPTCHA_REQUIRED


_MOBILE = re.compile(r"1\d{10}")


def login_name(typed: str) -> str:
    """The account a sign-in attempt names: a username, or a mobile number bound to one account.

    Residents sign in with their phone. The lockout and the audit log then key on the account's
    username, so a typed phone number is never stored in clear; a number that names no single
    account is keyed by a blind index (failures against it still count and lock).
    """
    text = unicodedata.normalize("NFKC", typed or "").strip()[:150]
    compact = re.sub(r"[\s\-()]", "", text).removeprefix("+86")
    if not _MOBILE.fullmatch(compact) or User.objects.filter(username=text).exists():
        return text
    names = list(User.objects.filter(blind_lookup(User, "phone_index", compact))
                 .values_list("username", flat=True)[:2])
    if len(names) == 1:
        return names[0]
    return "tel:" + crypto.blind_index(compact, label="login-phone")[:16]


def sign_in(*, request, username: str, password: str, otp: str = "", channel: str = "login",
            captcha_key: str = "", captcha_answer: str = "") -> SignIn:
    """Check a password and, when the account has a TOTP device, its one-time code.

    One guard for the login page (``channel="login"``) and ``POST /api/v1/auth/token``
    (``channel="token"``): a wrong password or a wrong code counts towards the same account lock
    and IP throttle, a complete success forgives earlier failures. Every refusal is audited.
    It neither starts a session nor issues a token: the caller does that with ``result.user``.
    """
    name = login_name(username)
    captcha_passed = False
    if lockout.ip_throttled(client_ip(request) if request is not None else None):
        # Past the address throttle every attempt needs a solved image challenge; with one, the
        # attempt goes on (and still counts towards the account's own lock).
        captcha_passed = captcha.verify(captcha_key, captcha_answer)
        if not captcha_passed:
            message = (_("图形验证码错误或已过期，请重新输入。") if captcha_key or captcha_answer
                       else lockout.locked_message(lockout.GuardState(ip_throttled=True)))
            record(actor=None, actor_name=name, action=f"{channel}.refused", success=False,
                   reason=SIGN_IN_CAPTCHA_REQUIRED, request=request)
            return SignIn(SIGN_IN_CAPTCHA_REQUIRED, message=message)
    try:
        user = authenticate(request, username=name, password=password, captcha_passed=captcha_passed)
    except LoginRefused as refused:
        outcome = SIGN_IN_LOCKED if refused.state.locked else SIGN_IN_CAPTCHA_REQUIRED
        if refused.new_lock:
            record(actor=None, actor_name=name, action=f"{channel}.failure", success=False, request=request)
            _record_lock(name, refused.state, request)
        else:
            record(actor=None, actor_name=name, action=f"{channel}.refused", success=False, reason=outcome,
                   request=request)
        return SignIn(outcome, message=str(refused))
    if user is None:
        record(actor=None, actor_name=name, action=f"{channel}.failure", success=False, request=request)
        return SignIn(SIGN_IN_INVALID, message=_("用户名或密码错误。"))
    device = two_factor.confirmed_device(user)
    if device is not None and not two_factor.verify(device, otp):
        state = register_otp_failure(user=user, request=request, channel=channel)
        if state.locked:
            return SignIn(SIGN_IN_LOCKED, message=lockout.locked_message(state))
        return SignIn(SIGN_IN_OTP_INVALID, message=_("动态验证码错误或已过期。"))
    lockout.register_success(name)
    return SignIn(SIGN_IN_OK, user=user, device=device)


def register_otp_failure(*, user: User, request=None, channel: str = "login") -> lockout.GuardState:
    """A wrong one-time code after a right password: counts towards the same lock, audited."""
    state = lockout.register_failure(user.username, client_ip(request) if request is not None else None)
    record(actor=None, actor_name=user.username, action=f"{channel}.otp_failure", success=False, request=request)
    if state.locked:
        _record_lock(user.username, state, request)
    return state


def _record_lock(username: str, state: lockout.GuardState, request) -> None:
    # Keyed by username like ``unlock_account``, so a lock and its unlock line up in the log.
    record(actor=None, actor_name=username, action="account.lock", object_type="accounts.user", object_id=username,
           object_repr=username, success=False, after={"until": state.until}, request=request)
