from __future__ import annotations

import signal
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from ovoz.operations.scheduler import daily_scheduler


class Command(BaseCommand):
    help = (
        "Enqueue the daily tasks (reminders, retention, the audit-chain check) at OVOZ_REMINDER_HOUR, for "
        "deployments that run gunicorn and RQ workers instead of `ovoz serve` (deploy/systemd). Each day is "
        "claimed in the shared cache first, so several schedulers enqueue it once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="Check once (enqueue today's tasks if due and unclaimed) and exit."
        )
        parser.add_argument("--interval", type=float, default=60, help="Seconds between two checks (default 60).")

    def handle(self, *args: Any, **options: Any) -> None:
        scheduler = daily_scheduler(interval_seconds=options["interval"])
        if options["once"]:
            if scheduler.tick(timezone.now()):
                self.stdout.write("Daily tasks enqueued.")
            else:
                self.stdout.write("Nothing to enqueue: not yet time, or another scheduler enqueued today's tasks.")
            return

        def stop(signum: int, frame: object) -> None:
            scheduler.stop()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"Scheduler running: daily tasks at {scheduler.hour}:00 local time.")
        self.stdout.flush()
        scheduler.run()  # in this thread, until SIGTERM
