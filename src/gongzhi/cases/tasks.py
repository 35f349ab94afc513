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
