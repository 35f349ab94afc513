"""居财居管: entries, voucher uniqueness, reversal instead of edits, the monthly statement with its
running balance, publishing it as the month's 财务 item, and the Excel export."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from gongzhi.audit.models import AuditEntry
from gongzhi.disclosure import cadence, services_finances
from gongzhi.disclosure.errors import Conflict, InvalidInput, NotAllowed
from gongzhi.disclosure.models import DisclosureItem, Status

pytestmark = pytest.mark.django_db

MARCH = datetime.date(2026, 3, 1)


@pytest.fixture
def add(staff, area):
    def _add(day, voucher, kind, category, amount, summary="摘要", actor=None, target=None):
        return services_finances.add_entry(actor=actor or staff, area=target or area, date=day, voucher=voucher,
                                           kind=kind, category=category, amount=amount, summary=summary,
                                           handled_by="会计")

    return _add


@pytest.fixture
def books(add):
    add(datetime.date(2026, 2, 10), "记-001", "income", "grant", "10000.00", "上级拨付工作经费")
    add(datetime.date(2026, 2, 20), "记-002", "expense", "office", "1200.50", "办公用品")
    add(datetime.date(2026, 3, 3), "记-003", "income", "donation", "3000", "辖区单位捐赠")
    add(datetime.date(2026, 3, 8), "记-004", "expense", "welfare", "2500.25", "困难群众慰问金")
    add(datetime.date(2026, 3, 15), "记-005", "expense", "public_good", "800", "楼道照明")


def test_statement_has_opening_running_and_closing_balances(books, area):
    st = services_finances.statement(area, datetime.date(2026, 3, 17))
    assert st.month == MARCH
    assert st.opening == Decimal("8799.50")
    assert [row.balance for row in st.rows] == [Decimal("11799.50"), Decimal("9299.25"), Decimal("8499.25")]
    assert (st.income, st.expense, st.closing) == (Decimal("3000.00"), Decimal("3300.25"), Decimal("8499.25"))
    assert services_finances.statement(area, datetime.date(2026, 4, 1)).opening == Decimal("8499.25")


def test_voucher_numbers_are_unique_per_community(books, add, other_area, demo):
    with pytest.raises(InvalidInput) as error:
        add(datetime.date(2026, 3, 20), "记-003", "income", "grant", "1")
    assert error.value.fields == {"voucher": "duplicate"} and "已经使用过" in error.value.message
    # The same number in another community is another book.
    add(datetime.date(2026, 3, 20), "记-003", "income", "grant", "1", actor=demo.users["street"], target=other_area)


@pytest.mark.parametrize(("field", "values", "message"), [
    ("amount", {"amount": "-5"}, "金额须大于零。"),
    ("amount", {"amount": "abc"}, "金额须为数字"),
    ("amount", {"amount": "1.005"}, "两位小数"),
    ("category", {"kind": "income", "category": "office"}, "不属于收入"),
    ("date", {"day": datetime.date.today() + datetime.timedelta(days=2)}, "不能晚于今天"),
])
def test_entries_are_validated_in_chinese(add, field, values, message):
    args = {"day": datetime.date(2026, 3, 1), "voucher": "记-100", "kind": "expense", "category": "office",
            "amount": "10"}
    args.update(values)
    with pytest.raises(InvalidInput) as error:
        add(**args)
    assert message in error.value.message and field in error.value.fields


def test_other_communities_staff_cannot_record(add, other_area):
    with pytest.raises(NotAllowed):
        add(datetime.date(2026, 3, 1), "记-1", "income", "grant", "1", target=other_area)


def test_corrections_are_reversing_entries_and_published_months_are_closed(books, area, staff):
    item = services_finances.publish_statement(actor=staff, area=area, month=MARCH)
    assert item.category == "finance" and item.status == Status.PUBLISHED and item.statement_month == MARCH
    assert item.statement["closing"] == "8499.25" and len(item.statement["rows"]) == 3
    assert "handled_by" not in str(item.statement) and "会计" not in str(item.statement)
    with pytest.raises(Conflict, match="已公开"):
        services_finances.add_entry(actor=staff, area=area, date=datetime.date(2026, 3, 30), voucher="记-006",
                                    kind="income", category="grant", amount="1", summary="补记", handled_by="会计")
    original = services_finances.statement(area, MARCH).rows[1].entry  # 记-004, 2500.25 expense
    with pytest.raises(Conflict):
        services_finances.reverse_entry(actor=staff, entry=original, date=datetime.date(2026, 3, 31),
                                        voucher="记-红-1", reason="金额录错")
    reversal = services_finances.reverse_entry(actor=staff, entry=original, date=datetime.date(2026, 4, 2),
                                               voucher="记-红-1", reason="金额录错")
    assert reversal.amount == Decimal("-2500.25") and reversal.reverses == original
    assert "冲销 记-004" in reversal.summary
    with pytest.raises(Conflict, match="已经冲销"):
        services_finances.reverse_entry(actor=staff, entry=original, date=datetime.date(2026, 4, 2),
                                        voucher="记-红-2", reason="again")
    with pytest.raises(Conflict):
        services_finances.reverse_entry(actor=staff, entry=reversal, date=datetime.date(2026, 4, 2),
                                        voucher="记-红-3", reason="again")
    original.refresh_from_db()
    assert original.amount == Decimal("2500.25")  # the original entry is untouched
    april = services_finances.statement(area, datetime.date(2026, 4, 1))
    assert april.opening == Decimal("8499.25") and april.closing == Decimal("10999.50")
    assert april.expense == Decimal("-2500.25")
    assert AuditEntry.objects.filter(action="disclosure.ledger_reverse", reason="金额录错").exists()


def test_publishing_the_statement_meets_the_monthly_cadence_and_republishing_updates(books, area, staff):
    services_finances.publish_statement(actor=staff, area=area, month=MARCH)
    late = cadence.overdue_for([area])[area.pk]
    assert "finance" not in {o.category for o in late}
    item = DisclosureItem.objects.get(area=area, statement_month=MARCH)
    services_finances.publish_statement(actor=staff, area=area, month=MARCH)
    assert DisclosureItem.objects.filter(area=area, statement_month=MARCH).count() == 1
    item.refresh_from_db()
    assert item.version == 2 and item.status == Status.PUBLISHED
    assert [h.action for h in item.history.order_by("at", "pk")] == ["create", "publish", "edit", "publish"]


def test_future_months_cannot_be_published(area, staff):
    with pytest.raises(InvalidInput):
        services_finances.publish_statement(actor=staff, area=area, month=datetime.date.today().replace(day=1)
                                            + datetime.timedelta(days=40))


def test_excel_export_is_readable(books, area, login_as):
    client = login_as("community")
    response = client.get(f"/disclosure/manage/finances/export/?area={area.code}&month=2026-03")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    rows = [row for row in wb["收支明细"].iter_rows(values_only=True)]
    assert rows[1][:8] == ("日期", "凭证号", "收支", "科目", "摘要", "收入（元）", "支出（元）", "余额（元）")
    assert rows[2][4] == "上月结余" and Decimal(str(rows[2][7])) == Decimal("8799.50")
    assert [r[1] for r in rows[3:6]] == ["记-003", "记-004", "记-005"]
    assert Decimal(str(rows[5][7])) == Decimal("8499.25")
    assert rows[-1][4] == "月末结余" and Decimal(str(rows[-1][7])) == Decimal("8499.25")
    assert AuditEntry.objects.filter(action="disclosure.statement_export").exists()
    assert login_as("village").get(f"/disclosure/manage/finances/export/?area={area.code}&month=2026-03").status_code == 404


def test_ledger_page_and_forms(books, area, login_as):
    client = login_as("community")
    page = client.get(f"/disclosure/manage/finances/?area={area.code}&month=2026-03").content.decode()
    assert "8,499.25" in page and "冲销凭证" in page and "不能修改或删除" in page
    response = client.post("/disclosure/manage/finances/entries/new/", {
        "area": area.pk, "date": "2026-03-20", "voucher": "记-003", "kind": "income", "category": "grant",
        "amount": "5", "summary": "x", "handled_by": "会计"})
    assert response.status_code == 422 and "已经使用过" in response.content.decode()
    response = client.post("/disclosure/manage/finances/publish/", {"area_code": area.code, "month": "2026-03"})
    assert response.status_code == 302
    assert DisclosureItem.objects.filter(area=area, statement_month=MARCH, status="published").exists()
    assert login_as("village").get(f"/disclosure/manage/finances/?area={area.code}").status_code == 404


def test_a_withdrawn_statement_is_published_again_from_the_books(books, area, staff, login_as):
    item = services_finances.publish_statement(actor=staff, area=area, month=MARCH)
    client = login_as("community")
    client.post(f"/disclosure/manage/{item.pk}/withdraw/", {"reason": "漏记一笔"})
    services_finances.add_entry(actor=staff, area=area, date=datetime.date(2026, 3, 30), voucher="记-006",
                                kind="income", category="collective", amount="500", summary="补记租金",
                                handled_by="会计")
    response = client.get(f"/disclosure/manage/{item.pk}/edit/")  # not edited by hand: from the books
    assert response.status_code == 302 and "/disclosure/manage/finances/" in response["Location"]
    client.post(f"/disclosure/manage/{item.pk}/publish/")
    item.refresh_from_db()
    assert item.status == Status.PUBLISHED and item.statement["closing"] == "8999.25"
    assert len(item.statement["rows"]) == 4
