"""What the conversation layer does when concerns below it says so (``ovoz.concerns.signals``)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from ovoz.conversations import tasks


def on_reporter_event(*, event_id: int, **_kwargs: Any) -> None:
    """An event the reporter may read was recorded: tell them once it is committed (a rolled-back
    event tells nobody), by a task that takes the event's id only."""
    transaction.on_commit(lambda: tasks.notify_reporter.enqueue(event_id=event_id))
