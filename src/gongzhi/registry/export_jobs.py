"""Background job kinds of the registry: the person export (人员导出).

The runner checks again what ``exporting.start_person_export`` checked when the export was
requested: the job may run minutes later, and the user's roles may have changed meanwhile.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.jobs.kinds import JobError, JobKind, register

from . import exporting


def run_person_export(context) -> None:
    """Write the workbook of the export's persons, reporting progress per chunk of rows."""
    actor, params = context.actor, context.params
    unmask = bool(params.get("unmask"))
    try:
        selection = exporting.select(actor, params.get("filters") or {}, person_ids=params.get("person_ids"),
                                     query_display=params.get("query_display", ""))
    except PermissionDenied:
        raise JobError(_("您已没有查看人口档案的权限，导出未执行。")) from None
    except ValidationError as error:
        raise JobError(_("导出条件已失效（%(errors)s），请重新发起导出。") % {"errors": "；".join(error.messages)}) from None
    if unmask and not exporting.may_unmask(actor, selection.areas):
        raise JobError(_("您已没有在导出范围内查看未脱敏个人信息的权限（角色可能已变更），明文导出未执行。"))

    persons = selection.persons()
    total = persons.count()
    context.job.total = total
    context.progress(exporting.STAGE, 0, total)
    at = timezone.localtime()
    meta = exporting.metadata(actor=actor, at=at, selection=selection, unmask=unmask, reason=params.get("reason", ""))
    written = 0

    def write(fh) -> None:
        nonlocal written
        written = exporting.write_workbook(
            fh, persons.iterator(chunk_size=exporting.CHUNK_SIZE), meta=meta, unmask=unmask,
            on_progress=lambda done: context.progress(exporting.STAGE, done, max(total, done)),
            every=exporting.CHUNK_SIZE)

    context.write_output(exporting.file_name(selection, at), write)
    context.job.total = context.job.done = written
    context.job.result = {"rows": written, "masked": not unmask}
    if written:
        context.job.message = _("已导出 %(count)d 人。") % {"count": written}
    else:
        context.job.message = _("没有符合条件的人员：导出 0 人，表格只有表头。")


register(JobKind(exporting.EXPORT_KIND, gettext_lazy("人员导出"), run_person_export,
                 stages={exporting.STAGE: gettext_lazy("写入表格")},
                 retry=lambda job: True))  # an export run again writes its file anew: the same effect
