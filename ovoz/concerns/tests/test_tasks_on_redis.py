"""Tasks on the scale-out backend: RQ on a real Redis, with a separate worker process."""

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # a migrated database and an RQ worker in their own processes

ROOT = Path(__file__).resolve().parents[3]
REDIS_URL = os.environ.get("OVOZ_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

SCRIPT = """
import django
django.setup()
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


def _environment(folder: Path, **settings: str) -> dict[str, str]:
    """Ovoz's embedded settings with its data (SQLite) in ``folder``, none of this process's OVOZ_ settings."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("OVOZ_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="ovoz.settings",
        OVOZ_VAR_DIR=str(folder),
        OVOZ_DATABASE_URL=f"sqlite:///{folder / 'ovoz.sqlite3'}",
        **settings,
    )
    return env


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database, made once for the module: each test works on its own copy."""
    folder = tmp_path_factory.mktemp("migrated")
    command = [sys.executable, "-m", "ovoz", "migrate", "-v", "0"]
    subprocess.run(command, env=_environment(folder), cwd=ROOT, check=True, timeout=120)
    return folder / "ovoz.sqlite3"


def _redis_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def test_a_status_note_is_mailed_by_an_rq_worker(tmp_path, migrated):
    if not _redis_available():
        if os.environ.get("CI") == "true":
            pytest.fail("Redis is not running on 127.0.0.1:6379")
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    env = _environment(tmp_path, OVOZ_REDIS_URL=REDIS_URL)
    shutil.copy(migrated, tmp_path / "ovoz.sqlite3")
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


class GreylistingRelay:
    """An SMTP relay on 127.0.0.1 that refuses every recipient for now (451), naming the address."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.refused: list[str] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _address = self.server.accept()
            except OSError:
                return
            with connection, connection.makefile("rb") as lines:
                connection.sendall(b"220 relay.example.org ESMTP\r\n")
                for line in lines:
                    command = line.decode().strip()
                    verb = command.split(" ", 1)[0].split(":", 1)[0].upper()
                    if verb == "EHLO":
                        connection.sendall(b"250-relay.example.org\r\n250 8BITMIME\r\n")
                    elif verb == "RCPT":
                        address = command.split("<", 1)[1].split(">", 1)[0]
                        self.refused.append(address)
                        connection.sendall(f"451 4.7.1 <{address}>: greylisted, try later\r\n".encode())
                    elif verb == "QUIT":
                        connection.sendall(b"221 bye\r\n")
                        break
                    else:
                        connection.sendall(b"250 OK\r\n")

    def close(self) -> None:
        self.server.close()


def test_a_refused_address_stays_out_of_redis_and_the_rq_workers_output_and_the_retry_is_scheduled(tmp_path, migrated):
    if not _redis_available():
        if os.environ.get("CI") == "true":
            pytest.fail("Redis is not running on 127.0.0.1:6379")
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    import redis

    redis_url = REDIS_URL.rsplit("/", 1)[0] + "/14"  # its own database: the test above empties 15
    store = redis.Redis.from_url(redis_url)
    store.flushdb()
    relay = GreylistingRelay()
    address = f"resident-{os.getpid()}-{tmp_path.name[-12:]}@example.org"
    env = _environment(tmp_path, OVOZ_REDIS_URL=redis_url, OVOZ_SMTP_URL=f"smtp://127.0.0.1:{relay.port}")
    shutil.copy(migrated, tmp_path / "ovoz.sqlite3")
    try:
        subprocess.run(
            [sys.executable, "-c", SCRIPT.replace("resident@example.org", address)],
            env=env,
            cwd=ROOT,
            check=True,
            timeout=120,
        )
        worker = [sys.executable, "-m", "ovoz", "rqworker", "--burst", "--job-class", "django_tasks_rq.Job", "default"]
        output = subprocess.run(worker, env=env, cwd=ROOT, check=True, timeout=120, capture_output=True, text=True)
    finally:
        relay.close()

    assert relay.refused == [address]  # the relay was asked, and refused
    assert address not in output.stdout + output.stderr
    stored = b""  # every value in the Redis database, as bytes
    for key in store.scan_iter():
        kind = store.type(key)
        if kind == b"string":
            value = store.get(key)
            stored += value if isinstance(value, bytes) else b""
        elif kind == b"hash":
            stored += b"".join(store.hgetall(key).values())
        elif kind == b"list":
            stored += b"".join(store.lrange(key, 0, -1))
        elif kind in (b"set", b"zset"):
            stored += b"".join(store.zrange(key, 0, -1) if kind == b"zset" else store.smembers(key))
    assert stored and address.encode() not in stored
    # The retry, a minute later (beside it, the rollups' drain that every intake schedules).
    scheduled = [
        store.hget(f"rq:job:{job.decode()}", "description") or b""
        for job in store.zrange("rq:scheduled:default", 0, -1)
    ]
    assert sum(b"send_reporter_email" in description for description in scheduled) == 1, scheduled
    with sqlite3.connect(tmp_path / "ovoz.sqlite3") as database:
        rows = database.execute("SELECT state, attempts, failure FROM concerns_reporteremail").fetchall()
    assert rows == [("queued", 1, "recipient_refused (SMTPRecipientsRefused)")]
