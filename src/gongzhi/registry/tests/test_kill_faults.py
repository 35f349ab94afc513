"""A worker killed (SIGKILL) in the middle of a resident import or an export, then restarted.

The import writes chunk by chunk, each chunk in its own transaction: killed in the middle, the
chunks it committed stay, the chunk in flight is rolled back whole. The restarted worker's reaper
marks the batch interrupted and runs the confirmed import again, once: rows already written are
matched by their ID number's blind index, so the end state is exactly that of an uninterrupted
import — no person twice, none missing. An export killed while saving its file leaves no file
under its name: the job is run again and its one file is complete.
"""

from __future__ import annotations

import io
import os
import time

import pytest
from django.core.files.storage import default_storage
from django.db import models, transaction
from openpyxl import load_workbook

from gongzhi.areas.models import Area
from gongzhi.jobs import services
from gongzhi.jobs.models import Job, JobStatus
from gongzhi.privacy import sealed
from gongzhi.registry import exporting, import_jobs
from gongzhi.registry.importing import validate
from gongzhi.registry.importing.engine import import_residents
from gongzhi.registry.models import Household, ImportBatch, ImportStatus, Person, PersonTag
from tests.faults import in_child, killed

from . import factories
from .import_helpers import COMMUNITY, LEDGER_HEADERS, ledger_rows, xlsx_bytes

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CHUNK = 5
SMALL_CHUNKS = f"""
from gongzhi.registry.importing import validate
validate.CHECK_CHUNK_ROWS = validate.FIRST_CHUNK_ROWS = {CHUNK}
"""


@pytest.fixture(autouse=True)
def own_media(settings, tmp_path):
    """Files of this test only (job keys start again from 1 in each test that flushes the database)."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(validate, "CHECK_CHUNK_ROWS", CHUNK)
    monkeypatch.setattr(validate, "FIRST_CHUNK_ROWS", CHUNK)


def _snapshot(area: Area) -> dict:
    """Everything the import wrote in ``area``, by content (keys and timestamps left out)."""
    def values(obj, skip=()):
        return tuple(sorted((f.attname, str(getattr(obj, f.attname))) for f in obj._meta.concrete_fields
                            if not f.primary_key and not isinstance(f, models.DateTimeField) and f.attname not in skip))

    persons = Person.objects.filter(area__path__startswith=area.path).select_related("household")
    households = Household.objects.filter(area__path__startswith=area.path).select_related("head")
    return {
        "persons": sorted((values(p, {"household_id"}), p.household.number if p.household else "") for p in persons),
        "households": sorted((values(h, {"head_id"}), h.head.id_number if h.head else "") for h in households),
        "tags": sorted((t.person.id_number, t.group_id) for t in PersonTag.objects.select_related("person")),
        "person_count": persons.count(),
    }


def _uninterrupted(actor, area, data) -> dict:
    """What the import gives when nothing stops it (rolled back afterwards)."""
    with transaction.atomic():
        report = import_residents(actor=actor, filename="花名册.xlsx", area_code=area.code, data=data)
        assert report.status == ImportStatus.COMMITTED and report.created == 24 and not report.errors
        snapshot = _snapshot(area)
        transaction.set_rollback(True)
    return snapshot


def _queued(actor, area, kind: str, params: dict, data: bytes | None = None) -> Job:
    """A queued job, as ``jobs.start`` leaves it, without running it here."""
    job = Job.objects.create(kind=kind, actor=actor, area=area, params=params)
    if data is not None:
        job.input_name = services._save_sealed(f"jobs/{job.pk}/input-花名册.xlsx", lambda fh: sealed.seal(
            io.BytesIO(data), fh, label=services._label(job, "input")))
        job.save(update_fields=["input_name"])
    return job


def test_an_import_killed_between_chunks_is_retried_to_exactly_the_uninterrupted_result(demo, small_chunks):
    fault, committed_rows = "registry.import.chunk_written@2", 2 * CHUNK  # killed between chunks 2 and 3
    actor, area = demo.users["community"], Area.objects.get(code=COMMUNITY)
    data = xlsx_bytes([LEDGER_HEADERS, *ledger_rows(24)])
    before = Person.objects.filter(area__path__startswith=area.path).count()
    expected = _uninterrupted(actor, area, data)
    job = _queued(actor, area, import_jobs.KIND, {"area_code": area.code, "strict": False, "dry_run": False,
                                                  "file_name": "花名册.xlsx", "checked_job_id": 0}, data)

    worker = in_child(SMALL_CHUNKS + f"from gongzhi.jobs import services\nservices.run({job.pk})", fault=fault)

    assert killed(worker), worker.stderr[-3000:]
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING  # as the dead worker left it
    assert Person.objects.filter(area__path__startswith=area.path).count() - before == committed_rows
    [batch] = ImportBatch.objects.filter(status=ImportStatus.RUNNING)

    # The restarted worker reaps the job: the batch is marked interrupted and the import runs again, once.
    assert services.reap_interrupted() == 1

    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert job.result["retries"] == 1
    assert job.result["counts"] == {"rows": 24, "created": 24 - committed_rows, "updated": 0,
                                    "unchanged": committed_rows, "failed": 0}
    batch.refresh_from_db()
    assert batch.status == ImportStatus.INTERRUPTED and batch.finished_at
    assert _snapshot(area) == expected  # no person twice, none missing, same households, heads and tags


def test_an_import_killed_inside_a_chunk_again_fails_saying_so_and_a_new_upload_completes_it(demo, small_chunks):
    """Killed inside chunk 2's transaction (chunk 2 is rolled back whole), its one retry used already."""
    actor, area = demo.users["community"], Area.objects.get(code=COMMUNITY)
    data = xlsx_bytes([LEDGER_HEADERS, *ledger_rows(24)])
    before = Person.objects.filter(area__path__startswith=area.path).count()
    expected = _uninterrupted(actor, area, data)
    job = _queued(actor, area, import_jobs.KIND, {"area_code": area.code, "strict": False, "dry_run": False,
                                                  "file_name": "花名册.xlsx"}, data)
    Job.objects.filter(pk=job.pk).update(result={"retries": 1})  # its one retry was used already

    assert killed(in_child(SMALL_CHUNKS + f"from gongzhi.jobs import services\nservices.run({job.pk})",
                           fault="registry.import.chunk_writing@2"))
    assert Person.objects.filter(area__path__startswith=area.path).count() - before == CHUNK
    assert services.reap_interrupted() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.message == "导入在写入过程中中断：已写入的行保留，其余未写入。请重新上传同一文件继续导入，已导入的人员不会重复。"

    again = import_residents(actor=actor, filename="花名册.xlsx", area_code=area.code, data=data)
    assert (again.created, again.unchanged) == (24 - CHUNK, CHUNK)
    assert _snapshot(area) == expected


def _output_files(job: Job) -> list[str]:
    return sorted(default_storage.listdir(f"jobs/{job.pk}")[1]) if default_storage.exists(f"jobs/{job.pk}") else []


def test_an_export_killed_while_saving_its_file_leaves_no_file_and_is_retried(demo):
    actor = demo.users["community"]
    area = Area.objects.get(code=COMMUNITY)
    for n in range(3):
        factories.make_person(name=f"导出测试{n}")
    job = _queued(actor, area, exporting.EXPORT_KIND, {"filters": {}, "unmask": False, "reason": ""})

    worker = in_child(f"from gongzhi.jobs import services\nservices.run({job.pk})", fault="files.before_publish")

    assert killed(worker), worker.stderr[-3000:]
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING and not job.output_name
    # Only the hidden partial file: nothing under a name that could pass for the export.
    [partial] = _output_files(job)
    assert partial.startswith(".partial-")

    assert services.reap_interrupted() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.result["retries"] == 1
    assert _output_files(job) == [job.output_name.rsplit("/", 1)[1]]  # one file: the dead run's partial is gone
    with services.output_stream(job) as fh:
        rows = list(load_workbook(io.BytesIO(fh.read()), read_only=True).active.values)
    assert sum("导出测试" in str(value) for row in rows for value in row) == 3  # a whole workbook, every person once



def test_the_daily_purge_sweeps_partial_files_once_they_are_an_hour_old(demo):
    """What a job killed twice while saving leaves (it is not run a third time to tidy up)."""
    old, fresh = default_storage.save("jobs/7/.partial-0123456789abcdef", io.BytesIO(b"x")), \
        default_storage.save("jobs/8/.partial-fedcba9876543210", io.BytesIO(b"y"))
    kept = default_storage.save("jobs/7/人员导出.xlsx", io.BytesIO(b"z"))
    an_hour_ago = time.time() - 3700
    os.utime(default_storage.path(old), (an_hour_ago, an_hour_ago))

    services.purge_files()

    assert not default_storage.exists(old)
    assert default_storage.exists(fresh) and default_storage.exists(kept)
