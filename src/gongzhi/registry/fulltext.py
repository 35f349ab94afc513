"""The SQLite trigram index of person names and addresses, brought up to date in bulk.

"Contains" search on SQLite reads ``registry_person_fts`` (FTS5, trigram tokenizer; see migration
0007). Indexing each person from an insert trigger cost about 90 µs a row at district size, and
even a trigger that only noted the new id doubled the cost of inserting a person; indexing the
same rows with one statement costs a fifth of that. So nothing happens on insert: the index
holds every person up to a watermark (``registry_person_fts_state.indexed_up_to``; persons get
increasing ids, SQLite's AUTOINCREMENT never reuses one), and ``flush`` indexes the persons above
it at once — the import after each chunk, the demo after its build, and the clock every few
minutes for the rest (a form's single person). Until then ``pending_matches`` finds them by
scanning the ids above the watermark, so search never misses one.

Updates and deletes of indexed persons keep their triggers (the index must be told the old values
of a row it holds; a row it does not hold must not be "deleted" from it, which corrupts it): they
act only for persons in the index's docsize table (one row per indexed person). A person given an
id below the watermark explicitly (the demo fills a wiped table from id 1) is indexed by a flush
told so (``flush(above=…)``). PostgreSQL has no such table: its pg_trgm GIN indexes are
maintained by the database.
"""

from __future__ import annotations

import datetime

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

STATE_TABLE = "registry_person_fts_state"
FLUSH_EVERY = datetime.timedelta(minutes=5)
_ABOVE_WATERMARK = f"SELECT indexed_up_to FROM {STATE_TABLE}"  # noqa: S608 - a fixed table name


def flush(*, above: int | None = None) -> int:
    """Index the persons above the watermark (or above ``above``, when lower, those not yet indexed)
    and raise it; the number indexed.

    Call inside a write transaction (the import's chunk, ``tasks.index_new_persons``): the insert
    and the new watermark must see the same persons.
    """
    if connection.vendor != "sqlite":
        return 0
    with connection.cursor() as cursor:
        if above is None:
            cursor.execute(
                "INSERT INTO registry_person_fts(rowid, real_name, address_text) "
                f"SELECT id, real_name, address_text FROM registry_person WHERE id > ({_ABOVE_WATERMARK})")
        else:
            cursor.execute(
                "INSERT INTO registry_person_fts(rowid, real_name, address_text) "
                "SELECT id, real_name, address_text FROM registry_person p WHERE id > %s "
                "AND NOT EXISTS (SELECT 1 FROM registry_person_fts_docsize d WHERE d.id = p.id)", [above])
        indexed = cursor.rowcount
        cursor.execute(f"UPDATE {STATE_TABLE} SET indexed_up_to = MAX(indexed_up_to, "  # noqa: S608
                       "COALESCE((SELECT MAX(id) FROM registry_person), 0))")
    return max(indexed, 0)


def pending_matches(text: str) -> QuerySet:
    """Ids of not yet indexed persons whose name or address contains ``text`` (SQLite only)."""
    from .models import Person

    return Person.objects.filter(
        Q(pk__gt=RawSQL(_ABOVE_WATERMARK, [])),
        Q(real_name__icontains=text) | Q(address_text__icontains=text),
    ).values("pk")


def unindexed_ids() -> list[int]:
    """The persons above the watermark (tests and checks)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM registry_person WHERE id > ({_ABOVE_WATERMARK}) ORDER BY id")  # noqa: S608
        return [row[0] for row in cursor.fetchall()]
