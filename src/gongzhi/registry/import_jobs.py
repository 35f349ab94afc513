"""Background job kinds of the registry: the resident import (``registry.import_residents``).

The import page uploads the file and starts a job; the worker runs the import engine with the
job's input and options and leaves a compact summary in ``job.result`` for the job's page. The
full list of errors lives on the ``ImportBatch`` (``result["batch_id"]``), not in the job row.
"""

from __future__ import annotations

from typing import IO

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.accounts.permissions import has_perm
from gongzhi.accounts.roles import Perm
from gongzhi.jobs import services as jobs
from gongzhi.jobs.kinds import JobError, JobKind, register
from gongzhi.jobs.models import Job, JobStatus

from .importing.engine import UnknownArea, import_residents
from .importing.reader import ImportFileError
from .models import ImportBatch, ImportStatus

KIND = "registry.import_residents"
UNMATCHED_KEPT = 500  # unmatched addresses kept in the job's result (the page lists them for linking)


def run_import(context) -> None:
    """Run the resident import for the job's file with its options (``area_code``, ``strict``,
    ``dry_run``, ``file_name``) and store a summary of the report on the job."""
    params = context.params
    data = context.input_bytes()
    try:
        report = import_residents(
            actor=context.actor, filename=params.get("file_name") or "upload.xlsx",
            area_code=params.get("area_code", ""), data=data, dry_run=bool(params.get("dry_run", True)),
            strict=bool(params.get("strict", False)), progress=context.progress)
    except ImportFileError as error:
        raise JobError(str(error)) from None
    except UnknownArea:
        raise JobError(_("导入区域不存在，请重新选择区域后上传。")) from None
    except PermissionDenied:
        raise JobError(_("您没有在该区域导入人员的权限。")) from None
    job = context.job
    job.total = job.done = report.rows
    job.result = {
        "status": report.status,
        "dry_run": report.dry_run,
        "strict": report.strict,
        "counts": report.counts(),
        "batch_id": report.batch_id,
        "header_row": report.header_row,
        "errors": len(report.errors),
        "households_created": report.households_created,
        "households_updated": report.households_updated,
        "unmatched_total": len(report.unmatched_addresses),
        "unmatched": [[row, text] for row, text in report.unmatched_addresses[:UNMATCHED_KEPT]],
    }
    job.message = summary_message(job.result)
    if not report.dry_run and report.created + report.updated:
        from .tasks import refresh_population_summaries

        # The statistics page shows the imported residents once the worker has recounted.
        transaction.on_commit(refresh_population_summaries.enqueue)


def summary_message(result: dict) -> str:
    """One sentence saying what the import did (or would do)."""
    counts = dict(result.get("counts") or {})
    status = result.get("status")
    if status == ImportStatus.DRY_RUN:
        return _("检查完成：共 %(rows)d 行，可新增 %(created)d，可更新 %(updated)d，未变 %(unchanged)d，"
                 "出错 %(failed)d 行。尚未写入任何数据。") % counts
    if status == ImportStatus.REJECTED:
        return _("严格模式下有 %(failed)d 行出错，未写入任何数据。") % counts
    return _("导入完成：共 %(rows)d 行，新增 %(created)d，更新 %(updated)d，未变 %(unchanged)d，"
             "出错 %(failed)d 行。") % counts


class NotCommittable(Exception):
    """A dry run that cannot be confirmed (already confirmed, failed, strict with errors…); the
    message says why."""


def start_import(*, actor, area, file_name: str, strict: bool, data: bytes | None = None,
                 upload: IO[bytes] | None = None) -> Job:
    """Start the check (a dry run) of a resident sheet for ``area``: its ``data``, or the ``upload``
    (streamed to storage, never read into memory here)."""
    if not has_perm(actor, Perm.REGISTRY_EDIT, area):
        raise PermissionDenied
    params = {"area_code": area.code, "strict": bool(strict), "dry_run": True, "file_name": file_name[:200]}
    return jobs.start(kind=KIND, actor=actor, area=area, params=params, input_bytes=data, input_file=upload,
                      input_filename=file_name)


def commit_refusal(job: Job) -> str:
    """Why ``job`` (a finished dry run) cannot be confirmed, or "" when it can."""
    result = job.result or {}
    counts = result.get("counts") or {}
    if job.kind != KIND or not job.params.get("dry_run"):
        return _("只有检查（试运行）结果可以确认导入。")
    if jobs.is_interrupted(job):  # shown as running, but its worker is gone
        jobs.reap_interrupted()
        job.refresh_from_db()
    if (job.result or {}).get("interrupted"):
        return _("文件检查被中断，没有完成：请重新上传文件。")
    if not job.finished:
        return _("文件检查尚未完成，请稍候。")
    if job.status != JobStatus.SUCCEEDED or result.get("status") != ImportStatus.DRY_RUN:
        return _("文件检查未成功完成，不能导入；请修正文件后重新上传。")
    if result.get("commit_job_id"):
        return _("这次检查的结果已经确认导入过，不能重复导入；如需再次导入，请重新上传文件。")
    if job.params.get("strict") and result.get("errors"):
        return _("严格模式下文件有出错的行，不能导入；请修正后重新上传。")
    if counts.get("rows", 0) - counts.get("failed", 0) <= 0:
        return _("文件中没有可以导入的有效行。")
    return ""


def commit_import(*, actor, job: Job) -> Job:
    """Confirm a dry run: start the real import of the same file with the same options, once.

    The dry-run job's row is locked while its ``commit_job_id`` is checked and set, so two
    confirmations of one check start one import. Raises ``NotCommittable``.
    """
    with transaction.atomic():
        job = Job.objects.select_for_update(of=("self",)).select_related("area").get(pk=job.pk)
        if job.actor_id != actor.pk:
            raise PermissionDenied
        refusal = commit_refusal(job)
        if refusal:
            raise NotCommittable(refusal)
        if job.area is None or not has_perm(actor, Perm.REGISTRY_EDIT, job.area):
            raise NotCommittable(_("您已没有在该区域导入人员的权限。"))
        try:
            checked = jobs.JobContext(job).open_input()
        except JobError as error:
            raise NotCommittable(str(error)) from None
        params = {**job.params, "dry_run": False, "checked_job_id": job.pk}
        with checked:
            started = jobs.start(kind=KIND, actor=actor, area=job.area, params=params, input_file=checked,
                                 input_filename=params.get("file_name", ""))
        job.result = {**job.result, "commit_job_id": started.pk}
        job.save(update_fields=["result"])
    return started


def _is_commit(job: Job) -> bool:
    """A confirmed import (not a check): run again after a crash, it writes what is missing and no
    person twice (rows are matched by the blind index of their ID number), so it is retried."""
    return not job.params.get("dry_run", True)


def tidy_interrupted(job: Job) -> str | None:
    """What an import whose process died leaves: its batch, still shown as running.

    A check's batch is deleted (it wrote nothing, like a check that fails). A confirmed import's
    batch is marked interrupted: the chunks it committed stay (each chunk commits whole or not at
    all); uploading the same file again imports the rest and never adds a person twice.
    """
    batches = ImportBatch.objects.filter(status=ImportStatus.RUNNING, area_id=job.area_id, actor_id=job.actor_id,
                                         dry_run=not _is_commit(job))
    if job.started_at is not None:
        batches = batches.filter(created_at__gte=job.started_at)
    if not _is_commit(job):
        batches.delete()
        return None
    batches.update(status=ImportStatus.INTERRUPTED, finished_at=timezone.now())
    return _("导入在写入过程中中断：已写入的行保留，其余未写入。请重新上传同一文件继续导入，已导入的人员不会重复。")


register(JobKind(KIND, gettext_lazy("人员导入"), run_import,
                 stages={"validate": gettext_lazy("校验"), "write": gettext_lazy("写入")},
                 retry=_is_commit, interrupted=tidy_interrupted))
