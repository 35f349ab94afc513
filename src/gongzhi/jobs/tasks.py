"""The worker's entry point for jobs (``./gz manage db_worker``)."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def run_job(job_id: int) -> None:
    services.run(job_id)


@task()
def purge_job_files() -> int:
    """Delete job files past GONGZHI_JOB_FILE_DAYS (queued daily by the clock; ``./gz manage purge_jobs`` by hand)."""
    return services.purge_files()


@task()
def reap_interrupted_jobs() -> int:
    """Fail running jobs whose worker is gone (queued by the clock; ``./gz manage reap_jobs`` at worker start)."""
    return services.reap_interrupted()
