"""The resident import page: upload → check (a dry-run job) → confirm once → history."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from gongzhi.audit.models import AuditEntry
from gongzhi.jobs.models import Job, JobStatus
from gongzhi.registry.import_jobs import KIND
from gongzhi.registry.models import ImportBatch, ImportStatus, Person

from .factories import GRID, NEIGHBOUR_GRID, make_id
from .import_helpers import COMMUNITY, HEADERS, csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db

IMPORT = reverse("registry:import")


def numbers(n: int) -> list[str]:
    return [make_id("341702", f"19{60 + k:02d}0512", f"{201 + 2 * k:03d}") for k in range(n)]  # all men


def messy_xlsx() -> bytes:
    """A merged title row, then the header (sheet row 2) and rows 3…9: four valid, three bad."""
    ids = numbers(6)
    wrong_check = ids[4][:-1] + ("0" if ids[4][-1] != "0" else "1")
    return xlsx_bytes([
        HEADERS,
        ["张三", ids[0], "男", None, "13912345678", "汉族", "幸福路1号"],      # 3 ok
        ["李四", "".join(chr(ord(c) + 0xFEE0) for c in ids[1])],            # 4 ok (full-width digits)
        ["王五", ids[2]],                                                    # 5 ok
        ["赵六", ids[3]],                                                    # 6 ok
        ["孙八", wrong_check],                                               # 7 check digit
        [None, ids[5]],                                                      # 8 missing name
        ["吴十", make_id("341702", "19800230", "011")],                      # 9 impossible date
    ], title_rows=1)


def upload(client, data: bytes, name: str = "花名册.xlsx", *, area: str = COMMUNITY, strict: bool = False,
           capture=None):
    form = {"file": SimpleUploadedFile(name, data), "area": area}
    if strict:
        form["strict"] = "on"
    if capture is None:
        return client.post(IMPORT, form)
    with capture(execute=True):
        return client.post(IMPORT, form)


def commit(client, job: Job, capture):
    with capture(execute=True):
        return client.post(reverse("registry:import_commit", args=[job.pk]))


def last_job() -> Job:
    return Job.objects.filter(kind=KIND).order_by("-pk").first()


def test_the_page_needs_registry_edit_and_offers_only_areas_in_scope(login_as, demo):
    assert login_as("resident").get(IMPORT).status_code == 403
    assert login_as("street").get(IMPORT).status_code == 403  # street staff view the records, not edit them

    page = login_as("community").get(IMPORT)
    assert page.status_code == 200
    choices = [code for code, _label in page.context["form"].fields["area"].choices if code]
    assert COMMUNITY in choices and GRID in choices and len(choices) == 11  # the community and its ten grids

    page = login_as("grid").get(IMPORT)
    assert [code for code, _label in page.context["form"].fields["area"].choices if code] == [GRID]


def test_a_grid_worker_cannot_import_into_another_grid(login_as, django_capture_on_commit_callbacks):
    client = login_as("grid")
    for area in (COMMUNITY, NEIGHBOUR_GRID, "34170200200101"):
        response = upload(client, messy_xlsx(), area=area, capture=django_capture_on_commit_callbacks)
        assert response.status_code == 200
        assert "您不能向所选区域导入人员" in response.content.decode()
    assert not Job.objects.exists() and not ImportBatch.objects.exists() and not Person.objects.exists()

    response = upload(client, messy_xlsx(), area=GRID, capture=django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert last_job().status == JobStatus.SUCCEEDED and last_job().area.code == GRID


def test_a_messy_file_is_checked_then_committed_once(login_as, django_capture_on_commit_callbacks):
    client = login_as("community")
    capture = django_capture_on_commit_callbacks
    response = upload(client, messy_xlsx(), capture=capture)
    check = last_job()
    assert response.status_code == 302 and response["Location"] == reverse("registry:import_job", args=[check.pk])
    assert check.status == JobStatus.SUCCEEDED and check.params["dry_run"] is True
    assert not Person.objects.exists()

    page = client.get(response["Location"]).content.decode()
    assert "这是检查结果，尚未写入任何数据" in page
    errors = ImportBatch.objects.get(pk=check.result["batch_id"]).errors
    assert [(row, column) for row, column, _message in errors] == [(7, "身份证号"), (8, "姓名"), (9, "身份证号")]
    for row, column, message in errors:
        assert f"<td>{row}</td><td>{column}</td><td>{message}</td>" in page
    assert check.result["counts"] == {"rows": 7, "created": 4, "updated": 0, "unchanged": 0, "failed": 3}
    assert 'data-testid="import-commit"' in page

    response = commit(client, check, capture)
    done = last_job()
    assert done.pk != check.pk and response["Location"] == reverse("registry:import_job", args=[done.pk])
    assert done.status == JobStatus.SUCCEEDED and done.params["dry_run"] is False
    assert done.result["status"] == ImportStatus.COMMITTED
    assert sorted(Person.objects.values_list("real_name", flat=True)) == ["张三", "李四", "王五", "赵六"]
    page = client.get(response["Location"]).content.decode()
    assert "导入完成" in page and 'data-count="created">4<' in page and 'data-count="failed">3<' in page
    assert 'data-testid="import-commit"' not in page

    # Once only: a second confirmation of the same check is refused.
    again = commit(client, check, capture)
    assert again["Location"] == reverse("registry:import_job", args=[check.pk])
    assert "已经确认导入过" in client.get(again["Location"]).content.decode()
    assert Job.objects.filter(kind=KIND).count() == 2 and Person.objects.count() == 4

    history = client.get(IMPORT).content.decode()
    committed = ImportBatch.objects.get(pk=done.result["batch_id"])
    assert committed.sha256[:12] in history and "花名册.xlsx" in history
    assert reverse("registry:import_job", args=[done.pk]) in history

    # The same file again changes nothing.
    upload(client, messy_xlsx(), capture=capture)
    commit(client, last_job(), capture)
    assert last_job().result["counts"] == {"rows": 7, "created": 0, "updated": 0, "unchanged": 4, "failed": 3}
    assert Person.objects.count() == 4


def test_strict_mode_with_an_error_cannot_be_committed(login_as, django_capture_on_commit_callbacks):
    client = login_as("community")
    upload(client, messy_xlsx(), strict=True, capture=django_capture_on_commit_callbacks)
    check = last_job()
    page = client.get(reverse("registry:import_job", args=[check.pk])).content.decode()
    assert "严格模式" in page and 'data-testid="import-commit"' not in page

    response = commit(client, check, django_capture_on_commit_callbacks)
    assert response["Location"] == reverse("registry:import_job", args=[check.pk])
    assert "严格模式下文件有出错的行，不能导入" in client.get(response["Location"]).content.decode()
    assert Job.objects.filter(kind=KIND).count() == 1 and not Person.objects.exists()


def test_a_clean_file_in_strict_mode_is_committed(login_as, django_capture_on_commit_callbacks):
    client = login_as("community")
    ids = numbers(2)
    upload(client, csv_bytes([HEADERS, ["张三", ids[0]], ["李四", ids[1]]]), "people.csv", strict=True,
           capture=django_capture_on_commit_callbacks)
    commit(client, last_job(), django_capture_on_commit_callbacks)
    assert last_job().params["strict"] is True and last_job().result["status"] == ImportStatus.COMMITTED
    assert Person.objects.count() == 2


@pytest.mark.parametrize(("name", "data", "message"), [
    ("people.pdf", b"%PDF-1.4", "的内容不是 .xlsx、.xls 或 .csv 格式"),
    ("people.xlsx", b"", "上传的文件是空的"),
    ("people.xlsx", b"this is not a workbook at all", "的内容不是 .xlsx、.xls 或 .csv 格式"),  # sniffed, not named
])
def test_a_wrong_or_empty_file_is_refused_by_the_form(login_as, name, data, message):
    response = upload(login_as("community"), data, name)
    assert response.status_code == 200 and message in response.content.decode()
    assert not Job.objects.exists()


def test_a_too_large_file_is_refused(login_as, settings):
    settings.GONGZHI_RESIDENT_IMPORT_MAX_BYTES = 10
    response = upload(login_as("community"), xlsx_bytes([HEADERS]))
    html = response.content.decode().replace("\xa0", " ")
    assert "“花名册.xlsx”过大（4.8 KB），上限为 10 字节" in html
    assert not Job.objects.exists()


@pytest.mark.parametrize(("name", "data"), [
    ("people.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600),  # an Excel 97 signature, then nothing
    ("people.csv", csv_bytes([["a", "b"], ["1", "2"]])),  # no recognisable header
])
def test_an_unreadable_file_fails_its_check_with_a_chinese_reason(login_as, django_capture_on_commit_callbacks,
                                                                   name, data):
    client = login_as("community")
    response = upload(client, data, name, capture=django_capture_on_commit_callbacks)
    job = last_job()
    assert job.status == JobStatus.FAILED and job.message
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert job.message in html and ("无法读取" in job.message or "找不到表头" in job.message)
    assert 'data-testid="import-commit"' not in html and "重新上传" in html
    assert client.post(reverse("registry:import_commit", args=[job.pk])).status_code == 302
    assert Job.objects.count() == 1


def test_error_report_and_template_are_readable_workbooks(login_as, django_capture_on_commit_callbacks):
    client = login_as("community")
    upload(client, messy_xlsx(), capture=django_capture_on_commit_callbacks)
    check = last_job()
    response = client.get(reverse("registry:import_error_report", args=[check.pk]))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[1]
    assert header[:2] == ("姓名", "身份证号") and header[-1] == "错误原因"
    assert rows[6][0] == "孙八" and "身份证号" in rows[6][-1]  # sheet row 7
    assert rows[2][-1] is None  # a valid row has no reason
    assert AuditEntry.objects.filter(action="registry.import_error_report").count() == 1

    response = client.get(reverse("registry:import_template"))
    assert response.status_code == 200
    assert "%E4%BA%BA%E5%91%98%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx" in response["Content-Disposition"]
    template = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    headers = [cell.value for cell in template[1]]
    assert headers[:2] == ["姓名", "身份证号"] and "现住址" in headers


def test_someone_elses_import_is_not_found(login_as, demo, django_capture_on_commit_callbacks):
    client = login_as("community")
    upload(client, messy_xlsx(), capture=django_capture_on_commit_callbacks)
    check = last_job()
    client = login_as("grid")
    assert client.get(reverse("registry:import_job", args=[check.pk])).status_code == 404
    assert client.get(reverse("registry:import_error_report", args=[check.pk])).status_code == 404
    assert client.post(reverse("registry:import_commit", args=[check.pk])).status_code == 404
    assert Job.objects.count() == 1 and not Person.objects.exists()
    assert login_as("resident").get(reverse("registry:import_job", args=[check.pk])).status_code == 403


def test_history_lists_the_visible_batches_in_a_fixed_number_of_queries(
        login_as, django_capture_on_commit_callbacks, django_assert_max_num_queries):
    client = login_as("community")
    for _n in range(3):
        upload(client, messy_xlsx(), capture=django_capture_on_commit_callbacks)
    with django_assert_max_num_queries(12):
        page = client.get(IMPORT)
    assert page.content.decode().count('data-testid="import-history-row"') == 3
    # The grid worker sees the community's batches only if they lie in the grid: none here.
    assert login_as("grid").get(IMPORT).content.decode().count('data-testid="import-history-row"') == 0


def test_a_queued_check_shows_the_polling_progress_bar_and_cannot_be_confirmed_yet(login_as):
    client = login_as("community")
    upload(client, messy_xlsx())  # on_commit callbacks not run: the job stays queued
    check = last_job()
    page = client.get(reverse("registry:import_job", args=[check.pk])).content.decode()
    assert 'data-testid="job-progress"' in page and reverse("jobs:progress", args=[check.pk]) in page
    assert 'data-testid="import-commit"' not in page
    response = client.post(reverse("registry:import_commit", args=[check.pk]))
    assert "文件检查尚未完成" in client.get(response["Location"]).content.decode()
    assert Job.objects.count() == 1


def test_a_resident_cannot_upload(login_as):
    response = upload(login_as("resident"), messy_xlsx())
    assert response.status_code == 403 and not Job.objects.exists()
    assert login_as("resident").get(reverse("registry:import_template")).status_code == 403
