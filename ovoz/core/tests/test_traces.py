"""Traces nobody reads but a thief of the disk (issue 12.5): exception text in logs, mail files, task
results, and the modes of everything under var/."""

import json
import logging
import os
import smtplib
import subprocess
import sys
import time
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from ovoz.core.models import AuditEntry
from ovoz.operations.retention import retention_apply
from ovoz.testing.canary import canary

ROOT = Path(__file__).resolve().parents[2].parent


def _refusal(address: str) -> Exception:
    """A relay's refusal of the address, and the error raised while handling it, both naming it."""
    try:
        try:
            raise smtplib.SMTPRecipientsRefused({address: (550, f"<{address}>: Recipient address rejected".encode())})
        except smtplib.SMTPRecipientsRefused as refusal:
            raise RuntimeError(f"could not notify {address}") from refusal
    except RuntimeError as error:
        return error


def test_the_console_log_prints_an_exceptions_traceback_and_class_but_never_its_message():
    address = f"{canary('reporter')}@example.org"
    console = next(handler for handler in logging.getLogger().handlers if handler.get_name() == "console")
    error = _refusal(address)
    record = logging.LogRecord(
        "ovoz.test", logging.ERROR, __file__, 1, "Sending failed", None, (type(error), error, None)
    )

    assert console.filter(record)
    printed = console.format(record)

    assert address not in printed
    assert "smtplib.SMTPRecipientsRefused: [message withheld]" in printed
    assert "builtins.RuntimeError: [message withheld]" in printed
    assert "in _refusal" in printed and "raise RuntimeError" in printed  # where it happened stays
    assert "Sending failed" in printed


def test_a_mail_backend_that_keeps_mail_on_the_server_is_an_error_in_production(settings):
    settings.IS_PRODUCTION = True
    for backend in (
        "ovoz.core.mail.OwnerOnlyFileBackend",
        "django.core.mail.backends.filebased.EmailBackend",
        "django.core.mail.backends.console.EmailBackend",
    ):
        settings.EMAIL_BACKEND = backend
        assert "ovoz.E002" in [message.id for message in run_checks()], backend
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    assert "ovoz.E002" not in [message.id for message in run_checks()]
    settings.IS_PRODUCTION = False
    settings.EMAIL_BACKEND = "ovoz.core.mail.OwnerOnlyFileBackend"
    assert "ovoz.E002" not in [message.id for message in run_checks()]


def _task_result(*, status: TaskResultStatus, finished_days_ago: float | None) -> DBTaskResult:
    finished_at = None if finished_days_ago is None else timezone.now() - timedelta(days=finished_days_ago)
    return DBTaskResult.objects.create(
        status=status,
        args_kwargs={"args": [], "kwargs": {"event_id": 1}},
        task_path="ovoz.concerns.tasks.notify_reporter",
        backend_name="default",
        run_after=timezone.now() - timedelta(days=30),
        finished_at=finished_at,
        traceback="Traceback ..." if status == TaskResultStatus.FAILED else "",
    )


@pytest.mark.django_db
def test_retention_deletes_task_results_and_mail_files_after_their_days(settings, tmp_path):
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    settings.EMAIL_FILE_PATH.mkdir()
    settings.OVOZ_TASK_RESULT_DAYS = 7
    settings.OVOZ_MAIL_FILE_DAYS = 7
    old_success = _task_result(status=TaskResultStatus.SUCCESSFUL, finished_days_ago=8)
    old_failure = _task_result(status=TaskResultStatus.FAILED, finished_days_ago=30)
    recent = _task_result(status=TaskResultStatus.FAILED, finished_days_ago=6)
    waiting = _task_result(status=TaskResultStatus.READY, finished_days_ago=None)
    old_mail, new_mail, other = (settings.EMAIL_FILE_PATH / name for name in ("old.log", "new.log", "notes.txt"))
    for path in (old_mail, new_mail, other):
        path.write_text("To: resident@example.org\n")
    eight_days_ago = time.time() - 8 * 86400
    for path in (old_mail, other):
        os.utime(path, (eight_days_ago, eight_days_ago))

    dry = retention_apply(dry_run=True)
    assert (dry.task_results, dry.mail_files) == (2, 1)
    assert DBTaskResult.objects.count() == 4 and old_mail.exists()

    report = retention_apply()

    assert (report.task_results, report.mail_files) == (2, 1)
    assert set(DBTaskResult.objects.values_list("pk", flat=True)) == {recent.pk, waiting.pk}
    assert not DBTaskResult.objects.filter(pk__in=[old_success.pk, old_failure.pk]).exists()
    assert not old_mail.exists() and new_mail.exists() and other.exists()
    entry = AuditEntry.objects.get(action="retention.applied")
    assert (entry.data["task_results"], entry.data["mail_files"]) == (2, 1)
    output = StringIO()
    call_command("apply_retention", stdout=output)
    assert (
        output.getvalue()
        .rstrip()
        .endswith("0 task results; 0 mail files; 0 expired sessions; 0 half-answered channel surveys; 0 survey drafts.")
    )


# In a fresh interpreter with a permissive umask and a var/ an older version left readable: the app
# creates and touches everything it keeps there, then lists the modes.
PERMISSIONS_PROBE = """
import json, os, sys
os.umask(0o022)
import django
django.setup()
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.db import connection
from ovoz.core.crypto import data_key

data_key()
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE probe (x TEXT)")
    cursor.execute("INSERT INTO probe VALUES ('x')")
send_mail("Subject", "Body", None, ["resident@example.org"])
default_storage.save("attachments/2026/photo.jpg", ContentFile(b"jpeg"))
var = settings.VAR_DIR
modes = {}
for directory, subdirectories, names in os.walk(var):
    for name in subdirectories + names:
        path = os.path.join(directory, name)
        kind = "directory" if os.path.isdir(path) else "file"
        modes[os.path.relpath(path, var)] = [kind, oct(os.stat(path).st_mode & 0o777)]
modes["."] = ["directory", oct(os.stat(var).st_mode & 0o777)]
print(json.dumps(modes))
"""


def test_everything_the_app_keeps_under_var_is_for_its_own_user_only(tmp_path):
    var = tmp_path / "var"
    var.mkdir(mode=0o755)
    var.chmod(0o755)
    legacy = var / "ovoz.sqlite3"
    legacy.touch()
    legacy.chmod(0o644)  # an empty file is an empty SQLite database, as older versions left it
    env = {key: value for key, value in os.environ.items() if not key.startswith(("OVOZ_", "DJANGO_"))}
    env.update(DJANGO_SETTINGS_MODULE="ovoz.settings", OVOZ_VAR_DIR=str(var))
    result = subprocess.run(
        [sys.executable, "-c", PERMISSIONS_PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    modes = json.loads(result.stdout.splitlines()[-1])

    expected_files = {"secret_key", "data_key", "ovoz.sqlite3", "ovoz.sqlite3-wal", "ovoz.sqlite3-shm"}
    assert expected_files <= set(modes), modes
    assert any(path.startswith("mail/") for path in modes) and "media/attachments/2026/photo.jpg" in modes, modes
    for path, (kind, mode) in modes.items():
        assert mode == ("0o700" if kind == "directory" else "0o600"), (path, kind, mode)
