"""Fault test: PostgreSQL restarts while 200 concerns arrive through the API of a real `ovoz serve`.

No client may hold a receipt without its concern; a failed request says so (5xx or a broken
connection) and its retry with the same Idempotency-Key then stores the concern exactly once.
"""

import json
import secrets
import subprocess
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.db import connection

from ovoz.concerns.models import Concern
from ovoz.concerns.receipts import receipt_hash
from ovoz.concerns.services import rollups_drain, themes_seed
from ovoz.concerns.tests.test_rollups import recount, rollups
from ovoz.core.crypto import keyed_hash
from ovoz.core.tests.servers import OvozServer, ovoz_environment

pytestmark = [pytest.mark.fault, pytest.mark.django_db(transaction=True)]

SUBMISSIONS = 200
# 150 submissions over 6 seconds with the restart 1.5 seconds in (PostgreSQL is down for a few of them),
# then 50 more once PostgreSQL accepts connections again.
DURING_RESTART = 150
SPACING_SECONDS = 0.04
RESTART_AFTER_SECONDS = 1.5
THEMES = ["water", "roads-transport", "fuel-energy", "prices", "public-services"]


@dataclass
class Submission:
    number: int
    key: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    started_at: float = 0.0
    status: int | None = None  # None: the connection failed
    receipt: str = ""

    @property
    def body(self) -> dict:
        return {
            "text": f"Submission {self.number}: the water pipe on our street burst again",
            "language": "en",
            "themes": [THEMES[self.number % len(THEMES)], THEMES[(self.number + 2) % len(THEMES)]],
        }


def post(url: str, body: dict, headers: dict[str, str] | None = None) -> tuple[int | None, dict]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, {}
    except OSError:  # refused, reset or cut off mid-answer
        return None, {}


def submit(server: OvozServer, submission: Submission) -> None:
    status, answer = post(f"{server.url}/api/v1/concerns", submission.body, {"Idempotency-Key": submission.key})
    submission.status, submission.receipt = status, answer.get("receipt", "")


def cluster() -> str:
    return sorted(path.name for path in Path("/etc/postgresql").iterdir())[0]


def postgresql_ready() -> bool:
    return subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"], check=False).returncode == 0


def postgresql_running_again(timeout: float = 60) -> None:
    """Start the cluster if it is down (every fault test leaves PostgreSQL running) and wait for it."""
    deadline = time.monotonic() + timeout
    if not postgresql_ready():
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", cluster(), "main", "start"], check=False, timeout=60
        )
    while not postgresql_ready():
        assert time.monotonic() < deadline, "PostgreSQL did not come back"
        time.sleep(0.1)


def test_postgresql_restarted_during_200_submissions_leaves_no_receipt_without_its_concern(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("restarts PostgreSQL: runs on the PostgreSQL test database")
    themes_seed()
    env = ovoz_environment(
        tmp_path,
        # Production settings: persistent connections (CONN_MAX_AGE) with health checks.
        OVOZ_ENV="production",
        OVOZ_SMTP_URL="smtp://127.0.0.1:1",  # production needs a relay (ovoz.E002); nothing is mailed here
        OVOZ_ALLOWED_HOSTS="127.0.0.1",
        OVOZ_SSL_REDIRECT="0",
        OVOZ_INTAKE_LIMIT="100000",
        OVOZ_FOLLOW_ATTEMPTS="100000",
        OVOZ_LOG_LEVEL="CRITICAL",
    )
    submissions = [Submission(number) for number in range(SUBMISSIONS)]
    restart: dict[str, float] = {}
    back = threading.Event()

    def restart_postgresql(start: float) -> None:
        """Restart the cluster (fast mode: sessions are cut, open transactions rolled back) and note when
        it went down and when it accepted connections again."""
        time.sleep(max(0.0, start + RESTART_AFTER_SECONDS - time.monotonic()))
        restart["began"] = time.monotonic()
        command = ["pg_ctlcluster", "--skip-systemctl-redirect", "--mode", "fast", cluster(), "main", "restart"]
        restarting = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 90
        while "back" not in restart and time.monotonic() < deadline:
            if not postgresql_ready():
                restart.setdefault("down", time.monotonic())
            elif "down" in restart or restarting.poll() is not None:
                restart["back"] = time.monotonic()
                back.set()
            time.sleep(0.05)
        restarting.wait(timeout=60)

    server = OvozServer(env, "--no-worker", "--no-scheduler", "--threads", "8")
    try:
        with server:
            start = time.monotonic()
            restarter = threading.Thread(target=restart_postgresql, args=(start,))
            restarter.start()

            def paced(submission: Submission) -> None:
                if submission.number < DURING_RESTART:
                    time.sleep(max(0.0, start + submission.number * SPACING_SECONDS - time.monotonic()))
                else:
                    back.wait(90)
                    time.sleep(0.3 + (submission.number - DURING_RESTART) * SPACING_SECONDS / 2)
                submission.started_at = time.monotonic()
                submit(server, submission)

            with ThreadPoolExecutor(max_workers=16) as pool:
                list(pool.map(paced, submissions))
            restarter.join(timeout=90)
            assert "down" in restart and "back" in restart, f"the restart was not seen: {restart}"

            # Every answer is a receipt, a server error or a broken connection: never a 2xx without a
            # receipt, never a 4xx for a good request.
            failed = [submission for submission in submissions if submission.status != 201]
            assert all(submission.receipt for submission in submissions if submission.status == 201)
            assert all(submission.status is None or submission.status >= 500 for submission in failed)
            # The restart really fell among the submissions ...
            assert failed, "no submission met the restart: it was too quick to test anything"
            assert any(submission.started_at < restart["began"] for submission in submissions)
            # ... and Django reconnected: everything sent once PostgreSQL answered again succeeded.
            after = [submission for submission in submissions if submission.started_at > restart["back"] + 0.2]
            assert len(after) >= SUBMISSIONS - DURING_RESTART
            assert all(submission.status == 201 for submission in after)

            # The failed ones, sent again with the same key, succeed; a third try answers the same receipt.
            for submission in failed:
                submit(server, submission)
                assert submission.status == 201, submission.status
                status, answer = post(
                    f"{server.url}/api/v1/concerns", submission.body, {"Idempotency-Key": submission.key}
                )
                assert (status, answer["receipt"]) == (201, submission.receipt)

            # Every receipt resolves for the reporter, through the server.
            for submission in submissions[::10] + failed:
                status, answer = post(f"{server.url}/api/v1/concerns/follow", {"receipt": submission.receipt})
                assert status == 200 and answer["status"] == "received"
    finally:
        server.stop()
        postgresql_running_again()
        connection.close()  # this process's connection did not survive the restart

    # Exactly one concern per submission, complete: its text, its themes, and the rollups agree.
    assert Concern.objects.count() == SUBMISSIONS
    for submission in submissions:
        concern = Concern.objects.prefetch_related("themes").get(receipt_hash=receipt_hash(submission.receipt))
        assert concern.text == submission.body["text"]
        assert sorted(theme.slug for theme in concern.themes.all()) == sorted(submission.body["themes"])
        assert concern.submission_hash == keyed_hash(f"api:{submission.key}", purpose="submission")
    # The intakes' rollup deltas, drained as a reader does first, add up to a recount: none lost or doubled.
    rollups_drain()
    assert rollups() == recount()
