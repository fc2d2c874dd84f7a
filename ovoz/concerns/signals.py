"""What concerns tells the apps above it, without importing them (docs/architecture.md, "Layers").

Concerns sits below channels, referrals and conversations, so it cannot call them. When something
recorded here must have an effect up there, the service sends one of these signals and the upper app
connects its receiver in its ``AppConfig.ready()``. Every payload holds ids and flags only, never a
reporter's words or contact, so nothing a receiver logs or queues can leak them; the one exception is
``concern_received``'s ``confidential_text`` (below, ADR 0011).

Signals are sent with ``send()`` inside the sender's transaction: a receiver that fails rolls the
whole write back. A receiver that queues work defers it with ``transaction.on_commit``; a receiver
that is a security step (taking a sealed concern's words out of queued replies) does it at once, in
the same transaction, so it cannot be lost to a task queue that is down.
"""

from __future__ import annotations

from django.dispatch import Signal

# A ConcernEvent the reporter may read (audience public or reporter) was recorded: a status change, a
# public note, a question, a reply or a merge. Keyword: ``event_id``. Conversations tells the reporter.
reporter_event_recorded = Signal()

# A concern was made confidential after intake and its words are now sealed. Keyword: ``concern_id``.
# Channels takes the words out of replies still queued for it, in the sender's transaction.
concern_sealed = Signal()

# The reporter answered on the report form whether a service that can help may receive their new
# confidential concern. Keywords: ``concern_id``, ``share`` and ``share_contact`` (booleans).
# Referrals records the consent, in the report's transaction.
intake_consent_given = Signal()


# A new concern was stored, inside intake's transaction. Arguments: ``concern_id`` and ``confidential_text``:
# for a confidential concern, whose words are sealed before the transaction ends, the text in memory,
# the only moment anything on the server can read it (None for every other concern, whose receivers
# read the stored text later). A receiver never stores, logs or enqueues ``confidential_text``.
concern_received = Signal()

# Staff triaged a concern (ovoz.concerns.services.triage.concern_triage), inside its transaction.
# Arguments: ``concern_id`` and ``changed``, the names of the fields that changed.
concern_triaged = Signal()
