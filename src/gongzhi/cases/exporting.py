"""Exporting a case queue to Excel (事件导出): the queue's filters, scoped to the user, run in the background.

``start_case_export`` checks the filters and records the request, then queues a job; the runner
(``run_case_export``) checks the user's permission again (roles may change before the job runs)
and streams the workbook (openpyxl's write-only mode, a chunked iterator) with its progress.

Filters are the queue page's query string, parsed by its own ``CaseFilterForm``. An invalid
filter is refused here rather than left out as the page does, so that nobody exports a wider
list than they asked for. The reporter's name and phone are not exported (the case page shows
them to those who need them): a list that leaves the system carries no personal data.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.accounts.models import Department
from gongzhi.areas.models import Area, Level
from gongzhi.audit.services import record
from gongzhi.core.spreadsheets import info_sheet, moment_cell, new_workbook, table_sheet, text_cell
from gongzhi.jobs import services as jobs
from gongzhi.jobs.kinds import JobError, JobKind, register
from gongzhi.jobs.models import Job

from . import selectors
from .forms import QUEUE_LABELS, CaseFilterForm
from .models import Case, Category

EXPORT_KIND = "cases.export_cases"
STAGE = "write"
CHUNK_SIZE = 2000  # cases fetched (with their assisting departments) per query; progress per chunk
COLUMN_WIDTHS = [16, 17, 10, 12, 16, 48, 30, 12, 14, 20, 10, 10, 18, 24, 8, 17, 17, 8, 17, 8, 8, 30]


@dataclass
class Selection:
    """The cases one export covers: the validated filters and the form that parsed them."""

    actor: Any
    form: CaseFilterForm
    filters: dict[str, str]  # the query-string values, as stored with the job

    def cases(self, now: datetime.datetime) -> QuerySet[Case]:
        return (selectors.case_list(self.actor, now=now, **self.form.filters()).select_related("area__parent__parent")
                .prefetch_related(Prefetch("assist_departments", queryset=Department.objects.order_by("code"))))

    def summary(self, *, with_queue: bool = True) -> list[tuple[str, str]]:
        """The filters in words."""
        rows = []
        for name, field in self.form.fields.items():
            value = self.filters.get(name, "")
            if not value or name == "order" or (name == "queue" and not with_queue):
                continue
            if name == "overdue":
                value = _("是")
            else:
                value = dict((str(k), str(v)) for k, v in getattr(field, "choices", ())).get(value, value)
            rows.append((str(field.label), value))
        return rows

    def area(self) -> Area | None:
        code = self.filters.get("area")
        return Area.objects.filter(code=code).first() if code else None


def select(actor, data: Mapping[str, Any]) -> Selection:
    """Parse the queue's filters for ``actor``; ``PermissionDenied`` or ``ValidationError``."""
    if not selectors.may_use_queues(actor):  # whoever works the queues may export what they show
        raise PermissionDenied(_("您没有查看事件的权限。"))
    filters = {name: str(data.get(name) or "").strip() for name in CaseFilterForm.base_fields}
    filters = {name: value for name, value in filters.items() if value}
    form = CaseFilterForm(filters, categories=Category.objects.active().filter(parent__isnull=True))
    if not form.is_valid():
        raise ValidationError(form.error_list(), code="invalid_filter")
    return Selection(actor=actor, form=form, filters=filters)


def start_case_export(*, actor, filters: Mapping[str, Any], request=None) -> Job:
    """Queue an export of the cases ``actor`` may see that match ``filters`` (the queue's query string).

    Audited as ``cases.export`` with the filters and the estimated number of cases.
    """
    selection = select(actor, filters)
    estimate = selection.cases(timezone.now()).count()
    with transaction.atomic():
        job = jobs.start(kind=EXPORT_KIND, actor=actor, area=selection.area(), params={"filters": selection.filters})
        record(actor=actor, action="cases.export", obj=job, request=request,
               after={"filters": selection.filters, "estimate": estimate})
    return job


def file_name(at: datetime.datetime) -> str:
    return f"{_('事件导出')}-{at:%Y%m%d-%H%M}.xlsx"


# --- The workbook ----------------------------------------------------------------------------


def headers() -> list[str]:
    return [
        _("事件编号"), _("上报时间"), _("来源"), _("大类"), _("小类"), _("问题描述"), _("地址"), _("街道"), _("社区"),
        _("网格"), _("状态"), _("处置层级"), _("主办部门"), _("协办部门"), _("紧急程度"), _("立案时限"),
        _("处置时限"), _("是否超期"), _("结案时间"), _("返工次数"), _("评价"), _("评价意见"),
    ]


def _places(area: Area) -> tuple[str, str, str]:
    """(street, community, grid) names of the case's area (a grid, or a community for unplaced cases)."""
    chain: dict[str, str] = {}
    node: Area | None = area
    while node is not None and len(chain) < 3:
        chain[node.level] = node.name
        node = node.parent if node.level != Level.STREET else None
    return chain.get(Level.STREET, ""), chain.get(Level.COMMUNITY, ""), chain.get(Level.GRID, "")


def case_row(ws, case: Case, *, now: datetime.datetime) -> list:
    category = case.category
    major, minor = (category.parent.name if category.parent_id else category.name,
                    category.name if category.parent_id else "") if category else ("", "")
    street, community, grid = _places(case.area)
    return [
        text_cell(ws, case.number),
        moment_cell(ws, case.reported_at),
        case.get_source_display(),
        text_cell(ws, major),
        text_cell(ws, minor),
        text_cell(ws, case.description),
        text_cell(ws, case.address),
        text_cell(ws, street),
        text_cell(ws, community),
        text_cell(ws, grid),
        case.get_status_display(),
        case.get_level_display() if case.level else "",
        text_cell(ws, case.lead_department.name if case.lead_department_id else ""),
        text_cell(ws, "、".join(d.name for d in case.assist_departments.all())),
        case.get_priority_display(),
        moment_cell(ws, case.accept_due),
        moment_cell(ws, case.handle_due),
        _("是") if case.is_overdue(now) else "",
        moment_cell(ws, case.closed_at),
        case.rework_count,
        case.rating,
        text_cell(ws, case.rating_comment),
    ]


def write_workbook(out: IO[bytes], cases: Iterable[Case], *, meta: list[tuple[str, Any]], now: datetime.datetime,
                   on_progress: Callable[[int], None] | None = None, every: int = CHUNK_SIZE) -> int:
    """Write ``cases`` as .xlsx to ``out`` (sheet 事件, then 导出说明 with ``meta``); return the count."""
    wb = new_workbook(write_only=True)
    count = table_sheet(wb, title=_("事件"), headers=headers(), widths=COLUMN_WIDTHS, items=cases,
                        row=lambda ws, case: case_row(ws, case, now=now), empty=_("（没有符合条件的事件）"),
                        on_progress=on_progress, every=every)
    info_sheet(wb, [*meta, (_("导出件数"), count)], title=_("导出说明"), headers=[_("项目"), _("内容")])
    wb.save(out)
    return count


def metadata(*, actor, at: datetime.datetime, selection: Selection) -> list[tuple[str, Any]]:
    name = getattr(actor, "real_name", "") or ""
    queue = dict(QUEUE_LABELS)[selection.form.filters()["queue"]]
    conditions = "；".join(f"{label}：{value}" for label, value in selection.summary(with_queue=False))
    return [
        (_("导出人"), f"{name}（{actor.username}）" if name else actor.username),
        (_("导出时间"), at),
        (_("队列"), str(queue)),
        (_("筛选条件"), conditions or _("无")),
        (_("说明"), _("仅含您有权查看的事件；不含反映人姓名与电话。")),
    ]


# --- The job ---------------------------------------------------------------------------------


def run_case_export(context) -> None:
    """Write the workbook of the export's cases, reporting progress per chunk."""
    actor = context.actor
    try:
        selection = select(actor, context.params.get("filters") or {})
    except PermissionDenied:
        raise JobError(_("您已没有查看事件的权限，导出未执行。")) from None
    except ValidationError as error:
        raise JobError(_("导出条件已失效（%(errors)s），请重新发起导出。") % {"errors": "；".join(error.messages)}) from None
    now = timezone.now()
    cases = selection.cases(now)
    total = cases.count()
    context.job.total = total
    context.progress(STAGE, 0, total)
    meta = metadata(actor=actor, at=now, selection=selection)
    written = 0

    def write(fh) -> None:
        nonlocal written
        written = write_workbook(fh, cases.iterator(chunk_size=CHUNK_SIZE), meta=meta, now=now,
                                 on_progress=lambda done: context.progress(STAGE, done, max(total, done)))

    context.write_output(file_name(timezone.localtime(now)), write)
    context.job.total = context.job.done = written
    context.job.result = {"rows": written}
    context.job.message = (_("已导出 %(count)d 件事件。") % {"count": written} if written
                           else _("没有符合条件的事件：导出 0 件，表格只有表头。"))


register(JobKind(EXPORT_KIND, gettext_lazy("事件导出"), run_case_export, stages={STAGE: gettext_lazy("写入表格")},
                 retry=lambda job: True))  # an export run again writes its file anew: the same effect
