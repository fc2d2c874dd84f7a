"""Background work for staff accounts: thin tasks that take ids and call a service (CONVENTIONS)."""

from __future__ import annotations

from django_tasks import task

from ovoz.accounts import notifications


@task()
def notify_recipient_change(*, change_id: int) -> int:
    """Tell every current recipient of confidential concerns that their list changed (or may change)."""
    return notifications.recipient_change_notify(change_id=change_id)
