"""Rate limits: one mechanism for every action that a person (or an address) could repeat to
flood the platform — a fixed window per action and per user (or client address), counted in the
cache only (no database query: the counters are one ``add`` + ``incr`` per request).

Limits are settings ``GONGZHI_RATE_<ACTION>`` written ``"N/second|minute|hour|day"`` (``"0"`` or
``"off"`` switches one off, e.g. for a load test) and chosen generous: a legitimate user never
meets them. A refusal raises ``RateLimited`` (a ``DomainError``: pages show its Chinese message, the
API answers 429 ``{"detail", "code": "rate_limited"}`` with ``Retry-After``); the first refusal of
each window is audited (``security.rate_limited``), the rest of the window is not, so a flood does
not flood the audit log too.

Sign-in has its own lockout and address throttle (``accounts.lockout``), SMS codes their per-phone
and per-address daily limits (``accounts.signup``); they predate this module and keep their rules.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from .errors import DomainError

UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
PREFIX = "ratelimit"


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int


def parse(value) -> Rate | None:
    """``"10/hour"`` → Rate(10, 3600); ``"0"``, ``"off"`` or empty → None (no limit)."""
    text = str(value or "").strip().lower()
    if text in ("", "0", "off", "none"):
        return None
    count, _sep, unit = text.partition("/")
    unit = unit.strip().rstrip("s") or "minute"
    number, _sep, per = unit.rpartition(" ")  # "5 minutes" → 5 × 60
    if unit not in UNITS and per not in UNITS:
        raise ValueError(f"rate limit {value!r}: the unit is one of {', '.join(UNITS)}")
    seconds = UNITS[unit] if unit in UNITS else int(number) * UNITS[per]
    if int(count) <= 0:
        return None
    return Rate(int(count), seconds)


def rate_of(action: str) -> Rate | None:
    return parse(getattr(settings, f"GONGZHI_RATE_{action.upper()}", ""))


def client_ip(request) -> str:
    return (request.META.get("REMOTE_ADDR") or "") if request is not None else ""


def check(action: str, *, request=None, user=None, message: str = "") -> None:
    """Count one attempt at ``action`` by ``user`` (signed in) or else by the client's address;
    raise ``RateLimited`` when it goes over the limit of the current window."""
    rate = rate_of(action)
    if rate is None:
        return
    who = f"u{user.pk}" if user is not None and getattr(user, "pk", None) else f"ip{client_ip(request)}"
    now = time.time()
    window = int(now // rate.seconds)
    key = f"{PREFIX}:{action}:{who}:{window}"
    timeout = rate.seconds + 1
    cache.add(key, 0, timeout)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout)
        count = 1
    if count <= rate.count:
        return
    retry_after = int((window + 1) * rate.seconds - now) + 1
    if count == rate.count + 1:
        _audit(action, request=request, user=user, rate=rate)
    raise RateLimited(message or too_many_message(retry_after), retry_after=retry_after)


def too_many_message(retry_after: int) -> str:
    if retry_after < 120:
        wait = _("%(n)d 秒") % {"n": retry_after}
    elif retry_after < 7200:
        wait = _("%(n)d 分钟") % {"n": (retry_after + 59) // 60}
    else:
        wait = _("%(n)d 小时") % {"n": (retry_after + 3599) // 3600}
    return _("操作过于频繁，请 %(wait)s后再试。") % {"wait": wait}


def _audit(action: str, *, request, user, rate: Rate) -> None:
    from gongzhi.audit.services import record

    record(actor=user if getattr(user, "pk", None) else None, actor_name="" if getattr(user, "pk", None) else "anonymous",
           action="security.rate_limited", object_type="ratelimit", object_id=action, object_repr=action,
           after={"action": action, "limit": rate.count, "seconds": rate.seconds}, success=False, request=request)
