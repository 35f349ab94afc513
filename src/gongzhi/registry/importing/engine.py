"""The resident import use case: read, validate, match by blind index, write in one transaction.

Built for large files: persons are matched with one query per batch of rows (blind indexes of
the file's ID numbers), new persons are inserted with ``bulk_create`` and changed persons with
``bulk_update``, so the number of queries grows with the number of batches, not of rows.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.permissions import has_perm
from gongzhi.accounts.roles import Perm
from gongzhi.areas.models import Area
from gongzhi.audit.services import record

from ..models import (
    House,
    ImportBatch,
    ImportRowChange,
    ImportStatus,
    Person,
    PersonTag,
    SpecialGroup,
    name_romanisation,
)
from .reader import ImportFileError, read_sheet
from .validate import RowError, ValidRow, eighteen_digit_form, validate_sheet

BATCH_SIZE = 1000
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

    def counts(self) -> dict[str, int]:
        return {"rows": self.rows, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "failed": self.failed}


@dataclass
class _Plan:
    new: list[Person] = field(default_factory=list)
    changed: list[tuple[Person, int, dict[str, list[Any]]]] = field(default_factory=list)
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    new_tags: list[PersonTag] = field(default_factory=list)


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

    Every valid row is written in one transaction; with ``strict`` nothing is written when any
    row fails, and a ``dry_run`` writes no person (its batch is kept so the page can show the
    errors). Persons are matched by ID number through the blind index and only changed fields
    are written; each change is kept as an ``ImportRowChange``. The batch (who, when, file hash,
    counts) is always recorded and a committed import is audited. ``progress(stage, done,
    total)`` is called as rows are checked (``"validate"``) and written (``"write"``). Raises
    ``ImportFileError`` when the file cannot be read, ``UnknownArea`` and ``PermissionDenied``.
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
    sheet = read_sheet(data, filename)
    validation = validate_sheet(sheet, progress=None if progress is None else
                                (lambda done, total: progress("validate", done, total)))
    report.rows = len(sheet.rows)
    report.header_row = sheet.header_index + 1
    with transaction.atomic():
        # Planned inside the transaction: an ID number registered meanwhile by someone else makes
        # the unique constraint fail the whole import rather than create a second person.
        plan = _plan(validation.valid, area, report, sheet.column("id_number"))
        report.errors = sorted(validation.errors + plan.errors)
        report.failed = len({error.row for error in report.errors})
        refused = strict and bool(report.errors)
        if not refused:
            report.created, report.updated, report.unchanged = len(plan.new), len(plan.changed), plan.unchanged
        batch = ImportBatch.objects.create(
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            actor_name=getattr(actor, "username", "") or "import_residents", file_name=filename[:255],
            sha256=report.sha256, area=area, dry_run=dry_run, strict=strict,
        )
        if dry_run:
            report.status = ImportStatus.DRY_RUN
        elif refused:
            report.status = ImportStatus.REJECTED
        else:
            _write(plan, batch, progress)
            report.status = ImportStatus.COMMITTED
        report.batch_id = batch.pk
        _finish(batch, report)
        if report.status == ImportStatus.COMMITTED:
            record(actor=actor, actor_name="import_residents", action="registry.import_residents", obj=batch,
                   after={"file_name": filename, "sha256": report.sha256, "area": area.code, **report.counts(),
                          "unmatched_addresses": len(report.unmatched_addresses)})
    return report


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


def _id_forms(number: str) -> set[str]:
    """The 15- and 18-digit forms a ledger may hold for the same person."""
    forms = {number, eighteen_digit_form(number)}
    if len(number) == 18 and number[6:8] == "19":
        forms.add(number[:6] + number[8:17])
    return forms


def _house_index(area: Area) -> dict[str, tuple[int, int]]:
    """Normalised address → (house id, area id) for the houses inside ``area``."""
    houses = House.objects.filter(area__path__startswith=area.path).values_list("pk", "area_id", "address")
    return {normalise_address(address): (pk, area_id) for pk, area_id, address in houses}


def _plan(rows: list[ValidRow], area: Area, report: ImportReport, id_column: str) -> _Plan:
    """Decide for each valid row: a new person, changes to an existing one, or nothing."""
    plan = _Plan()
    houses = _house_index(area)
    index_field = Person._meta.get_field("id_index")
    district_code = area.code[:6]
    group_names: dict[int, str] | None = None  # loaded when a tag is first added to an existing person
    for chunk in _chunks(rows, BATCH_SIZE):
        wanted: dict[str, ValidRow] = {}
        for row in chunk:
            for form in _id_forms(row.id_number):
                for candidate in index_field.candidates(form):
                    wanted[candidate] = row
        existing: dict[int, Person] = {}
        for person in Person.objects.filter(id_index__in=list(wanted)).select_related("area"):
            existing[wanted[person.id_index].number] = person
        tagged: dict[int, set[int]] = {}
        if existing and any(row.tags for row in chunk):
            pairs = PersonTag.objects.filter(person__in=list(existing.values())).values_list("person_id", "group_id")
            for person_id, group_id in pairs:
                tagged.setdefault(person_id, set()).add(group_id)
        for row in chunk:
            values = dict(row.values)
            target_area_id = None
            if row.address:
                match = houses.get(normalise_address(row.address))
                if match is None:
                    values.update(house_id=None, address_text=row.address)
                    report.unmatched_addresses.append((row.number, row.address))
                else:
                    values.update(house_id=match[0], address_text="")
                    target_area_id = match[1]
            person = existing.get(row.number)
            if person is None:
                new = Person(area_id=target_area_id or area.pk, district_code=district_code,
                             id_number=row.id_number, **values)
                _derive(new)
                plan.new.append(new)
                plan.new_tags.extend(PersonTag(person=new, group_id=group_id) for group_id in sorted(row.tags))
                continue
            if not person.area.path.startswith(area.path):
                plan.errors.append(RowError(row.number, id_column, _(
                    "该身份证号码已登记在本区域以外的人员名下，不能在此导入；请联系其所在区域办理迁入。")))
                continue
            if target_area_id is not None:
                values["area_id"] = target_area_id
            changes = {name: [getattr(person, name), value] for name, value in values.items()
                       if getattr(person, name) != value}
            for name, (_before, after) in changes.items():
                setattr(person, name, after)
            had = tagged.get(person.pk, set())
            added = row.tags - had
            if added:
                if group_names is None:
                    group_names = dict(SpecialGroup.objects.values_list("pk", "name"))
                changes[TAGS] = [_group_names(group_names, had), _group_names(group_names, had | added)]
                plan.new_tags.extend(PersonTag(person=person, group_id=group_id) for group_id in sorted(added))
            if not changes:
                plan.unchanged += 1
                continue
            _derive(person)
            if "phone" in changes:
                # Inserts compute blind indexes in BlindIndexField.pre_save; bulk_update does not call it.
                person.phone_index = Person._meta.get_field("phone_index").compute(person.phone)
            plan.changed.append((person, row.number, changes))
    return plan


def _group_names(names: dict[int, str], group_ids: set[int]) -> list[str]:
    return sorted(names[group_id] for group_id in group_ids)


def _derive(person: Person) -> None:
    """The columns ``Person.save`` derives, set here because bulk writes skip ``save``."""
    person.name_pinyin, person.name_initials = name_romanisation(person.real_name)
    person.id_last4 = person.id_number[-4:]
    person.phone_last4 = "".join(c for c in person.phone or "" if c.isdigit())[-4:]


def _history_value(name: str, value: Any) -> Any:
    if name in SECRET_FIELDS and value:
        return f"****{str(value)[-4:]}"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _write(plan: _Plan, batch: ImportBatch, progress: Progress | None) -> None:
    total = len(plan.new) + len(plan.changed)
    done = 0
    for chunk in _chunks(plan.new, BATCH_SIZE):
        Person.objects.bulk_create(chunk, batch_size=BATCH_SIZE)
        done += len(chunk)
        if progress is not None:
            progress("write", done, total)
    now = timezone.now()
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
        done += len(chunk)
        if progress is not None:
            progress("write", done, total)
    # After the persons: new ones have their primary keys only once inserted.
    PersonTag.objects.bulk_create(plan.new_tags, batch_size=BATCH_SIZE)
