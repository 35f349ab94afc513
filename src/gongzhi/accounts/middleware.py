"""Per-request session policy: idle expiry by role, password expiry, forced change, 2FA."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from .roles import PRIVILEGED_ROLES, TWO_FACTOR_ROLES, Role

EXEMPT_PREFIXES = ("/static/", "/healthz", "/api/", "/open311/", "/accounts/logout/", "/accounts/login/")


def idle_seconds(user) -> int:
    roles = user.roles()
    if roles & PRIVILEGED_ROLES:
        return settings.GONGZHI_IDLE_MINUTES_PRIVILEGED * 60
    if roles - {Role.RESIDENT}:
        return settings.GONGZHI_IDLE_MINUTES_STAFF * 60
    return settings.GONGZHI_RESIDENT_SESSION_DAYS * 86400


def needs_two_factor(user) -> bool:
    return settings.GONGZHI_REQUIRE_2FA and bool(user.roles() & TWO_FACTOR_ROLES)


class SessionPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith(EXEMPT_PREFIXES[:4]):
            # Sliding idle timeout: the session dies after this much inactivity.
            request.session.set_expiry(idle_seconds(user))
            target = self.required_step(request, user)
            if target and request.path != target:
                return redirect(target)
        return self.get_response(request)

    def required_step(self, request, user) -> str | None:
        if request.path.startswith(EXEMPT_PREFIXES):
            return None
        from .services import password_expired

        if needs_two_factor(user) and not user.is_verified():
            return reverse("accounts:two_factor")
        staff = bool(user.roles() - {Role.RESIDENT})
        if user.must_change_password and settings.GONGZHI_FORCE_FIRST_PASSWORD_CHANGE:
            return reverse("accounts:password_change")
        if staff and password_expired(user):
            return reverse("accounts:password_change")
        return None
