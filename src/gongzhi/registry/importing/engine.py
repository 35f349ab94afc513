"""The resident import use case: read, validate, match by blind index, write chunk by chunk.

Built for large files: persons are matched with one query per batch of rows (blind indexes of
the file's ID numbers), new persons are inserted with one prepared statement over each chunk of
rows (``_insert_new_persons``, keys allocated in advance) and changed persons with ``bulk_update``,
so the number of queries grows with the number of batches, not of rows.

Rows sharing a household number (户号) form one household, matched by number inside the target
area or created there; the row whose relation is 户主 becomes its head, and the head's house the
household's house.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import hashlib
import operator
import re
import sqlite3
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection, models, transaction
from django.db.models.base import ModelState
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.permissions import has_perm
from gongzhi.accounts.roles import Perm
from gongzhi.areas.models import Area
from gongzhi.audit.services import record
from gongzhi.core import faults
from gongzhi.core.memory import paused_gc
from gongzhi.core.parallel import produced_elsewhere, ready_now
from gongzhi.privacy import crypto
from gongzhi.privacy.fields import BlindIndexField
from gongzhi.privacy.masking import mask
from gongzhi.privacy.sensitive import kind_of

from .. import fulltext
from ..choices import RelationToHead
from ..models import (
    House,
    Household,
    ImportBatch,
    ImportRowChange,
    ImportStatus,
    Person,
    PersonTag,
    SpecialGroup,
    name_romanisation,
)
from .reader import ImportFileError
from .validate import CheckedRows, RowError, ValidRow, check_stream, eighteen_digit_form, special_groups

BATCH_SIZE = 1000  # rows per bulk update or insert through the ORM
PLAN_BATCH_ROWS = 4000  # rows whose existing persons are looked up at once (two or three lookups a row)
# Files from this size on (about 2,000 rows of .xlsx) are read and checked in a second process.
BACKGROUND_CHECK_BYTES = 256 * 1024
IMPORT_PAGE_CACHE_KIB = -65536  # negative: KiB, as SQLite's PRAGMA cache_size takes it
# Values in one "IN (...)" lookup, within SQLite's limit on variables (32,766; 999 before SQLite 3.32).
MAX_QUERY_PARAMETERS = 10_000
# Fields whose values are encrypted: history keeps only their last four characters.
SECRET_FIELDS = {"phone"}
TAGS = "tags"  # the key of added special-group tags in an ImportRowChange
Progress = Callable[[str, int, int], None]


class UnknownArea(Exception):
    """The target area code names no area."""


@dataclass
class ImportReport:
    """What an import did (or, in a dry run, would do)."""

    file_name: str
    sha256: str
    area_code: str
    dry_run: bool
    strict: bool
    status: str = ImportStatus.RUNNING
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    errors: list[RowError] = field(default_factory=list)
    unmatched_addresses: list[tuple[int, str]] = field(default_factory=list)
    batch_id: int | None = None
    header_row: int = 0  # the header's row number as in the sheet, for the error report
    households_created: int = 0  # households (户) the 户号 column added
    households_updated: int = 0  # existing households given their head (户主) or house

    def counts(self) -> dict[str, int]:
        return {"rows": self.rows, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "failed": self.failed}


class _NewPerson:
    """A person the import adds: what its INSERT needs besides the row's prepared parameters.

    Lighter than a ``Person`` instance (one is planned per new row): the key given by
    ``_allocate_keys``, the household (whose key may be allocated only when written), the house
    for the household's head and the checked row (prepared parameters, tags).
    """

    __slots__ = ("id", "household", "house_id", "row")

    def __init__(self, row: ValidRow, household: Household | None) -> None:
        self.id: int | None = None
        self.row, self.household = row, household
        self.house_id = row.house[0] if row.house else None

    @property
    def pk(self) -> int | None:
        return self.id


@dataclass
class _Plan:
    new: list[_NewPerson] = field(default_factory=list)
    changed: list[tuple[Person, int, dict[str, list[Any]]]] = field(default_factory=list)
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    new_tags: list[PersonTag] = field(default_factory=list)  # added to existing persons (new ones: _write)
    new_households: list[Household] = field(default_factory=list)
    # Household number → (household, its head as planned): heads are set once persons have keys.
    heads: dict[str, tuple[Household, Person | _NewPerson]] = field(default_factory=dict)
    households_updated: int = 0


def normalise_address(value: str) -> str:
    """An address made comparable: NFKC, no blanks, no punctuation between its parts."""
    return re.sub(r"[\s,，、\-－—#]", "", unicodedata.normalize("NFKC", value or "")).upper()


def import_residents(
    *,
    actor,
    filename: str,
    area_code: str,
    path: str | Path | None = None,
    data: bytes | None = None,
    dry_run: bool = False,
    strict: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a resident sheet into ``area_code``; the file is read from ``path`` or given as ``data``.

    Valid rows are written chunk by chunk, each chunk in a short transaction of its own; with
    ``strict`` nothing is written when any row fails, and a ``dry_run`` writes no person (its
    batch is kept so the page can show the errors). Persons are matched by ID number through the blind index and only changed fields
    are written; each change is kept as an ``ImportRowChange``. The batch (who, when, file hash,
    counts) is always recorded and a committed import is audited. ``progress(stage, done,
    total)`` is called as rows are checked (``"validate"``) and written (``"write"``). Raises
    ``ImportFileError`` when the file cannot be read (``ImportInterrupted`` when a commit failed
    after writing some chunks: they stay, recorded on the batch), ``UnknownArea`` and
    ``PermissionDenied``.
    """
    if data is None:
        if path is None:
            raise ImportFileError(_("没有指定要导入的文件。"))
        try:
            data = Path(path).read_bytes()
        except OSError as error:
            raise ImportFileError(_("无法打开文件：%(error)s") % {"error": error.strerror or error}) from None
    area = Area.objects.filter(code=area_code).first()
    if area is None:
        raise UnknownArea(area_code)
    if actor is not None and not has_perm(actor, Perm.REGISTRY_EDIT, area):
        raise PermissionDenied
    report = ImportReport(file_name=filename, sha256=hashlib.sha256(data).hexdigest(), area_code=area.code,
                          dry_run=dry_run, strict=strict)
    with paused_gc():  # the rows stay alive to the end: collecting them meanwhile frees nothing
        _run(report, area, actor, data, filename, dry_run=dry_run, strict=strict, progress=progress)
    return report


def _run(report: ImportReport, area: Area, actor, data: bytes, filename: str, *, dry_run: bool, strict: bool,
         progress: Progress | None) -> None:
    """Read, check, plan and (unless a dry run or refused) write, filling in ``report``.

    Large files are read and checked in a second process (``produced_elsewhere``) while this
    one plans and writes the rows checked so far, chunk by chunk. A check (``dry_run``) only
    reads: it holds no write lock, so on SQLite everyone else keeps writing while it runs. A
    committed import writes each chunk in its own short transaction (``_ChunkWriter``), so other
    writers wait at most about a second, not for the whole file. A strict import plans every
    chunk before writing the first, so a failed row anywhere means nothing is written.
    """
    prepare = _row_preparation(area, _house_index(area))
    stream = functools.partial(check_stream, data, filename, groups=special_groups(), prepare=prepare)
    with produced_elsewhere(stream, enabled=len(data) >= BACKGROUND_CHECK_BYTES) as checked:
        head = next(checked)
        report.rows, report.header_row = head.rows, head.header_row
        # The batch is recorded at once (a short write of its own): its row is the import's history.
        batch = ImportBatch.objects.create(
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            actor_name=getattr(actor, "username", "") or "import_residents", file_name=filename[:255],
            sha256=report.sha256, area=area, dry_run=dry_run, strict=strict,
        )
        planner = _Planner(area, report, head.column("id_number"), head.column("relation_to_head"), actor)
        writer = _ChunkWriter(batch)
        planned: list[_Plan] = []
        with _large_page_cache():
            try:
                for chunk in checked:
                    if dry_run or strict:
                        report.rows = chunk.checked
                        report.errors.extend(chunk.errors)
                        # Planning reads only; a strict import writes once the whole file has passed.
                        plan = planner.plan(chunk.valid)
                        _count(report, plan)
                        if strict and not dry_run and not report.errors:
                            planned.append(plan)
                        if progress is not None:
                            progress("validate", chunk.checked, max(head.rows, chunk.checked))
                        continue
                    # Planned inside the chunk's transaction: an ID number registered meanwhile by
                    # someone else makes the unique constraint fail rather than create a second person.
                    # The next chunk joins the transaction when it has arrived already and the lock
                    # has been held for less than the writer allows between pauses (``_ChunkWriter``):
                    # the lock is never held while waiting for the checking process, and each index
                    # page is written to the WAL once per commit, not once per chunk.
                    done: list[tuple[CheckedRows, _Plan]] = []
                    with writer.transaction():
                        while True:
                            plan = planner.plan(chunk.valid)
                            _write(plan, batch, timezone.now())
                            done.append((chunk, plan))
                            faults.point("registry.import.chunk_writing")
                            if not (writer.may_continue() and ready_now(checked)):
                                break
                            chunk = next(checked, None)
                            if chunk is None:
                                break
                        fulltext.flush()
                    faults.point("registry.import.chunk_written")
                    for written, plan in done:
                        report.rows = written.checked
                        report.errors.extend(written.errors)
                        _count(report, plan)
                        if progress is not None:
                            progress("write", written.checked, max(head.rows, written.checked))
                if strict and not dry_run and not report.errors:
                    for number, plan in enumerate(planned, start=1):
                        with writer.transaction():
                            _write(plan, batch, timezone.now())
                            fulltext.flush()
                        if progress is not None:
                            progress("write", number, len(planned))
            except Exception:
                if writer.written:
                    _interrupted(report, batch)
                    raise ImportInterrupted(report) from None
                batch.delete()  # nothing was written: the failure leaves no trace but the job's
                raise
        writer.wait()
        with transaction.atomic():
            _conclude(report, batch, actor)


def _count(report: ImportReport, plan: _Plan) -> None:
    report.errors.extend(plan.errors)
    report.created += len(plan.new)
    report.updated += len(plan.changed)
    report.unchanged += plan.unchanged
    report.households_created += len(plan.new_households)
    report.households_updated += plan.households_updated


class ImportInterrupted(ImportFileError):
    """A committed import failed after some chunks were written: those stay, the rest are not."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        super().__init__(_("导入在写入过程中中断：已写入 %(written)d 行，其余未写入（见导入记录）。"
                           "请重新上传同一文件继续导入，已写入的人员不会重复。")
                         % {"written": report.created + report.updated + report.unchanged})


def _interrupted(report: ImportReport, batch: ImportBatch) -> None:
    """Record what a failed commit had written (its chunks are committed) on the batch."""
    report.status = ImportStatus.INTERRUPTED
    report.errors.sort()
    report.failed = len({error.row for error in report.errors})
    report.batch_id = batch.pk
    _finish(batch, report)


class _ChunkWriter:
    """One short write transaction per chunk, and room for other writers between them.

    SQLite has one write lock for the whole database, and a writer waiting for it polls (its busy
    handler sleeps up to 100 ms between tries): an import committing chunk after chunk without a
    pause could take the lock back before any waiting request woke up. So once the import has held
    the lock for ``HOLD_SECONDS`` in all since its last pause, it leaves the lock alone for
    ``PAUSE_SECONDS`` after the chunk — long enough for every waiting writer's next poll. The pause
    is spent on what needs no lock: the next transaction (or ``wait``) starts no earlier than the
    pause's end, and until then the import receives and unpacks the next chunk (it used to sleep
    first and receive after). PostgreSQL locks rows, not the database, and needs no pause.
    """

    HOLD_SECONDS = 1.0
    PAUSE_SECONDS = 0.12

    def __init__(self, batch: ImportBatch) -> None:
        self.batch = batch
        self.written = 0  # chunks committed
        self.held = 0.0  # seconds inside write transactions since the last pause
        self.resume_at = 0.0  # time.monotonic() at which the current pause ends
        self.started = 0.0  # time.monotonic() at which the current transaction began

    def wait(self) -> None:
        """Until the current pause (if any) is over."""
        left = self.resume_at - time.monotonic()
        if left > 0:
            time.sleep(left)

    def may_continue(self) -> bool:
        """Inside ``transaction``: whether the lock has been held for less than ``HOLD_SECONDS`` since
        the last pause, so that committing now would not pause (another chunk may then join)."""
        return self.held + time.monotonic() - self.started < self.HOLD_SECONDS

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        self.wait()
        self.started = started = time.monotonic()
        with transaction.atomic():
            yield
        self.written += 1
        finished = time.monotonic()
        self.held += finished - started
        if connection.vendor == "sqlite" and self.held >= self.HOLD_SECONDS:
            self.resume_at = finished + self.PAUSE_SECONDS
            self.held = 0.0


def _conclude(report: ImportReport, batch: ImportBatch, actor) -> None:
    """The report's status and failure count, the batch finished and a committed import audited."""
    report.errors.sort()
    report.failed = len({error.row for error in report.errors})
    if report.dry_run:
        report.status = ImportStatus.DRY_RUN
    elif report.strict and report.errors:
        report.status = ImportStatus.REJECTED
        report.created = report.updated = report.unchanged = 0
        report.households_created = report.households_updated = 0
    else:
        report.status = ImportStatus.COMMITTED
    report.batch_id = batch.pk
    _finish(batch, report)
    if report.status == ImportStatus.COMMITTED:
        record(actor=actor, actor_name="import_residents", action="registry.import_residents", obj=batch,
               after={"file_name": report.file_name, "sha256": report.sha256, "area": report.area_code,
                      **report.counts(), "unmatched_addresses": len(report.unmatched_addresses),
                      "households_created": report.households_created,
                      "households_updated": report.households_updated})


@contextlib.contextmanager
def _large_page_cache() -> Iterator[None]:
    """On SQLite, a 64 MiB page cache for this connection while importing, the default after.

    SQLite's default cache of 2 MiB cannot hold the indexes of a large table (blind indexes,
    names, areas), so inserting 100,000 persons would reread index pages from disk at random.
    """
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (previous,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = {IMPORT_PAGE_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


def _finish(batch: ImportBatch, report: ImportReport) -> None:
    batch.status = report.status
    batch.finished_at = timezone.now()
    for name, value in report.counts().items():
        setattr(batch, name, value)
    batch.unmatched_addresses = len(report.unmatched_addresses)
    batch.errors = [[error.row, error.column, error.message] for error in report.errors]
    batch.save()


def _chunks(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _other_id_form(number: str) -> str | None:
    """The other form (15 or 18 digits) a ledger may hold for the same person's number, if any."""
    if len(number) == 15:
        return eighteen_digit_form(number)
    if number[6:8] == "19":
        return number[:6] + number[8:17]
    return None


def _house_index(area: Area) -> dict[str, tuple[int, int]]:
    """Normalised address → (house id, area id) for the houses inside ``area``."""
    houses = House.objects.filter(area__path__startswith=area.path).values_list("pk", "area_id", "address")
    return {normalise_address(address): (pk, area_id) for pk, area_id, address in houses}


def _query_parameters() -> int:
    """How many values one "IN (...)" lookup may carry on this connection."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        return max(1, min(MAX_QUERY_PARAMETERS, limit - 1))
    return MAX_QUERY_PARAMETERS


def _household_index(area: Area, numbers: set[str]) -> dict[str, Household]:
    """The households inside ``area`` with these numbers (the first by key when a number repeats)."""
    found: dict[str, Household] = {}
    ordered = sorted(numbers)
    for chunk in _chunks(ordered, _query_parameters()):
        households = (Household.objects.filter(area__path__startswith=area.path, number__in=list(chunk))
                      .order_by("-pk"))
        found.update({household.number: household for household in households})
    return found


class _HeldElsewhere:
    """The answer for a row whose ID number a person outside the import's area holds.

    Held where the importer may see it: said plainly. Held outside their scope: the form's neutral
    refusal (``services.not_registrable``), each one recorded (``registry.person.id_elsewhere``) and
    counted in the same daily allowance as the form's; once it is spent, every new number in the
    file is refused the same way. A workbook of candidate numbers (even a check, which writes
    nothing else) therefore learns no more than the form would tell. An import without a signed-in
    actor (``./gz manage import_residents``, run by an operator) has no allowance.
    """

    def __init__(self, actor, request) -> None:
        from gongzhi.accounts.permissions import perm_paths
        from gongzhi.areas.scope import scope_paths

        from .. import services

        self.actor = actor if getattr(actor, "is_authenticated", False) else None
        self.request = request
        self.neutral = str(services.not_registrable().error_dict["id_number"][0].message)
        if self.actor is None:
            self.left, self.scope, self.viewable = None, (), ()
        else:
            self.left = services._daily_limit() - services._id_elsewhere_hits(self.actor)
            self.scope, self.viewable = scope_paths(self.actor), perm_paths(self.actor, Perm.REGISTRY_VIEW)

    @property
    def spent(self) -> bool:
        return self.left is not None and self.left <= 0

    def refusal(self, row: ValidRow, holder: Person) -> str:
        path = holder.area.path
        if self.actor is not None and any(path.startswith(p) for p in self.scope) and any(
                path.startswith(p) for p in self.viewable):
            return _("该身份证号码已登记在本区域以外的人员名下，不能在此导入；请在该人员所在区域办理迁入。")
        if self.left is not None and self.left > 0:
            self.left -= 1
            from gongzhi.privacy.masking import mask_id_number, mask_name

            from .. import services

            record(actor=self.actor, action=services.ID_ELSEWHERE_ACTION, object_type="registry.person",
                   object_id=str(holder.pk), object_repr=mask_name(holder.real_name), success=False,
                   request=self.request, after={"id_number": mask_id_number(row.id_number), "row": row.number,
                                                "source": "import"})
        return self.neutral


class _Planner:
    """Decides for each valid row: a new person, changes to an existing one, or nothing.

    Rows come in chunks (``plan`` per chunk, each giving the chunk's ``_Plan``); what spans
    chunks is kept here: the households the file names (found or created) and a memo of names.
    """

    def __init__(self, area: Area, report: ImportReport, id_column: str, relation_column: str,
                 actor=None, request=None) -> None:
        self.area, self.report = area, report
        self.elsewhere = _HeldElsewhere(actor, request)
        self.id_column, self.relation_column = id_column, relation_column
        self.district_code = area.code[:6]
        self.households: dict[str, Household] = {}
        self.created_households: set[str] = set()  # numbers of the households this import adds
        self.group_names: dict[int, str] | None = None  # loaded when a tag is first added to an existing person
        self.romanise = functools.lru_cache(maxsize=None)(name_romanisation)

    def plan(self, rows: list[ValidRow]) -> _Plan:
        plan = _Plan()
        numbers = {row.household for row in rows if row.household} - self.households.keys()
        self.households.update(_household_index(self.area, numbers))
        for chunk in _chunks(rows, PLAN_BATCH_ROWS):
            self._plan_batch(plan, chunk)
        return plan

    def _plan_batch(self, plan: _Plan, chunk: Sequence[ValidRow]) -> None:
        """One query finds the batch's existing persons (by the rows' prepared blind indexes)."""
        area, households = self.area, self.households
        wanted = {index: row for row in chunk for index in row.lookup}
        existing: dict[int, Person] = {}
        found = _present_id_indexes(list(wanted))
        if found:
            for person in Person.objects.filter(id_index__in=found).select_related("area", "household"):
                existing[wanted[person.id_index].number] = person
        tagged: dict[int, set[int]] = {}
        if existing and any(row.tags for row in chunk):
            pairs = PersonTag.objects.filter(person__in=list(existing.values())).values_list("person_id", "group_id")
            for person_id, group_id in pairs:
                tagged.setdefault(person_id, set()).add(group_id)
        for row in chunk:
            values = row.values  # with the house its address names (see _row_preparation)
            target_area_id = row.house[1] if row.house else None
            if row.address and row.house is None:
                self.report.unmatched_addresses.append((row.number, row.address))
            person = existing.get(row.number)
            if person is not None and not person.area.path.startswith(area.path):
                plan.errors.append(RowError(row.number, self.id_column, self.elsewhere.refusal(row, person)))
                continue
            if person is None and self.elsewhere.spent:
                # Past the day's allowance every new number is refused alike (as on the form), so
                # that the refusal of a number held elsewhere cannot be told from the rest.
                plan.errors.append(RowError(row.number, self.id_column, self.elsewhere.neutral))
                continue
            household = households.get(row.household) if row.household else None
            is_head = bool(row.household) and values.get("relation_to_head") == RelationToHead.HEAD
            if (is_head and household is not None and household.head_id is not None
                    and (person is None or person.pk != household.head_id)):
                plan.errors.append(RowError(row.number, self.relation_column, _(
                    "户号“%(number)s”已登记户主，一户只能有一个户主；更换户主请在户信息中办理。")
                    % {"number": row.household}))
                continue
            if row.household and household is None:
                household = _new_instance(Household, area_id=area.pk, district_code=self.district_code,
                                          number=row.household)
                households[row.household] = household
                self.created_households.add(row.household)
                plan.new_households.append(household)
            if person is None:
                new = _NewPerson(row, household)
                plan.new.append(new)
                if is_head:
                    self._plan_head(plan, household, new)
                continue
            if target_area_id is not None:
                values = {**values, "area_id": target_area_id}
            changes = {name: [getattr(person, name), value] for name, value in values.items()
                       if getattr(person, name) != value}
            for name, (_before, after) in changes.items():
                setattr(person, name, after)
            if household is not None and (household.pk is None or person.household_id != household.pk):
                changes["household"] = [person.household.number if person.household_id else "", household.number]
                person.household = household
            if is_head:
                self._plan_head(plan, household, person)
            had = tagged.get(person.pk, set())
            added = row.tags - had
            if added:
                if self.group_names is None:
                    self.group_names = dict(SpecialGroup.objects.values_list("pk", "name"))
                changes[TAGS] = [_group_names(self.group_names, had), _group_names(self.group_names, had | added)]
                plan.new_tags.extend(PersonTag(person=person, group_id=group_id) for group_id in sorted(added))
            if not changes:
                plan.unchanged += 1
                continue
            _derive(person, self.romanise)
            if "phone" in changes:
                # Inserts compute blind indexes in BlindIndexField.pre_save; bulk_update does not call it.
                person.phone_index = Person._meta.get_field("phone_index").compute(person.phone)
            plan.changed.append((person, row.number, changes))

    def _plan_head(self, plan: _Plan, household: Household, head: Person | _NewPerson) -> None:
        """``head`` becomes the household's head (and its house the household's) unless already so."""
        plan.heads[household.number] = (household, head)
        if household.number not in self.created_households and (
                head.pk is None or household.head_id != head.pk
                or household.house_id is None and head.house_id is not None):
            plan.households_updated += 1


def _row_preparation(area: Area, houses: dict[str, tuple[int, int]]) -> Callable[[ValidRow], None]:
    """What a valid row needs that depends on the row alone, computed while rows are checked.

    ``house``: the (house, area) its address names among ``houses`` (``_house_index``), if any;
    the row's ``values`` get its ``house_id`` and ``address_text`` (the address when no house
    matched). ``lookup``: the blind indexes of the row's ID number in its 15- and 18-digit forms
    under every configured key (lookups keep working while keys rotate), the current key's index of
    the number itself first. ``insert``: a new person's INSERT parameters after the ones the plan
    decides (``PLANNED_COLUMNS``): ciphertexts, blind indexes, pinyin and last-four columns, area.
    Runs where the rows are checked, possibly in another process: nothing here uses the database.
    """
    label_of = {name: Person._meta.get_field(name).crypto_label
                for name in ("id_number", "id_index", "phone", "phone_index")}
    id_indexes = [crypto.indexer(label_of["id_index"], key) for key in crypto.keys()]  # the current key first
    index_id, *older_keys = id_indexes
    index_phone = crypto.indexer(label_of["phone_index"], crypto.current_key())
    seal_id, seal_phone = crypto.sealer(label_of["id_number"]), crypto.sealer(label_of["phone"])
    address_key = functools.lru_cache(maxsize=None)(normalise_address)  # a household's members share one
    romanise = functools.lru_cache(maxsize=None)(name_romanisation)  # common names repeat
    fields = _prepared_fields()
    parameters = operator.itemgetter(*(field.attname for field in fields))
    base = {field.attname: _defaults(Person)[field.attname] for field in fields} | {"district_code": area.code[:6]}
    adapt_date = connection.ops.adapt_datefield_value

    def prepare(row: ValidRow) -> None:
        values = row.values
        stored = base.copy()
        if row.address:
            house = row.house = houses.get(address_key(row.address))
            if house is None:
                values["house_id"], values["address_text"] = None, row.address
            else:
                values["house_id"], values["address_text"] = house[0], ""
                stored["area_id"] = house[1]
        else:
            house = None
        if house is None:
            stored["area_id"] = area.pk
        stored.update(values)
        number, phone = row.id_number, values.get("phone") or ""
        own = index_id(number)  # the id_index a new person stores, and the first lookup
        other = _other_id_form(number)
        if older_keys:  # while keys rotate
            forms = (number, other) if other else (number,)
            row.lookup = (own, *[index(form) for form in forms for index in id_indexes if form != number
                                 or index is not index_id])
        else:
            row.lookup = (own, index_id(other)) if other else (own,)
        stored["id_number"], stored["id_index"], stored["id_last4"] = seal_id(number), own, number[-4:]
        if phone:
            stored["phone"], stored["phone_index"] = seal_phone(phone), index_phone(phone)
            stored["phone_last4"] = phone.replace("-", "")[-4:]  # a checked phone: digits and at most a dash
        stored["name_pinyin"], stored["name_initials"] = romanise(values["real_name"])
        stored["birth_date"] = adapt_date(stored["birth_date"])
        row.insert = parameters(stored)

    return prepare


# A new person's columns set by the importing process when it writes: keys and stamps.
PLANNED_COLUMNS = ("id", "household_id", "created_at", "updated_at")


@functools.cache
def _prepared_fields() -> list[models.Field]:
    """Person's columns other than ``PLANNED_COLUMNS``, in the order ``ValidRow.insert`` holds them."""
    return [field for field in Person._meta.concrete_fields if field.attname not in PLANNED_COLUMNS]


def _present_id_indexes(indexes: list[str]) -> list[str]:
    """Which of ``indexes`` are some person's ``id_index``: a bare indexed lookup per ``_query_parameters`` values.

    On a first import none is; asking with plain SQL spares building ORM lookups of thousands of
    parameters for nothing.
    """
    present: list[str] = []
    column = connection.ops.quote_name(Person._meta.get_field("id_index").column)
    table = connection.ops.quote_name(Person._meta.db_table)
    with connection.cursor() as cursor:
        for chunk in _chunks(indexes, _query_parameters()):
            cursor.execute(f"SELECT {column} FROM {table} WHERE {column} IN ({', '.join(['%s'] * len(chunk))})",
                           list(chunk))  # noqa: S608 - names from the model, values as parameters
            present.extend(value for (value,) in cursor.fetchall())
    return present


def _group_names(names: dict[int, str], group_ids: set[int]) -> list[str]:
    return sorted(names[group_id] for group_id in group_ids)


def _new_instance(model: type[models.Model], **values: Any) -> models.Model:
    """``model(**values)`` built without ``Model.__init__``'s per-field work (values by attribute name).

    Every column starts at its default and ``values`` are set over them: the instance ``__init__``
    would build, ten times faster (the registry models have no init signals).
    """
    instance = model.__new__(model)
    instance.__dict__.update(_defaults(model))
    instance.__dict__.update(values)
    instance._state = ModelState()
    return instance


@functools.cache
def _defaults(model: type[models.Model]) -> dict[str, Any]:
    defaults = {field.attname: field.get_default() for field in model._meta.concrete_fields}
    assert all(not callable(value) and not isinstance(value, (list, dict)) for value in defaults.values())
    return defaults


def _derive(person: Person, romanise: Callable[[str], tuple[str, str]] = name_romanisation) -> None:
    """The columns ``Person.save`` derives, set here because bulk writes skip ``save``."""
    person.name_pinyin, person.name_initials = romanise(person.real_name)
    person.id_last4 = person.id_number[-4:]
    person.phone_last4 = "".join(c for c in person.phone or "" if c.isdigit())[-4:]


def _history_value(name: str, value: Any) -> Any:
    if name in SECRET_FIELDS and value:
        return f"****{str(value)[-4:]}"
    if value and kind_of(Person, name):  # e.g. the birth date: the masked middle of the ID number
        return mask(kind_of(Person, name), value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _write(plan: _Plan, batch: ImportBatch, now: datetime.datetime) -> None:
    """Write one chunk's plan: new households and persons, changes with their history, tags, heads."""
    # Keys known before the insert: members point at their households and households at their
    # heads in the same statements (the foreign keys are checked at commit).
    _allocate_keys(Household, plan.new_households)
    _allocate_keys(Person, plan.new)
    for household, head in plan.heads.values():
        if household._state.adding:
            household.head_id = head.pk
            household.house_id = head.house_id
    _insert(Household, plan.new_households, now)
    _insert_new_persons(plan.new, now)
    for chunk in _chunks(plan.changed, BATCH_SIZE):
        fields: set[str] = {"updated_at"}
        for person, _row, changes in chunk:
            person.updated_at = now
            fields.update(name for name in changes if name != TAGS)
        # A house found in a sub-area moves the person there; district_code stays (same district).
        derived = {"real_name": {"name_pinyin", "name_initials"}, "phone": {"phone_last4", "phone_index"}}
        fields = fields.union(*(extra for name, extra in derived.items() if name in fields))
        Person.objects.bulk_update([person for person, _row, _changes in chunk],
                                   [name.removesuffix("_id") if name.endswith("_id") else name for name in fields])
        ImportRowChange.objects.bulk_create([
            ImportRowChange(batch=batch, person=person, row=row, changes={
                name: [_history_value(name, before), _history_value(name, after)]
                for name, (before, after) in changes.items()})
            for person, row, changes in chunk
        ])
    PersonTag.objects.bulk_create([*plan.new_tags, *(PersonTag(person_id=new.id, group_id=group_id)
                                                     for new in plan.new for group_id in sorted(new.row.tags))],
                                  batch_size=BATCH_SIZE)
    headed = []
    for household, head in plan.heads.values():
        if household.head_id != head.pk or household.house_id is None and head.house_id is not None:
            household.head_id = head.pk
            if household.house_id is None:
                household.house_id = head.house_id
            household.updated_at = now
            headed.append(household)
    if headed:
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {Household._meta.db_table} SET head_id = %s, house_id = %s, updated_at = %s WHERE id = %s",
                [(household.head_id, household.house_id, Household._meta.get_field("updated_at").get_db_prep_save(
                    now, connection), household.pk) for household in headed])


def _allocate_keys(model: type[models.Model], objs: Sequence[models.Model | _NewPerson]) -> None:
    """Give ``objs`` the primary keys the database would give them.

    PostgreSQL hands out keys from the table's sequence. SQLite has no sequence object, but the
    import holds the database's write lock from its first write (the import batch row, written
    before this) to its commit, so no one else can take the keys after the current largest one.
    """
    if not objs:
        return
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                           [table, len(objs)])
            keys = [key for (key,) in cursor.fetchall()]
        else:  # SQLite, the only other database Gongzhi runs on
            # AUTOINCREMENT never reuses a key: start above both the largest row and the sequence.
            cursor.execute(f"SELECT MAX(id) FROM {table}")  # noqa: S608 - a model's table name
            top = cursor.fetchone()[0] or 0
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            top = max(top, row[0] if row else 0)
            keys = range(top + 1, top + 1 + len(objs))
    for obj, key in zip(objs, keys):
        obj.id = key


_PLAIN_TYPES = (models.CharField, models.ForeignKey, models.BooleanField, models.IntegerField)


def _is_timestamp(field: models.Field) -> bool:
    return bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))


def _insert(model: type[models.Model], objs: Sequence[models.Model], now: datetime.datetime) -> None:
    """INSERT ``objs`` (primary keys set) with one prepared statement run over all rows.

    What ``bulk_create`` does per value (``pre_save``: blind indexes, timestamps; then
    ``get_db_prep_save``: encryption, date adaptation), without compiling one multi-row statement
    per 37 rows: SQLite's 999-parameter limit makes Django cut a 27-column table into such
    batches, and compiling them costs more than the inserts.
    """
    if not objs:
        return
    columns, prepare = _row_preparer(model, now)
    _execute_insert(model, columns, prepare(objs))
    alias = connection.alias
    for obj in objs:
        obj._state.adding = False
        obj._state.db = alias


def _insert_new_persons(news: Sequence[_NewPerson], now: datetime.datetime) -> None:
    """INSERT the new persons (keys allocated): the planned columns, then the row's prepared parameters."""
    if not news:
        return
    stamp = Person._meta.get_field("created_at").get_db_prep_save(now, connection)
    columns = [Person._meta.get_field(name).column for name in PLANNED_COLUMNS]
    columns += [field.column for field in _prepared_fields()]
    _execute_insert(Person, columns, [
        (new.id, new.household.id if new.household is not None else None, stamp, stamp,
         *new.row.insert) for new in news])


def _execute_insert(model: type[models.Model], columns: Sequence[str], rows: list[tuple]) -> None:
    sql = (f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} "  # noqa: S608 - model names
           f"({', '.join(connection.ops.quote_name(column) for column in columns)}) "
           f"VALUES ({', '.join(['%s'] * len(columns))})")
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _row_preparer(model: type[models.Model], now: datetime.datetime
                  ) -> tuple[list[str], Callable[[Sequence[models.Model]], list[tuple]]]:
    """The INSERT's columns and a function turning instances into its parameter rows.

    Columns fall in three groups: stored as the attribute is, set to ``now``, and the rest through
    the field as ``bulk_create`` does (``pre_save``: blind indexes; ``get_db_prep_save``:
    encryption, date adaptation). New persons take ``_insert_new_persons`` instead.
    """
    plain = [field for field in model._meta.concrete_fields if isinstance(field, _PLAIN_TYPES)
             and not isinstance(field, BlindIndexField) and not _is_timestamp(field)]
    stamped = [field for field in model._meta.concrete_fields if _is_timestamp(field)]
    computed = [field for field in model._meta.concrete_fields if field not in plain and field not in stamped]
    get_plain = operator.itemgetter(*(field.attname for field in plain))
    stamp = [field.get_db_prep_save(now, connection) for field in stamped]

    def prepare(objs: Sequence[models.Model]) -> list[tuple]:
        rows = []
        for obj in objs:
            for field in stamped:
                setattr(obj, field.attname, now)
            rows.append((*get_plain(obj.__dict__), *stamp,
                         *[field.get_db_prep_save(field.pre_save(obj, True), connection) for field in computed]))
        return rows

    return [field.column for field in plain + stamped + computed], prepare
