"""居财居管: recording entries, reversing them, the monthly statement, publishing it as a 财务
disclosure item, and its Excel workbook.

The books are append-only. An entry is never edited or deleted; a mistake is corrected by a
reversing entry (the same kind and category, the amount negated, pointing at the original).
Once a month's statement is published, no entry may be dated in that month any more: a correction
is recorded in a later month, where the statement shows it."""

from __future__ import annotations

import calendar
import datetime
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.areas.models import Area, Level
from gongzhi.audit.services import record
from gongzhi.core import spreadsheets

from . import services_items
from .errors import Conflict, InvalidInput
from .models import (
    CATEGORIES_OF,
    Body,
    Category,
    DisclosureItem,
    EntryKind,
    FinanceCategory,
    LedgerEntry,
    Status,
)

MAX_AMOUNT = Decimal("999999999999.99")
VOUCHER_MAX = 30
SUMMARY_MAX = 200
HANDLER_MAX = 50


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def month_end(month: datetime.date) -> datetime.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def month_label(month: datetime.date) -> str:
    return _("%(y)d年%(m)d月") % {"y": month.year, "m": month.month}


def published_months(area: Area) -> set[datetime.date]:
    return set(DisclosureItem.objects.filter(area=area, statement_month__isnull=False, status=Status.PUBLISHED)
               .values_list("statement_month", flat=True))


def _amount(value) -> Decimal:
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        raise InvalidInput(_("金额须为数字，例如 1200.50。"), fields={"amount": "invalid"}) from None
    if not amount.is_finite() or amount <= 0:
        raise InvalidInput(_("金额须大于零。"), fields={"amount": "invalid"})
    if amount != amount.quantize(Decimal("0.01")):
        raise InvalidInput(_("金额最多保留两位小数（精确到分）。"), fields={"amount": "invalid"})
    if amount > MAX_AMOUNT:
        raise InvalidInput(_("金额过大。"), fields={"amount": "invalid"})
    return amount


def _check_open_month(area: Area, day: datetime.date) -> None:
    if month_start(day) in published_months(area):
        raise Conflict(_("%(month)s的财务报表已公开，不能再记入该月。更正请在以后的日期登记冲销凭证。") % {
            "month": month_label(month_start(day))}, fields={"date": "closed"})


def _save(entry: LedgerEntry) -> LedgerEntry:
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        raise InvalidInput(_("凭证号“%(voucher)s”在本社区（村）已经使用过，请换一个。") % {"voucher": entry.voucher},
                           fields={"voucher": "duplicate"}) from None
    return entry


def add_entry(*, actor, area: Area, date, voucher: str, kind: str, category: str, amount, summary: str,
              handled_by: str, request=None) -> LedgerEntry:
    """Record one income or expense (checked, with clear Chinese errors)."""
    if actor is not None:
        services_items._require_publisher(actor, area)
    errors: dict[str, str] = {}
    voucher, summary, handled_by = (voucher or "").strip(), (summary or "").strip(), (handled_by or "").strip()
    if area.level != Level.COMMUNITY:
        errors["area"] = _("收支记录须属于一个社区或村。")
    if not isinstance(date, datetime.date):
        errors["date"] = _("请填写日期。")
    elif date > timezone.localdate():
        errors["date"] = _("日期不能晚于今天。")
    if not voucher:
        errors["voucher"] = _("请填写凭证号。")
    elif len(voucher) > VOUCHER_MAX:
        errors["voucher"] = _("凭证号最多 %(n)d 个字符。") % {"n": VOUCHER_MAX}
    if kind not in EntryKind.values:
        errors["kind"] = _("请选择收入或支出。")
    elif category not in CATEGORIES_OF[EntryKind(kind)]:
        errors["category"] = _("科目“%(category)s”不属于%(kind)s。") % {
            "category": FinanceCategory(category).label if category in FinanceCategory.values else category,
            "kind": EntryKind(kind).label}
    if not summary:
        errors["summary"] = _("请填写摘要。")
    elif len(summary) > SUMMARY_MAX:
        errors["summary"] = _("摘要最多 %(n)d 个字。") % {"n": SUMMARY_MAX}
    if not handled_by:
        errors["handled_by"] = _("请填写经办人。")
    elif len(handled_by) > HANDLER_MAX:
        errors["handled_by"] = _("经办人最多 %(n)d 个字。") % {"n": HANDLER_MAX}
    if errors:
        raise InvalidInput(next(iter(errors.values())), fields=errors)
    amount = _amount(amount)
    _check_open_month(area, date)
    with transaction.atomic():
        entry = _save(LedgerEntry(area=area, date=date, voucher=voucher, kind=kind, category=category, amount=amount,
                                  summary=summary, handled_by=handled_by,
                                  recorded_by=actor if getattr(actor, "is_authenticated", False) else None))
        record(actor=actor if getattr(actor, "is_authenticated", False) else None,
               actor_name="" if actor is not None else "demo_setup", action="disclosure.ledger_add", obj=entry,
               object_repr=f"{area.name} {voucher}", after={"area": area.code, "voucher": voucher, "kind": kind,
                                                             "amount": str(amount), "date": date.isoformat()},
               request=request)
    return entry


def reverse_entry(*, actor, entry: LedgerEntry, date, voucher: str, reason: str, request=None) -> LedgerEntry:
    """The correction of ``entry``: a new entry with the amount negated (红字冲销)."""
    services_items._require_publisher(actor, entry.area)
    reason, voucher = (reason or "").strip(), (voucher or "").strip()
    if entry.reverses_id is not None:
        raise Conflict(_("冲销凭证本身不能再冲销，如需更正请重新登记一笔收支。"))
    if LedgerEntry.objects.filter(reverses=entry).exists():
        raise Conflict(_("凭证“%(voucher)s”已经冲销过。") % {"voucher": entry.voucher})
    if not reason:
        raise InvalidInput(_("请说明冲销理由。"), fields={"reason": "required"})
    if not voucher:
        raise InvalidInput(_("请填写冲销凭证号。"), fields={"voucher": "required"})
    if len(voucher) > VOUCHER_MAX:
        raise InvalidInput(_("凭证号最多 %(n)d 个字符。") % {"n": VOUCHER_MAX}, fields={"voucher": "long"})
    if not isinstance(date, datetime.date):
        raise InvalidInput(_("请填写日期。"), fields={"date": "required"})
    if date < entry.date:
        raise InvalidInput(_("冲销日期不能早于原凭证日期。"), fields={"date": "early"})
    if date > timezone.localdate():
        raise InvalidInput(_("日期不能晚于今天。"), fields={"date": "future"})
    _check_open_month(entry.area, date)
    summary = (_("冲销 %(voucher)s：%(reason)s") % {"voucher": entry.voucher, "reason": reason})[:SUMMARY_MAX]
    with transaction.atomic():
        reversal = _save(LedgerEntry(area=entry.area, date=date, voucher=voucher, kind=entry.kind,
                                     category=entry.category, amount=-entry.amount, summary=summary,
                                     handled_by=entry.handled_by, reverses=entry, recorded_by=actor))
        record(actor=actor, action="disclosure.ledger_reverse", obj=reversal,
               object_repr=f"{entry.area.name} {voucher}", reason=reason,
               after={"reverses": entry.voucher, "voucher": voucher, "amount": str(reversal.amount)}, request=request)
    return reversal


# --- The monthly statement ------------------------------------------------------------------------

@dataclass
class StatementRow:
    entry: LedgerEntry
    balance: Decimal


@dataclass
class Statement:
    area: Area
    month: datetime.date
    opening: Decimal
    rows: list[StatementRow] = field(default_factory=list)
    income: Decimal = Decimal("0.00")
    expense: Decimal = Decimal("0.00")

    @property
    def closing(self) -> Decimal:
        return self.opening + self.income - self.expense

    @property
    def label(self) -> str:
        return month_label(self.month)

    def by_category(self) -> list[tuple[str, str, Decimal]]:
        totals: dict[tuple[str, str], Decimal] = {}
        for row in self.rows:
            key = (row.entry.kind, row.entry.category)
            totals[key] = totals.get(key, Decimal("0.00")) + row.entry.amount
        return [(str(EntryKind(kind).label), str(FinanceCategory(cat).label), total)
                for (kind, cat), total in sorted(totals.items(), key=lambda pair: (pair[0][0] != EntryKind.INCOME,
                                                                                   pair[0][1]))]

    def as_data(self) -> dict:
        """What a published statement keeps (no handler's name: the public reads it)."""
        return {
            "month": self.month.isoformat(), "opening": str(self.opening), "income": str(self.income),
            "expense": str(self.expense), "closing": str(self.closing),
            "rows": [{"date": r.entry.date.isoformat(), "voucher": r.entry.voucher, "kind": r.entry.kind,
                      "kind_label": str(EntryKind(r.entry.kind).label),
                      "category": str(FinanceCategory(r.entry.category).label), "summary": r.entry.summary,
                      "amount": str(r.entry.amount), "balance": str(r.balance)} for r in self.rows],
        }


def statement(area: Area, month: datetime.date) -> Statement:
    """Opening balance (every entry before the month), each entry of the month with the running
    balance after it, the month's income and expense, the closing balance."""
    month = month_start(month)
    before = LedgerEntry.objects.filter(area=area, date__lt=month).values_list("kind", "amount")
    opening = sum((amount if kind == EntryKind.INCOME else -amount for kind, amount in before), Decimal("0.00"))
    result = Statement(area=area, month=month, opening=opening)
    balance = opening
    for entry in LedgerEntry.objects.filter(area=area, date__gte=month, date__lte=month_end(month)).order_by("date", "pk"):
        balance += entry.signed_amount
        if entry.kind == EntryKind.INCOME:
            result.income += entry.amount
        else:
            result.expense += entry.amount
        result.rows.append(StatementRow(entry, balance))
    return result


def _statement_text(st: Statement) -> str:
    lines = [_("%(area)s %(month)s财务收支情况公开如下：") % {"area": st.area.name, "month": st.label},
             _("上月结余 %(v)s 元；本月收入 %(i)s 元，支出 %(e)s 元；月末结余 %(c)s 元。") % {
                 "v": f"{st.opening:,.2f}", "i": f"{st.income:,.2f}", "e": f"{st.expense:,.2f}",
                 "c": f"{st.closing:,.2f}"}]
    for kind, category, total in st.by_category():
        lines.append(f"{kind} · {category}：{total:,.2f}")
    lines.append(_("明细见下表。如有疑问，欢迎在本页提问。"))
    return "\n".join(lines)


def publish_statement(*, actor, area: Area, month: datetime.date, request=None, now=None) -> DisclosureItem:
    """Publish (or publish again, updated) the month's statement as the 财务 item of that month."""
    if actor is not None:
        services_items._require_publisher(actor, area)
    month = month_start(month)
    today = timezone.localdate() if now is None else timezone.localtime(now).date()
    if month > month_start(today):
        raise InvalidInput(_("不能公开尚未开始的月份。"), fields={"month": "future"})
    now = now or timezone.now()
    st = statement(area, month)
    values = {
        "category": Category.FINANCE, "body": Body.COMMITTEE,
        "title": _("%(month)s财务收支公开") % {"month": st.label}, "content": _statement_text(st),
        "period_start": month, "period_end": month_end(month), "major": False, "decided_on": None,
    }
    with transaction.atomic():
        item = DisclosureItem.objects.select_for_update().filter(area=area, statement_month=month).first()
        if item is None:
            item = DisclosureItem(area=area, statement_month=month,
                                  created_by=actor if getattr(actor, "is_authenticated", False) else None, **values)
            item.statement = st.as_data()
            item.save()
            services_items._history(item, "create", actor, now)
        else:
            if item.status == Status.PUBLISHED:
                item.status = Status.WITHDRAWN  # replaced by the new version below, kept in the history
            for name, value in values.items():
                setattr(item, name, value)
            item.statement = st.as_data()
            item.version += 1
            item.save()
            services_items._history(item, "edit", actor, now)
        item.area = area
        item = services_items.publish(actor=actor, item=item, request=request, now=now)
        record(actor=actor if getattr(actor, "is_authenticated", False) else None,
               actor_name="" if actor is not None else "demo_setup", action="disclosure.statement_publish",
               obj=item, object_repr=f"{area.name} {st.label}",
               after={"opening": str(st.opening), "income": str(st.income), "expense": str(st.expense),
                      "closing": str(st.closing), "entries": len(st.rows)}, request=request)
    return item


def statement_workbook(st: Statement, *, actor, request=None) -> bytes:
    """The statement as an Excel workbook (through ``core.spreadsheets``); the export is audited."""
    wb = spreadsheets.new_workbook(write_only=True)
    headers = [_("日期"), _("凭证号"), _("收支"), _("科目"), _("摘要"), _("收入（元）"), _("支出（元）"),
               _("余额（元）"), _("经办人"), _("备注")]
    ws = wb.create_sheet(title=_("收支明细"))
    for index, width in enumerate((12, 14, 8, 12, 40, 14, 14, 16, 10, 20), start=1):
        ws.column_dimensions[spreadsheets.get_column_letter(index)].width = width
    ws.append(spreadsheets.bold_row(ws, [_("%(area)s %(month)s财务收支明细") % {"area": st.area.name,
                                                                             "month": st.label}]))
    ws.append(spreadsheets.bold_row(ws, headers))
    ws.append([None, None, None, None, spreadsheets.text_cell(ws, _("上月结余")), None, None, st.opening])
    for row in st.rows:
        entry = row.entry
        income = entry.amount if entry.kind == EntryKind.INCOME else None
        expense = entry.amount if entry.kind == EntryKind.EXPENSE else None
        note = _("冲销 %(voucher)s") % {"voucher": entry.reverses.voucher} if entry.reverses_id else ""
        ws.append([spreadsheets.date_cell(ws, entry.date), spreadsheets.text_cell(ws, entry.voucher),
                   str(EntryKind(entry.kind).label), str(FinanceCategory(entry.category).label),
                   spreadsheets.text_cell(ws, entry.summary), income, expense, row.balance,
                   spreadsheets.text_cell(ws, entry.handled_by), note])
    ws.append([None, None, None, None, spreadsheets.text_cell(ws, _("本月合计")), st.income, st.expense, None])
    ws.append([None, None, None, None, spreadsheets.text_cell(ws, _("月末结余")), None, None, st.closing])
    spreadsheets.info_sheet(wb, [(_("社区（村）"), st.area.name), (_("月份"), st.label),
                                 (_("导出时间"), timezone.now()), (_("条数"), len(st.rows))],
                            title=_("说明"), headers=[_("项目"), _("内容")])
    out = io.BytesIO()
    wb.save(out)
    record(actor=actor, action="disclosure.statement_export", object_type="disclosure.statement",
           object_id=f"{st.area.code}-{st.month:%Y-%m}", object_repr=f"{st.area.name} {st.label}", request=request)
    return out.getvalue()
