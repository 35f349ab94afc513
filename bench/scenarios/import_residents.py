"""import: the resident importer on a demo-style ledger, against django-import-export and raw inserts.

One .xlsx of 100,000 valid rows (quick: 5,000) in households, drawn by the demo generator, is
imported into a fresh SQLite database in a temporary directory (the demo database under var/
is never opened) three ways, each into an empty person table:

* ours: ``import_residents`` with every rule (ID checksum, region, birth date and gender against
  the ID number, phone, name, choices, duplicates in the file, matching of existing persons by
  blind index, households), encryption and blind indexes, history and audit;
* django-import-export 4.4 (``vs_import_export`` = its time / ours): a ``ModelResource`` for
  Person fed by tablib's xlsx loader, whose ``before_import_row`` applies the same validators and
  whose instances are written through the model (fields encrypt, blind indexes are computed,
  the derived name columns set), with its documented fast options: ``use_bulk``,
  ``batch_size=1000``, ``skip_diff``, ``skip_unchanged=False``, no row results kept;
* raw (``vs_raw`` = its time / ours): the very column values our import stored (already
  encrypted and indexed, read back outside the timer), inserted with one ``executemany`` in one
  transaction.

Ours and raw are each timed three times, alternately, and their medians compared; ours reads
and checks the file in a second process on a machine with more than one core, as it does in use.
"""

from __future__ import annotations

import contextlib
import datetime
import shutil
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

COMMUNITY = "341702001001"
RUNS = 3  # timed runs of ours and of raw (django-import-export, at ten times the time, runs once)


@contextlib.contextmanager
def scratch_database(prefix: str) -> Iterator[Path]:
    """Point the default database at a new SQLite file in a temporary directory, migrated; restore after."""
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "sqlite":
        raise RuntimeError("the benchmarks run on SQLite: unset GONGZHI_DATABASE_URL")
    directory = Path(tempfile.mkdtemp(prefix=prefix))
    original = connection.settings_dict["NAME"]
    connection.close()
    connection.settings_dict["NAME"] = str(directory / "bench.sqlite3")
    try:
        call_command("migrate", verbosity=0, interactive=False)
        yield directory
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original
        shutil.rmtree(directory, ignore_errors=True)


def _empty_people() -> None:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        for table in ("registry_importrowchange", "registry_persontag", "registry_household", "registry_person"):
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names


def _ours(data: bytes, rows: int) -> float:
    from gongzhi.registry.importing.engine import import_residents

    started = time.perf_counter()
    report = import_residents(actor=None, data=data, filename="ledger.xlsx", area_code=COMMUNITY)
    seconds = time.perf_counter() - started
    assert report.created == rows and report.failed == 0, report.counts()
    return seconds


def _clear_caches() -> None:
    """Forget what the first import memoised (region names, name readings): the timed run starts cold."""
    from gongzhi.registry import validators
    from gongzhi.registry.models import people

    for cached in (validators.region_name, people._syllable):
        if hasattr(cached, "cache_clear"):
            cached.cache_clear()


def _raw(rows: int) -> float:
    """executemany of the stored column values (prepared before the timer starts)."""
    from django.db import connection, transaction

    from gongzhi.registry.importing.engine import IMPORT_PAGE_CACHE_KIB
    from gongzhi.registry.models import Person

    columns = [field.column for field in Person._meta.concrete_fields]
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {quoted} FROM registry_person ORDER BY id")  # noqa: S608
        values = [list(row) for row in cursor.fetchall()]
    household = columns.index("household_id")
    for row in values:
        row[household] = None  # households are emptied with the persons
    assert len(values) == rows
    _empty_people()
    sql = f"INSERT INTO registry_person ({quoted}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (previous,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = {IMPORT_PAGE_CACHE_KIB}")  # the page cache ours imports with
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, values)
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA cache_size = {int(previous)}")
    return seconds


def _person_resource():
    """django-import-export's resource for Person applying our validators (built after django.setup)."""
    from django.core.exceptions import ValidationError
    from import_export import fields, resources, widgets

    from gongzhi.registry import validators
    from gongzhi.registry.importing.validate import choice_lookup, parse_date
    from gongzhi.registry.models import Person, name_romanisation

    choices = {name: choice_lookup(name) for name in ("gender", "ethnicity", "registration", "residence_status",
                                                      "political_status", "education", "employment",
                                                      "relation_to_head")}
    headers = {"real_name": "姓名", "id_number": "身份证号", "gender": "性别", "birth_date": "出生日期",
               "phone": "联系电话", "ethnicity": "民族", "registration": "户籍类型", "residence_status": "居住状态",
               "political_status": "政治面貌", "education": "文化程度", "employment": "就业状况",
               "address_text": "现住址", "relation_to_head": "与户主关系"}

    class BlindIndexLoader:
        """Existing persons are found by ID number through the blind index (the column is encrypted)."""

        def __init__(self, resource, dataset=None):
            self.resource = resource

        def get_instance(self, row):
            return Person.objects.with_id_number(row["身份证号"]).first()

    class PersonResource(resources.ModelResource):
        real_name = fields.Field(attribute="real_name", column_name="姓名")
        id_number = fields.Field(attribute="id_number", column_name="身份证号")
        gender = fields.Field(attribute="gender", column_name="性别")
        birth_date = fields.Field(attribute="birth_date", column_name="出生日期", widget=widgets.DateWidget("%Y-%m-%d"))
        phone = fields.Field(attribute="phone", column_name="联系电话")
        ethnicity = fields.Field(attribute="ethnicity", column_name="民族")
        registration = fields.Field(attribute="registration", column_name="户籍类型")
        residence_status = fields.Field(attribute="residence_status", column_name="居住状态")
        political_status = fields.Field(attribute="political_status", column_name="政治面貌")
        education = fields.Field(attribute="education", column_name="文化程度")
        employment = fields.Field(attribute="employment", column_name="就业状况")
        address_text = fields.Field(attribute="address_text", column_name="现住址")
        relation_to_head = fields.Field(attribute="relation_to_head", column_name="与户主关系")

        class Meta:
            model = Person
            fields = tuple(headers)
            import_id_fields = ("id_number",)
            instance_loader_class = BlindIndexLoader
            use_bulk = True
            batch_size = 1000
            skip_diff = True
            skip_unchanged = False
            store_row_values = False
            store_instance = False

        def __init__(self, area):
            super().__init__()
            self.area = area
            self.seen: set[str] = set()

        def before_import_row(self, row, **kwargs):
            errors = {}
            name = str(row.get("姓名") or "").strip()
            if not name or len(name) > 50:
                errors["real_name"] = "请填写姓名（最多 50 个字）。"
            try:
                number = validators.clean_id_number(str(row.get("身份证号") or ""))
            except ValidationError as error:
                raise ValidationError({"id_number": error.messages}) from None
            key = validators.upgrade_id_number(number)
            if key in self.seen:
                raise ValidationError({"id_number": "身份证号码在文件中重复。"})
            self.seen.add(key)
            row["身份证号"] = number
            for name_, values in choices.items():
                text = str(row.get(headers[name_]) or "")
                if text and text not in values:
                    errors[name_] = f"“{text}”不是可选的值。"
                row[headers[name_]] = values.get(text, "")
            birth = parse_date(row["出生日期"]) if row.get("出生日期") else None
            try:
                validators.check_consistency(number, row["性别"], birth)
            except ValidationError as error:
                errors.update(error.message_dict)
            if row.get("联系电话"):
                try:
                    row["联系电话"] = validators.clean_phone(str(row["联系电话"]))
                except ValidationError as error:
                    errors["phone"] = error.messages
            if errors:
                raise ValidationError(errors)

        def before_save_instance(self, instance, row, **kwargs):
            # What Person.save derives (bulk_create does not call save).
            for name_ in headers:
                if name_ != "birth_date" and getattr(instance, name_) is None:
                    setattr(instance, name_, "")  # an empty cell: blank text, as the model stores it
            instance.area = self.area
            instance.district_code = self.area.code[:6]
            instance.name_pinyin, instance.name_initials = name_romanisation(instance.real_name)
            instance.id_last4 = instance.id_number[-4:]
            instance.phone_last4 = instance.phone[-4:]

    return PersonResource


def _import_export(data: bytes, rows: int) -> float:
    import tablib

    from gongzhi.areas.models import Area
    from gongzhi.registry.models import Person

    resource = _person_resource()(Area.objects.get(code=COMMUNITY))
    started = time.perf_counter()
    dataset = tablib.Dataset().load(data, format="xlsx")
    result = resource.import_data(dataset, dry_run=False, use_transactions=True, raise_errors=False)
    seconds = time.perf_counter() - started
    assert not result.has_errors() and not result.has_validation_errors(), (
        [(error.error, error.row) for error in result.base_errors[:2]]
        + [(row.errors[0].error,) for row in result.rows if row.errors][:2])
    assert Person.objects.count() == rows
    return seconds


def run(*, quick: bool, rows: int | None = None) -> tuple[dict, dict]:
    """``rows`` overrides the size (the test suite runs a few hundred)."""
    rows = rows or (5_000 if quick else 100_000)
    from gongzhi.demo import district
    from gongzhi.registry.tests.import_helpers import ledger_xlsx

    with scratch_database("gongzhi-bench-import-"):
        district.build_areas()
        data = ledger_xlsx(rows)
        # A first import fills the table, so that the database file has grown and every timed
        # run below writes into pages freed by emptying it; it also yields the rows for raw.
        _ours(data, rows)
        # Ours and raw alternate, RUNS times each, and each side's median is kept: inserting is
        # disk-bound and its time varies by a third from run to run on a shared machine.
        raw_runs, our_runs = [], []
        for _run in range(RUNS):
            raw_runs.append(_raw(rows))
            _empty_people()
            _clear_caches()
            our_runs.append(_ours(data, rows))
        raw, ours = statistics.median(raw_runs), statistics.median(our_runs)
        _empty_people()
        theirs = _import_export(data, rows)
    return (
        # Three significant digits: on a loaded machine (or with few rows) a fixed number of decimals
        # rounded a small vs_raw down to 0.
        {"vs_import_export": float(f"{theirs / ours:.3g}"), "vs_raw": float(f"{raw / ours:.3g}")},
        {"rows": rows, "ours_seconds": round(ours, 2), "import_export_seconds": round(theirs, 2),
         "raw_seconds": round(raw, 2), "ours_runs_seconds": [round(value, 2) for value in our_runs],
         "raw_runs_seconds": [round(value, 2) for value in raw_runs], "ours_rows_per_second": int(rows / ours),
         "import_export_rows_per_second": int(rows / theirs), "raw_rows_per_second": int(rows / raw),
         "date": datetime.date.today().isoformat()},
    )
