"""Hostile workbooks uploaded to the import page: the check fails with the limit it met, quickly."""

from __future__ import annotations

import io
import time

import pytest

from gongzhi.jobs.models import JobStatus
from gongzhi.registry.importing.reader import ImportFileError
from gongzhi.registry.importing.report import write_error_report
from django.urls import reverse

from tests import hostile

from .import_helpers import COMMUNITY
from .test_import_page import last_job, upload

pytestmark = pytest.mark.django_db

CASES = [
    ("sparse.xlsx", hostile.sparse_xlsx, "表格行数过多：最多 300,000 行"),
    ("lying.xlsx", hostile.lying_dimension_xlsx, "表格行数过多：最多 300,000 行"),
    ("inline.xlsx", hostile.huge_inline_string_xlsx, "单元格内容过长：每个单元格最多 32,767 个字符"),
    ("shared.xlsx", hostile.huge_shared_string_xlsx, "单元格内容过长：每个单元格最多 32,767 个字符"),
    ("bomb.xlsx", hostile.zip_bomb_xlsx, "疑似压缩炸弹"),
    ("huge.csv", hostile.huge_csv, "表格行数过多：最多 300,000 行"),
]


WORKBOOK_CASES = [case for case in CASES if case[0].endswith(".xlsx")]  # a CSV is bounded as the job reads it


@pytest.mark.parametrize(("name", "make", "reason"), WORKBOOK_CASES, ids=[case[0] for case in WORKBOOK_CASES])
def test_a_hostile_workbook_is_refused_on_upload_naming_the_limit(login_as, django_capture_on_commit_callbacks,
                                                                  name, make, reason):
    client = login_as("community")
    started = time.monotonic()
    response = upload(client, make(), name, capture=django_capture_on_commit_callbacks)
    assert time.monotonic() - started < 10
    assert response.status_code != 302 and reason in response.content.decode()
    assert last_job() is None  # refused by the upload guard before any job was started


@pytest.mark.parametrize(("name", "make", "reason"), CASES, ids=[case[0] for case in CASES])
def test_a_hostile_workbook_that_reaches_a_job_fails_its_check_naming_the_limit(
        login_as, demo, django_capture_on_commit_callbacks, name, make, reason):
    """The job checks the file again before reading it (a file stored by another path, a limit
    lowered since the upload): it fails with the limit named, quickly, and the page says so."""
    from gongzhi.areas.models import Area
    from gongzhi.registry import import_jobs

    client = login_as("community")
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        job = import_jobs.start_import(actor=demo.users["community"], area=Area.objects.get(code=COMMUNITY),
                                       data=make(), file_name=name, strict=False)
    job.refresh_from_db()
    assert time.monotonic() - started < 10
    assert job.status == JobStatus.FAILED and job.finished_at
    assert reason in job.message
    page = client.get(reverse("registry:import_job", args=[job.pk])).content.decode()
    assert reason in page and "失败" in page


def test_the_error_report_reads_the_file_through_the_same_bounds():
    """The report re-reads the uploaded file: a hostile one is refused there too, not materialised."""
    with pytest.raises(ImportFileError, match="表格行数过多"):
        write_error_report(data=hostile.sparse_xlsx(), filename="sparse.xlsx", header_row=1, errors=[],
                           out=io.BytesIO())
