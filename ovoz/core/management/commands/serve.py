from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from ovoz.core.scheduler import DailyScheduler

MAX_REQUEST_BYTES = 16 * 1024 * 1024  # as DATA_UPLOAD_MAX_MEMORY_SIZE, and nginx's client_max_body_size


class Command(BaseCommand):
    help = (
        "Serve Ovoz with waitress and start a task worker for the configured backend. "
        "The access log carries no client address (waitress keeps none)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("OVOZ_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("OVOZ_PORT", "8000")))
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--no-worker", action="store_true", help="Do not start the embedded task worker.")
        parser.add_argument(
            "--no-scheduler",
            action="store_true",
            help="Do not enqueue the daily reminders from here (when cron runs `ovoz send-reminders`).",
        )

    @staticmethod
    def daily_scheduler() -> DailyScheduler:
        """Enqueue the working groups' daily reminder digest at OVOZ_REMINDER_HOUR, local time."""
        from ovoz.groups.tasks import send_daily_digests

        return DailyScheduler(
            hour=settings.OVOZ_REMINDER_HOUR,
            jobs=[lambda day: send_daily_digests.enqueue(day=day.isoformat())],
        )

    @staticmethod
    def worker_command() -> list[str]:
        """The worker for the configured task backend (DESIGN §2)."""
        if str(settings.TASKS["default"]["BACKEND"]).startswith("django_tasks_rq"):
            return ["rqworker", "--job-class", "django_tasks_rq.Job", "default"]
        return ["db_worker", "--no-reload"]

    def handle(self, *args: Any, **options: Any) -> None:
        from waitress import serve

        from ovoz.wsgi import application

        worker: subprocess.Popen[bytes] | None = None
        if not options["no_worker"]:
            worker = subprocess.Popen([sys.executable, "-m", "ovoz", *self.worker_command()])  # noqa: S603 (fixed arguments)
            self.stdout.write(f"Task worker started (process {worker.pid}).")
        scheduler: DailyScheduler | None = None
        if not options["no_worker"] and not options["no_scheduler"]:
            scheduler = self.daily_scheduler()
            scheduler.start()

        def stop(signum: int, frame: object) -> None:
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, stop)
        host, port = options["host"], options["port"]
        shown_host = "localhost" if host in {"127.0.0.1", "0.0.0.0"} else host  # noqa: S104
        self.stdout.write(f"Ovoz is running at http://{shown_host}:{port}/ (staff: http://{shown_host}:{port}/staff/)")
        self.stdout.flush()
        try:
            serve(
                application,
                host=host,
                port=port,
                threads=options["threads"],
                ident="ovoz",
                # Waitress would take a gigabyte; Ovoz's largest request is a form with three photos.
                max_request_body_size=MAX_REQUEST_BYTES,
            )
        except KeyboardInterrupt:
            pass
        finally:
            if scheduler is not None:
                scheduler.stop()
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=10)
