"""Queue periodic tasks when they are due (see gongzhi.core.schedule); runs until stopped."""

from __future__ import annotations

import signal
import time

from django.core.management.base import BaseCommand

from gongzhi.core.schedule import REGISTRY, tick


class Command(BaseCommand):
    help = "Queue the registered periodic tasks (deadline checks, purges…) for the worker when they are due."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="one round, then exit (for cron and tests)")
        parser.add_argument("--interval", type=int, default=30, help="seconds between rounds (default 30)")

    def handle(self, *args, once: bool = False, interval: int = 30, **options):
        running = True

        def stop(*_args):
            nonlocal running
            running = False

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        if not once:
            self.stdout.write(f"clock: {len(REGISTRY)} periodic tasks: {', '.join(sorted(REGISTRY)) or '-'}")
        while True:
            for name in tick():
                self.stdout.write(f"clock: queued {name}")
            if once or not running:
                return
            for _ in range(max(1, interval)):
                if not running:
                    return
                time.sleep(1)
