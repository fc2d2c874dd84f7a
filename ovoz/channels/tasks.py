from __future__ import annotations

from django_tasks import task


@task()
def send_outbound(*, message_id: int) -> None:
    """Hand one queued reply to its gateway (idempotent: a sent message is never sent again)."""
    from ovoz.channels.services import outbound_send

    outbound_send(message_id=message_id)
