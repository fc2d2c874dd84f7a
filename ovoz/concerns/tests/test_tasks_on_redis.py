"""Tasks on the scale-out backend: RQ on a real Redis, with a separate worker process."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
REDIS_URL = os.environ.get("OVOZ_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

SCRIPT = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from ovoz.accounts.models import User
from ovoz.concerns import services
from ovoz.concerns.choices import Channel, Status
from ovoz.concerns.contacts import contact_parse
staff = User.objects.create(username="facilitator")
concern = services.concern_submit(
    text="Нет газа", channel=Channel.WEB, language="ru", contact=contact_parse(email="resident@example.org")
).concern
services.concern_change_status(actor=staff, concern=concern, status=Status.ACCEPTED, note="Газовая служба уведомлена")
"""


def _redis_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def test_a_status_note_is_mailed_by_an_rq_worker(tmp_path):
    if not _redis_available():
        if os.environ.get("CI") == "true":
            pytest.fail("Redis is not running on 127.0.0.1:6379")
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("OVOZ_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="ovoz.settings",
        OVOZ_VAR_DIR=str(tmp_path),
        OVOZ_REDIS_URL=REDIS_URL,
        OVOZ_DATABASE_URL=f"sqlite:///{tmp_path / 'ovoz.sqlite3'}",
    )
    subprocess.run([sys.executable, "-c", SCRIPT], env=env, cwd=ROOT, check=True, timeout=120)
    assert not (tmp_path / "mail").exists()  # queued in Redis, not sent in the request

    worker = [sys.executable, "-m", "ovoz", "rqworker", "--burst", "--job-class", "django_tasks_rq.Job", "default"]
    subprocess.run(worker, env=env, cwd=ROOT, check=True, timeout=120, capture_output=True)
    messages = list((tmp_path / "mail").glob("*.log"))
    assert len(messages) == 1
    import email

    raw = messages[0].read_text(encoding="utf-8").split("\n" + "-" * 79)[0]
    message = email.message_from_string(raw)
    assert message["To"] == "resident@example.org"
    text = message.get_payload()  # 8bit UTF-8 text, as the file backend writes it
    assert "Газовая служба уведомлена" in text  # the note, in the concern's language
    assert "/ru/follow/" in text
