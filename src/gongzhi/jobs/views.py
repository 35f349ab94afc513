"""Job pages: my jobs, one job with its progress bar, the progress fragment, the download."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import selectors, services


@login_required
@require_GET
def job_list(request):
    page = Paginator(selectors.jobs_of(request.user), 30).get_page(request.GET.get("page"))
    return render(request, "jobs/list.html", {"page": page})


@login_required
@require_GET
def job_detail(request, pk: int):
    return render(request, "jobs/detail.html", {"job": selectors.job_for(request.user, pk)})


@login_required
@require_GET
def job_progress(request, pk: int):
    """htmx: the progress fragment (the page reloads once the job has finished); otherwise JSON."""
    job = selectors.job_for(request.user, pk)
    if request.htmx:
        response = render(request, "jobs/_progress.html", {"job": job})
        if job.finished:
            response["HX-Refresh"] = "true"
        return response
    return JsonResponse({"id": job.pk, "kind": job.kind, "status": job.status, "stage": job.stage,
                         "done": job.done, "total": job.total, "percent": job.percent, "message": job.message,
                         "result": job.result if job.finished else {}})


@login_required
@require_GET
def job_download(request, pk: int):
    job = selectors.job_for(request.user, pk)
    try:
        fh = services.open_output(actor=request.user, job=job, request=request)
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(fh, as_attachment=True, filename=job.output_label)
