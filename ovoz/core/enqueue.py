"""Enqueue a task so that it runs only if the transaction that asked for it commits.

With the database task backend the task's row is written in the caller's transaction: it commits or
rolls back with the data it is about (no task is lost if the process dies between the commit and the
enqueue), and the request pays for one commit instead of two. Other backends (RQ on Redis, the
immediate backend of the tests) cannot join the transaction, so they are enqueued after it commits.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tasks.base import Task
from django_tasks_db import DatabaseBackend


def enqueue_with_commit(task: Task[Any, Any], **kwargs: Any) -> None:
    """``task.enqueue(**kwargs)`` once the current transaction commits (now, outside one)."""
    if isinstance(task.get_backend(), DatabaseBackend) and transaction.get_connection().in_atomic_block:
        task.enqueue(**kwargs)
    else:
        transaction.on_commit(lambda: task.enqueue(**kwargs))


def enqueue_after(task: Task[Any, Any], delay: timedelta, **kwargs: Any) -> None:
    """``task.enqueue(**kwargs)`` to start no earlier than ``delay`` from now, where the backend can defer
    a task; the immediate backend of the tests cannot, and runs it at once."""
    if task.get_backend().supports_defer:
        task = task.using(run_after=timezone.now() + delay)
    task.enqueue(**kwargs)
