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
        periodic("jobs.reap_interrupted_jobs", reap_interrupted_jobs, every=datetime.timedelta(minutes=5))
