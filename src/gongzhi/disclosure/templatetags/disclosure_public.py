"""Filters for the public disclosure pages."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

from gongzhi.privacy.masking import mask_free_text

register = template.Library()


@register.filter
def public_text(value) -> str:
    """Text shown to the public: any ID- or phone-shaped number masked (a safety net for what staff
    or residents typed)."""
    return mask_free_text(str(value or ""))


@register.filter
def yuan(value) -> str:
    """An amount as 1,234.50."""
    try:
        return f"{Decimal(str(value)):,.2f}"
    except (InvalidOperation, ValueError, TypeError):
        return ""
