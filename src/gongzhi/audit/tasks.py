"""Background jobs of the audit log.

``purge_audit_log`` applies the retention period. The clock (``./gz manage clock``, started with
the worker by ``./gz demo`` and ``./gz serve``; see ``core.schedule``) queues it daily; without the
clock, run ``./gz manage purge_audit`` from cron (``15 3 * * * cd /srv/gongzhi && ./gz manage
purge_audit``). Safe to run twice.
"""

from __future__ import annotations

from django_tasks import task

from .services import purge_expired


@task()
def purge_audit_log() -> int:
    """Purge entries past the retention period; return how many were deleted."""
    return purge_expired(actor_name="purge_audit_log").purged
