"""Background work for insights: thin tasks that take ids and call a function (CONVENTIONS)."""

from __future__ import annotations

from django_tasks import task

from ovoz.core.failures import without_exception_text
from ovoz.insights import proposals, suggestions


@task()
@without_exception_text("propose_duplicates_failed")
def propose_duplicates(*, concern_id: int) -> int:
    """Propose to staff the recent concerns of its area that may be the same incident as this one."""
    return proposals.duplicates_propose(concern_id=concern_id)


@task()
@without_exception_text("suggest_themes_failed")
def suggest_themes(*, concern_id: int) -> int:
    """Suggest up to three themes for a new concern from its stored text; returns how many."""
    return len(suggestions.concern_themes_suggest(concern_id=concern_id))
