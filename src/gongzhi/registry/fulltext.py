"""The SQLite trigram index of person names and addresses, brought up to date in bulk.

"Contains" search on SQLite reads ``registry_person_fts`` (FTS5, trigram tokenizer; see migration
0007). Indexing a person row by row, from a trigger, cost about 90 µs a row at district size —
five times the cost of the insert itself — while indexing the same rows with one statement costs a
fifth of that. So an inserted person is only noted in ``registry_person_fts_pending`` by its
trigger (one integer), and ``flush`` indexes all noted persons at once: the import after each chunk,
the demo after its build, and the clock every few minutes for the rest (a form's single person).
Until then ``pending_matches`` finds noted persons by scanning them, so search never misses one.

Updates and deletes of indexed persons keep their triggers (the index must be told the old values
of a row it holds); a pending person is not in the index, and its triggers leave the index alone.
PostgreSQL has no such table: its pg_trgm GIN indexes are maintained by the database.
"""

from __future__ import annotations

import datetime

from django.db import connection
from django.db.models import Q, QuerySet

PENDING_TABLE = "registry_person_fts_pending"
FLUSH_EVERY = datetime.timedelta(minutes=5)


def flush() -> int:
    """Index the noted persons; the number indexed. Call inside a write transaction or alone."""
    if connection.vendor != "sqlite":
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO registry_person_fts(rowid, real_name, address_text) "
            f"SELECT id, real_name, address_text FROM registry_person WHERE id IN (SELECT id FROM {PENDING_TABLE})")
        indexed = cursor.rowcount
        cursor.execute(f"DELETE FROM {PENDING_TABLE}")  # noqa: S608 - a fixed table name
    return max(indexed, 0)


def pending_matches(text: str) -> QuerySet:
    """Ids of not yet indexed persons whose name or address contains ``text`` (SQLite only)."""
    from django.db.models.expressions import RawSQL

    from .models import Person

    return Person.objects.filter(
        Q(pk__in=RawSQL(f"SELECT id FROM {PENDING_TABLE}", [])),  # noqa: S608 - a fixed table name
        Q(real_name__icontains=text) | Q(address_text__icontains=text),
    ).values("pk")
