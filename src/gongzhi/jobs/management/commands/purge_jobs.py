"""``./gz manage purge_jobs [--days N]``: delete old job files (uploads, exports); run it daily."""

from django.core.management.base import BaseCommand

from gongzhi.jobs.services import purge_files


class Command(BaseCommand):
    help = "Delete the input and output files of jobs finished more than GONGZHI_JOB_FILE_DAYS days ago."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="override GONGZHI_JOB_FILE_DAYS")

    def handle(self, *args, days=None, **options):
        purged = purge_files(days=days)
        self.stdout.write(f"purged files of {purged} job(s)")
