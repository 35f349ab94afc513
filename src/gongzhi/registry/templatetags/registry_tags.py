"""Small display helpers for the community-records templates."""

from __future__ import annotations

import datetime


from django import template

from gongzhi.privacy.masking import mask_id_number

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


@register.simple_tag(takes_context=True)
def move_date(context, move, person) -> str:
    """A move's date as the viewer may see it: a birth, or a move in on the day of birth, dates the
    birth, so it is masked like the birth date for viewers without ``personal.unmask``."""
    from gongzhi.privacy.masking import MASKED_BIRTH_DATE
    from gongzhi.privacy.services import may_unmask
    from gongzhi.registry.choices import MoveKind

    dates_birth = move.kind == MoveKind.BIRTH or (person.birth_date is not None and move.date == person.birth_date)
    request = context.get("request")
    if dates_birth and not may_unmask(getattr(request, "user", None) or context.get("user"), person):
        return MASKED_BIRTH_DATE
    return move.date.isoformat() if move.date else "—"


@register.filter
def masked_id(value: str) -> str:
    """An ID number shown masked (move-in requests are listed without a reveal widget)."""
    return mask_id_number(value or "") or "—"


@register.filter
def may_edit_registry(user) -> bool:
    """Whether ``user`` registers records anywhere (the move-in requests tab is for them)."""
    from gongzhi.accounts.permissions import has_perm
    from gongzhi.accounts.roles import Perm

    return has_perm(user, Perm.REGISTRY_EDIT)
