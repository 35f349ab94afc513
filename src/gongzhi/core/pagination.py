"""API pagination for every list endpoint: ninja's page numbers, with the page number bounded.

ninja accepts any page number; a huge one (found by schemathesis: ``?page=219601323726320800``)
makes an OFFSET beyond 64 bits, which the database rejects with a server error. Past the bound
the client gets a 422 like any other invalid parameter.
"""

from __future__ import annotations

from ninja import Field, Schema
from ninja.pagination import PageNumberPagination as NinjaPageNumberPagination

MAX_PAGE = 1_000_000


class PageNumberPagination(NinjaPageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1)


def page_query(request) -> str:
    """The request's query string without ``page``: what the pager's links carry along."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


# 长辈模式 shows fewer items per page (适老化: fewer items per screen).
ELDER_PAGE_SIZE = 8


def page_size_for(user, default: int) -> int:
    """``default``, or fewer for an account in 长辈模式."""
    return min(default, ELDER_PAGE_SIZE) if getattr(user, "elder_mode", False) else default
