"""What insights does when concerns tells it something (ovoz.concerns.signals), connected at start."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.dispatch import receiver

from ovoz.concerns.signals import concern_received, concern_triaged
from ovoz.insights import followup, suggestions

logger = logging.getLogger(__name__)


@receiver(concern_received, dispatch_uid="insights_suggest_themes")
def suggest_themes_on_intake(
    sender: object, *, concern_id: int, confidential_text: str | None = None, **kwargs: Any
) -> None:
    """A new concern gets theme suggestions (and duplicate proposals): in the task worker from its stored
    text, in the batch that takes every pending concern (``followup``), or, for a confidential one, here
    and now from its words in memory (they are sealed when intake commits)."""
    if confidential_text is None:
        transaction.on_commit(followup.followup_soon, robust=True)
        return
    try:
        with transaction.atomic():  # a failure here costs the suggestion, never the reporter's concern
            suggestions.sealed_concern_themes_suggest(concern_id=concern_id, text=confidential_text)
    except Exception as error:
        # The class only: a message could quote the words.
        logger.warning("sealed_suggestion_failed concern=%s error=%s", concern_id, type(error).__name__)


@receiver(concern_triaged, dispatch_uid="insights_labelled_examples")
def learn_from_triage(sender: object, *, concern_id: int, changed: tuple[str, ...] = (), **kwargs: Any) -> None:
    """The themes staff chose become a labelled example; a concern made confidential stops being one."""
    if {"themes", "visibility"} & set(changed):
        suggestions.labelled_example_record(concern_id=concern_id)
