from __future__ import annotations

from .models import Notice


def unread_count(user) -> int:
    cached = getattr(user, "_gongzhi_unread", None)
    if cached is None:
        cached = Notice.objects.filter(recipient=user, read_at__isnull=True).count()
        user._gongzhi_unread = cached
    return cached


def inbox(user, *, unread_only: bool = False):
    qs = Notice.objects.filter(recipient=user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs


def recent_notices(user, *, limit: int = 5) -> list[Notice]:
    return list(Notice.objects.filter(recipient=user)[:limit])
