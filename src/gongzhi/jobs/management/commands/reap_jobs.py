"""``./gz manage reap_jobs``: fail running jobs whose worker is gone ("处理中断，请重新上传").

``./gz demo`` and ``./gz serve`` run it before (re)starting the worker; the systemd unit runs it as
``ExecStartPre``; the clock queues it every five minutes as well.
"""

from django.core.management.base import BaseCommand

from gongzhi.jobs.services import reap_interrupted


class Command(BaseCommand):
    help = "Mark running jobs whose worker process is gone as failed (interrupted)."

    def handle(self, *args, **options):
        reaped = reap_interrupted()
        self.stdout.write(f"marked {reaped} interrupted job(s) as failed")
