"""`ovoz serve` queues again the tasks its worker claimed and never finished when that worker died."""

import pytest
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from ovoz.operations.worker import abandoned_tasks_requeue, worker_command, worker_id_for, worker_id_prefix

pytestmark = pytest.mark.django_db

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def task_result(status: TaskResultStatus, worker_ids: list[str]) -> DBTaskResult:
    return DBTaskResult.objects.create(
        status=status,
        args_kwargs={"args": [], "kwargs": {"message_id": 1}},
        task_path="ovoz.channels.tasks.send_outbound",
        backend_name="default",
        worker_ids=worker_ids,
        started_at=timezone.now() if status != TaskResultStatus.READY else None,
        run_after=timezone.now(),
    )


def test_tasks_a_dead_worker_left_running_are_queued_again_and_no_others(settings):
    settings.TASKS = DATABASE_TASKS
    ours = worker_id_for(8000)
    abandoned = task_result(TaskResultStatus.RUNNING, ["serve-other-8000-1-aa", ours])  # retried once, by us
    elsewhere = task_result(TaskResultStatus.RUNNING, [ours, "serve-other-8000-1-aa"])  # now another's
    other_port = task_result(TaskResultStatus.RUNNING, [worker_id_for(8001)])  # another server's, still running
    finished = task_result(TaskResultStatus.SUCCESSFUL, [ours])

    assert abandoned_tasks_requeue(worker_id_prefix=worker_id_prefix(8000)) == 1

    abandoned.refresh_from_db()
    assert (abandoned.status, abandoned.started_at) == (TaskResultStatus.READY, None)
    assert DBTaskResult.objects.ready().filter(pk=abandoned.pk).exists()  # a worker will take it
    assert DBTaskResult.objects.get(pk=elsewhere.pk).status == TaskResultStatus.RUNNING
    assert DBTaskResult.objects.get(pk=other_port.pk).status == TaskResultStatus.RUNNING
    assert DBTaskResult.objects.get(pk=finished.pk).status == TaskResultStatus.SUCCESSFUL


def test_a_task_left_by_the_worker_of_an_earlier_server_on_the_same_port_is_queued_again(settings):
    settings.TASKS = DATABASE_TASKS
    earlier = task_result(TaskResultStatus.RUNNING, [worker_id_for(8000)])

    assert abandoned_tasks_requeue(worker_id_prefix=worker_id_prefix(8000)) == 1
    assert DBTaskResult.objects.get(pk=earlier.pk).status == TaskResultStatus.READY


def test_every_start_gets_a_new_worker_id_that_the_database_worker_accepts():
    ids = {worker_id_for(8000) for _ in range(50)}
    assert len(ids) == 50
    assert all(worker_id.startswith(worker_id_prefix(8000)) and len(worker_id) <= 64 for worker_id in ids)


def test_the_database_worker_runs_under_the_servers_id_and_rq_is_left_to_rq(settings):
    settings.TASKS = DATABASE_TASKS
    worker_id = worker_id_for(8000)
    assert worker_command(worker_id)[-2:] == ["--worker-id", worker_id]
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    task_result(TaskResultStatus.RUNNING, [worker_id])
    assert worker_command(worker_id)[0] == "rqworker"
    assert abandoned_tasks_requeue(worker_id_prefix=worker_id_prefix(8000)) == 0
