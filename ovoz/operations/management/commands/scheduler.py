from __future__ import annotations

import signal
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from ovoz.operations.scheduler import schedulers


class Command(BaseCommand):
    help = (
        "Enqueue the daily tasks (reminders, retention, the audit-chain check) at OVOZ_REMINDER_HOUR and early "
        "warning after midnight, for "
        "deployments that run gunicorn and RQ workers instead of `ovoz serve` (deploy/systemd). Each day is "
        "claimed in the shared cache first, so several schedulers enqueue it once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="Check once (enqueue today's tasks if due and unclaimed) and exit."
        )
        parser.add_argument("--interval", type=float, default=60, help="Seconds between two checks (default 60).")

    def handle(self, *args: Any, **options: Any) -> None:
        running = schedulers(interval_seconds=options["interval"])
        if options["once"]:
            enqueued = [scheduler.job_name for scheduler in running if scheduler.tick(timezone.now())]
            if enqueued:
                self.stdout.write(f"Daily tasks enqueued: {', '.join(enqueued)}.")
            else:
                self.stdout.write("Nothing to enqueue: not yet time, or another scheduler enqueued today's tasks.")
            return

        def stop(signum: int, frame: object) -> None:
            for scheduler in running:
                scheduler.stop()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        hours = ", ".join(f"{scheduler.job_name} at {scheduler.hour}:00" for scheduler in running)
        self.stdout.write(f"Scheduler running: {hours} local time.")
        self.stdout.flush()
        for scheduler in running[1:]:
            scheduler.start()
        running[0].run()  # in this thread, until SIGTERM
