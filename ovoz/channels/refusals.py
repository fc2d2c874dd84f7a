"""What a refused webhook call leaves behind: at most one audit entry per channel, reason and hour.

Anyone can POST to ``/channels/.../<id>/``, and audit entries can never be deleted, so an entry per
refused call would let an anonymous client fill the log. The rule (docs/channels.md):

- an id that names no channel leaves nothing (a 404, no entry, no log line);
- a call to a channel that exists (a wrong signature, token or secret, or a deactivated channel or one
  of another kind) is counted in the cache, and only the first of each reason for that channel in each
  hour is written to the audit log, with how many of that kind the hour before counted.

The counters live in the shared cache (Redis when scaled out), so the bound holds across processes;
with the embedded per-process cache it holds per process.
"""

from __future__ import annotations

import time

from django.core.cache import cache

from ovoz.channels.models import Channel
from ovoz.core.events import AuditAction
from ovoz.core.services import audit_record

REFUSAL_WINDOW_SECONDS = 3600


def _counter_key(channel: Channel, reason: str, window: int) -> str:
    return f"ovoz:channel-refused:{channel.pk}:{reason}:{window}"


def refusal_record(*, channel: Channel, reason: str) -> bool:
    """Count one refused call to ``channel``; audit it only if it is the first of its reason this hour.

    Returns whether an audit entry was written. Nothing from the request is kept: no payload, no
    address, only the reason and counts.
    """
    window = int(time.time() // REFUSAL_WINDOW_SECONDS)
    key = _counter_key(channel, reason, window)
    # Kept for two windows, so that the next window's entry can say how many this one counted.
    if not cache.add(key, 1, timeout=2 * REFUSAL_WINDOW_SECONDS):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=2 * REFUSAL_WINDOW_SECONDS)
        return False
    previous = cache.get(_counter_key(channel, reason, window - 1))
    audit_record(
        action=AuditAction.CHANNEL_REFUSED,
        target=channel,
        data={
            "reason": reason,
            "window_seconds": REFUSAL_WINDOW_SECONDS,
            "refused_previous_window": previous if isinstance(previous, int) else 0,
        },
    )
    return True
