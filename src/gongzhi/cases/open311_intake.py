"""Open311 POSTs in two steps: accept at once, file in the worker (the GeoReport v2 ``batch`` type).

``submit`` runs in the web request. It has been handed what the client got right (the key, a
public service code, a point, a description, field sizes: ``open311._create_request`` checks those)
and checks the one thing left that a client can get wrong, that the point lies in one of the
platform's grids. It then writes one ``Open311Submission`` row (and, about once a second, the
queued ``file_open311_submissions`` task: ``_queue_filing``) in one transaction, and the client
gets a ``token``. Nothing else is read or written: the grid index, the key and the catalogue are
held by the process, so a burst of reports (a storm, a burst main) costs each request one short
write, and none of them waits for the case's numbering, deadline, audit chain and notices.

``file_pending`` (the worker) turns submissions into cases in the order received, through
``services.report_case`` like every other report, dated when the client posted it (its acceptance
deadline runs from then). Each submission is claimed with a conditional update inside the case's
transaction, so two workers never file one twice and a crash files it later or never half; on
PostgreSQL a worker skips the rows another one is filing (``SKIP LOCKED``), so workers on several
hosts file side by side instead of in lockstep. A
submission that can no longer be filed — its category was switched off, its grid redrawn away —
keeps the reason in ``error``; ``tokens/{token}`` reports it.
"""

from __future__ import annotations

import datetime
import functools
import secrets
import time

from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.models.base import ModelState
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.audit.services import RequestContext, record
from gongzhi.core import faults

from . import services
from .errors import DomainError, InvalidInput
from .models import CaseSource, Category, Open311Key, Open311Submission

BATCH = 200  # submissions claimed per query by file_pending
FILING_SECONDS = 20  # one filing task files this long at most, then leaves the rest to the next
FILING_DELAY = datetime.timedelta(seconds=1)  # a queued filing runs this long after the POST that queued it
COMMIT_MARGIN = 0.5  # seconds a POST must have, before the queued filing runs, to ride on it
_filing_due = float("-inf")  # time.monotonic() when the filing this process queued last will run


def forget_filing() -> None:
    """Forget the filing this process queued last (tests): the next POST queues its own."""
    global _filing_due
    _filing_due = float("-inf")


def in_a_grid(lon: float, lat: float) -> bool:
    """Whether the point lies in a grid (the process's grid index, its signature checked every few seconds)."""
    from gongzhi.areas.locate import grid_index

    from .open311_keys import REMEMBER_SECONDS

    return grid_index(max_age=REMEMBER_SECONDS).locate_id(lon, lat) >= 0


def _filing_queued_soon() -> bool:
    """Whether the filing this process queued last runs late enough to include a submission made now."""
    return _filing_due - time.monotonic() >= COMMIT_MARGIN


def _queue_filing() -> None:
    """Queue ``file_open311_submissions`` in the caller's transaction (``submit`` asks ``_filing_queued_soon`` first).

    Where the backend can defer (the database queue), the task is queued to run ``FILING_DELAY``
    later, and the POSTs this process receives in the next ``FILING_DELAY - COMMIT_MARGIN``
    seconds ride on it rather than each queueing its own: a burst queues about one filing per
    process per second, and every submission is filed within about a second and a half. The
    periodic run (each minute) files anything a lost task left. Backends that run at once (the
    tests') get one task per POST.
    """
    global _filing_due
    from .tasks import file_open311_submissions

    if not file_open311_submissions.get_backend().supports_defer:
        file_open311_submissions.enqueue()
        return
    now = time.monotonic()
    file_open311_submissions.using(run_after=timezone.now() + FILING_DELAY).enqueue()
    # Set now, not on commit: should the transaction roll back, the POSTs of the next half second
    # wait for the periodic run instead (their submissions are kept either way).
    _filing_due = now + FILING_DELAY.total_seconds()


def submit(*, key: Open311Key, category: Category, description: str, lon, lat, address: str = "",
           reporter_name: str = "", reporter_phone: str = "", request=None) -> Open311Submission:
    """Queue a client's report for filing; ``InvalidInput`` for a bad description or location.

    The submission returned is known by its ``token`` (its primary key is not read back).
    """
    description = services._clean_description(description)
    lon, lat = services._clean_location(lon, lat)
    if lon is None:
        raise InvalidInput(_("缺少位置：请提供 lat 与 long。"), fields={"location": "required"})
    if not in_a_grid(lon, lat):
        raise InvalidInput(_("该位置不在本平台的网格范围内，请在地图上重新选择位置。"), fields={"location": "outside"})
    context = RequestContext.from_request(request)
    submission = _new_submission(
        token=secrets.token_hex(16), key_id=key.pk, category_id=category.pk, description=description,
        lon=lon, lat=lat, address=(address or "").strip()[:200], reporter_name=(reporter_name or "").strip()[:50],
        reporter_phone=(reporter_phone or "").strip()[:30], ip=context.ip, user_agent=context.user_agent, received_at=timezone.now())
    if _filing_queued_soon():
        _insert(submission)  # one statement, committed on its own
    else:
        with transaction.atomic():  # the queued task commits with the submission, or neither does
            _insert(submission)
            _queue_filing()
    return submission


def _insert(submission: Open311Submission) -> None:
    """``submission.save(force_insert=True)`` in one prepared statement, the primary key not read back.

    The same values through the same fields' ``get_db_prep_save`` as the ORM's INSERT, without
    compiling the statement on every request (a third of what the intake's own work costs), and
    with the connection looked up once (``django.db.connection`` is a proxy that finds it anew
    on every attribute).
    """
    db = connections[DEFAULT_DB_ALIAS]
    fields = _insert_fields()
    values = submission.__dict__
    with db.cursor() as cursor:
        cursor.execute(_insert_sql(db.vendor, tuple(field.column for field in fields)),
                       [values[name] if prepare is None else prepare(values[name], db)
                        for name, prepare in _preparers()])


@functools.cache
def _insert_fields() -> tuple:
    return tuple(field for field in Open311Submission._meta.concrete_fields if not field.primary_key)


# Fields whose ``get_db_prep_save`` returns a value of the type ``submit`` gives unchanged (text, a
# float, a key): passed as they are. The others (the encrypted phone, the address, the times) go
# through their field, as the ORM's INSERT sends them.
_AS_GIVEN = (models.CharField, models.TextField, models.FloatField, models.ForeignKey)


@functools.cache
def _preparers() -> tuple:
    """``(attribute name, None or the field's get_db_prep_save)`` for each INSERT column, in order."""
    return tuple((field.attname, None if type(field) in _AS_GIVEN else field.get_db_prep_save)
                 for field in _insert_fields())


@functools.cache
def _defaults() -> dict:
    return {field.attname: field.get_default() for field in Open311Submission._meta.concrete_fields}


def _new_submission(**values) -> Open311Submission:
    """``Open311Submission(**values)`` without ``Model.__init__``'s per-field work: every column at its
    default, ``values`` (by attribute name, of the types the fields hold) over them."""
    submission = Open311Submission.__new__(Open311Submission)
    submission.__dict__.update(_defaults())
    submission.__dict__.update(values)
    submission._state = ModelState()
    return submission


@functools.cache
def _insert_sql(vendor: str, columns: tuple[str, ...]) -> str:
    quote = connections[DEFAULT_DB_ALIAS].ops.quote_name
    return (f"INSERT INTO {quote(Open311Submission._meta.db_table)} ({', '.join(map(quote, columns))}) "  # noqa: S608
            f"VALUES ({', '.join(['%s'] * len(columns))})")


def pending():
    return Open311Submission.objects.filter(processed_at__isnull=True).order_by("received_at", "pk")


def file_pending(limit: int | None = None, seconds: float | None = None) -> dict:
    """File waiting submissions, oldest first; return how many became cases and how many failed.

    ``seconds`` bounds the time spent (the worker's task: ``FILING_SECONDS``): at least one
    submission is filed, and what is left goes to the next filing task. Without a bound, a
    worker under a steady stream of POSTs would file on and on in one task while the exports
    and notices queued behind it waited.
    """
    filed = failed = 0
    deadline = None if seconds is None else time.monotonic() + seconds
    while limit is None or filed + failed < limit:
        size = BATCH if limit is None else min(BATCH, limit - filed - failed)
        batch = list(pending().select_related("key", "category", "category__parent")[:size])
        if not batch:
            break
        for submission in batch:
            outcome = file_one(submission)
            filed += outcome == "filed"
            failed += outcome == "failed"
            if deadline is not None and time.monotonic() >= deadline:
                return {"filed": filed, "failed": failed}
    return {"filed": filed, "failed": failed}


def _locked_elsewhere(submission: Open311Submission) -> bool:
    """Whether another worker is filing ``submission`` right now (PostgreSQL: ``SKIP LOCKED``).

    Workers on several hosts read the same oldest batch; without this the second one would wait on
    each row the first one holds until its case commits and then find it taken, so two workers
    filed no faster than one. Locking the row here (``FOR UPDATE SKIP LOCKED``) lets it move on to
    the next row at once; the conditional update below still decides who files it. SQLite has one
    writer at a time and no row locks: nothing to skip.
    """
    db = connections[DEFAULT_DB_ALIAS]
    if not db.features.has_select_for_update_skip_locked:
        return False
    return not list(pending().filter(pk=submission.pk).select_for_update(skip_locked=True).values_list("pk", flat=True))


def file_one(submission: Open311Submission) -> str:
    """File one submission as a case: ``"filed"``, ``"failed"`` (reason kept) or ``"taken"`` (by another worker)."""
    key = submission.key
    context = RequestContext(ip=submission.ip, user_agent=submission.user_agent)
    try:
        with transaction.atomic():
            now = timezone.now()
            if _locked_elsewhere(submission):
                return "taken"
            if not pending().filter(pk=submission.pk).update(processed_at=now):
                return "taken"
            case = services.report_case(
                actor=None, description=submission.description, lon=submission.lon, lat=submission.lat,
                address=submission.address, category=submission.category, source=CaseSource.OPEN311,
                reporter_name=submission.reporter_name, reporter_phone=submission.reporter_phone,
                now=submission.received_at, open311_token=submission.token,
                within=lambda case: record(
                    actor=None, actor_name=f"open311:{key.prefix}", action="cases.open311_request", obj=case,
                    after={"key": key.prefix, "client": key.name, "service_code": submission.category.code,
                           "token": submission.token}, context=context))
            Open311Submission.objects.filter(pk=submission.pk).update(case=case)
            faults.point("cases.open311.filing")
        faults.point("cases.open311.filed")
        return "filed"
    except DomainError as error:
        updated = pending().filter(pk=submission.pk).update(processed_at=timezone.now(), error=error.message[:500])
        return "failed" if updated else "taken"
