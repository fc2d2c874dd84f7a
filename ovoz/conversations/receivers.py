"""What the conversation layer does when concerns below it says so (``ovoz.concerns.signals``)."""

from __future__ import annotations

from typing import Any

from ovoz.conversations import tasks
from ovoz.core.enqueue import enqueue_with_commit


def on_reporter_event(*, event_id: int, **_kwargs: Any) -> None:
    """An event the reporter may read was recorded: tell them once it is committed (a rolled-back
    event tells nobody), by a task that takes the event's id only."""
    enqueue_with_commit(tasks.notify_reporter, event_id=event_id)
