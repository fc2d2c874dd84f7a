"""A task asked for inside a transaction runs only if that transaction commits, whatever the backend."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ovoz.channels.tasks import send_outbound
from ovoz.concerns.services import rollups
from ovoz.concerns.tasks import drain_rollups
from ovoz.core.enqueue import enqueue_soon_once, enqueue_with_commit

pytestmark = pytest.mark.django_db(transaction=True)

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


class _Abandon(Exception):
    pass


@override_settings(TASKS=DATABASE_TASKS)
def test_on_the_database_backend_the_task_row_is_written_in_the_callers_transaction():
    with transaction.atomic():
        enqueue_with_commit(send_outbound, message_id=41)
        assert DBTaskResult.objects.count() == 1  # in this transaction already: one commit for both

    with pytest.raises(_Abandon), transaction.atomic():
        enqueue_with_commit(send_outbound, message_id=42)
        raise _Abandon

    assert [result.args_kwargs["kwargs"] for result in DBTaskResult.objects.all()] == [{"message_id": 41}]


def test_on_a_backend_outside_the_database_the_task_waits_for_the_commit():
    # The tests' immediate backend stands for RQ on Redis: neither can join the database transaction.
    with pytest.raises(_Abandon), transaction.atomic():
        enqueue_with_commit(send_outbound, message_id=43)
        assert len(transaction.get_connection().run_on_commit) == 1  # waiting for the commit
        assert DBTaskResult.objects.count() == 0
        raise _Abandon  # rolled back: the task never runs
    assert transaction.get_connection().run_on_commit == []


def test_a_throttled_task_is_enqueued_once_per_delay_and_starts_after_every_call(settings, monkeypatch):
    settings.TASKS = DATABASE_TASKS
    before = timezone.now()
    for _call in range(5):  # a burst of intakes in one process
        enqueue_soon_once(drain_rollups, key="test-throttled", delay=timedelta(seconds=30))
    last_call = timezone.now()
    (result,) = DBTaskResult.objects.all()
    assert result.run_after >= last_call  # so it takes whatever the last call's caller committed
    assert result.run_after >= before + timedelta(seconds=30)

    # The tests' immediate backend runs it at once, every time: the database backend's mark is forgotten.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    ran: list[int] = []

    def drain() -> int:
        ran.append(1)
        return 0

    monkeypatch.setattr(rollups, "rollups_drain", drain)
    enqueue_soon_once(drain_rollups, key="test-throttled", delay=timedelta(seconds=30))
    enqueue_soon_once(drain_rollups, key="test-throttled", delay=timedelta(seconds=30))
    assert len(ran) == 2
