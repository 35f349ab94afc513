"""Test helpers: build chains and tamper with rows the way a database-level attacker would."""

from __future__ import annotations

from django.db import connection

from gongzhi.audit.services import record

TRIGGER = "audit_auditentry_no_update"


def make_entries(n: int, *, actor=None, action: str = "test.action", **kwargs) -> list:
    return [record(actor=actor, actor_name="" if actor else "tester", action=action,
                   object_repr=f"对象{i}", **kwargs) for i in range(n)]


def raw_update(sql: str, params: list) -> None:
    """Run an UPDATE on audit_auditentry directly. On PostgreSQL the append-only trigger is
    disabled first (as an attacker with DBA rights would) and enabled again afterwards."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE audit_auditentry DISABLE TRIGGER {TRIGGER}")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE audit_auditentry ENABLE TRIGGER {TRIGGER}")


def raw_delete(seq: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE seq = %s", [seq])
