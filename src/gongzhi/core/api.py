"""The REST API at /api/v1: one NinjaAPI, errors as JSON ``{"detail", "code"}``, two auth methods.

Auth: the browser session (with CSRF on unsafe methods) or ``Authorization: Bearer <token>``
(personal tokens, stored hashed). Each domain app contributes a router in its ``api.py``.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import APIKeyCookie, HttpBearer

logger = logging.getLogger(__name__)


class ApiError(HttpError):
    """An HTTP error with a stable machine-readable code."""

    def __init__(self, status_code: int, code: str, detail: str):
        super().__init__(status_code, detail)
        self.code = code


class BearerTokenAuth(HttpBearer):
    openapi_description = "Personal API token: Authorization: Bearer gz_…"

    def authenticate(self, request, token):
        from gongzhi.accounts.services import user_for_token

        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The signed-in browser session; CSRF is enforced for unsafe methods."""

    param_name = "gongzhi_session"

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        return None


api = NinjaAPI(
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


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    return error_response(request, exc.status_code, STATUS_CODES.get(exc.status_code, "error"), str(exc))


@api.exception_handler(ValidationError)
def _validation_error(request, exc: ValidationError):
    return error_response(request, 422, "invalid", exc.errors)


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

    api.add_router("/", accounts_router)
    api.add_router("/areas", areas_router)


_register_routers()
