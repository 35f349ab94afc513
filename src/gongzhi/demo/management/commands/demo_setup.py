"""Build the demo district and accounts (idempotent: later runs reuse what exists)."""

import time

from django.core.management.base import BaseCommand

from gongzhi.demo import district
from gongzhi.demo.steps import DemoContext, run_steps


class Command(BaseCommand):
    help = "Create the synthetic demo district (示范区) and the demo accounts."

    def add_arguments(self, parser):
        parser.add_argument("--residents", type=int, default=20000,
                            help="number of synthetic residents (up to 1,000,000)")

    def handle(self, *args, residents, **options):
        started = time.monotonic()
        root = district.build_areas()
        district.build_accounts(root)
        # What each installed app adds (its residents, cases…), in the order the apps declare.
        run_steps(DemoContext(root=root, residents=residents, write=self.stdout.write))
        from gongzhi.audit.services import record

        record(actor=None, actor_name="demo_setup", action="demo.setup", object_repr=root.name)
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"演示数据就绪 / demo data ready ({elapsed:.1f}s): {root}"))
        self.stdout.write("演示账号 / demo accounts (password: %s):" % district.DEMO_PASSWORD)
        for username, real_name, _phone, role, where in district.DEMO_ACCOUNTS:
            self.stdout.write(f"  {username:<10} {real_name:<6} {role:<18} {where}")
