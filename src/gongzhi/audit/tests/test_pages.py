"""The audit log page and its Excel export: security auditor only (三员分立), filters, paging."""

import re
from datetime import timedelta
from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from gongzhi.accounts.admin_site import admin_site
from gongzhi.audit import export, selectors
from gongzhi.audit.export import headers
from gongzhi.audit.models import AuditChainHead, AuditEntry
from gongzhi.audit.services import record

from .helpers import make_entries, raw_update

pytestmark = pytest.mark.django_db


def rows_of(response) -> list[list]:
    content = b"".join(response.streaming_content)
    sheet = load_workbook(BytesIO(content), read_only=True).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def sample(demo):
    record(actor=demo.users["community"], action="registry.person.update", obj=demo.users["resident"],
           before={"name": "旧"}, after={"name": "新"}, reason="信息更正")
    record(actor=demo.users["street"], action="personal.reveal", obj=demo.users["resident"], reason="走访核实")
    record(actor=None, actor_name="intruder", action="login.failure", success=False)
    return demo


@pytest.mark.parametrize("username", ["admin", "district", "grid", "resident"])
def test_only_the_security_auditor_may_view_or_export(sample, login_as, username):
    client = login_as(username)
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/export.xlsx").status_code == 403
    assert not AuditEntry.objects.filter(action="audit.export").exists()


def test_anonymous_visitors_are_sent_to_login(client, sample):
    assert client.get("/audit/").status_code == 302
    assert client.get("/audit/export.xlsx")["Location"].startswith("/accounts/login/")


def test_audit_models_are_not_in_the_management_site(demo, login_as):
    assert AuditEntry not in admin_site._registry and AuditChainHead not in admin_site._registry
    client = login_as("admin")
    assert client.get("/manage/").status_code == 200
    assert client.get("/manage/audit/auditentry/").status_code == 404
    assert client.get("/manage/audit/").status_code == 404


def test_auditor_sees_entries_with_role_and_reason(sample, login_as):
    page = login_as("auditor").get("/audit/").content.decode()
    assert "修改人员信息" in page and "信息更正" in page and "社区工作者" in page
    assert "周书记（community）" in page and "registry.person.update" not in page.replace('value="registry.person.update"', "")
    assert 'data-testid="audit-export"' in page


UPDATE, REVEAL, FAILURE = "修改人员信息", "查看完整个人信息", "登录失败（账号或密码错误）"


def table_of(response) -> str:
    """The log's rows only (the action filter lists every action's name too)."""
    page = response.content.decode()
    start = page.find('<table class="table audit">')
    return page[start:page.find("</table>", start)] if start >= 0 else ""


@pytest.mark.parametrize(
    ("query", "present", "absent"),
    [
        ("actor=comm", [UPDATE], [REVEAL, FAILURE]),
        ("action=personal.", [REVEAL], [UPDATE]),
        ("action=registry.person.update", [UPDATE], [REVEAL, FAILURE]),
        ("success=0", [FAILURE], [UPDATE, REVEAL]),
        ("area=341702001001", [UPDATE], [REVEAL, FAILURE]),
        ("area=341702001", [UPDATE, REVEAL], [FAILURE]),
    ],
)
def test_page_filters(sample, login_as, query, present, absent):
    response = login_as("auditor").get(f"/audit/?{query}")
    table = table_of(response)
    assert all(p in table for p in present) and not any(a in table for a in absent)
    assert f'href="/audit/export.xlsx?{query}"' in response.content.decode()


def test_the_action_filter_names_every_action_in_chinese(sample, login_as):
    page = login_as("auditor").get("/audit/?action=personal.").content.decode()
    assert '<option value="personal." selected>全部“个人信息查看”操作</option>' in page
    assert '<option value="login.success">登录成功</option>' in page
    assert '<option value="cases.accept">事件办理：立案</option>' in page
    # A prefix typed into the address is kept, named by its group.
    assert '<option value="registry.person" selected>社区档案：其他操作</option>' in login_as("auditor").get(
        "/audit/?action=registry.person").content.decode()


def test_date_filters(sample, login_as):
    client = login_as("auditor")
    today = timezone.localdate()
    assert UPDATE in table_of(client.get(f"/audit/?date_from={today}&date_to={today}"))
    tomorrow = today + timedelta(days=1)
    assert "没有符合条件的审计记录" in client.get(f"/audit/?date_from={tomorrow}").content.decode()
    assert "没有符合条件的审计记录" in client.get(f"/audit/?date_to={today - timedelta(days=1)}").content.decode()
    assert UPDATE in table_of(client.get("/audit/?date_from=not-a-date"))


def pager_links(page: str) -> dict[str, str]:
    found = re.findall(r'<a href="\?([^"]*)" data-testid="page-(\w+)">', page)
    return {name: query.replace("&amp;", "&") for query, name in found}


def seqs(page: str) -> list[int]:
    return [int(n) for n in re.findall(r"<tr><td>(\d+)</td>", page)]


def test_pages_by_the_last_entry_seen_both_ways_and_keep_the_filters(demo, login_as):
    """Newest first, paged by ``seq`` (first / next / previous / last), the filters kept in every link."""
    make_entries(120, action="bulk.row")
    make_entries(3, action="other.row")
    expected = list(AuditEntry.objects.filter(action="bulk.row").order_by("-seq").values_list("seq", flat=True))
    client = login_as("auditor")
    page = client.get("/audit/?action=bulk").content.decode()
    assert "共 120 条" in page and set(pager_links(page)) == {"next", "last"}
    seen = seqs(page)
    while "next" in pager_links(page):
        assert pager_links(page)["next"].startswith("action=bulk&after=")
        page = client.get(f"/audit/?{pager_links(page)['next']}").content.decode()
        seen += seqs(page)
    assert seen == expected
    last = client.get("/audit/?action=bulk&last=1").content.decode()
    assert seqs(last) == expected[-50:] and set(pager_links(last)) == {"first", "previous"}
    backwards, page = seqs(last), last
    while "previous" in pager_links(page):
        page = client.get(f"/audit/?{pager_links(page)['previous']}").content.decode()
        backwards = seqs(page) + backwards
    assert backwards == expected
    assert seqs(client.get("/audit/?action=bulk&before=x").content.decode()) == expected[:50]


def test_a_long_log_shows_an_estimate_or_a_bound(demo, login_as, monkeypatch):
    from gongzhi.core import paging

    make_entries(8, action="bulk.row")
    monkeypatch.setattr(paging, "EXACT_COUNT_LIMIT", 5)
    page = login_as("auditor").get("/audit/?action=bulk").content.decode()
    count = re.search(r'data-testid="audit-count">([^<]+)<', page).group(1)
    assert count == "超过 5 条" or re.fullmatch(r"约 [\d,]+ 条", count), count


def test_audit_page_query_count_does_not_grow_with_rows(demo, login_as, django_assert_max_num_queries):
    for username in ("community", "street", "grid", "district"):
        make_entries(15, actor=demo.users[username])
    client = login_as("auditor")
    with django_assert_max_num_queries(12):
        response = client.get("/audit/")
    assert response.status_code == 200 and response.content.decode().count("<tr>") == 51


def test_export_has_chinese_headers_and_the_filtered_rows(sample, login_as):
    response = login_as("auditor").get("/audit/export.xlsx?actor=community")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'attachment; filename="audit-' in response["Content-Disposition"]
    rows = rows_of(response)
    assert rows[0] == headers()
    assert rows[0][:3] == ["序号", "时间", "操作人账号"]
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1]))
    entry = AuditEntry.objects.get(action="registry.person.update")
    assert row["序号"] == entry.seq and row["操作"] == "修改人员信息" and row["结果"] == "成功"
    assert row["操作代码"] == "registry.person.update"
    assert entry.object_type == "accounts.user" and row["对象类型"] == "用户"  # the type by its name, not its code
    assert row["角色"] == "社区工作者" and row["区域代码"] == "341702001001" and row["事由"] == "信息更正"
    assert row["变更前"] == '{"name": "旧"}' and row["变更后"] == '{"name": "新"}'
    assert row["时间"] == timezone.localtime(entry.at).replace(tzinfo=None, microsecond=0)
    assert row["哈希"] == entry.hash


def test_export_is_itself_audited_with_its_filters(sample, login_as):
    login_as("auditor").get("/audit/export.xlsx?success=0&action=login")
    entry = AuditEntry.objects.get(action="audit.export")
    assert entry.actor_name == "auditor" and entry.role == "security_auditor"
    assert entry.after == {"filters": {"action": "login", "success": "0"}, "rows": 1}


def test_export_writes_formula_like_text_as_text(demo, login_as):
    record(actor=None, actor_name="x", action="odd", object_repr='=HYPERLINK("http://evil","x")',
           reason="控制\x01字符")
    rows = rows_of(login_as("auditor").get("/audit/export.xlsx?action=odd"))
    row = dict(zip(rows[0], rows[1]))
    assert row["对象"] == '=HYPERLINK("http://evil","x")' and row["事由"] == "控制字符"
    content = b"".join(login_as("auditor").get("/audit/export.xlsx?action=odd").streaming_content)
    sheet = load_workbook(BytesIO(content)).worksheets[0]
    assert sheet.cell(row=2, column=12).data_type == "s"


def test_export_reads_in_batches_and_continues_on_a_new_sheet(demo, login_as, monkeypatch):
    monkeypatch.setattr(selectors, "ITER_BATCH_SIZE", 7)
    monkeypatch.setattr(export, "ROWS_PER_SHEET", 10)
    make_entries(25, action="bulk.row")
    response = login_as("auditor").get("/audit/export.xlsx?action=bulk")
    book = load_workbook(BytesIO(b"".join(response.streaming_content)), read_only=True)
    sheets = [[list(r) for r in ws.iter_rows(values_only=True)] for ws in book.worksheets]
    assert [len(rows) for rows in sheets] == [11, 11, 6]
    assert all(rows[0] == headers() for rows in sheets)
    assert [row[0] for rows in sheets for row in rows[1:]] == list(range(25, 0, -1))


def test_tampered_rows_still_show_on_the_page(sample, login_as):
    entry = AuditEntry.objects.get(action="personal.reveal")
    raw_update("UPDATE audit_auditentry SET reason = %s WHERE id = %s", ["已篡改", entry.pk])
    assert "已篡改" in login_as("auditor").get("/audit/").content.decode()
