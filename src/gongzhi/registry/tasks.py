"""Background tasks of the community records."""

from __future__ import annotations

from django_tasks import task


@task()
def refresh_population_summaries() -> int:
    """Rebuild the statistics page's per-area figures (``summaries.refresh``); safe to run twice."""
    from .summaries import refresh

    return refresh()
