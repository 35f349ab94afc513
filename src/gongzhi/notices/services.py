"""Sending notices: in-app rows at once, external channels after commit through the task worker."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from .models import Notice


def send_notice(*, recipients: Iterable, title: str, body: str = "", link: str = "", kind: str = "general") -> list[Notice]:
    """Create one inbox notice per recipient and queue external delivery on commit."""
    notices = Notice.objects.bulk_create(
        [Notice(recipient=r, title=title[:200], body=body, link=link[:300], kind=kind) for r in recipients]
    )
    ids = [n.pk for n in notices if n.pk]
    if ids:
        from .tasks import deliver_notices

        transaction.on_commit(lambda: deliver_notices.enqueue(ids))
    return notices


def mark_read(*, user, notice_ids: Iterable[int] | None = None) -> int:
    qs = Notice.objects.filter(recipient=user, read_at__isnull=True)
    if notice_ids is not None:
        qs = qs.filter(pk__in=list(notice_ids))
    return qs.update(read_at=timezone.now())
