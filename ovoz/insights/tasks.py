"""Background work for insights: thin tasks that take ids and call a service (CONVENTIONS)."""

from __future__ import annotations

from django_tasks import task

from ovoz.core.failures import without_exception_text
from ovoz.insights import suggestions


@task()
@without_exception_text("suggest_themes_failed")
def suggest_themes(*, concern_id: int) -> int:
    """Suggest up to three themes for a new concern from its stored text; returns how many."""
    return len(suggestions.concern_themes_suggest(concern_id=concern_id))
