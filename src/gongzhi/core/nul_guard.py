"""One guard against NUL characters in submitted text, for every form, page and API operation.

PostgreSQL cannot store (or even compare) text holding U+0000: a NUL that reaches a query is a
500 (``DataError``). Django's form ``CharField`` refuses it, but views that read ``request.POST``
directly (and any future app) would not, so the guard sits below them all:

- ``NulCharacterGuardMiddleware`` refuses a query string holding NUL on the pages, and makes the
  first read of ``request.POST`` (by a view, a form, the CSRF check or the API) refuse a body
  holding NUL in any field name or value. The body is still parsed lazily, when first read, so
  upload handlers set by a view keep working.
- Pages answer 400 with a Chinese message (``core.views.bad_request``); the API answers 422
  ``{"code": "nul_character"}`` (``core.api``), for JSON bodies (``NulRefusingParser``) too.
- Open311 keeps its own validation and error format (its paths are skipped here).
"""

from __future__ import annotations

from django.core.exceptions import BadRequest
from django.utils.translation import gettext_lazy as _

NUL = "\x00"
SKIPPED_PREFIXES = ("/open311/", "/static/")
NUL_MESSAGE = _("提交的内容含有不允许的空字符（U+0000），请删除后重新提交。")


class NulCharacterRefused(BadRequest):
    """A request whose form fields or query string hold a NUL character."""

    code = "nul_character"
    title = _("内容无效")
    user_message = NUL_MESSAGE


def holds_nul(value) -> bool:
    """True when a string, or any key or value of a QueryDict / dict / list, holds NUL."""
    if isinstance(value, str):
        return NUL in value
    if hasattr(value, "lists"):
        return any(NUL in key or any(holds_nul(v) for v in values) for key, values in value.lists())
    if isinstance(value, dict):
        return any(holds_nul(k) or holds_nul(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(holds_nul(v) for v in value)
    return False


class NulCharacterGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(SKIPPED_PREFIXES):
            return self.get_response(request)
        # The API checks its own query strings (NulRefusingParser) and answers in JSON.
        if not request.path.startswith("/api/") and holds_nul(request.GET):
            raise NulCharacterRefused(str(NUL_MESSAGE))
        load = request._load_post_and_files

        def load_and_check():
            load()
            if holds_nul(request._post) or any(
                    NUL in (upload.name or "") for _field, uploads in request._files.lists() for upload in uploads):
                raise NulCharacterRefused(str(NUL_MESSAGE))

        request._load_post_and_files = load_and_check
        return self.get_response(request)
