"""Background work for concerns: thin tasks that take ids and call services (CONVENTIONS)."""

from __future__ import annotations

from django_tasks import task

from ovoz.concerns import notifications


@task()
def notify_reporter(*, event_id: int) -> None:
    """Tell the reporter about a status change, note, question or reply on the channels they left."""
    notifications.reporter_notify(event_id=event_id)
