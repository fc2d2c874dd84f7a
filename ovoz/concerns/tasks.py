"""Background work for concerns: thin tasks that take ids and call services (CONVENTIONS).

A task's failure is stored by the task backend with its traceback: ``without_exception_text`` lets
out only a code and an exception class, never a message. (The reporter's notices are the conversation
layer's tasks: ``ovoz.conversations.tasks``.)
"""

from __future__ import annotations

from django_tasks import task

from ovoz.core.failures import without_exception_text


@task()
@without_exception_text("drain_rollups_failed")
def drain_rollups() -> int:
    """Add the rollup deltas committed so far to the rollups (idempotent: each is added once)."""
    from ovoz.concerns.services.rollups import rollups_drain  # services import this module

    return rollups_drain()
