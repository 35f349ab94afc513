"""Background delivery of notices to external channels. Safe to run twice: delivered ones skip."""

from __future__ import annotations

from django_tasks import task

from .channels import active_channels
from .models import Delivery, Notice


@task()
def deliver_notices(notice_ids: list[int]) -> int:
    sent = 0
    notices = Notice.objects.filter(pk__in=notice_ids).select_related("recipient").prefetch_related("deliveries")
    for notice in notices:
        done = {d.channel for d in notice.deliveries.all()}
        for channel in active_channels():
            if channel.name in done:
                continue
            try:
                status, detail = channel.deliver(notice)
            except Exception as exc:  # a failing gateway must not stop the other notices
                status, detail = "failed", str(exc)[:300]
            Delivery.objects.create(notice=notice, channel=channel.name, status=status, detail=detail)
            sent += status == "sent"
    return sent


@task()
def publish_due_announcements() -> int:
    """Publish the scheduled announcements whose time has come (safe to run twice: each once)."""
    from .announcements import publish_due

    return publish_due()
