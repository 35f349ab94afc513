from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "gongzhi.jobs"
    label = "jobs"
    verbose_name = _("后台任务")

    def ready(self) -> None:
        import datetime

        from gongzhi.core.schedule import periodic

        from .tasks import purge_job_files, reap_interrupted_jobs

        periodic("jobs.purge_job_files", purge_job_files, every=datetime.timedelta(days=1))
        periodic("jobs.reap_interrupted_jobs", reap_interrupted_jobs, every=reap_interval())


def reap_interval():
    """How often the clock queues the reaper: every 5 minutes, or as often as a job may go stale.

    A job on another host is found interrupted once its heartbeat is ``GONGZHI_JOB_STALE_MINUTES``
    old; reaping less often than that would leave it shown as running for up to five minutes more.
    """
    import datetime

    from django.conf import settings

    return datetime.timedelta(minutes=max(1, min(5, settings.GONGZHI_JOB_STALE_MINUTES)))
