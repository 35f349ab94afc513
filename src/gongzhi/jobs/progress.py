"""Live progress of running jobs, kept in the ``jobs`` cache rather than in the database.

The worker may be inside one long write transaction (a 100,000-row import commits once), during
which the job's row cannot be updated where others can see it — and on SQLite nothing else can
write at all. The ``jobs`` cache is a file cache under ``var/`` by default (shared by the web and
worker processes of one machine) or Redis when ``GONGZHI_REDIS_URL`` is set (several machines).
Updates are throttled: a 100,000-row job publishes a few times per second, not 100,000 times.
"""

from __future__ import annotations

import time

from django.core.cache import caches

CACHE_ALIAS = "jobs"
TIMEOUT = 24 * 3600
INTERVAL = 0.25  # seconds between published updates


def _key(job_id: int) -> str:
    return f"gongzhi:job:{job_id}"


def publish(job_id: int, stage: str, done: int, total: int) -> None:
    caches[CACHE_ALIAS].set(_key(job_id), {"stage": stage, "done": done, "total": total}, TIMEOUT)


def forget(job_id: int) -> None:
    caches[CACHE_ALIAS].delete(_key(job_id))


def overlay(job) -> None:
    """Put the latest published progress of a running ``job`` onto it (in memory)."""
    if job.finished:
        return
    latest = caches[CACHE_ALIAS].get(_key(job.pk))
    if latest:
        job.stage, job.done, job.total = latest["stage"], latest["done"], latest["total"]


class Reporter:
    """``reporter(stage, done, total)``: publishes at most every ``INTERVAL`` seconds, and always
    when a stage starts or completes."""

    def __init__(self, job_id: int, interval: float = INTERVAL) -> None:
        self.job_id = job_id
        self.interval = interval
        self._last = 0.0
        self._stage = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if stage != self._stage or done >= total or now - self._last >= self.interval:
            publish(self.job_id, stage, done, total)
            self._stage, self._last = stage, now
