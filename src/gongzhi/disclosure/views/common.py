"""Helpers shared by the disclosure pages: filters read from the query string, pagination."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.core.paginator import Paginator

from ..models import Category

PAGE_SIZE = 10
STAFF_PAGE_SIZE = 30


def item_filters(request) -> dict:
    """q, category, year and quarter from the query string; anything malformed is ignored."""
    get = request.GET
    filters: dict = {"q": (get.get("q") or "").strip()[:100]}
    category = get.get("category") or ""
    filters["category"] = category if category in Category.values else ""
    year = get.get("year") or ""
    filters["year"] = int(year) if year.isdigit() and 2000 <= int(year) <= datetime.date.today().year + 1 else None
    quarter = get.get("quarter") or ""
    filters["quarter"] = int(quarter) if quarter in ("1", "2", "3", "4") and filters["year"] else None
    return filters


def querystring(filters: dict) -> str:
    return urlencode({k: v for k, v in filters.items() if v})


def paginate(request, items, size: int = PAGE_SIZE):
    return Paginator(items, size).get_page(request.GET.get("page"))
