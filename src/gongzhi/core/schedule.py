"""Periodic tasks: django-tasks has no scheduler, so a small clock queues registered tasks on time.

An app registers ``periodic(name, task, every=timedelta(...))`` (from its ``AppConfig.ready``);
``./gz manage clock`` (started beside the worker by ``./gz demo`` and ``./gz serve``) queues each
task when its interval has passed since it was last queued. The last time is kept in the
database and claimed with a conditional update, so any number of clocks on any number of
machines queue each run once; tasks must be safe to run twice anyway. ``--once`` does one round
(for cron, and for tests).
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import PeriodicRun

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Periodic:
    name: str
    task: object  # a django-tasks Task
    every: datetime.timedelta


REGISTRY: dict[str, Periodic] = {}


def periodic(name: str, task, *, every: datetime.timedelta) -> None:
    REGISTRY[name] = Periodic(name, task, every)


def _claim(entry: Periodic, now: datetime.datetime) -> bool:
    """Take this interval's run of ``entry``: True for exactly one caller per interval."""
    run = PeriodicRun.objects.filter(name=entry.name).first()
    if run is None:
        try:
            with transaction.atomic():
                PeriodicRun.objects.create(name=entry.name, last_enqueued_at=now)
            return True
        except IntegrityError:  # another clock created it first
            return False
    if now - run.last_enqueued_at < entry.every:
        return False
    return bool(PeriodicRun.objects.filter(pk=run.pk, last_enqueued_at=run.last_enqueued_at)
                .update(last_enqueued_at=now))


def tick(now: datetime.datetime | None = None) -> list[str]:
    """Queue every registered task that is due; return their names."""
    now = now or timezone.now()
    queued = []
    for entry in REGISTRY.values():
        if _claim(entry, now):
            try:
                entry.task.enqueue()
            except Exception:  # one broken task must not stop the others
                logger.exception("could not queue periodic task %s", entry.name)
                continue
            queued.append(entry.name)
    return queued
