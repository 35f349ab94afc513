"""The demo district of the ``demo`` fixture: built once per test session, put back row by row.

Building it costs about 0.3 s (≈150 area polygons traced along the demo roads with shapely, their
GeoJSON serialised, 12 accounts with hashed passwords and encrypted phones), and about 1,600
tests ask for it. The first build in a session that starts from empty tables is recorded as the
database stores it (the raw column values of the rows it added), and later tests get the same
rows back with one multi-row INSERT per table: about 20 ms.

The restore puts back exactly what the build wrote, with two differences a test cannot tell
apart from a build: every timestamp the build recorded (``created_at``, ``date_joined``,
``password_changed_at``…) is the restore's "now" (so frozen-time tests see their own time), and
no ``post_save`` signal fires (the build's own ``bulk_create`` sends none either; the filter
bars' cached options that the district's ``save()`` would reset are reset here too).

It builds instead of restoring whenever a restore could differ from a build: the tables already
hold rows (a fixture made its own users or areas first; a live-server test committed some), or a
setting that shapes the stored values (data key, password hasher, secret key) is not what it was
at the recording. ``GZ_DEMO_SNAPSHOT=0`` builds it every time (to tell whether a test's
trouble comes from the restore).
"""

from __future__ import annotations

import os
from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

_recorded: dict[str, dict] = {}  # per database vendor: {"fingerprint": ..., "tables": [...]}


def demo_models() -> list[type[models.Model]]:
    """The tables the build writes, in an order that respects their foreign keys."""
    from gongzhi.accounts.models import Department, RoleAssignment, User
    from gongzhi.areas.models import Area

    return [Area, User, Department, Department.serves.through, RoleAssignment]


def _fingerprint() -> tuple:
    return (settings.GONGZHI_DATA_KEY, settings.SECRET_KEY, tuple(settings.PASSWORD_HASHERS),
            settings.USE_TZ)


def _tables_empty(cursor, tables: list[type[models.Model]]) -> bool:
    quote = connection.ops.quote_name
    sql = " UNION ALL ".join(f"SELECT 1 FROM (SELECT 1 FROM {quote(m._meta.db_table)} LIMIT 1) t{i}"
                             for i, m in enumerate(tables))
    cursor.execute(sql)
    return cursor.fetchone() is None


def _columns(model: type[models.Model]) -> list[models.Field]:
    return list(model._meta.concrete_fields)


def _record(cursor) -> list[tuple]:
    quote = connection.ops.quote_name
    recorded = []
    for model in demo_models():
        fields = _columns(model)
        cursor.execute(f"SELECT {', '.join(quote(f.column) for f in fields)} FROM {quote(model._meta.db_table)} "
                       f"ORDER BY {quote(model._meta.pk.column)}")
        rows = [list(row) for row in cursor.fetchall()]
        # The times the build recorded are put back as the restore's own "now".
        stamped = [i for i, f in enumerate(fields) if isinstance(f, models.DateTimeField)
                   and any(row[i] is not None for row in rows)]
        recorded.append((model, fields, rows, stamped))
    return recorded


def _restore(cursor, recorded: list[tuple]) -> None:
    quote = connection.ops.quote_name
    now = timezone.now()
    for model, fields, rows, stamped in recorded:
        if not rows:
            continue
        stamps = {i: fields[i].get_db_prep_save(now, connection) for i in stamped}
        width = len(fields)
        placeholders = "(" + ", ".join(["%s"] * width) + ")"
        head = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) VALUES "
        for start in range(0, len(rows), 100):
            batch = rows[start:start + 100]
            params = []
            for row in batch:
                params.extend(stamps[i] if i in stamps and row[i] is not None else row[i] for i in range(width))
            cursor.execute(head + ", ".join([placeholders] * len(batch)), params)
    # Explicit keys leave PostgreSQL's sequences behind: the next insert must not reuse one.
    for sql in connection.ops.sequence_reset_sql(no_style(), [m for m, *_ in recorded]):
        cursor.execute(sql)


def _build():
    from gongzhi.demo import district

    root = district.build_areas()
    users = district.build_accounts(root)
    return root, users


def _load():
    from gongzhi.accounts.models import User
    from gongzhi.areas.models import Area
    from gongzhi.demo import district
    from gongzhi.registry.forms import forget_choices

    forget_choices()  # what the district's save() signal does in a build
    by_name = {u.username: u for u in User.objects.filter(username__in=[a[0] for a in district.DEMO_ACCOUNTS])}
    return Area.objects.get(code=district.DISTRICT_CODE), [by_name[a[0]] for a in district.DEMO_ACCOUNTS]


def demo_district():
    """``(district, users)`` of the demo, as ``build_areas`` and ``build_accounts`` return them."""
    if os.environ.get("GZ_DEMO_SNAPSHOT") == "0":
        return _build()
    tables = demo_models()
    with transaction.atomic(), connection.cursor() as cursor:
        if not _tables_empty(cursor, tables):
            return _build()
        known = _recorded.get(connection.vendor)
        if known is not None and known["fingerprint"] == _fingerprint():
            _restore(cursor, known["tables"])
            return _load()
        result = _build()
        _recorded[connection.vendor] = {"fingerprint": _fingerprint(), "tables": _record(cursor)}
        return result
