"""Small display helpers for the community-records templates."""

from __future__ import annotations

import datetime

from django import template

register = template.Library()


@register.filter
def age(person) -> int | str:
    """Age in whole years today ("" when the birth date is unknown)."""
    value = person.age_on(datetime.date.today()) if person is not None else None
    return "" if value is None else value


@register.filter
def get_item(mapping, key):
    """``mapping[key]`` in a template (``None`` when missing)."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None
