"""Background work for insights: thin tasks that take ids and call a function (CONVENTIONS)."""

from __future__ import annotations

from django_tasks import task

from ovoz.core.failures import without_exception_text
from ovoz.insights import proposals


@task()
@without_exception_text("propose_duplicates_failed")
def propose_duplicates(*, concern_id: int) -> int:
    """Propose to staff the recent concerns of its area that may be the same incident as this one."""
    return proposals.duplicates_propose(concern_id=concern_id)
