"""Per-request session policy: idle expiry by role, password expiry, forced change, 2FA.

Runs after the authentication and OTP middleware. Pages only: the API authenticates in
``gongzhi.core.api``, which applies the same rules (``accounts.policy``) to sessions and tokens
and answers 403 with the step's code; static files, the health check and Open311 carry no
session policy.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from .policy import blocked_step, needs_two_factor
from .roles import PRIVILEGED_ROLES, Role

# No session policy at all on these paths (no idle refresh, no redirects).
PASSIVE_PREFIXES = ("/static/", "/healthz", "/api/", "/open311/")
# The sliding expiry is re-saved at most this often: not every request writes the session row
# (a page polling a job's progress every second would otherwise write once a second, and on
# SQLite wait behind an import's long transaction). Idle expiry is exact to within this interval.
TOUCH_SECONDS = 60
# Idle refresh, but no redirect to a required step (one must be able to leave or sign in).
NO_REDIRECT_PREFIXES = PASSIVE_PREFIXES + ("/accounts/logout/", "/accounts/login/")


def idle_seconds(user) -> int:
    """Idle timeout: short for administrators, district and street; residents stay signed in."""
    roles = user.roles()
    if roles & PRIVILEGED_ROLES:
        return settings.GONGZHI_IDLE_MINUTES_PRIVILEGED * 60
    if roles - {Role.RESIDENT}:
        return settings.GONGZHI_IDLE_MINUTES_STAFF * 60
    return settings.GONGZHI_RESIDENT_SESSION_DAYS * 86400


# Epoch second until which a grid worker's offline field day holds the session open (field.keys).
SESSION_FIELD_UNTIL = "_field_until"


def session_idle_seconds(session, user) -> int:
    """The role's idle limit, or a field day's length while an offline field day is open: a grid
    worker in a basement without signal must not be signed out after 30 minutes."""
    seconds = idle_seconds(user)
    if session.get(SESSION_FIELD_UNTIL, 0) > time.time():
        seconds = max(seconds, settings.GONGZHI_FIELD_OFFLINE_HOURS * 3600)
    return seconds


def session_second_factor_verified(user) -> bool:
    return bool(hasattr(user, "is_verified") and user.is_verified())


def session_lacks_second_factor(user) -> bool:
    """A signed-in session of a role that must use two factors, without a verified code."""
    return needs_two_factor(user) and not session_second_factor_verified(user)


def required_step(request, user) -> str | None:
    """The page the user must complete before anything else, or None (rules: ``policy``)."""
    if request.path.startswith(NO_REDIRECT_PREFIXES):
        return None
    step = blocked_step(user, second_factor_verified=session_second_factor_verified(user))
    return reverse(step.url_name) if step else None


class SessionPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(PASSIVE_PREFIXES):
            return self.get_response(request)
        user = getattr(request, "user", None)
        response = None
        if user is not None and user.is_authenticated:
            target = required_step(request, user)
            if target and request.path != target:
                response = redirect(target)
        if response is None:
            response = self.get_response(request)
        # Sliding idle timeout, set after the view so that the sign-in response itself (where
        # login() has just replaced request.user) already carries the role's limit.
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            touch(request.session, session_idle_seconds(request.session, user))
        return response


def touch(session, seconds: int) -> None:
    """Slide the session's expiry to ``seconds`` from now, writing it at most every TOUCH_SECONDS."""
    now = int(time.time())
    if session.get("_session_expiry") != seconds or now - session.get("_touched", 0) >= TOUCH_SECONDS:
        session.set_expiry(seconds)
        session["_touched"] = now
