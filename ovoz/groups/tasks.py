"""Background work for working groups: thin tasks that take plain values and call services."""

from __future__ import annotations

from datetime import date

from django_tasks import task

from ovoz.core.failures import without_exception_text
from ovoz.groups import services


@task()
@without_exception_text("daily_digests_failed")
def send_daily_digests(*, day: str) -> int:
    """Send each member's reminders for ``day`` (ISO date); idempotent, at most one e-mail per member."""
    return services.digests_send(day=date.fromisoformat(day))
