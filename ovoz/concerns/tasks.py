"""Background work for concerns: thin tasks that take ids and call services (CONVENTIONS).

A task's failure is stored by the task backend with its traceback: ``without_exception_text`` lets
out only a code and an exception class, never a message that could name a reporter's address.
"""

from __future__ import annotations

from django_tasks import task

from ovoz.concerns import notifications
from ovoz.core.failures import without_exception_text


@task()
@without_exception_text("notify_reporter_failed")
def notify_reporter(*, event_id: int) -> None:
    """Tell the reporter about a status change, note, question or reply on the channels they left."""
    notifications.reporter_notify(event_id=event_id)


@task()
@without_exception_text("reporter_email_failed")
def send_reporter_email(*, email_id: int) -> str:
    """Try one queued e-mail to a reporter again (idempotent: a sent e-mail is never sent twice)."""
    return str(notifications.reporter_email_send(email_id=email_id))


@task()
@without_exception_text("drain_rollups_failed")
def drain_rollups() -> int:
    """Add the rollup deltas committed so far to the rollups (idempotent: each is added once)."""
    from ovoz.concerns.services.rollups import rollups_drain

    return rollups_drain()
