"""Login guard: 5 failures lock an account for 15 minutes; past 50 failures from one IP, every
sign-in from it needs an image challenge (``accounts.captcha``) as well.

The two thresholds differ on purpose: a community office shares one address behind NAT, so one
clerk's typos must lock only that clerk's account, not the whole office. django-axes has a
single failure limit for every lockout parameter, which cannot express this, hence this module.
Used by the login page and by ``POST /api/v1/auth/token`` alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import AccountLock, LoginFailure


@dataclass(frozen=True)
class GuardState:
    locked: bool = False
    ip_throttled: bool = False
    until: object = None

    @property
    def refused(self) -> bool:
        return self.locked or self.ip_throttled


def normalize_username(username: str) -> str:
    return (username or "").strip().lower()[:150]


def ip_throttled(ip: str | None) -> bool:
    """Has ``ip`` failed too often lately? Then sign-ins from it need an image challenge (captcha)."""
    if not ip:
        return False
    window = timezone.now() - timedelta(minutes=settings.GONGZHI_IP_THROTTLE_MINUTES)
    return LoginFailure.objects.filter(ip=ip, at__gte=window).count() >= settings.GONGZHI_IP_THROTTLE_FAILURES


def check(username: str, ip: str | None, *, captcha_passed: bool = False) -> GuardState:
    """Is a sign-in attempt for ``username`` from ``ip`` refused before checking the password?

    A throttled address is refused only without a solved image challenge (``captcha_passed``):
    one office behind one address is not locked out as a whole. A locked account stays locked.
    """
    now = timezone.now()
    lock = AccountLock.objects.filter(username=normalize_username(username), until__gt=now).first()
    if lock:
        return GuardState(locked=True, until=lock.until)
    if not captcha_passed and ip_throttled(ip):
        return GuardState(ip_throttled=True, until=now + timedelta(minutes=settings.GONGZHI_IP_THROTTLE_MINUTES))
    return GuardState()


def register_failure(username: str, ip: str | None) -> GuardState:
    """Record a failure; lock the account when it reaches the limit within the window."""
    name = normalize_username(username)
    now = timezone.now()
    minutes = settings.GONGZHI_LOCKOUT_MINUTES
    with transaction.atomic():
        # Rows older than both windows (and a day) no longer matter; keep the table small.
        keep = max(timedelta(days=1), timedelta(minutes=max(minutes, settings.GONGZHI_IP_THROTTLE_MINUTES)))
        LoginFailure.objects.filter(at__lt=now - keep).delete()
        LoginFailure.objects.create(username=name, ip=ip, at=now)
        recent = LoginFailure.objects.filter(
            username=name, cleared=False, at__gte=now - timedelta(minutes=minutes)
        ).count()
        if recent >= settings.GONGZHI_LOCKOUT_FAILURES:
            until = now + timedelta(minutes=minutes)
            AccountLock.objects.update_or_create(username=name, defaults={"until": until})
            _clear(name)
            return GuardState(locked=True, until=until)
    return GuardState()


def register_success(username: str) -> None:
    """A complete sign-in (password and, if set up, the one-time code) forgives earlier typos."""
    _clear(normalize_username(username))


def unlock(username: str) -> bool:
    """Lift a lock and forget the failures; True when there was a lock."""
    name = normalize_username(username)
    with transaction.atomic():
        deleted, _ = AccountLock.objects.filter(username=name).delete()
        _clear(name)
    return bool(deleted)


def _clear(name: str) -> None:
    # Cleared, not deleted: the rows still count for the IP throttle (see LoginFailure).
    LoginFailure.objects.filter(username=name, cleared=False).update(cleared=True)


def is_locked(username: str) -> bool:
    return AccountLock.objects.filter(username=normalize_username(username), until__gt=timezone.now()).exists()


def locked_message(state: GuardState) -> str:
    from django.utils.translation import gettext as _

    if state.locked:
        return _("连续登录失败次数过多，账号已锁定 %(m)d 分钟。请稍后再试，或联系管理员解锁。") % {
            "m": settings.GONGZHI_LOCKOUT_MINUTES
        }
    return _("该网络地址登录失败次数过多，请输入图形验证码后再登录。")
