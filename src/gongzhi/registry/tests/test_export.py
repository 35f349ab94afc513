"""Person export (人员导出): scoped, masked by default, plain text only with permission and a reason."""

from __future__ import annotations

import datetime
import io
import json
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from gongzhi.accounts.models import RoleAssignment
from gongzhi.accounts.roles import Role
from gongzhi.areas.models import Area
from gongzhi.audit.models import AuditEntry
from gongzhi.jobs import progress
from gongzhi.jobs import services as jobs
from gongzhi.jobs.models import Job, JobStatus
from gongzhi.privacy.masking import mask_id_number, mask_phone
from gongzhi.registry import exporting
from gongzhi.registry.models import Household, House, PersonTag, SpecialGroup
from gongzhi.registry.tests.factories import GRID, NEIGHBOUR_GRID, OTHER_STREET_GRID, make_id, make_person
from gongzhi.jobs.services import output_stream

pytestmark = pytest.mark.django_db

COMMUNITY = GRID[:12]


@pytest.fixture
def export(django_capture_on_commit_callbacks):
    """``export(user, filters, unmask=…, reason=…)``: start an export, run it (immediate backend), reload it."""

    def _export(user, filters=None, **kwargs) -> Job:
        with django_capture_on_commit_callbacks(execute=True):
            job = exporting.start_person_export(actor=user, filters=filters or {}, **kwargs)
        job.refresh_from_db()
        return job

    return _export


def _bytes(job: Job) -> bytes:
    with output_stream(job) as fh:
        return fh.read()


def _xml(job: Job) -> str:
    """Every XML part of the workbook, concatenated: what a search of the unzipped file sees."""
    with zipfile.ZipFile(io.BytesIO(_bytes(job))) as archive:
        return "".join(archive.read(name).decode("utf-8") for name in archive.namelist())


def _rows(job: Job, sheet: str = "人员") -> list[tuple]:
    wb = load_workbook(io.BytesIO(_bytes(job)))
    return [tuple(row) for row in wb[sheet].iter_rows(values_only=True)]


def _names(job: Job) -> set[str]:
    return {row[0] for row in _rows(job)[1:]}


@pytest.fixture
def people(demo):
    return {
        "mine": make_person(name="张三", gender="M", phone="13912345678", birth_date=datetime.date(1940, 1, 1),
                            id_number=make_id(birth="19400101", sequence="011")),
        "mine2": make_person(name="李四", gender="F", phone="13700001111", birth_date=datetime.date(1990, 1, 1),
                            id_number=make_id(birth="19900101", sequence="022")),
        "neighbour": make_person(grid=NEIGHBOUR_GRID, name="王五", id_number=make_id(sequence="033")),
        "elsewhere": make_person(grid=OTHER_STREET_GRID, name="赵六", id_number=make_id(sequence="044")),
    }


def test_a_grid_worker_exports_only_their_grid(demo, people, export):
    job = export(demo.users["grid"])
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert _names(job) == {"张三", "李四"}
    assert job.result == {"rows": 2, "masked": True}
    assert "2" in job.message
    assert job.area.code == GRID
    assert job.output_label.startswith("人员导出-") and job.output_label.endswith(".xlsx")
    assert job.area.name in job.output_label


def test_a_community_export_covers_its_grids_and_nothing_else(demo, people, export):
    job = export(demo.users["community"])
    assert _names(job) == {"张三", "李四", "王五"}
    rows = {row[0]: row for row in _rows(job)[1:]}
    grid, community = Area.objects.get(code=NEIGHBOUR_GRID), Area.objects.get(code=COMMUNITY)
    assert rows["王五"][15:17] == (grid.name, community.name)


def test_the_list_filters_apply(demo, people, export):
    group = SpecialGroup.objects.get(code="oldest_old")
    PersonTag.objects.create(person=people["mine"], group=group)
    community = demo.users["community"]
    assert _names(export(community, {"gender": "F"})) == {"李四"}
    assert _names(export(community, {"tag": "oldest_old"})) == {"张三"}
    assert _names(export(community, {"age": "80+"})) == {"张三"}
    assert _names(export(community, {"area": NEIGHBOUR_GRID})) == {"王五"}
    assert _names(export(community, {"q": "zs"})) == {"张三"}
    tagged = export(community, {"tag": "oldest_old", "area": GRID})
    assert tagged.area.code == GRID
    assert _rows(tagged)[1][17] == "高龄老人"


def test_an_invalid_or_out_of_scope_filter_is_refused_not_ignored(demo, people):
    with pytest.raises(ValidationError):
        exporting.start_person_export(actor=demo.users["grid"], filters={"area": NEIGHBOUR_GRID})
    with pytest.raises(ValidationError):
        exporting.start_person_export(actor=demo.users["grid"], filters={"gender": "X"})
    assert not Job.objects.exists()


def test_a_masked_export_holds_no_full_id_number_or_phone(demo, people, export):
    job = export(demo.users["community"])
    xml = _xml(job)
    for person in people.values():
        assert person.id_number not in xml
        if person.phone:
            assert person.phone not in xml
    mine = people["mine"]
    row = next(r for r in _rows(job)[1:] if r[0] == "张三")
    assert row[5] == mask_id_number(mine.id_number) and row[6] == mask_phone(mine.phone)


def test_a_grid_worker_cannot_export_plain_text(demo, people):
    with pytest.raises(PermissionDenied):
        exporting.start_person_export(actor=demo.users["grid"], filters={}, unmask=True, reason="上报民政局名单")
    assert not Job.objects.exists()
    refused = AuditEntry.objects.get(action=exporting.EXPORT_KIND)
    assert refused.success is False and refused.after["masked"] is False


def test_plain_text_needs_permission_in_every_area_the_export_covers(demo, people):
    """A community worker who is also a grid worker in another street may not export both in plain text."""
    community = demo.users["community"]
    RoleAssignment.objects.create(user=community, role=Role.GRID_WORKER, area=Area.objects.get(code=OTHER_STREET_GRID))
    with pytest.raises(PermissionDenied):
        exporting.start_person_export(actor=community, filters={}, unmask=True, reason="上报民政局名单")
    job = exporting.start_person_export(actor=community, filters={"area": COMMUNITY}, unmask=True,
                                        reason="上报民政局名单")
    assert job.params["unmask"] is True


def test_plain_text_needs_a_reason(demo, people):
    for reason in ("", "   ", "上报"):
        with pytest.raises(ValidationError) as error:
            exporting.start_person_export(actor=demo.users["community"], filters={}, unmask=True, reason=reason)
        assert "理由" in error.value.messages[0]
    assert not Job.objects.exists()


def test_a_plain_text_export_holds_full_numbers_and_is_audited_with_its_reason(demo, people, export):
    job = export(demo.users["community"], {"gender": "M"}, unmask=True, reason="上报民政局高龄津贴名单")
    assert job.status == JobStatus.SUCCEEDED, job.message
    xml = _xml(job)
    assert people["mine"].id_number in xml and people["mine"].phone in xml
    assert job.result["masked"] is False
    entry = AuditEntry.objects.get(action=exporting.EXPORT_KIND)
    assert entry.reason == "上报民政局高龄津贴名单"
    assert entry.after["masked"] is False and entry.after["filters"] == {"gender": "M"}
    assert entry.after["estimate"] == 1 and entry.object_id == str(job.pk)
    info = dict((r[0], r[1]) for r in _rows(job, "导出说明")[1:])
    assert info["理由"] == "上报民政局高龄津贴名单" and info["是否脱敏"].startswith("否")
    assert isinstance(info["导出时间"], datetime.datetime) and info["导出人数"] == 1


def test_the_audit_log_and_job_hold_no_plaintext_identifier_even_when_searched_by_one(demo, people, export):
    mine = people["mine"]
    by_id = export(demo.users["community"], {"q": mine.id_number}, unmask=True, reason="核对身份证号码")
    by_phone = export(demo.users["grid"], {"q": mine.phone})
    assert _names(by_id) == _names(by_phone) == {"张三"}
    assert mine.id_number in _xml(by_id) and mine.phone not in _xml(by_phone)
    stored = json.dumps([list(AuditEntry.objects.values("before", "after", "reason", "object_repr")),
                         list(Job.objects.values("params", "message", "result"))], ensure_ascii=False)
    for person in people.values():
        assert person.id_number not in stored
        if person.phone:
            assert person.phone not in stored
    assert mask_id_number(mine.id_number) in stored
    summary = dict((r[0], r[1]) for r in _rows(by_id, "导出说明")[1:])["筛选条件"]
    assert mask_id_number(mine.id_number) in summary


def test_the_runner_checks_the_permission_again(demo, people):
    community = demo.users["community"]
    job = exporting.start_person_export(actor=community, filters={}, unmask=True, reason="上报民政局名单")
    # The role changes before the worker picks the job up (no commit callbacks have run yet).
    RoleAssignment.objects.filter(user=community).update(role=Role.GRID_WORKER)
    jobs.run(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "权限" in job.message and not job.output_name

    masked = exporting.start_person_export(actor=community, filters={})
    RoleAssignment.objects.filter(user=community).delete()
    jobs.run(masked.pk)
    masked.refresh_from_db()
    assert masked.status == JobStatus.FAILED and "权限" in masked.message


def test_cells_that_look_like_formulas_are_written_as_text(demo, export):
    make_person(name="=HYPERLINK(\"http://x\",\"点\")", address_text="+1+2")
    make_person(name="@SUM(A1)", address_text="-3+4", id_number=make_id(sequence="555"))
    job = export(demo.users["grid"])
    wb = load_workbook(io.BytesIO(_bytes(job)))
    cells = {c.value: c for row in wb["人员"].iter_rows(min_row=2) for c in row if c.value}
    for text in ("=HYPERLINK(\"http://x\",\"点\")", "@SUM(A1)", "+1+2", "-3+4"):
        assert cells[text].data_type == "s"
    assert cells["=HYPERLINK(\"http://x\",\"点\")"].quotePrefix
    assert "<f>" not in _xml(job)


def test_an_empty_export_is_a_workbook_with_headers_and_a_note(demo, export):
    job = export(demo.users["grid"], {"gender": "F"})
    assert job.status == JobStatus.SUCCEEDED
    assert "0" in job.message and job.result["rows"] == 0
    rows = _rows(job)
    assert rows[0][:6] == ("姓名", "性别", "出生日期", "年龄", "民族", "身份证号码")
    assert "没有符合条件" in rows[1][0]


def test_the_workbook_has_dates_a_frozen_header_and_widths(demo, export):
    house = House.objects.create(area=Area.objects.get(code=GRID), address="幸福路88号 阳光小区3栋2单元501室")
    household = Household.objects.create(area=house.area, number="H001", house=house)
    make_person(name="张三", id_number=make_id(birth="19800203"), birth_date=datetime.date(1980, 2, 3), house=house,
                household=household, relation_to_head="head")
    job = export(demo.users["community"], unmask=True, reason="年度核对入户信息")
    ws = load_workbook(io.BytesIO(_bytes(job)))["人员"]
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["M"].width == 40
    row = next(ws.iter_rows(min_row=2, values_only=True))
    assert row[2] == datetime.datetime(1980, 2, 3) and isinstance(row[3], int)
    assert row[12] == house.address and row[13] == "H001"
    # Masked, the birth date would give back the masked middle of the ID number: the age stays.
    masked = next(load_workbook(io.BytesIO(_bytes(export(demo.users["grid"]))))["人员"].iter_rows(
        min_row=2, values_only=True))
    assert masked[2] == "****-**-**" and masked[3] == row[3] and masked[5].startswith("341702********")


def test_progress_is_reported_per_chunk():
    calls = []
    exporting.write_workbook(io.BytesIO(), [], meta=[], unmask=False, on_progress=calls.append, every=2)
    assert calls == [0]


def test_the_export_runs_in_a_bounded_number_of_queries(demo, export, django_assert_max_num_queries, monkeypatch):
    group = SpecialGroup.objects.get(code="oldest_old")
    area = Area.objects.get(code=GRID)
    household = Household.objects.create(area=area, number="H9")
    for i in range(200):
        person = make_person(name=f"居民{i}", id_number=make_id(sequence=f"{i + 200:03d}"), household=household)
        if i % 3 == 0:
            PersonTag.objects.create(person=person, group=group)
    monkeypatch.setattr(exporting, "CHUNK_SIZE", 50)  # 4 chunks: queries grow per chunk, not per row
    reported = []
    monkeypatch.setattr(progress, "Reporter", lambda job_id: lambda *update: reported.append(update))
    user = demo.users["community"]
    with django_assert_max_num_queries(40):
        job = export(user, unmask=True, reason="上报民政局名单")
    assert job.result["rows"] == 200
    assert reported == [("write", done, 200) for done in (0, 50, 100, 150, 200, 200)]
    assert sum(1 for row in _rows(job)[1:] if row[17] == "高龄老人") == 67


# --- The page ------------------------------------------------------------------------------------


def test_the_page_shows_the_carried_over_filters_and_the_count(demo, people, login_as,
                                                              django_assert_max_num_queries):
    client = login_as("grid")
    with django_assert_max_num_queries(20):
        page = client.get(reverse("registry:export"), {"gender": "F"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "性别：女" in html and 'data-testid="export-count">1 人' in html
    assert "脱敏导出" in html and "export-plain" not in html  # a grid worker may not unmask

    html = login_as("community").get(reverse("registry:export")).content.decode()
    assert 'data-testid="export-count">3 人' in html and "导出明文（需填写理由）" in html and "审计" in html


def test_posting_starts_the_job_and_shows_its_progress(demo, people, login_as, django_capture_on_commit_callbacks):
    client = login_as("community")
    url = reverse("registry:export") + "?gender=M"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"mode": "masked"})
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("jobs:detail", args=[job.pk])
    assert job.params["filters"] == {"gender": "M"}
    detail = client.get(response["Location"]).content.decode()
    assert "人员导出" in detail and reverse("jobs:download", args=[job.pk]) in detail


def test_the_page_refuses_plain_text_without_reason_or_permission(demo, people, login_as):
    response = login_as("community").post(reverse("registry:export"), {"mode": "plain", "reason": ""})
    assert response.status_code == 400 and "理由" in response.content.decode()
    response = login_as("grid").post(reverse("registry:export"), {"mode": "plain", "reason": "上报民政局名单"})
    assert response.status_code == 400 and "只能脱敏导出" in response.content.decode()
    response = login_as("grid").post(reverse("registry:export") + "?area=" + NEIGHBOUR_GRID, {"mode": "masked"})
    assert response.status_code == 400 and "不能导出" in response.content.decode()
    assert not Job.objects.exists()


def test_residents_may_not_export(demo, login_as):
    client = login_as("resident")
    assert client.get(reverse("registry:export")).status_code == 403
    assert client.post(reverse("registry:export"), {"mode": "masked"}).status_code == 403
    with pytest.raises(PermissionDenied):
        exporting.start_person_export(actor=demo.users["resident"], filters={})
