"""Links to many rows of one kind without a ``reverse()`` for each (a list page builds 100 of them)."""

from __future__ import annotations

from collections.abc import Callable

from django.urls import reverse

_SENTINEL = 987654321


def pk_url(name: str) -> Callable[[int], str]:
    """``lambda pk: reverse(name, args=[pk])`` for a URL whose only argument is an integer key.

    One ``reverse()`` with a sentinel key gives the prefix and suffix around it; each row joins
    its key in between (the same text ``reverse()`` gives: an integer needs no quoting).
    """
    prefix, found, suffix = reverse(name, args=[_SENTINEL]).rpartition(str(_SENTINEL))
    if not found:
        raise ValueError(f"{name!r} does not take the key as its last path segment")

    def url(pk: int) -> str:
        return f"{prefix}{int(pk)}{suffix}"

    return url
