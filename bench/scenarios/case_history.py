"""Years of case history and an audit log at district size, written in bulk (``pages-at-scale``).

A separately versioned step on top of the kept people (``CASES_VERSION``), so that the kept
1,000,000-person database is reused when only the cases change. What is written mirrors what
the services write:

* **Recent cases** (the last 30 days): the demo's generator (``cases.demo.build``), which draws
  each case through the workflow's transition table with the real calendar and limits — the
  open, near-due, overdue and suspended cases, with their timelines.
* **Older cases**: the closed and rejected cases of those 30 days are the templates; each older
  case is a template moved back by a whole number of weeks (so weekdays and working hours stay
  as they were), with its own number, every timestamp and its timeline rows moved alike. The
  copy is one ``INSERT … SELECT`` per chunk from a plan table (new id, template, weeks, number),
  not one service call per case: 1,000,000 cases and their ~8,000,000 timeline rows in minutes.
  They spread over five years and the templates' grids (every grid of the district).
* **The audit log**: ``AUDIT_PER_CASE`` entries a case (1,500,000 for 1,000,000 cases) over the
  last 180 days (the retention period), a realistic mix of sign-ins, case steps and registry
  edits by the demo staff, each hashed into the chain as ``audit.services.record`` does (the
  chain verifies), written with ``executemany`` / ``COPY``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import time

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

CASES_VERSION = 1
AUDIT_PER_CASE = 1.5
RECENT_DAYS = 30
OLDEST_WEEKS = 260  # five years
AUDIT_DAYS = 180
CHUNK = 100_000
STEP_TABLE = "bench_data_step"


def _progress(message: str) -> None:
    print(f"pages-at-scale: {message}", flush=True)


def create_step_table() -> None:
    """The marker table of the built steps (not a model: it belongs to the kept data, not the app)."""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {STEP_TABLE} (name varchar(40) PRIMARY KEY, version integer)")


def built_version(name: str) -> int | None:
    create_step_table()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT version FROM {STEP_TABLE} WHERE name = %s", [name])
        row = cursor.fetchone()
    return row[0] if row else None


def _mark(name: str, version: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {STEP_TABLE} WHERE name = %s", [name])
        cursor.execute(f"INSERT INTO {STEP_TABLE} (name, version) VALUES (%s, %s)", [name, version])


def ensure(cases: int) -> dict:
    """Build the case history and audit log unless this version is built; the figures of what is there."""
    from gongzhi.audit.models import AuditEntry
    from gongzhi.cases.models import Case

    info: dict = {}
    if built_version("cases") != CASES_VERSION:
        started = time.perf_counter()
        _clear()
        build(cases)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
        _mark("cases", CASES_VERSION)
        info["cases_build_seconds"] = round(time.perf_counter() - started, 1)
    info["cases"] = Case.objects.count()
    info["audit_entries"] = AuditEntry.objects.count()
    return info


def _clear() -> None:
    """Remove a previous version's cases and audit rows (raw SQL: the audit log refuses deletes)."""
    from gongzhi.audit.models import AuditChainHead, AuditEntry
    from gongzhi.cases.models import Case, CaseEvent, DailyCounter, ExtensionRequest

    with connection.cursor() as cursor:
        for model in (CaseEvent, ExtensionRequest, Case.assist_departments.through):
            cursor.execute(f"DELETE FROM {model._meta.db_table}")
        cursor.execute(f"UPDATE {Case._meta.db_table} SET merged_into_id = NULL")
        cursor.execute(f"DELETE FROM {Case._meta.db_table}")
        cursor.execute(f"DELETE FROM {DailyCounter._meta.db_table} WHERE key = 'case'")
        if connection.vendor == "postgresql":  # the append-only trigger (audit migration 0002)
            cursor.execute(f"ALTER TABLE {AuditEntry._meta.db_table} DISABLE TRIGGER USER")
        cursor.execute(f"DELETE FROM {AuditEntry._meta.db_table}")
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {AuditEntry._meta.db_table} ENABLE TRIGGER USER")
        cursor.execute(f"DELETE FROM {AuditChainHead._meta.db_table}")


def build(cases: int, *, seed: int = 2026) -> None:
    from gongzhi.areas.models import Area
    from gongzhi.cases import demo as case_demo

    root = Area.objects.filter(parent__isnull=True).order_by("code").first()
    started = time.perf_counter()
    # As many reports a day lately as over the years (the demo's 30 a weekday is a small district's):
    # what is open, near due and overdue now is that many days' worth.
    per_day = cases / (OLDEST_WEEKS * 7)
    weekday, weekend = case_demo.WEEKDAY_REPORTS, case_demo.WEEKEND_REPORTS
    case_demo.WEEKDAY_REPORTS, case_demo.WEEKEND_REPORTS = max(weekday, round(per_day * 1.15)), max(
        weekend, round(per_day * 0.65))
    try:
        recent = case_demo.build(root, days=RECENT_DAYS, seed=seed, progress=_progress) or 0
    finally:
        case_demo.WEEKDAY_REPORTS, case_demo.WEEKEND_REPORTS = weekday, weekend
    _progress(f"recent cases: {recent} in {time.perf_counter() - started:.0f} s")
    older = max(0, cases - recent)
    if older:
        _copy_older(older, random.Random(seed))
    _audit(int(cases * AUDIT_PER_CASE), random.Random(seed + 1))


def _shifted(column: str, table: str = "c") -> str:
    if connection.vendor == "postgresql":
        return f"{table}.{column} - p.days * interval '1 day'"
    return f"strftime('%Y-%m-%d %H:%M:%f', {table}.{column}, '-' || p.days || ' days')"


def _shifted_date(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"c.{column} - p.days"
    return f"date(c.{column}, '-' || p.days || ' days')"


def _copy_older(count: int, rng: random.Random) -> None:
    from django.db import models

    from gongzhi.cases.models import Case, CaseEvent, CaseStatus, DailyCounter

    templates = list(Case.objects.filter(status__in=[CaseStatus.CLOSED, CaseStatus.REJECTED],
                                         merged_into__isnull=True).order_by("pk").values_list("pk", "reported_at"))
    assert templates, "no closed case to copy"
    next_id = (Case.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    tz = timezone.get_current_timezone()
    counters: dict[dt.date, int] = {}
    plan = []
    for k in range(count):
        template, reported_at = templates[rng.randrange(len(templates))]
        days = 7 * rng.randint(RECENT_DAYS // 7 + 2, OLDEST_WEEKS)
        day = timezone.localtime(reported_at, tz).date() - dt.timedelta(days=days)
        counters[day] = counters.get(day, 0) + 1
        plan.append((next_id + k, template, days, f"{day:%Y%m%d}{counters[day]:04d}"))
    # Numbered in the order reported within a day, as the service numbers them.
    plan.sort(key=lambda row: row[0])
    fields = [f for f in Case._meta.concrete_fields]
    override = {"id": "p.new_id", "number": "p.number", "open311_token": "NULL", "merged_into_id": "NULL",
                "patrol_id": "NULL"}
    columns, values = [], []
    for f in fields:
        columns.append(f.column)
        if f.column in override:
            values.append(override[f.column])
        elif isinstance(f, models.DateTimeField):
            values.append(_shifted(f.column))
        elif isinstance(f, models.DateField):
            values.append(_shifted_date(f.column))
        else:
            values.append(f"c.{f.column}")
    event_fields = [f for f in CaseEvent._meta.concrete_fields if f.column != "id"]
    event_values = ["p.new_id" if f.column == "case_id" else _shifted(f.column, "e") if f.column == "at"
                    else f"e.{f.column}" for f in event_fields]
    case_table, event_table = Case._meta.db_table, CaseEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_case_plan")
        cursor.execute("CREATE TABLE bench_case_plan (new_id bigint PRIMARY KEY, template_id bigint, days integer,"
                       " number varchar(20))")
    started = time.perf_counter()
    for offset in range(0, count, CHUNK):
        chunk = plan[offset: offset + CHUNK]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM bench_case_plan")
            _insert(cursor, "bench_case_plan", ["new_id", "template_id", "days", "number"], chunk)
            cursor.execute(f"INSERT INTO {case_table} ({', '.join(columns)}) SELECT {', '.join(values)} "
                           f"FROM bench_case_plan p JOIN {case_table} c ON c.id = p.template_id")
            cursor.execute(f"INSERT INTO {event_table} ({', '.join(f.column for f in event_fields)}) "
                           f"SELECT {', '.join(event_values)} FROM bench_case_plan p "
                           f"JOIN {event_table} e ON e.case_id = p.template_id ORDER BY p.new_id, e.id")
        _progress(f"older cases: {offset + len(chunk):,} of {count:,} ({time.perf_counter() - started:.0f} s)")
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_case_plan")
    DailyCounter.objects.bulk_create([DailyCounter(key="case", date=day, value=value)
                                      for day, value in counters.items()], ignore_conflicts=True, batch_size=2000)
    _reset_sequences([Case, CaseEvent])


def _reset_sequences(models_) -> None:
    from django.core.management.color import no_style

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(models_)):
            cursor.execute(sql)


def _insert(cursor, table: str, columns: list[str], rows) -> None:
    """Many rows at once: ``COPY`` on PostgreSQL, ``executemany`` on SQLite."""
    if connection.vendor == "postgresql":
        with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join(["%s"] * len(columns))
    cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


# --- The audit log --------------------------------------------------------------------------

# (action, weight, object type): what a district's staff do over a day, roughly.
AUDIT_MIX = [
    ("login.success", 22, "accounts.user"), ("logout", 8, "accounts.user"), ("login.failure", 2, "accounts.user"),
    ("cases.accept", 8, "cases.case"), ("cases.dispatch", 5, "cases.case"), ("cases.handle", 4, "cases.case"),
    ("cases.acknowledge", 5, "cases.case"), ("cases.start", 6, "cases.case"), ("cases.feedback", 7, "cases.case"),
    ("cases.verify", 6, "cases.case"), ("cases.close", 7, "cases.case"), ("cases.report", 8, "cases.case"),
    ("registry.person.update", 5, "registry.person"), ("registry.person.create", 2, "registry.person"),
    ("registry.house.update", 1, "registry.house"), ("personal.reveal", 3, "registry.person"),
]


def _audit(count: int, rng: random.Random) -> None:
    from gongzhi.accounts.models import RoleAssignment
    from gongzhi.audit.models import GENESIS_HASH, AuditChainHead, AuditEntry
    from gongzhi.cases.workflow import TRANSITIONS

    staff = []
    for assignment in (RoleAssignment.objects.exclude(role="resident").select_related("user", "area")
                       .order_by("user__username")):
        staff.append((assignment.user_id, assignment.user.username, assignment.role,
                      assignment.area.code if assignment.area_id else ""))
    assert staff, "no staff account"
    mix = [(action, weight, kind) for action, weight, kind in AUDIT_MIX
           if not action.startswith("cases.") or action in ("cases.report",) or action[6:] in TRANSITIONS]
    actions, weights = [m[0] for m in mix], [m[1] for m in mix]
    kinds = {m[0]: m[2] for m in mix}
    head, _created = AuditChainHead.objects.get_or_create(id=1)
    seq, prev = head.last_seq, head.last_hash or GENESIS_HASH
    last = AuditEntry.objects.order_by("-seq").values_list("at", flat=True).first()
    now = timezone.now()
    start = now - dt.timedelta(days=AUDIT_DAYS)
    if last is not None and last > start:
        start = last
    step = (now - start) / max(1, count)
    columns = ["seq", "at", "actor_id", "actor_name", "role", "area_code", "ip", "user_agent", "action", "success",
               "object_type", "object_id", "object_repr", "before", "after", "reason", "prev_hash", "hash"]
    postgres = connection.vendor == "postgresql"
    agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0"
    encoder = DjangoJSONEncoder
    started = time.perf_counter()
    rows = []

    def flush():
        with transaction.atomic(), connection.cursor() as cursor:
            _insert(cursor, AuditEntry._meta.db_table, columns, rows)
        rows.clear()

    for k in range(count):
        seq += 1
        at = start + step * (k + 1)
        actor_id, username, role, area_code = staff[rng.randrange(len(staff))]
        action = rng.choices(actions, weights)[0]
        kind = kinds[action]
        success = action != "login.failure"
        if kind == "accounts.user":
            object_id, object_repr, before, after = str(actor_id), username, None, None
        elif kind == "cases.case":
            object_id = str(rng.randint(1, 1_000_000))
            object_repr = f"{timezone.localtime(at):%Y%m%d}{rng.randint(1, 600):04d}"
            before, after = {"status": "accepted"}, {"status": "dispatched"}
        else:
            object_id, object_repr = str(rng.randint(1, 1_000_000)), "***"
            before, after = {"phone": "***"}, {"phone": "***"}
        ip = f"10.{rng.randint(0, 3)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        content = {"seq": seq, "at": at.isoformat(timespec="microseconds"), "actor_id": actor_id,
                   "actor_name": username, "role": role, "area_code": area_code, "ip": ip, "user_agent": agent,
                   "action": action, "success": success, "object_type": kind, "object_id": object_id,
                   "object_repr": object_repr, "before": before, "after": after, "reason": "", "prev_hash": prev}
        digest = hashlib.sha256(json.dumps(content, cls=encoder, sort_keys=True, ensure_ascii=False)
                                .encode("utf-8")).hexdigest()
        stored_at = at if postgres else at.astimezone(dt.timezone.utc).replace(tzinfo=None).isoformat(
            " ", timespec="microseconds")
        rows.append((seq, stored_at, actor_id, username, role, area_code, ip, agent, action, success, kind, object_id,
                     object_repr, None if before is None else json.dumps(before),
                     None if after is None else json.dumps(after), "", prev, digest))
        prev = digest
        if len(rows) >= CHUNK:
            flush()
            _progress(f"audit entries: {k + 1:,} of {count:,} ({time.perf_counter() - started:.0f} s)")
    if rows:
        flush()
    AuditChainHead.objects.filter(id=1).update(last_seq=seq, last_hash=prev)
