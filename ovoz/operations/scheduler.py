"""A small scheduler for daily work: a thread of ``ovoz serve`` beside its task worker, or the process
``ovoz scheduler`` of the production shape (gunicorn, RQ workers; deploy/systemd).

It only enqueues tasks; the worker runs them. Each day is claimed once in the shared cache before its
jobs are enqueued (Redis, or the database cache of a production without Redis), so two servers or
two schedulers enqueue a day's jobs once, not once each. The tasks themselves are idempotent too (the
reminder digest keeps a unique sent-record per member and day), so a cron job doing the same sends
nothing twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta

from django.core.cache import cache
from django.db import close_old_connections
from django.utils import timezone

logger = logging.getLogger(__name__)

DailyJob = Callable[[date], object]
DayClaim = Callable[[str, date], bool]

# A claimed day is remembered a little longer than the day itself.
CLAIM_SECONDS = 2 * 24 * 60 * 60


def _claim_key(name: str, day: date) -> str:
    return f"ovoz:{name}:{day.isoformat()}"


def day_claim(name: str, day: date) -> bool:
    """Claim the ``name`` scheduler's jobs of ``day`` for this process in the shared cache; False when
    another process has. Each scheduler (the daily tasks, early warning) has its own claims.

    ``cache.add`` is atomic on Redis (SET NX) and on the database cache (an INSERT under the key's
    primary key): of several schedulers only one gets True.
    """
    return bool(cache.add(_claim_key(name, day), "claimed", timeout=CLAIM_SECONDS))


def day_release(name: str, day: date) -> None:
    """Give up the claim on ``day`` (its jobs could not be enqueued), so the next check tries again."""
    cache.delete(_claim_key(name, day))


class DailyScheduler(threading.Thread):
    """Run each job once a day, at the first check after ``hour`` o'clock local time."""

    def __init__(
        self,
        *,
        hour: int,
        jobs: Sequence[DailyJob],
        name: str = "daily-jobs",
        interval_seconds: float = 60,
        claim: DayClaim = day_claim,
    ) -> None:
        super().__init__(name=f"ovoz-scheduler-{name}", daemon=True)
        self.job_name = name
        self.hour = hour
        self.jobs = list(jobs)
        self.interval_seconds = interval_seconds
        self.claim = claim
        self.last_day: date | None = None
        self.stopped = threading.Event()

    def tick(self, now: datetime) -> bool:
        """Enqueue the day's jobs if it is time and nobody enqueued them today; True if this call did."""
        local = timezone.localtime(now)
        day = local.date()
        if local.hour < self.hour or self.last_day == day:
            return False
        if not self.claim(self.job_name, day):
            self.last_day = day  # another scheduler has them
            return False
        try:
            for job in self.jobs:
                job(day)
        except Exception:
            # Nothing or only part was enqueued: the next check (here or elsewhere) tries the day again.
            # The jobs are idempotent, so one enqueued twice does nothing twice.
            day_release(self.job_name, day)
            raise
        self.last_day = day
        return True

    def run(self) -> None:
        while True:
            try:
                if self.tick(timezone.now()):
                    logger.info("Daily tasks enqueued (%s)", self.job_name)
            except Exception:  # a failed enqueue (database briefly down) is retried at the next check
                logger.exception("Enqueueing the daily tasks failed")
            finally:
                close_old_connections()  # this thread's connection must not outlive the server's limits
            if self.stopped.wait(self.interval_seconds):
                return

    def stop(self) -> None:
        self.stopped.set()


def daily_scheduler(*, interval_seconds: float = 60) -> DailyScheduler:
    """Enqueue the daily tasks at OVOZ_REMINDER_HOUR, local time: the working groups' reminder digest,
    retention (deleting what is due), a check of the audit log's hash chain and, when OVOZ_BACKUP_DIR
    and OVOZ_BACKUP_PUBLIC_KEY are set, the daily backup."""
    from django.conf import settings

    from ovoz.core.tasks import verify_audit_chain
    from ovoz.groups.tasks import send_daily_digests
    from ovoz.operations.backup_schedule import is_backup_scheduled
    from ovoz.operations.tasks import apply_retention, backup_daily

    jobs: list[DailyJob] = [
        lambda day: send_daily_digests.enqueue(day=day.isoformat()),
        lambda day: apply_retention.enqueue(),
        lambda day: verify_audit_chain.enqueue(),
    ]
    if is_backup_scheduled():
        jobs.append(lambda day: backup_daily.enqueue(day=day.isoformat()))
    return DailyScheduler(hour=settings.OVOZ_REMINDER_HOUR, interval_seconds=interval_seconds, jobs=jobs)


def alerts_scheduler(*, interval_seconds: float = 60) -> DailyScheduler:
    """Enqueue early warning after midnight, local time, for the day that just ended (its notices follow
    the run; ``ovoz alerts-run --day`` runs a missed night by hand)."""
    from ovoz.insights.tasks import run_alerts

    return DailyScheduler(
        hour=0,
        name="alerts",
        interval_seconds=interval_seconds,
        jobs=[lambda day: run_alerts.enqueue(day=(day - timedelta(days=1)).isoformat())],
    )


def schedulers(*, interval_seconds: float = 60) -> list[DailyScheduler]:
    """Every scheduler a deployment runs: the daily tasks and early warning."""
    return [daily_scheduler(interval_seconds=interval_seconds), alerts_scheduler(interval_seconds=interval_seconds)]
