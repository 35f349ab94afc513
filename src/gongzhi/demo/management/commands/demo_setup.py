"""Build the demo district and accounts (idempotent: later runs reuse what exists)."""

import time

from django.core.management.base import BaseCommand

from gongzhi.demo import district


class Command(BaseCommand):
    help = "Create the synthetic demo district (示范区) and the demo accounts."

    def add_arguments(self, parser):
        parser.add_argument("--residents", type=int, default=20000,
                            help="number of synthetic residents (up to 1,000,000)")

    def handle(self, *args, residents, **options):
        started = time.monotonic()
        root = district.build_areas()
        district.build_accounts(root)
        from gongzhi.registry import demo as registry_demo
        from gongzhi.registry.models import House, Organisation, Person

        created = registry_demo.build(root, residents=residents, progress=self.stdout.write)
        if created is None:
            self.stdout.write("居民数据已存在，跳过生成 / residents already exist, not generated again")
        code = root.code[:6]
        self.stdout.write("人员 %d / persons, 房屋 %d / houses, 组织 %d / organisations" % (
            Person.objects.filter(district_code=code).count(), House.objects.filter(district_code=code).count(),
            Organisation.objects.filter(district_code=code).count()))
        from gongzhi.cases import demo as cases_demo

        built = cases_demo.build(root, progress=self.stdout.write)
        if built is None:
            self.stdout.write("事件数据已存在，跳过生成 / cases already exist, not generated again")
        from gongzhi.audit.services import record

        record(actor=None, actor_name="demo_setup", action="demo.setup", object_repr=root.name)
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"演示数据就绪 / demo data ready ({elapsed:.1f}s): {root}"))
        self.stdout.write("演示账号 / demo accounts (password: %s):" % district.DEMO_PASSWORD)
        for username, real_name, _phone, role, where in district.DEMO_ACCOUNTS:
            self.stdout.write(f"  {username:<10} {real_name:<6} {role:<18} {where}")
