"""Reads of account data, always limited to what the acting user may see."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import ApiToken


def tokens_of(user) -> QuerySet[ApiToken]:
    """The user's own personal API tokens, newest first (keys are never readable)."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")
