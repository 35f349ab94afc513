"""Pages of a long staff list: by the last row seen (keyset), with a count that stops early.

An OFFSET page makes the database sort and skip every row before it (page 20,000 of a
district: seconds, half a gigabyte spilled to disk). A list in a keyset order — columns that
together tell every row apart, the primary key last, e.g. ``("name_pinyin", "pk")`` or
``("-reported_at", "-pk")`` — is paged by the last row seen instead, ``(a, b) > (…)``, which an
index in that order answers at any depth: the links are first / previous / next / last, and the
last page is the first page read backwards. Other orders keep numbered pages (next and previous).

The total is counted exactly up to ``EXACT_COUNT_LIMIT`` rows; above it, SQLite says
"more than 10,000" (a count bounded by LIMIT) and PostgreSQL gives the planner's estimate.
Used by the person list (``registry.paging``), the case queue and the audit log.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.db import connection, connections, models
from django.db.models import F, Q, QuerySet
from django.utils.http import urlencode

EXACT_COUNT_LIMIT = 10_000
MAX_NUMBERED_PAGE = 100  # an old ``?page=N`` link in a keyset order is honoured (by OFFSET) up to here
MAX_CURSOR = 300


@dataclass(frozen=True)
class Count:
    value: int
    exact: bool = True
    estimated: bool = False  # a planner's estimate (PostgreSQL); otherwise "more than ``value``"

    @property
    def grouped(self) -> str:
        return f"{self.value:,}"

    def __str__(self) -> str:
        return self.shown

    @property
    def shown(self) -> str:
        """The count as a list's tab or heading shows it: "12", "约 1,020,000", "超过 10,000"."""
        from django.utils.translation import gettext

        if self.exact:
            return str(self.value)
        if self.estimated:
            return gettext("约 %(n)s") % {"n": self.grouped}
        return gettext("超过 %(n)s") % {"n": self.grouped}


def count_rows(qs: QuerySet, limit: int | None = None) -> Count:
    """The number of rows of ``qs``: exact up to ``limit``, bounded or estimated above it (2 queries at most)."""
    limit = EXACT_COUNT_LIMIT if limit is None else limit
    bounded = qs.order_by().values("pk")[: limit + 1].count()
    if bounded <= limit:
        return Count(bounded)
    return beyond_limit(qs, limit)


def tally_rows(qs: QuerySet, column: str, limit: int | None = None) -> dict | None:
    """The rows of ``qs`` per value of ``column``, in one query over at most ``limit`` + 1 of them; ``None``
    when ``qs`` holds more than ``limit`` (each part then needs a bounded count of its own)."""
    limit = EXACT_COUNT_LIMIT if limit is None else limit
    sql, params = qs.order_by().values(tally=F(column))[: limit + 1].query.sql_with_params()
    with connections[qs.db].cursor() as cursor:
        cursor.execute(f"SELECT tally, COUNT(*) FROM ({sql}) bounded GROUP BY tally", params)  # noqa: S608 (compiled by the ORM)
        tally = dict(cursor.fetchall())
    return tally if sum(tally.values()) <= limit else None


def beyond_limit(qs: QuerySet, limit: int) -> Count:
    """The count of ``qs``, known to hold more than ``limit`` rows: PostgreSQL's estimate, else "more than"."""
    if connection.vendor == "postgresql":
        plan = json.loads(qs.order_by().values("pk").explain(format="json"))
        estimate = int(plan[0]["Plan"]["Plan Rows"]) if isinstance(plan, list) else 0
        if estimate > limit:
            return Count(estimate, exact=False, estimated=True)
    return Count(limit, exact=False)


@dataclass
class Page:
    """One page of rows and the query strings of the links around it (``None``: no such link)."""

    object_list: list
    count: Count
    number: int | None = None  # numbered pages only
    links: dict[str, str | None] = field(default_factory=dict)

    @property
    def has_other_pages(self) -> bool:
        return any(self.links.values())


@dataclass(frozen=True)
class Keyset:
    """An order that tells every row apart: field names, ``-`` for descending, the primary key (or
    another unique column) last."""

    fields: tuple[str, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name.lstrip("-") for name in self.fields)

    def cursor(self, row) -> str:
        """The row's position as text: its values joined by ``~`` (the registry's ``name~id``)."""
        return "~".join(_text(getattr(row, name)) for name in self.names)

    def parse(self, value: str | None, model) -> tuple | None:
        """A cursor's values converted to the fields' types, or None for anything malformed."""
        if not value or len(value) > MAX_CURSOR:
            return None
        parts = value.rsplit("~", len(self.fields) - 1)
        if len(parts) != len(self.fields):
            return None
        values = []
        for name, text in zip(self.names, parts):
            model_field = model._meta.pk if name == "pk" else model._meta.get_field(name)
            try:
                if isinstance(model_field, (models.AutoField, models.IntegerField)):
                    if not text.isdigit():
                        return None
                    values.append(int(text))
                elif isinstance(model_field, models.DateTimeField):
                    parsed = datetime.datetime.fromisoformat(text)
                    if parsed.tzinfo is None:
                        return None
                    values.append(parsed)
                else:
                    values.append(model_field.to_python(text))
            except (ValueError, TypeError, Exception):  # noqa: B014 — any unparsable text is no cursor
                return None
            if values[-1] is None:
                return None
        return tuple(values)

    def beyond(self, values: tuple, reverse: bool = False) -> Q:
        """Rows strictly after ``values`` in this order (before them when ``reverse``); each field's
        condition starts with a range on it (``a >= x AND (a > x OR …)``), so an index range starts there."""
        q = None
        for name, descending, value in reversed(list(zip(self.names, self._descending(), values))):
            descending = descending != reverse
            strict = Q(**{f"{name}__{'lt' if descending else 'gt'}": value})
            if q is None:
                q = strict
            else:
                q = Q(**{f"{name}__{'lte' if descending else 'gte'}": value}) & (strict | q)
        return q

    def _descending(self) -> list[bool]:
        return [name.startswith("-") for name in self.fields]


def _text(value) -> str:
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    return str(value)


def link(base: Sequence[tuple[str, str]], **params) -> str:
    return urlencode([*base, *params.items()])


def page_number(params) -> int:
    try:
        return min(max(1, int(params.get("page") or 1)), 1_000_000)
    except ValueError:
        return 1


def paginate(qs: QuerySet, params, *, keyset: Keyset | None, base: Sequence[tuple[str, str]], per_page: int,
             count: Count | None = None, take: Callable[[QuerySet, int, int], list] | None = None) -> Page:
    """The page of ``qs`` that ``params`` asks for (``after``, ``before``, ``last`` or ``page``).

    ``qs`` is ordered by ``keyset`` (or by anything when ``keyset`` is None: numbered pages).
    ``base`` holds the list's other query parameters, kept in every link. ``count`` is the list's
    count when the caller knows it (else ``count_rows(qs)``). ``take(part, start, stop)`` reads the
    rows of a slice of an ordered queryset (by default ``list(part[start:stop])``): a list that
    reads keys first and its rows after passes its own.
    """
    count = count_rows(qs) if count is None else count
    take = take or (lambda part, start, stop: list(part[start:stop]))
    if keyset is None:
        return _numbered(qs, params, count, base, per_page, take)
    after, before = keyset.parse(params.get("after"), qs.model), keyset.parse(params.get("before"), qs.model)
    if params.get("last"):
        rows = take(qs.reverse(), 0, per_page + 1)
        more_before, more_after = len(rows) > per_page, False
        rows = rows[:per_page][::-1]
    elif before is not None:
        rows = take(qs.filter(keyset.beyond(before, reverse=True)).reverse(), 0, per_page + 1)
        more_before, more_after = len(rows) > per_page, True
        rows = rows[:per_page][::-1]
    elif after is not None:
        rows = take(qs.filter(keyset.beyond(after)), 0, per_page + 1)
        more_before, more_after = True, len(rows) > per_page
        rows = rows[:per_page]
    else:
        number = min(page_number(params), MAX_NUMBERED_PAGE)
        start = (number - 1) * per_page
        rows = take(qs, start, start + per_page + 1)
        more_before, more_after = number > 1, len(rows) > per_page
        rows = rows[:per_page]
    links = {
        # ``page=1`` when the list has no other parameter: an empty query string would read as no link.
        "first": (link(base) or "page=1") if more_before else None,
        "previous": link(base, before=keyset.cursor(rows[0])) if more_before and rows else None,
        "next": link(base, after=keyset.cursor(rows[-1])) if more_after and rows else None,
        "last": link(base, last="1") if more_after else None,
    }
    if more_before and not links["previous"]:
        links["previous"] = links["first"]
    return Page(rows, count, links=links)


def _numbered(qs: QuerySet, params, count: Count, base, per_page: int, take) -> Page:
    number = page_number(params)
    if count.exact:  # past the end: the last page, as Django's ``Paginator.get_page`` shows it
        number = min(number, max(1, -(-count.value // per_page)))
    else:
        number = min(number, MAX_NUMBERED_PAGE)
    start = (number - 1) * per_page
    rows = take(qs, start, start + per_page + 1)
    more = len(rows) > per_page and (count.exact or number < MAX_NUMBERED_PAGE)
    return Page(rows[:per_page], count, number=number, links={
        "first": (link(base) or "page=1") if number > 1 else None,
        "previous": link(base, page=str(number - 1)) if number > 1 else None,
        "next": link(base, page=str(number + 1)) if more else None,
        "last": None,
    })
