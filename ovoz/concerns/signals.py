"""What concerns tell the apps above them, which they cannot import (DESIGN §2 Layout).

Receivers run inside the sender's transaction: anything slow is enqueued with
``transaction.on_commit``, never done in the request.
"""

from __future__ import annotations

from django.dispatch import Signal

# A new concern was stored (not a repeated submission). Sent inside intake's transaction with
# ``concern_id`` only: never its words, which for a confidential concern are sealed already.
concern_received = Signal()
