"""Enqueue a task so that it runs only if the transaction that asked for it commits.

With the database task backend the task's row is written in the caller's transaction: it commits or
rolls back with the data it is about (no task is lost if the process dies between the commit and the
enqueue), and the request pays for one commit instead of two. Other backends (RQ on Redis, the
immediate backend of the tests) cannot join the transaction, so they are enqueued after it commits.
"""

from __future__ import annotations

import math
import time
from datetime import timedelta
from typing import Any

from django.core.cache import cache
from django.core.signals import setting_changed
from django.db import transaction
from django.dispatch import receiver
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


# When this process last enqueued each throttled task (``enqueue_soon_once``), by its key.
_ENQUEUED_AT: dict[str, float] = {}


def enqueue_soon_once(task: Task[Any, Any], *, key: str, delay: timedelta) -> None:
    """Enqueue ``task`` to start ``delay`` from now, unless one enqueued here under ``key`` has not
    started yet: whatever was committed before this call is taken by a run that starts after it, and a
    burst of calls costs one run. Asked first of this process's memory (no cache round trip on the
    intake path: issue 13.5), then of the cache that every process shares. A backend that cannot delay
    a task (the immediate one of the tests) runs it at once, every time.
    """
    seconds = delay.total_seconds()
    if time.monotonic() - _ENQUEUED_AT.get(key, -math.inf) < seconds:
        return  # enqueued by this process, to start later than now (only a deferring backend leaves a mark)
    if not task.get_backend().supports_defer:
        task.enqueue()
        return
    if not cache.add(key, 1, timeout=seconds):
        return  # by another process, just as late
    _ENQUEUED_AT[key] = time.monotonic()  # before the start is computed, so the start is later still
    task.using(run_after=timezone.now() + delay).enqueue()


@receiver(setting_changed)
def _forget_enqueued(*, setting: str, **kwargs: Any) -> None:
    """Another task backend or cache (the tests switch them) knows nothing of this process's marks."""
    if setting in {"TASKS", "CACHES"}:
        _ENQUEUED_AT.clear()
