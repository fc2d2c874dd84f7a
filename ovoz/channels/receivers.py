"""What channels does when concerns below it says so (``ovoz.concerns.signals``), connected in ``apps``."""

from __future__ import annotations

from typing import Any

from ovoz.channels.services import concern_channel_seal
from ovoz.concerns.models import Concern


def on_concern_sealed(*, concern_id: int, **_kwargs: Any) -> None:
    """A concern was made confidential: queued replies about it lose its words at once, in the sealing
    transaction (a security step: it must not wait for, or be lost with, a task queue)."""
    concern = Concern.objects.filter(pk=concern_id).first()
    if concern is not None:
        concern_channel_seal(concern=concern)
