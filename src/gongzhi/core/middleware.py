"""Security headers (CSP without inline scripts) and the language choice (Chinese by default)."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:{tiles}",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def content_security_policy() -> str:
    from .maps.raster import csp_img_hosts

    # The configured tile service's origins (one per subdomain; *.tianditu.gov.cn for 天地图); none for
    # an MBTiles file, whose tiles the platform serves itself.
    return CSP.format(tiles="".join(f" {host}" for host in csp_img_hosts()))


class SecurityHeadersMiddleware:
    """Adds CSP and related headers to every response (HSTS comes from SecurityMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.csp = content_security_policy()

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.csp)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Permissions-Policy", "camera=(self), geolocation=(self), microphone=()")
        if request.user.is_authenticated if hasattr(request, "user") else False:
            response.headers.setdefault("Cache-Control", "no-store")
        return response


LANG_COOKIE = "gongzhi_lang"
SUPPORTED = {code for code, _ in settings.LANGUAGES}


class LanguageMiddleware:
    """``?lang=en`` (remembered in a cookie) or the cookie; otherwise Simplified Chinese.

    The browser's Accept-Language is ignored on purpose: the platform is Chinese first, and
    shared office machines often carry an English browser.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.GET.get("lang")
        lang = chosen if chosen in SUPPORTED else request.COOKIES.get(LANG_COOKIE)
        if lang not in SUPPORTED:
            lang = settings.LANGUAGE_CODE
        translation.activate(lang)
        request.LANGUAGE_CODE = lang
        response = self.get_response(request)
        if chosen in SUPPORTED:
            response.set_cookie(LANG_COOKIE, chosen, max_age=365 * 86400, samesite="Lax",
                                secure=settings.SESSION_COOKIE_SECURE)
        response.headers.setdefault("Content-Language", lang)
        translation.deactivate()
        return response


# --- Machine endpoints ----------------------------------------------------------------------------
# Open311 clients authenticate each request with their api_key: no session, no signed-in user, no
# flash messages and no second factor apply to them. The session, authentication, OTP and messages
# middleware are therefore passed through for these paths (each would read the session or build
# its storage on every request: ≈ 0.1 ms of a POST that otherwise costs about half a millisecond);
# every other middleware — security headers, language, size limits, CSRF exemption — still runs.
# ``request.user`` is not set there: nothing under these paths reads it.
MACHINE_PREFIXES = ("/open311/",)


def machine_endpoint(request) -> bool:
    return request.path_info.startswith(MACHINE_PREFIXES)


class _PassedForMachines:
    """Mixin: the wrapped middleware is skipped for ``MACHINE_PREFIXES``."""

    def __call__(self, request):
        if request.path_info.startswith(MACHINE_PREFIXES):
            return self.get_response(request)
        return super().__call__(request)


def _passed_for_machines(base: type) -> type:
    return type(base.__name__, (_PassedForMachines, base), {"__module__": __name__, "__doc__": (
        f"``{base.__module__}.{base.__name__}``, skipped for machine endpoints (``MACHINE_PREFIXES``).")})


def _django_middleware():
    from django.contrib.auth.middleware import AuthenticationMiddleware
    from django.contrib.messages.middleware import MessageMiddleware
    from django.contrib.sessions.middleware import SessionMiddleware
    from django_otp.middleware import OTPMiddleware

    return SessionMiddleware, AuthenticationMiddleware, OTPMiddleware, MessageMiddleware


(SessionMiddleware, AuthenticationMiddleware, OTPMiddleware, MessageMiddleware) = map(
    _passed_for_machines, _django_middleware())
