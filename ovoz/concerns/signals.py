"""Signals concerns sends, so the apps above it can follow a concern without concerns importing them.

CONVENTIONS keep business steps explicit; these exist only where the next step belongs to a layer
above concerns (insights, ADR 0009), which concerns may not call. Receivers must be quick and must
not fail the sender's transaction for their own reasons.
"""

from __future__ import annotations

from django.dispatch import Signal

# A new concern was stored, inside intake's transaction. Arguments: ``concern_id`` and ``sealed_text``:
# for a confidential concern, whose words are sealed before the transaction ends, the text in memory,
# the only moment anything on the server can read it (None for every other concern, whose receivers
# read the stored text later). A receiver never stores, logs or enqueues ``sealed_text``.
concern_received = Signal()

# Staff triaged a concern (ovoz.concerns.services.triage.concern_triage), inside its transaction.
# Arguments: ``concern_id`` and ``changed``, the names of the fields that changed.
concern_triaged = Signal()
