"""Case export (事件导出): the queue as filtered, scoped to the user, without reporters' personal data."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from gongzhi.areas.models import Area
from gongzhi.audit.models import AuditEntry
from gongzhi.cases import exporting, services
from gongzhi.cases.forms import QUEUE_LABELS
from gongzhi.cases.selectors import QUEUES
from gongzhi.jobs.models import Job, JobStatus
from gongzhi.jobs.services import output_stream

from .helpers import case_in, new_case

# Closing on verification keeps these tests about closures to one step (the two steps: test_transitions).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("closes_on_verify")]


@pytest.fixture
def export(django_capture_on_commit_callbacks):
    """``export(user, filters)``: start an export, run it (the tests' immediate backend), reload the job."""

    def _export(user, filters=None) -> Job:
        with django_capture_on_commit_callbacks(execute=True):
            job = exporting.start_case_export(actor=user, filters=filters or {})
        job.refresh_from_db()
        return job

    return _export


def _bytes(job: Job) -> bytes:
    with output_stream(job) as fh:
        return fh.read()


def _rows(job: Job, sheet: str = "事件") -> list[tuple]:
    return [tuple(row) for row in load_workbook(io.BytesIO(_bytes(job)))[sheet].iter_rows(values_only=True)]


def _numbers(job: Job) -> set[str]:
    return {row[0] for row in _rows(job)[1:]}


def elsewhere_case(demo, description="别的街道路灯不亮了很久"):
    """A case in a grid of another street, reported by that street's... district staff."""
    grid = Area.objects.filter(level="grid").exclude(path__startswith=demo.grid.parent.parent.path).first()
    return services.report_case(actor=demo.users["district"], description=description,
                                lon=grid.centroid[0], lat=grid.centroid[1])


def test_the_queue_tabs_cover_every_queue():
    assert [key for key, _label in QUEUE_LABELS] == list(QUEUES)


def test_a_community_worker_exports_their_open_cases_with_every_column(cases_demo, export):
    mine = case_in(cases_demo, "dispatched", reporter_name="王居民", reporter_phone="13800000008")
    other = elsewhere_case(cases_demo)

    job = export(cases_demo.users["community"], {"queue": "open"})

    assert job.status == JobStatus.SUCCEEDED and job.result == {"rows": 1}
    header, row = _rows(job)
    assert header[:6] == ("事件编号", "上报时间", "来源", "大类", "小类", "问题描述")
    values = dict(zip(header, row))
    assert values["事件编号"] == mine.number and other.number not in _numbers(job)
    assert values["小类"] == mine.category.name and values["大类"] == mine.category.parent.name
    assert (values["街道"], values["社区"], values["网格"]) == ("东城街道", "幸福社区", cases_demo.grid.name)
    assert values["状态"] == "已派遣" and values["主办部门"] == mine.lead_department.name
    assert values["处置时限"] is not None and values["是否超期"] is None
    info = dict(_rows(job, "导出说明")[1:])
    assert info["队列"] == "全部在办" and info["导出件数"] == 1
    assert job.output_label.startswith("事件导出-") and job.output_label.endswith(".xlsx")


def test_no_reporter_name_or_phone_leaves_the_system(cases_demo, export):
    case_in(cases_demo, "accepted", reporter_name="赵反映", reporter_phone="13912345678")

    job = export(cases_demo.users["street"], {"queue": "all"})

    with zipfile.ZipFile(io.BytesIO(_bytes(job))) as archive:
        xml = "".join(archive.read(name).decode("utf-8") for name in archive.namelist())
    assert "赵反映" not in xml and "13912345678" not in xml and "王居民" not in xml


def test_filters_narrow_the_export_as_they_narrow_the_queue(cases_demo, export):
    kept = new_case(cases_demo, description="幸福路井盖松动，过车哐哐响")
    new_case(cases_demo, description="小区门口垃圾堆积好几天了")
    case_in(cases_demo, "closed")

    job = export(cases_demo.users["community"], {"queue": "reported", "q": "井盖"})

    assert _numbers(job) == {kept.number}
    info = dict(_rows(job, "导出说明")[1:])
    assert info["队列"] == "待受理" and "搜索：井盖" in info["筛选条件"]


def test_an_invalid_filter_is_refused_instead_of_widening_the_export(cases_demo):
    for filters in ({"category": "ZZ"}, {"queue": "everything"}, {"source": "fax"}, {"order": "random"}):
        with pytest.raises(ValidationError) as caught:
            exporting.start_case_export(actor=cases_demo.users["community"], filters=filters)
        assert caught.value.messages and all("：" in message for message in caught.value.messages)
    assert not Job.objects.exists()


@pytest.mark.parametrize("username", ["resident", "admin", "auditor"])
def test_only_those_who_work_the_queues_may_export(cases_demo, username):
    with pytest.raises(PermissionDenied):
        exporting.start_case_export(actor=cases_demo.users[username], filters={})


def test_a_department_exports_only_what_was_dispatched_to_it(cases_demo, export):
    dispatched = case_in(cases_demo, "dispatched")
    case_in(cases_demo, "accepted")

    job = export(cases_demo.users["dept"], {"queue": "all"})

    assert _numbers(job) == {dispatched.number}


def test_formula_like_descriptions_are_written_as_text(cases_demo, export):
    new_case(cases_demo, description="=HYPERLINK(\"http://evil\",\"点我\") 井盖丢失")

    job = export(cases_demo.users["community"], {"queue": "reported"})

    wb = load_workbook(io.BytesIO(_bytes(job)))
    cell = wb["事件"]["F2"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


def test_the_export_is_audited_with_its_filters_and_estimate(cases_demo, export):
    new_case(cases_demo)

    job = export(cases_demo.users["community"], {"queue": "reported", "q": "地砖"})

    entry = AuditEntry.objects.get(action="cases.export")
    assert entry.object_id == str(job.pk)
    assert entry.after == {"filters": {"queue": "reported", "q": "地砖"}, "estimate": 1}


def test_an_empty_export_says_so(cases_demo, export):
    job = export(cases_demo.users["community"], {"queue": "suspended"})

    assert job.status == JobStatus.SUCCEEDED and job.result == {"rows": 0}
    assert _rows(job)[1] == ("（没有符合条件的事件）",) + (None,) * 21
    assert "导出 0 件" in job.message


def test_a_role_lost_before_the_job_runs_stops_the_export(cases_demo, django_capture_on_commit_callbacks):
    from gongzhi.accounts.models import RoleAssignment

    new_case(cases_demo)
    user = cases_demo.users["community"]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = exporting.start_case_export(actor=user, filters={})
    RoleAssignment.objects.filter(user=user).delete()
    user = type(user).objects.get(pk=user.pk)  # a fresh object: permissions are cached per instance
    for callback in callbacks:
        callback()
    job.refresh_from_db()

    assert job.status == JobStatus.FAILED and "没有查看事件的权限" in job.message and not job.output_name


def test_writing_the_workbook_does_not_query_per_case(cases_demo):
    from django.utils import timezone

    def queries_for(count: int) -> int:
        for index in range(count):
            case_in(cases_demo, "dispatched", description=f"幸福路第{index}号路灯不亮了请修理")
        street = cases_demo.users["street"]
        actor = type(street).objects.get(pk=street.pk)  # a fresh object each time: scope is cached per instance
        selection = exporting.select(actor, {"queue": "all"})
        now = timezone.now()
        with CaptureQueriesContext(connection) as captured:
            exporting.write_workbook(io.BytesIO(), selection.cases(now).iterator(chunk_size=exporting.CHUNK_SIZE),
                                     meta=[], now=now)
        return len(captured)

    assert queries_for(2) == queries_for(4) == 3  # scope (one read of the roles), cases (with areas, categories, departments), assisting


def test_the_queue_page_offers_the_export_and_starts_it(client, cases_demo, django_capture_on_commit_callbacks):
    new_case(cases_demo)
    client.force_login(cases_demo.users["community"])

    page = client.get("/cases/", {"queue": "reported"}).content.decode()
    assert 'data-testid="export-form"' in page and "导出 Excel（1 件）" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/cases/export/?queue=reported")
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert client.get(f"/jobs/{job.pk}/download/").status_code == 200


def test_the_queue_page_says_which_filter_it_ignored(client, cases_demo):
    kept = new_case(cases_demo)
    client.force_login(cases_demo.users["community"])

    page = client.get("/cases/", {"queue": "reported", "category": "ZZ"}).content.decode()

    assert "筛选条件无效，已忽略：类别：" in page and kept.number in page
    response = client.post("/cases/export/?queue=reported&category=ZZ", follow=True)
    assert "筛选条件无效，未导出" in response.content.decode() and not Job.objects.exists()


def test_residents_cannot_post_an_export(client, cases_demo):
    client.force_login(cases_demo.users["resident"])

    assert client.post("/cases/export/").status_code == 403
    assert not Job.objects.exists()
