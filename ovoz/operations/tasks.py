"""Daily retention as a thin task (``ovoz serve``'s scheduler enqueues it).

Until issue 13 this task lived at ``ovoz.core.tasks.apply_retention``; a task queued under that path
before an upgrade fails once, and the scheduler enqueues it again the next day (docs/deployment.md).
"""

from __future__ import annotations

from django_tasks import task

from ovoz.core.failures import without_exception_text
from ovoz.operations import retention


@task()
@without_exception_text("apply_retention_failed")
def apply_retention() -> dict[str, object]:
    """Delete what the retention policy makes due; idempotent (a second run finds nothing more)."""
    return retention.retention_apply().as_data()


@task()
@without_exception_text("backup_daily_failed")
def backup_daily(day: str) -> dict[str, object]:
    """Write the day's backup into OVOZ_BACKUP_DIR and delete the expired ones; idempotent (the day's
    file is written once)."""
    from datetime import date

    from ovoz.operations.backup_schedule import backup_scheduled

    return backup_scheduled(day=date.fromisoformat(day)).as_data()
