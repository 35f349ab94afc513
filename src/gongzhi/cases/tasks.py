"""Background tasks of the case loop (queued by the clock or on commit; all safe to run twice)."""

from __future__ import annotations

from django_tasks import task


@task()
def sweep_deadlines() -> dict:
    """Reminders, escalation and supervision (see ``deadlines.sweep``)."""
    from .deadlines import sweep

    return vars(sweep())


@task()
def retrain_classifier() -> int:
    """Rebuild the category classifier from the catalogue and every accepted case."""
    from .classifier import train

    return train().cases


@task()
def file_open311_submissions() -> dict:
    """File the Open311 submissions waiting in the queue as cases (see ``open311_intake``), for
    ``FILING_SECONDS`` at most: a steady stream of POSTs queues a filing task about every second,
    and the clock one every minute, so what is left is filed by the next."""
    from .open311_intake import FILING_SECONDS, file_pending

    return file_pending(seconds=FILING_SECONDS)
