"""E-mail to reporters (issue 12.5): a refused address is kept nowhere (no task result, no log line, no
file), a failed e-mail is tried again with backoff and then recorded without the address, and no
e-mail is ever sent twice. Run through the database task backend, as the embedded deployment does."""

import smtplib
from unittest import mock

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from ovoz.accounts.tests.factories import UserFactory
from ovoz.concerns import services
from ovoz.concerns.choices import Channel, Status
from ovoz.concerns.contacts import contact_parse
from ovoz.core.models import AuditEntry
from ovoz.testing.canary import canary, captured_logs, database_dump_text, files_containing

pytestmark = pytest.mark.django_db

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


class RefusingBackend(BaseEmailBackend):
    """A relay that refuses every recipient, quoting the address as real relays do."""

    code = 550

    def send_messages(self, email_messages):
        for message in email_messages:
            raise smtplib.SMTPRecipientsRefused(
                {
                    recipient: (self.code, f"5.1.1 <{recipient}>: Recipient address rejected".encode())
                    for recipient in message.recipients()
                }
            )
        return 0


class GreylistingBackend(RefusingBackend):
    code = 451


@pytest.fixture
def database_tasks(settings, tmp_path):
    """The database task backend, and mail files (if any were written) in a folder of this test."""
    settings.TASKS = DATABASE_TASKS
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


def run_ready_tasks() -> None:
    """What `ovoz serve`'s worker does, in this process: run every task that is due, then stop."""
    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    # The worker checks its connection between tasks; inside the test's transaction it must keep it.
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        worker.run()


def concern_with_email(address: str):
    return services.concern_submit(
        text="The water pipe burst", channel=Channel.WEB, contact=contact_parse(email=address)
    ).concern


def status_changed(concern, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.concern_change_status(
            actor=UserFactory(username="facilitator", with_totp=False),
            concern=concern,
            status=Status.ACCEPTED,
            note="We will discuss it at the meeting",
        )


def address_canary() -> str:
    return f"{canary('reporter')}@example.org"


def _email_tasks():
    """The task results of the e-mails (each intake and status change also schedules the rollups' drain)."""
    return DBTaskResult.objects.exclude(task_path="ovoz.concerns.tasks.drain_rollups")


def test_a_refused_address_is_in_no_task_result_log_line_or_file(
    settings, database_tasks, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    address = address_canary()
    concern = concern_with_email(address)
    with captured_logs() as logs:
        status_changed(concern, django_capture_on_commit_callbacks)
        run_ready_tasks()

    results = list(_email_tasks().all())
    assert results and all(result.status == TaskResultStatus.SUCCESSFUL for result in results)
    assert address not in database_dump_text()
    assert address not in logs.text
    assert not files_containing(database_tasks, address)
    # What happened is recorded, by code and class only, and a permanent (5xx) refusal is not retried.
    from ovoz.concerns.models import ReporterEmail

    email = ReporterEmail.objects.get()
    assert (email.state, email.attempts, email.failure) == ("failed", 1, "recipient_refused (SMTPRecipientsRefused)")
    assert not _email_tasks().filter(status=TaskResultStatus.READY).exists()
    entry = AuditEntry.objects.get(action="concern.email_failed")
    assert (entry.object_id, entry.data) == (str(concern.pk), {"attempts": 1, "failure": "recipient_refused"})


def test_a_failed_email_is_tried_again_after_1_5_30_and_120_minutes_then_recorded_without_the_address(
    settings, database_tasks, django_capture_on_commit_callbacks
):
    from ovoz.concerns.models import ReporterEmail

    settings.EMAIL_BACKEND = f"{__name__}.GreylistingBackend"
    address = address_canary()
    concern = concern_with_email(address)
    delays = []
    with captured_logs() as logs:
        status_changed(concern, django_capture_on_commit_callbacks)
        run_ready_tasks()
        for _attempt in range(10):
            retry = _email_tasks().filter(status=TaskResultStatus.READY).first()
            if retry is None:
                break
            assert retry.task_path == "ovoz.conversations.tasks.send_reporter_email"
            delays.append(round((retry.run_after - retry.enqueued_at).total_seconds() / 60))
            DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())  # time passes
            run_ready_tasks()

    assert delays == [1, 5, 30, 120]
    email = ReporterEmail.objects.get()
    assert (email.state, email.attempts, email.failure) == ("failed", 5, "recipient_refused (SMTPRecipientsRefused)")
    assert AuditEntry.objects.filter(action="concern.email_failed").count() == 1
    assert address not in database_dump_text()
    assert address not in logs.text
    assert not files_containing(database_tasks, address)


def test_an_email_that_got_through_on_a_retry_is_never_sent_again(settings, django_capture_on_commit_callbacks):
    from ovoz.concerns.models import ReporterEmail
    from ovoz.conversations import notices

    settings.EMAIL_BACKEND = f"{__name__}.GreylistingBackend"
    settings.TASKS = DATABASE_TASKS
    concern = concern_with_email("resident@example.org")
    status_changed(concern, django_capture_on_commit_callbacks)
    run_ready_tasks()
    email = ReporterEmail.objects.get()
    assert (email.state, email.attempts) == ("queued", 1)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    DBTaskResult.objects.filter(status=TaskResultStatus.READY).update(run_after=timezone.now())
    run_ready_tasks()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["resident@example.org"]
    email.refresh_from_db()
    assert (email.state, email.attempts, email.failure) == ("sent", 2, "")

    # The retry task run again, or the whole notification queued again: nothing more goes out.
    assert notices.reporter_email_send(email_id=email.pk) == "sent"
    assert notices.reporter_notify(event_id=email.event_id) is False
    assert len(mail.outbox) == 1 and ReporterEmail.objects.count() == 1


def test_an_email_whose_worker_died_while_handing_it_over_is_not_sent_again(settings):
    from ovoz.concerns.models import ReporterEmail
    from ovoz.conversations import notices

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    concern = concern_with_email("resident@example.org")
    services.concern_change_status(
        actor=UserFactory(username="facilitator", with_totp=False), concern=concern, status=Status.ACCEPTED
    )  # its notification is not run: the test plays the worker that died
    event = concern.events.latest("pk")
    email = ReporterEmail.objects.create(event=event, concern=concern, state="sending", attempts=1)

    assert notices.reporter_email_send(email_id=email.pk) == "uncertain"
    assert mail.outbox == []
    assert AuditEntry.objects.filter(action="concern.email_uncertain", object_id=str(concern.pk)).exists()


def test_an_email_whose_contact_was_erased_meanwhile_is_not_sent_and_its_record_goes_with_the_contact(
    settings, django_capture_on_commit_callbacks
):
    from ovoz.concerns.models import ReporterEmail

    settings.EMAIL_BACKEND = f"{__name__}.GreylistingBackend"
    concern = concern_with_email("resident@example.org")
    settings.TASKS = DATABASE_TASKS
    status_changed(concern, django_capture_on_commit_callbacks)
    run_ready_tasks()
    assert ReporterEmail.objects.get().state == "queued"  # a retry is due in a minute

    services.concern_contact_erase(concern_ids=[concern.pk])  # retention, meanwhile
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    DBTaskResult.objects.filter(status=TaskResultStatus.READY).update(run_after=timezone.now())
    run_ready_tasks()

    assert mail.outbox == [] and not ReporterEmail.objects.exists()
    assert DBTaskResult.objects.filter(status=TaskResultStatus.FAILED).count() == 0


def test_a_task_that_fails_unexpectedly_stores_and_logs_its_failure_without_its_text(
    settings, database_tasks, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    address = address_canary()
    concern = concern_with_email(address)
    with (
        captured_logs() as logs,
        mock.patch("ovoz.conversations.notices.render_to_string", side_effect=ValueError(f"cannot write to {address}")),
    ):
        status_changed(concern, django_capture_on_commit_callbacks)
        run_ready_tasks()

    failed = DBTaskResult.objects.get(status=TaskResultStatus.FAILED)
    assert failed.exception_class_path == "ovoz.core.failures.SanitisedFailure"
    assert failed.traceback.rstrip().endswith("SanitisedFailure: notify_reporter_failed (ValueError)")
    assert "ValueError" in logs.text  # the failure is logged, by its class
    assert address not in database_dump_text()
    assert address not in logs.text
