"""Reads of jobs: a user sees the jobs they started, with live progress overlaid."""

from __future__ import annotations

from django.http import Http404

from . import progress
from .models import Job


def job_for(user, pk, kind: str | None = None) -> Job:
    qs = Job.objects.of(user).select_related("area")
    if kind:
        qs = qs.filter(kind=kind)
    job = qs.filter(pk=pk).first()
    if job is None:
        raise Http404
    progress.overlay(job)
    return job


def jobs_of(user, kind: str | None = None):
    qs = Job.objects.of(user).select_related("area")
    return qs.filter(kind=kind) if kind else qs
