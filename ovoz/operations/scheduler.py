"""A small scheduler for daily work, run as a thread of ``ovoz serve`` beside the task worker.

It only enqueues tasks; the worker runs them. The tasks themselves are idempotent (the reminder
digest keeps a unique sent-record per member and day), so two servers each running a scheduler, or a
cron job doing the same, send nothing twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import date, datetime

from django.db import close_old_connections
from django.utils import timezone

logger = logging.getLogger(__name__)

DailyJob = Callable[[date], object]


class DailyScheduler(threading.Thread):
    """Run each job once a day, at the first check after ``hour`` o'clock local time."""

    def __init__(self, *, hour: int, jobs: Sequence[DailyJob], interval_seconds: float = 60) -> None:
        super().__init__(name="ovoz-daily-scheduler", daemon=True)
        self.hour = hour
        self.jobs = list(jobs)
        self.interval_seconds = interval_seconds
        self.last_day: date | None = None
        self.stopped = threading.Event()

    def tick(self, now: datetime) -> bool:
        """Enqueue the day's jobs if it is time and they were not enqueued today; True if they were."""
        local = timezone.localtime(now)
        if local.hour < self.hour or self.last_day == local.date():
            return False
        for job in self.jobs:
            job(local.date())
        self.last_day = local.date()
        return True

    def run(self) -> None:
        while True:
            try:
                if self.tick(timezone.now()):
                    logger.info("Daily tasks enqueued")
            except Exception:  # a failed enqueue (database briefly down) is retried at the next check
                logger.exception("Enqueueing the daily tasks failed")
            finally:
                close_old_connections()  # this thread's connection must not outlive the server's limits
            if self.stopped.wait(self.interval_seconds):
                return

    def stop(self) -> None:
        self.stopped.set()
