"""Proposing duplicates in the product: a new concern compared with recent ones of its area.

Runs in the task worker, in the batch that follows up every new concern (``followup``, started
after intake's commit through the ``concern_received`` signal): the model never runs on a request.
Confidential concerns are skipped, both as the new concern and as candidates: their words are sealed
to their recipients and no task can read them (and none should keep anything derived from them).
What is stored is only the pair's ids and score (``concerns.DuplicateProposal``); nothing of the texts, no embedding.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from ovoz.concerns import selectors, services
from ovoz.concerns.choices import Visibility
from ovoz.concerns.models import Concern
from ovoz.insights import duplicates
from ovoz.insights.embedding import Embeddings, embed

# Compared with concerns of the same area received up to this many days before or after.
WINDOW_DAYS = 14
# At most this many of them, newest first: the embedding costs about a tenth of a second per text.
MAX_CANDIDATES = 40
# Embeddings a worker process keeps in memory, keyed by a digest of the text: a concern's text does
# not change, so each is embedded about once per process rather than once per neighbour. Never stored.
CACHE_SIZE = 5000

_cache: OrderedDict[bytes, Embeddings] = OrderedDict()
_cache_lock = threading.Lock()


def _embedded(texts: Sequence[str]) -> Embeddings:
    keys = [hashlib.blake2b(text.encode(), digest_size=16).digest() for text in texts]
    with _cache_lock:
        known = {key: _cache[key] for key in keys if key in _cache}
        for key in known:
            _cache.move_to_end(key)
    missing = [index for index, key in enumerate(keys) if key not in known]
    fresh = embed([texts[index] for index in missing])
    with _cache_lock:
        for offset, index in enumerate(missing):
            known[keys[index]] = _cache[keys[index]] = fresh[offset]
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return np.stack([known[key] for key in keys])


def duplicates_propose(*, concern_id: int) -> int:
    """Compare one concern with its area's recent concerns; record those above the threshold as
    proposals for staff. Idempotent. Returns how many proposals were added."""
    concern = Concern.objects.filter(pk=concern_id).first()
    if concern is None or concern.is_sealed or concern.visibility == Visibility.CONFIDENTIAL:
        return 0
    candidates = list(selectors.duplicate_candidates(concern=concern, days=WINDOW_DAYS, limit=MAX_CANDIDATES))
    if not candidates or not concern.text.strip():
        return 0
    rows = _embedded([concern.text, *(candidate.text for candidate in candidates)])
    new = duplicates.details(concern.text)
    scores = [
        (candidate.pk, duplicates.pair_score(float(rows[0] @ rows[index]), new, duplicates.details(candidate.text)))
        for index, candidate in enumerate(candidates, start=1)
    ]
    above = [(pk, score) for pk, score in scores if score >= duplicates.THRESHOLD]
    if not above:
        return 0
    return services.duplicate_proposals_record(concern=concern, candidates=above)
