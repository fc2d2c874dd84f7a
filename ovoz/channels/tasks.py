from __future__ import annotations

from django_tasks import task

from ovoz.core.failures import without_exception_text


@task()
@without_exception_text("send_outbound_failed")
def send_outbound(*, message_id: int) -> None:
    """Hand one queued reply to its gateway (idempotent: a sent message is never sent again)."""
    from ovoz.channels.services import outbound_send

    outbound_send(message_id=message_id)
