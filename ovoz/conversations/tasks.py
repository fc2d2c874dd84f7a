"""Background work for the conversation layer: thin tasks that take ids and call a service (CONVENTIONS).

A task's failure is stored by the task backend with its traceback: ``without_exception_text`` lets
out only a code and an exception class, never a message that could name a reporter's address.

``notices`` queues ``send_reporter_email`` again after a failed attempt and these tasks call
``notices``: the two import each other at the top, in the open, and use each other's names only
when a task runs. Until issue 13 these tasks lived in ``ovoz.concerns.tasks`` (docs/deployment.md).
"""

from __future__ import annotations

from django_tasks import task

from ovoz.conversations import notices
from ovoz.core.failures import without_exception_text


@task()
@without_exception_text("notify_reporter_failed")
def notify_reporter(*, event_id: int) -> None:
    """Tell the reporter about a status change, note, question or reply on the channels they left."""
    notices.reporter_notify(event_id=event_id)


@task()
@without_exception_text("reporter_email_failed")
def send_reporter_email(*, email_id: int) -> str:
    """Try one queued e-mail to a reporter again (idempotent: a sent e-mail is never sent twice)."""
    return str(notices.reporter_email_send(email_id=email_id))
