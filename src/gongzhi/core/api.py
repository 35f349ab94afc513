"""The REST API at /api/v1: one NinjaAPI, errors as JSON ``{"detail", "code"}``, two auth methods.

Auth: the browser session (with CSRF on unsafe methods) or ``Authorization: Bearer <token>``
(personal tokens, stored hashed). Each domain app contributes a router in its ``api.py``.
"""

from __future__ import annotations

import logging
from functools import wraps

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.urls import URLPattern
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from gongzhi.core.errors import DomainError

logger = logging.getLogger(__name__)


class ApiError(HttpError):
    """An HTTP error with a stable machine-readable code."""

    def __init__(self, status_code: int, code: str, detail: str):
        super().__init__(status_code, detail)
        self.code = code


class BearerTokenAuth(HttpBearer):
    openapi_description = "Personal API token: Authorization: Bearer gz_…"

    def authenticate(self, request, token):
        from gongzhi.accounts.services import token_holder

        holder = token_holder(token)
        if holder is None:
            return None
        refuse_blocked(holder.user, second_factor_verified=holder.second_factor_verified)
        request.user = holder.user
        return holder.user


def refuse_blocked(user, *, second_factor_verified: bool) -> None:
    """The account policy (``accounts.policy``), for sessions and tokens alike: 403 with the
    step's code (``two_factor_setup_required``, ``password_change_required``, ``password_expired``…)."""
    from gongzhi.accounts.policy import blocked_step

    step = blocked_step(user, second_factor_verified=second_factor_verified)
    if step is not None:
        raise ApiError(403, step.code, str(step.message))


class SessionAuth(APIKeyCookie):
    """The signed-in browser session; CSRF is enforced for unsafe methods.

    A session that still owes a step (second factor, password change: the pages redirect it
    there) gets 403 with the step's code, so the API is no way around the account policy.
    """

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request):
        # Without a session cookie there is nothing to forge: answer 401, not a CSRF 403, to a
        # client whose bearer token was wrong.
        if self.param_name not in request.COOKIES:
            return None
        if check_csrf(request):
            raise ApiError(403, "csrf_failed", _("安全校验（CSRF）未通过，请刷新页面后重试。"))
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request, key):
        from gongzhi.accounts.middleware import session_second_factor_verified

        user = getattr(request, "user", None)
        if key is None or user is None or not user.is_authenticated:
            return None
        refuse_blocked(user, second_factor_verified=session_second_factor_verified(user))
        return user


class GongzhiApi(NinjaAPI):
    """A NinjaAPI whose "method not allowed" is the JSON error body too (ninja sends plain text)."""

    @property
    def urls(self):
        patterns, app_name, namespace = super().urls
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                pattern.callback = _json_method_not_allowed(pattern.callback)
        return patterns, app_name, namespace


def _json_method_not_allowed(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith("application/json"):
            allowed = response.get("Allow", "")
            response = error_response(request, 405, "method_not_allowed", _("不支持该请求方法。"))
            response["Allow"] = allowed
        return response

    return wrapper


def _holds_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


class NulRefusingParser(Parser):
    """JSON bodies and query strings with a NUL character are refused with a 422 here, once:
    PostgreSQL cannot store or even compare text holding NUL, so it would fail deep inside a query."""

    def parse_body(self, request):
        data = super().parse_body(request)
        if _holds_nul(data):
            raise ApiError(422, "invalid", _("请求中含有不允许的空字符（\\u0000）。"))
        return data

    def parse_querydict(self, data, list_fields, request):
        result = super().parse_querydict(data, list_fields, request)
        if _holds_nul(result):
            raise ApiError(422, "invalid", _("请求中含有不允许的空字符（\\u0000）。"))
        return result


api = GongzhiApi(
    parser=NulRefusingParser(),
    title="Gongzhi API",
    version="1",
    description="共治 社区治理平台 API. Errors are JSON objects {detail, code}.",
    urls_namespace="api",
    auth=[BearerTokenAuth(), SessionAuth()],
)

STATUS_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
                409: "conflict", 422: "invalid", 429: "throttled"}


def error_response(request, status: int, code: str, detail):
    return api.create_response(request, {"detail": detail, "code": code}, status=status)


@api.exception_handler(ApiError)
def _api_error(request, exc: ApiError):
    return error_response(request, exc.status_code, exc.code, str(exc))


@api.exception_handler(DomainError)
def _domain_error(request, exc: DomainError):
    body = {"detail": exc.message, "code": exc.code}
    if exc.fields:
        body["fields"] = exc.fields  # field → message, when the error belongs to given fields
    return api.create_response(request, body, status=exc.status)


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    return error_response(request, exc.status_code, STATUS_CODES.get(exc.status_code, "error"), str(exc))


@api.exception_handler(ValidationError)
def _validation_error(request, exc: ValidationError):
    return error_response(request, 422, "invalid", exc.errors)


@api.exception_handler(DjangoValidationError)
def _model_validation_error(request, exc: DjangoValidationError):
    """Service/model validation (``full_clean``): 422 with the Chinese messages per field."""
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return error_response(request, 422, "invalid", detail)


@api.exception_handler(AuthenticationError)
def _auth_error(request, exc):
    return error_response(request, 401, "unauthorized", _("未登录，或令牌无效、已过期、已吊销。"))


@api.exception_handler(Http404)
def _not_found(request, exc):
    return error_response(request, 404, "not_found", _("对象不存在，或不在您的管辖范围内。"))


@api.exception_handler(ObjectDoesNotExist)
def _does_not_exist(request, exc):
    return error_response(request, 404, "not_found", _("对象不存在，或不在您的管辖范围内。"))


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return error_response(request, 403, "forbidden", _("没有执行此操作的权限。"))


@api.exception_handler(Exception)
def _unexpected(request, exc):
    logger.exception("unhandled API error")
    return error_response(request, 500, "server_error", _("服务器内部错误，已记录。"))


def _register_routers() -> None:
    from gongzhi.accounts.api import router as accounts_router
    from gongzhi.areas.api import router as areas_router
    from gongzhi.cases import api as cases_api
    from gongzhi.registry import api as registry_api

    api.add_router("/", accounts_router)
    api.add_router("/areas", areas_router)
    api.add_router("/persons", registry_api.persons_router)
    api.add_router("/houses", registry_api.houses_router)
    api.add_router("/organisations", registry_api.organisations_router)
    api.add_router("/facilities", registry_api.facilities_router)
    api.add_router("/cases", cases_api.router)
    api.add_router("/departments", cases_api.departments_router)


_register_routers()
