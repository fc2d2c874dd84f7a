"""What follows a new concern in the task worker: its language where intake left it (web, API, Open311),
theme suggestions and duplicate proposals, for every
concern intake received since the last run, in one batch task (issue 13.5).

Intake queues nothing per concern: it stores the concern with ``is_followup_pending`` set (in the same
row, so no extra statement and no extra commit), and ``followup_soon`` enqueues ``tasks.follow_up_received``
once per ``FOLLOWUP_DELAY_SECONDS`` per process, to start no earlier than that. Every concern committed
before a call is therefore taken by a task that starts after its commit. The work is idempotent (a
concern done twice gets the same suggestions and no second proposal), and a concern is marked done
only after its work ran, so a worker that dies mid-batch leaves it for the next run.

A sealed concern is never pending: its words are sealed to its recipients and no task can read them
(its themes were suggested at intake, in memory: ADR 0011; ``receivers``).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError

from ovoz.concerns import selectors, services
from ovoz.core.enqueue import enqueue_soon_once
from ovoz.insights import proposals, suggestions

logger = logging.getLogger(__name__)

# How long a new concern may wait for its follow-up after its commit (the task's start is delayed by this
# much, so that one task takes every concern committed meanwhile in this process).
FOLLOWUP_DELAY_SECONDS = 1
BATCH_SIZE = 100
_PENDING = "ovoz:insights-followup-pending"


def followup_soon() -> None:
    """Enqueue the follow-up task to start ``FOLLOWUP_DELAY_SECONDS`` from now, unless one enqueued so
    has not started yet (``enqueue_soon_once``)."""
    from ovoz.insights import tasks  # tasks import this module

    enqueue_soon_once(tasks.follow_up_received, key=_PENDING, delay=timedelta(seconds=FOLLOWUP_DELAY_SECONDS))


def received_concerns_follow_up(*, batch_size: int = BATCH_SIZE) -> int:
    """Suggest themes for, and propose duplicates of, every concern still pending; returns how many.

    One concern's failure costs that concern's suggestion or proposals (logged by exception class only:
    a message could quote its words), never the batch; a database failure stops the run and leaves the
    rest pending for the next one.
    """
    done = 0
    while True:
        concern_ids = selectors.concerns_followup_pending(limit=batch_size)
        # First the language intake left to this task (suggestions read it).
        services.concern_languages_detect(concern_ids=concern_ids)
        for concern_id in concern_ids:
            _follow_up(concern_id)
        services.concern_followup_done(concern_ids=concern_ids)
        done += len(concern_ids)
        if len(concern_ids) < batch_size:
            return done


def _follow_up(concern_id: int) -> None:
    try:
        suggestions.concern_themes_suggest(concern_id=concern_id)
    except DatabaseError:
        raise
    except Exception as error:
        logger.warning("followup_suggestion_failed concern=%s error=%s", concern_id, type(error).__name__)
    if not settings.OVOZ_DUPLICATE_PROPOSALS:
        return
    try:
        proposals.duplicates_propose(concern_id=concern_id)
    except DatabaseError:
        raise
    except Exception as error:
        logger.warning("followup_proposals_failed concern=%s error=%s", concern_id, type(error).__name__)
