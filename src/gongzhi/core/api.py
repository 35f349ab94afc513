"""The REST API at /api/v1: one NinjaAPI, errors as JSON ``{"detail", "code"}``, two auth methods.

Auth: the browser session (with CSRF on unsafe methods) or ``Authorization: Bearer <token>``
(personal tokens, stored hashed). Each domain app contributes routers from its ``api.py``, declared
in its ``plugin.py`` (``core.plugins.ApiMount``).
"""

from __future__ import annotations

import logging
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.urls import URLPattern
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from gongzhi.core.errors import DomainError
from gongzhi.core.nul_guard import NUL_MESSAGE, NulCharacterRefused, holds_nul
from gongzhi.core import plugins
from gongzhi.core.plugins import add_api_routers

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


class ApiErrorOut(Schema):
    """Every error the API answers: a Chinese ``detail`` (a message, or the validation errors by
    field) and a stable machine-readable ``code``."""

    detail: str | list[Any] | dict[str, Any] = Field(description="Chinese message, or the errors by field")
    code: str = Field(description="stable error code, e.g. not_found, invalid, password_expired")
    fields: dict[str, Any] | None = Field(None, description="field → message, when the error belongs to fields")


# Responses every operation can give besides its own (see ``GongzhiApi.get_openapi_schema``).
ERROR_RESPONSES = {
    400: "Bad request (`bad_request`, a refused domain step)",
    401: "Not signed in, or the token is invalid, expired or revoked (`unauthorized`)",
    403: "Forbidden: no permission (`forbidden`), CSRF (`csrf_failed`), or a step the account owes first "
         "(`two_factor_setup_required`, `two_factor_required`, `password_change_required`, `password_expired`)",
    404: "Not found, or out of the caller's scope (`not_found`)",
    409: "Conflict: the object changed or is not in a state that allows the step (`conflict`)",
    422: "Invalid input (`invalid`; `nul_character` for text holding a NUL character)",
    429: "Too many requests (`rate_limited`): try again after the seconds in the Retry-After header",
}
WRITE_METHODS = {"post", "put", "patch", "delete"}


class GongzhiApi(NinjaAPI):
    """A NinjaAPI whose "method not allowed" is the JSON error body too (ninja sends plain text),
    and whose OpenAPI document lists the error responses every operation really gives."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas.setdefault("ApiErrorOut", ApiErrorOut.model_json_schema(ref_template="#/components/schemas/{model}"))
        ref = {"$ref": "#/components/schemas/ApiErrorOut"}
        for path_item in schema.get("paths", {}).values():
            for method, operation in path_item.items():
                responses = operation.setdefault("responses", {})
                for status, description in ERROR_RESPONSES.items():
                    if status in (409, 429) and method not in WRITE_METHODS:
                        continue
                    if status in responses or str(status) in responses:
                        continue
                    responses[status] = {"description": description,
                                         "content": {"application/json": {"schema": ref}}}
        add_links(schema)
        return schema

    @property
    def urls(self):
        patterns, app_name, namespace = super().urls
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                pattern.callback = _json_method_not_allowed(pattern.callback)
        return patterns, app_name, namespace


def _record_pointer(response: dict, schemas: dict) -> tuple[str, dict] | None:
    """Where one record sits in a success response (``""`` the body itself, ``"/items/0"`` the first of a
    page, ``"/0"`` the first of a list) and that record's schema; None when the body holds no record."""

    def resolve(node: dict) -> dict:
        ref = node.get("$ref", "")
        return schemas.get(ref.rsplit("/", 1)[-1], {}) if ref else node

    body = resolve(response.get("content", {}).get("application/json", {}).get("schema", {}))
    if body.get("type") == "array":
        return "/0", resolve(body.get("items", {}))
    items = body.get("properties", {}).get("items", {})
    if items.get("type") == "array":
        return "/items/0", resolve(items.get("items", {}))
    if body.get("properties"):
        return "", body
    return None


def add_links(schema: dict) -> None:
    """OpenAPI links where operations chain: what a create (POST) or a list (GET) of ``/x`` answers
    names the record that ``/x/{pk}`` and ``/x/{pk}/…`` take (create a case → read it, act on it;
    list the votes → read one, cast a ballot). Stateful fuzzing (schemathesis) follows them, and
    so does anyone reading the document. Worked out from the paths, so a new router gets its links."""
    import re

    paths = schema.get("paths", {})
    schemas = schema.get("components", {}).get("schemas", {})
    for source_path, item in paths.items():
        for method, operation in item.items():
            if method not in ("get", "post"):
                continue
            for status, response in operation.get("responses", {}).items():
                if not str(status).startswith("2"):
                    continue
                found = _record_pointer(response, schemas)
                if found is None:
                    continue
                pointer, record = found
                fields = record.get("properties", {})
                links = {}
                for target_path, target_item in paths.items():
                    match = re.fullmatch(r"/\{(\w+)\}(/[^{}]*)?", target_path[len(source_path):]) \
                        if target_path.startswith(source_path + "/") else None
                    if match is None:
                        continue
                    param = match.group(1)
                    field = param if param in fields else "id" if "id" in fields else None
                    if field is None:
                        continue
                    for target_method, target in target_item.items():
                        if target.get("operationId"):
                            links[target["operationId"]] = {
                                "operationId": target["operationId"],
                                "parameters": {param: f"$response.body#{pointer}/{field}"},
                            }
                if links:
                    response["links"] = links


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


def _refuse_nul():
    return ApiError(422, "nul_character", str(NUL_MESSAGE))


class NulRefusingParser(Parser):
    """JSON bodies and query strings with a NUL character are refused with a 422 here, once:
    PostgreSQL cannot store or even compare text holding NUL, so it would fail deep inside a query.
    A raw NUL byte (invalid JSON) and an escaped ``\\u0000`` get the same answer."""

    def parse_body(self, request):
        if b"\x00" in request.body:
            raise _refuse_nul()
        data = super().parse_body(request)
        if holds_nul(data):
            raise _refuse_nul()
        return data

    def parse_querydict(self, data, list_fields, request):
        result = super().parse_querydict(data, list_fields, request)
        if holds_nul(result):
            raise _refuse_nul()
        return result


def _new_api() -> GongzhiApi:
    return GongzhiApi(
        parser=NulRefusingParser(),
        title="Gongzhi API",
        version="1",
        description="共治 社区治理平台 API. Errors are JSON objects {detail, code}.",
        urls_namespace="api",
        auth=[BearerTokenAuth(), SessionAuth()],
    )


api = _new_api()
HANDLERS: list[tuple[type[Exception], Any]] = []


def _handles(exc_class):
    """Register an exception handler on ``api`` (and on any API built anew, see ``current_api``)."""

    def register(handler):
        HANDLERS.append((exc_class, handler))
        api.add_exception_handler(exc_class, handler)
        return handler

    return register


STATUS_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
                409: "conflict", 422: "invalid", 429: "throttled"}


def error_response(request, status: int, code: str, detail):
    return api.create_response(request, {"detail": detail, "code": code}, status=status)


@_handles(ApiError)
def _api_error(request, exc: ApiError):
    return error_response(request, exc.status_code, exc.code, str(exc))


@_handles(DomainError)
def _domain_error(request, exc: DomainError):
    body = {"detail": exc.message, "code": exc.code}
    if exc.fields:
        body["fields"] = exc.fields  # field → message, when the error belongs to given fields
    response = api.create_response(request, body, status=exc.status)
    if getattr(exc, "retry_after", None):  # a rate limit: when to try again
        response["Retry-After"] = str(exc.retry_after)
    return response


@_handles(NulCharacterRefused)
def _nul_character(request, exc: NulCharacterRefused):
    return error_response(request, 422, "nul_character", str(NUL_MESSAGE))


@_handles(HttpError)
def _http_error(request, exc: HttpError):
    # ninja wraps any failure of the body parser in a 400 "Cannot parse request body": a refusal
    # of ours keeps its own status and code, and a body that is not JSON is a Chinese 422.
    cause = exc.__cause__
    if isinstance(cause, ApiError):
        return _api_error(request, cause)
    if isinstance(cause, NulCharacterRefused):
        return _nul_character(request, cause)
    if cause is not None and exc.status_code == 400:
        return error_response(request, 422, "invalid_body", _("请求体无法解析，请提交有效的 JSON。"))
    return error_response(request, exc.status_code, STATUS_CODES.get(exc.status_code, "error"), str(exc))


@_handles(ValidationError)
def _validation_error(request, exc: ValidationError):
    return error_response(request, 422, "invalid", exc.errors)


@_handles(DjangoValidationError)
def _model_validation_error(request, exc: DjangoValidationError):
    """Service/model validation (``full_clean``): 422 with the Chinese messages per field."""
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return error_response(request, 422, "invalid", detail)


@_handles(AuthenticationError)
def _auth_error(request, exc):
    return error_response(request, 401, "unauthorized", _("未登录，或令牌无效、已过期、已吊销。"))


@_handles(Http404)
def _not_found(request, exc):
    return error_response(request, 404, "not_found", _("对象不存在，或不在您的管辖范围内。"))


@_handles(ObjectDoesNotExist)
def _does_not_exist(request, exc):
    return error_response(request, 404, "not_found", _("对象不存在，或不在您的管辖范围内。"))


@_handles(PermissionDenied)
def _forbidden(request, exc):
    return error_response(request, 403, "forbidden", _("没有执行此操作的权限。"))


@_handles(Exception)
def _unexpected(request, exc):
    from django.db import InterfaceError, OperationalError

    from .files import is_disk_full

    logger.exception("unhandled API error")
    if isinstance(exc, (OperationalError, InterfaceError)):  # the database unreachable (or SQLite still busy)
        response = error_response(request, 503, "unavailable", _(
            "数据库暂时无法连接，您的这次操作没有保存。请稍后重试。"))
        response["Retry-After"] = "30"
        return response
    if is_disk_full(exc):
        return error_response(request, 507, "insufficient_storage", _(
            "服务器磁盘空间不足，文件没有保存，您的这次操作也没有保存。请联系系统管理员清理空间后重试。"))
    return error_response(request, 500, "server_error", _("服务器内部错误，已记录。"))


# Each installed app adds its routers (``ApiMount`` in its ``plugin.py``).
add_api_routers(api)
_built_for = {plugins.current_generation(): api}


def current_api() -> GongzhiApi:
    """The API with the routers of the installed apps: ``api``, or — after the installed apps
    changed (a test adding an app) — an API built anew with the same handlers."""
    generation = plugins.current_generation()
    if generation not in _built_for:
        fresh = _new_api()
        for exc_class, handler in HANDLERS:
            fresh.add_exception_handler(exc_class, handler)
        add_api_routers(fresh)
        _built_for[generation] = fresh
    return _built_for[generation]


def urls():
    """The URL patterns of ``current_api()`` (mounted at ``api/v1/`` by ``core/plugin.py``)."""
    return current_api().urls
