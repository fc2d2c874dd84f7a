from __future__ import annotations

import os
import signal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ovoz.operations.scheduler import DailyScheduler, schedulers
from ovoz.operations.staticfiles import static_files_collect_if_stale
from ovoz.operations.worker import WorkerSupervisor


class Command(BaseCommand):
    help = (
        "Serve Ovoz with waitress and start a task worker for the configured backend, started again if "
        "it dies (its unfinished tasks are queued again). "
        "The access log carries no client address (waitress keeps none). Connection limits and timeouts "
        "are the OVOZ_SERVE_* settings (docs/deployment.md). DEBUG is off unless OVOZ_DEBUG=1; static files are "
        "collected first when their sources changed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=settings.OVOZ_HOST)
        parser.add_argument("--port", type=int, default=settings.OVOZ_PORT)
        parser.add_argument("--threads", type=int, default=settings.OVOZ_SERVE_THREADS)
        parser.add_argument("--no-worker", action="store_true", help="Do not start the embedded task worker.")
        parser.add_argument(
            "--no-scheduler",
            action="store_true",
            help=(
                "Do not enqueue the daily tasks from here (when cron runs `ovoz send-reminders`, "
                "`ovoz apply-retention`, `ovoz audit-verify` and `ovoz alerts-run`)."
            ),
        )

    @staticmethod
    def schedulers() -> list[DailyScheduler]:
        """The daily tasks at OVOZ_REMINDER_HOUR and early warning after midnight
        (ovoz.operations.scheduler.schedulers)."""
        return schedulers()

    def handle(self, *args: Any, **options: Any) -> None:
        # Before the application exists: WhiteNoise lists the collected files once, when it starts.
        if static_files_collect_if_stale():
            self.stdout.write("Static files collected (hashed names, gzip and brotli copies).")
        from ovoz.operations.webserver import server_create
        from ovoz.wsgi import application

        host, port = options["host"], options["port"]
        shown_host = "localhost" if host in {"127.0.0.1", "0.0.0.0"} else host  # noqa: S104
        if not settings.PUBLIC_URL_GIVEN:
            # Absolute links (exports, e-mails, webhook URLs) name the address printed below; the task
            # worker inherits it.
            os.environ["OVOZ_PUBLIC_URL"] = settings.OVOZ_PUBLIC_URL = f"http://{shown_host}:{port}"
        # Listen first: a second `ovoz serve` on the same port stops here, before it touches the
        # tasks of the first one's worker.
        try:
            server = server_create(application, host=host, port=port, threads=options["threads"])
        except OSError as error:
            raise CommandError(f"Cannot listen on {host}:{port}: {error.strerror}") from error
        supervisor: WorkerSupervisor | None = None
        if not options["no_worker"]:

            def started(pid: int, worker_id: str) -> None:
                self.stdout.write(f"Task worker started (process {pid}, id {worker_id}).")
                self.stdout.flush()

            supervisor = WorkerSupervisor(port=port, on_start=started)
            supervisor.start()
        schedulers: list[DailyScheduler] = []
        if not options["no_worker"] and not options["no_scheduler"]:
            schedulers = self.schedulers()
            for scheduler in schedulers:
                scheduler.start()

        def stop(signum: int, frame: object) -> None:
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, stop)
        self.stdout.write(f"Ovoz is running at http://{shown_host}:{port}/ (staff: http://{shown_host}:{port}/staff/)")
        self.stdout.flush()
        try:
            server.run()
        except KeyboardInterrupt:
            pass
        finally:
            server.close()
            for scheduler in schedulers:
                scheduler.stop()
            if supervisor is not None:
                supervisor.stop()
