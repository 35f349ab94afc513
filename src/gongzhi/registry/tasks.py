"""Background tasks of the community records."""

from __future__ import annotations

from django_tasks import task


@task()
def refresh_population_summaries() -> int:
    """Rebuild the statistics page's per-area figures (``summaries.refresh``); safe to run twice."""
    from .summaries import refresh

    return refresh()


@task()
def index_new_persons() -> int:
    """Index for "contains" search the persons added since the last flush (``fulltext.flush``)."""
    from django.db import transaction

    from .fulltext import flush

    with transaction.atomic():
        return flush()
