"""Migrations applied while Ovoz serves: a step of `make prod-check` (deploy/prodcheck.py).

With the two gunicorn instances up behind nginx, the database is first taken back to before the
newest migrations of a few apps (``ROLLBACK``: none of them takes away a table the intake uses), then
steady intake starts through nginx over HTTPS: the JSON API and a signed SMS gateway webhook, each a
few requests a second from its own thread, every request from a loopback source address of its own
every few requests (nginx passes it on as the client's address, so the intake rate limit counts as for
real clients). While it runs, ``ovoz migrate`` applies the migrations again, with a lock timeout
(PGOPTIONS), as an operator would. Then: no request may have failed, and every accepted report must be in the
database exactly once (none lost, none doubled), nothing more.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import ssl
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

# (app, the migration to go back to): the newest migrations of these apps are applied under load. Going
# back must not take a table the intake reads with it: surveys 0001 depends on groups 0006 and 0002 on
# channels 0004, and SMS intake asks surveys whether a message answers one, so groups and channels stay;
# surveys' agenda results, enumerators and web drafts (0005–0007) and insights' alerts are never on the intake
# path. concerns 0016 is on it: it changes the indexes of the table every intake writes, building them
# CONCURRENTLY on PostgreSQL while the reports below arrive.
ROLLBACK = [("insights", "0001"), ("surveys", "0004"), ("concerns", "0015")]
MARKER = "upgrade-under-load"
INTERVAL_SECONDS = 0.15  # per kind of request: about 13 requests a second in all
REQUESTS_PER_ADDRESS = 6  # below prod-check's OVOZ_INTAKE_LIMIT (8 in 10 minutes per client)


@dataclass
class Intake:
    """What one thread sent and what came back."""

    kind: str
    accepted: list[str] = field(default_factory=list)  # the texts of the reports answered 2xx
    failures: list[str] = field(default_factory=list)


def _connection(port: int, address: str) -> http.client.HTTPSConnection:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=30, source_address=(address, 0))


def _send(
    intake: Intake,
    *,
    port: int,
    path: str,
    request_for: Callable[[str], tuple[bytes, dict[str, str]]],
    addresses: list[str],
    stop: threading.Event,
) -> None:
    number = 0
    connection = _connection(port, addresses.pop())
    while not stop.is_set():
        if number and number % REQUESTS_PER_ADDRESS == 0:
            connection.close()
            connection = _connection(port, addresses.pop())
        text = f"{MARKER} {intake.kind} {number}: no water in the mahalla for a week"
        body, headers = request_for(text)
        try:
            connection.request("POST", path, body=body, headers={"Host": "localhost", **headers})
            response = connection.getresponse()
            answer = response.read()
            if 200 <= response.status < 300:
                intake.accepted.append(text)
            else:
                intake.failures.append(f"{intake.kind} #{number}: HTTP {response.status} {answer[:200]!r}")
        except (OSError, http.client.HTTPException) as error:
            intake.failures.append(f"{intake.kind} #{number}: {type(error).__name__} {error}")
            connection.close()
            connection = _connection(port, addresses.pop())
        number += 1
        stop.wait(INTERVAL_SECONDS)
    connection.close()


def _ovoz(command: list[str], *, env: dict[str, str], cwd: Path) -> str:
    result = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(
            f"prod-check: {' '.join(command[-3:])} failed ({result.returncode}):\n{result.stdout}{result.stderr}"
        )
    return result.stdout + result.stderr


def migrate_under_load(*, ovoz: list[str], env: dict[str, str], cwd: Path, https_port: int, database_url: str) -> str:
    """Roll back, migrate under intake, check; a line saying what happened (SystemExit on a failure)."""
    import psycopg

    started = time.monotonic()
    # One process: the way back, and the SMS channel the gateway's webhooks are signed for.
    steps = [f"call_command('migrate', {app!r}, {to!r}, verbosity=0)" for app, to in ROLLBACK]
    steps.append(
        "call_command('channel_create', '--kind', 'generic', '--name', 'upgrade-under-load', "
        "'--option', 'reply_url=http://127.0.0.1:9/send', '--json')"
    )
    output = _ovoz(
        [*ovoz, "shell", "-c", "from django.core.management import call_command; " + "; ".join(steps)],
        env=env,
        cwd=cwd,
    )
    channel = json.loads(output[output.index("{") : output.rindex("}") + 1])
    secret = str(channel["secret"]).encode()

    def api(text: str) -> tuple[bytes, dict[str, str]]:
        return json.dumps({"text": text}).encode(), {"Content-Type": "application/json"}

    def sms(text: str) -> tuple[bytes, dict[str, str]]:
        number = int(hashlib.sha256(text.encode()).hexdigest(), 16) % 10**7
        body = json.dumps({"id": text, "from": f"+99890{number:07d}", "text": text}).encode()
        signature = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
        return body, {"Content-Type": "application/json", "X-Ovoz-Signature": signature}

    stop = threading.Event()
    intakes = [Intake("api"), Intake("sms")]
    paths = {"api": "/api/v1/concerns", "sms": f"/channels/sms/{channel['id']}/"}
    builders = {"api": api, "sms": sms}
    threads = []
    for index, intake in enumerate(intakes):
        addresses = [f"127.77.{index}.{host}" for host in range(1, 250)]
        thread = threading.Thread(
            target=_send,
            args=(intake,),
            kwargs={
                "port": https_port,
                "path": paths[intake.kind],
                "request_for": builders[intake.kind],
                "addresses": addresses,
                "stop": stop,
            },
        )
        thread.start()
        threads.append(thread)
    try:
        time.sleep(1)
        before = sum(len(intake.accepted) for intake in intakes)
        migrating = time.monotonic()
        output = _ovoz([*ovoz, "migrate", "--no-input"], env=dict(env, PGOPTIONS="-c lock_timeout=5s"), cwd=cwd)
        migrate_seconds = time.monotonic() - migrating
        during = sum(len(intake.accepted) for intake in intakes) - before
        time.sleep(1)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=40)
    applied = [line.split()[1].rstrip(".") for line in output.splitlines() if line.strip().startswith("Applying ")]
    for app, _to in ROLLBACK:
        if not any(name.startswith(f"{app}.") for name in applied):
            raise SystemExit(f"prod-check: migrate under load applied nothing of {app}:\n{output}")
    failures = [failure for intake in intakes for failure in intake.failures]
    if failures:
        raise SystemExit("prod-check: requests failed while migrating:\n" + "\n".join(failures[:20]))
    if during == 0:
        raise SystemExit("prod-check: no report was accepted while the migrations ran")
    accepted = [text for intake in intakes for text in intake.accepted]
    with psycopg.connect(database_url) as connection:
        stored = connection.execute(
            "SELECT text, count(*) FROM concerns_concern WHERE text LIKE %s GROUP BY text", [f"{MARKER} %"]
        ).fetchall()
    counts: dict[str, int] = dict(stored)
    lost = sorted(set(accepted) - set(counts))
    doubled = sorted(text for text, count in counts.items() if count > 1)
    unexpected = sorted(set(counts) - set(accepted))
    if lost or doubled or unexpected:
        raise SystemExit(
            "prod-check: after migrating under load: "
            f"lost {lost[:5]}, doubled {doubled[:5]}, unexpected {unexpected[:5]}"
        )
    return (
        f"migrations {', '.join(applied)} applied in {migrate_seconds:.1f} s under intake through nginx: "
        f"{len(accepted)} reports accepted ({during} while migrating), 0 failed, each stored once "
        f"({time.monotonic() - started:.1f} s in all)"
    )
