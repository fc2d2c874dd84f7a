"""The task worker that `ovoz serve` runs beside the web server: kept alive, and cleaned up after.

A worker can die in the middle of a task (killed, out of memory, a power cut). With the database
backend its task then stays "running" for ever: nothing else knows that worker is gone. `ovoz serve`
does know, because it started the worker: before starting a worker, the first time or after one died,
it queues again the tasks that a worker of this host and port claimed and never finished. Ovoz's tasks
are idempotent, so running one again is safe; a message that was being handed to a gateway when the
worker died is recognised and not sent twice (``channels.outbound.outbound_send``).

Each start of `ovoz serve` gives its worker a new id (``serve-<host>-<port>-<pid>-<random>``), so two
workers never share one, and the worker dies with the server that started it, even when the server
is killed outright (``ovoz.operations.worker_process``): a restarted server never finds an orphan of its
predecessor still running tasks beside its own worker. Only one `ovoz serve` can listen on a port, so
the tasks of this host and port that are still "running" when a server starts its worker are a dead
worker's.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db import close_old_connections

logger = logging.getLogger(__name__)

# A worker that dies sooner than this after its start is started again only after a growing pause.
QUICK_DEATH_SECONDS = 30
MAX_PAUSE_SECONDS = 60


def uses_database_backend() -> bool:
    return not str(settings.TASKS["default"]["BACKEND"]).startswith("django_tasks_rq")


def worker_id_prefix(port: int) -> str:
    """What the ids of every `ovoz serve` worker on this host and port begin with."""
    return f"serve-{socket.gethostname()[:24]}-{port}-"


def worker_id_for(port: int) -> str:
    """A new id for the worker of one start of `ovoz serve`: never the same twice (at most 64 characters)."""
    return f"{worker_id_prefix(port)}{os.getpid()}-{secrets.token_hex(4)}"


def worker_command(worker_id: str) -> list[str]:
    """The worker for the configured task backend (DESIGN §2)."""
    if uses_database_backend():
        return ["db_worker", "--no-reload", "--worker-id", worker_id]
    # With its scheduler, so that deferred tasks (retries with backoff) run when they are due.
    return ["rqworker", "--with-scheduler", "--job-class", "django_tasks_rq.Job", "default"]


def abandoned_tasks_requeue(*, worker_id_prefix: str) -> int:
    """Queue again the tasks that a worker whose id begins with ``worker_id_prefix`` claimed and never
    finished; how many.

    Only for the database backend, and only when no worker of that prefix is running (`ovoz serve`
    holds the port, and the workers of earlier servers on it died with them). RQ moves the job of a
    dead worker to its failed-job registry itself.
    """
    if not uses_database_backend():
        return 0
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).only("id", "worker_ids")
    # JSON containment is not available on SQLite; there are only ever a few running tasks.
    abandoned = [
        result.pk for result in running if result.worker_ids and result.worker_ids[-1].startswith(worker_id_prefix)
    ]
    if not abandoned:
        return 0
    return int(
        DBTaskResult.objects.filter(pk__in=abandoned, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.READY, started_at=None
        )
    )


class WorkerSupervisor(threading.Thread):
    """Start the task worker, and start it again whenever it ends while the server runs."""

    def __init__(self, *, port: int, on_start: Callable[[int, str], None]) -> None:
        super().__init__(name="ovoz-worker-supervisor", daemon=True)
        self.worker_id_prefix = worker_id_prefix(port)
        self.worker_id = worker_id_for(port)
        self.on_start = on_start
        self.process: subprocess.Popen[bytes] | None = None
        self.stopped = threading.Event()
        self.lock = threading.Lock()

    def _requeue(self) -> bool:
        try:
            requeued = abandoned_tasks_requeue(worker_id_prefix=self.worker_id_prefix)
        except Exception:  # the database is down: try again before starting a worker
            logger.exception("Could not look for tasks a stopped task worker left unfinished")
            return False
        finally:
            close_old_connections()
        if requeued:
            logger.warning("%s unfinished tasks of a stopped task worker were queued again", requeued)
        return True

    def run(self) -> None:
        pause = 1.0
        while not self.stopped.is_set():
            if not self._requeue():
                self.stopped.wait(pause)
                pause = min(pause * 2, MAX_PAUSE_SECONDS)
                continue
            with self.lock:
                if self.stopped.is_set():
                    return
                started = time.monotonic()
                # The worker ends when this process does (see ovoz.operations.worker_process). On Linux that
                # is tied to this thread, which lives until the worker has ended.
                command = [
                    sys.executable,
                    "-m",
                    "ovoz.operations.worker_process",
                    str(os.getpid()),
                    *worker_command(self.worker_id),
                ]
                self.process = subprocess.Popen(command)  # noqa: S603 (fixed arguments)
            process_id = self.process.pid
            self.on_start(process_id, self.worker_id)
            status = self.process.wait()
            if self.stopped.is_set():
                return
            logger.error(
                "The task worker (process %s) ended with status %s; starting another", self.process.pid, status
            )
            pause = min(pause * 2, MAX_PAUSE_SECONDS) if time.monotonic() - started < QUICK_DEATH_SECONDS else 1.0
            self.stopped.wait(pause)

    def stop(self) -> None:
        self.stopped.set()
        with self.lock:
            process = self.process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        self.join(timeout=15)
