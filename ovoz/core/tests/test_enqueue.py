"""A task asked for inside a transaction runs only if that transaction commits, whatever the backend."""

import pytest
from django.db import transaction
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from ovoz.channels.tasks import send_outbound
from ovoz.core.enqueue import enqueue_with_commit

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
