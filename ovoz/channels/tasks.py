"""Background work for channels: thin tasks that take ids and call a service (CONVENTIONS).

``outbound`` queues these tasks and this module calls ``outbound``: the two import each other at the
top, in the open (``from ovoz.channels import …`` resolves a module still being imported), and only
use each other's names when a task runs.
"""

from __future__ import annotations

from django_tasks import task

from ovoz.channels import outbound
from ovoz.core.failures import without_exception_text


@task()
@without_exception_text("send_outbound_failed")
def send_outbound(*, message_id: int) -> None:
    """Hand one queued reply to its gateway (idempotent: a sent message is never sent again)."""
    outbound.outbound_send(message_id=message_id)
