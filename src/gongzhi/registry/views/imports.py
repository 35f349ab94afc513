"""Registry pages: the resident import (upload → check → confirm) and its history.

Uploading always starts a check (a dry run in the background); the check's page shows every bad
row and, when there is something to write, a "确认导入" button that starts the real import of the
same file with the same options, once. Both runs are background jobs (``registry.import_jobs``).
"""

from __future__ import annotations

import io
from pathlib import PurePath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gongzhi.accounts.permissions import require_perm
from gongzhi.accounts.roles import Perm
from gongzhi.audit.services import record
from gongzhi.core.uploads import RESIDENT_SHEET, accepts_uploads
from gongzhi.jobs import selectors as job_selectors
from gongzhi.jobs.kinds import JobError
from gongzhi.jobs.models import Job
from gongzhi.jobs.services import JobContext

from .. import import_jobs
from ..import_forms import ImportUploadForm
from ..importing.reader import ImportFileError
from ..importing.report import write_error_report, write_template
from ..importing.validate import RowError
from ..models import ImportBatch
from ..selectors import visible_records

HISTORY_PAGE_SIZE = 20
ERRORS_SHOWN = 500
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@accepts_uploads(RESIDENT_SHEET, field="file")
@login_required
@require_http_methods(["GET", "POST"])
def import_page(request):
    """The rules, the template, the upload form (which starts a check) and the import history."""
    require_perm(request.user, Perm.REGISTRY_EDIT)
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            job = import_jobs.start_import(actor=request.user, area=form.cleaned_data["area"], upload=upload,
                                           file_name=upload.name, strict=form.cleaned_data["strict"])
            return redirect("registry:import_job", pk=job.pk)
    else:
        form = ImportUploadForm(user=request.user)
    batches = visible_records(ImportBatch, request.user).select_related("area", "actor").order_by("-created_at", "-pk")
    page = Paginator(batches, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    jobs_by_batch = _jobs_of_batches(request.user, [batch.pk for batch in page.object_list])
    history = [(batch, jobs_by_batch.get(batch.pk)) for batch in page.object_list]
    return render(request, "registry/import.html", {
        "form": form, "page": page, "history": history, "max_mb": 20,
    })


def _jobs_of_batches(user, batch_ids: list[int]) -> dict[int, int]:
    """Batch id → the id of the user's import job that ran it (one query)."""
    if not batch_ids:
        return {}
    pairs = (Job.objects.of(user).filter(kind=import_jobs.KIND, result__batch_id__in=batch_ids)
             .values_list("result__batch_id", "pk"))
    return {int(batch_id): pk for batch_id, pk in pairs if batch_id is not None}


def _import_job(request, pk: int) -> Job:
    require_perm(request.user, Perm.REGISTRY_EDIT)
    return job_selectors.job_for(request.user, pk, kind=import_jobs.KIND)


def _batch_of(request, job: Job) -> ImportBatch | None:
    batch_id = (job.result or {}).get("batch_id")
    if not batch_id:
        return None
    return visible_records(ImportBatch, request.user).select_related("area").filter(pk=batch_id).first()


@login_required
@require_GET
def import_job(request, pk: int):
    """One check or import: its progress while it runs, then its report."""
    job = _import_job(request, pk)
    result = job.result or {}
    batch = _batch_of(request, job) if job.finished else None
    errors = batch.errors if batch else []
    related = [result.get("commit_job_id"), job.params.get("checked_job_id")]
    related_jobs = {j.pk: j for j in Job.objects.of(request.user).filter(pk__in=[p for p in related if p])}
    return render(request, "registry/import_job.html", {
        "job": job, "result": result, "counts": result.get("counts") or {}, "batch": batch,
        "dry_run": bool(job.params.get("dry_run")), "strict": bool(job.params.get("strict")),
        "errors": errors[:ERRORS_SHOWN], "errors_total": len(errors), "errors_shown": ERRORS_SHOWN,
        "unmatched": result.get("unmatched") or [], "unmatched_total": result.get("unmatched_total", 0),
        "can_commit": job.finished and not import_jobs.commit_refusal(job),
        "commit_job": related_jobs.get(result.get("commit_job_id")),
        "checked_job": related_jobs.get(job.params.get("checked_job_id")),
    })


@login_required
@require_POST
def import_commit(request, pk: int):
    """Confirm a check: start the real import of the same file (once per check)."""
    job = _import_job(request, pk)
    try:
        started = import_jobs.commit_import(actor=request.user, job=job)
    except import_jobs.NotCommittable as refusal:
        messages.error(request, str(refusal))
        return redirect("registry:import_job", pk=job.pk)
    except PermissionDenied:
        raise Http404 from None
    return redirect("registry:import_job", pk=started.pk)


@login_required
@require_GET
def import_error_report(request, pk: int):
    """The uploaded sheet as it was, with a column of reasons for each failed row (audited)."""
    job = _import_job(request, pk)
    batch = _batch_of(request, job)
    if batch is None:
        raise Http404
    try:
        data = JobContext(job).input_bytes()
        out = io.BytesIO()
        write_error_report(data=data, filename=job.params.get("file_name", ""), header_row=job.result["header_row"],
                           errors=[RowError(row, column, message) for row, column, message in batch.errors], out=out)
    except (JobError, ImportFileError, KeyError):
        raise Http404 from None
    record(actor=request.user, action="registry.import_error_report", obj=batch,
           after={"file_name": batch.file_name, "errors": len(batch.errors)}, request=request)
    out.seek(0)
    stem = PurePath(job.params.get("file_name") or "import").stem
    return FileResponse(out, as_attachment=True, filename=_("%(name)s-错误报告.xlsx") % {"name": stem},
                        content_type=XLSX)


@login_required
@require_GET
def import_template(request):
    """The blank import sheet: Chinese headers and drop-down lists."""
    require_perm(request.user, Perm.REGISTRY_EDIT)
    out = io.BytesIO()
    write_template(out)
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename=_("人员导入模板.xlsx"), content_type=XLSX)


urls: list = [
    path("import/", import_page, name="import"),
    path("import/template/", import_template, name="import_template"),
    path("import/jobs/<int:pk>/", import_job, name="import_job"),
    path("import/jobs/<int:pk>/commit/", import_commit, name="import_commit"),
    path("import/jobs/<int:pk>/error-report/", import_error_report, name="import_error_report"),
]
