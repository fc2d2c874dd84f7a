"""CPU cost of one intake per interface, against a bare insert, measured in one process on PostgreSQL.

A wall-clock benchmark (bench/intake.py) needs a quiet machine; this one does not: it sends the same
requests through Django's WSGI handler in this process and counts the CPU time spent by this process
and by its PostgreSQL backend (read from /proc, so the database must run on this machine). The ratio
bare / intake of CPU per request is what throughput on a saturated machine would show.

    .venv/bin/python bench/intake_cost.py [--requests 2000] [--profile]

``--profile`` prints, for each interface, the 15 functions of Ovoz (and of the task, session and language
libraries) with the most cumulative CPU time, and the 15 with the most CPU time of their own (cProfile).
Uses OVOZ_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/ovoz_bench), dropped and
created anew on every run.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import platform
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.intake import concern_request, environment, prepare_database

TICKS = os.sysconf("SC_CLK_TCK")
PROFILED = r"ovoz/(?!core/(metrics|middleware|replica)|accounts/keys)|django_tasks|langid|sessions/backends"


def backend_cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of one PostgreSQL backend process (fields 14 and 15 of its stat)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--profile", action="store_true", help="print the top 15 functions of each interface")
    parser.add_argument("--only", default="", help="comma-separated names: bare,api,web,sms")
    options = parser.parse_args()
    prepare_database()
    from bench.sms_inbound import create_channel, signed

    channel_id, secret = create_channel()
    os.environ.update(environment())
    os.environ["OVOZ_ALLOWED_HOSTS"] = "testserver"
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    client = Client()
    drain_rollups: Callable[[], int] | None
    try:
        from ovoz.concerns.services import rollups_drain

        drain_rollups = rollups_drain
    except ImportError:  # before issue 13.5 the rollups were written in the request
        drain_rollups = None
    if drain_rollups is not None:
        drain_rollups()

    def bare(number: int) -> int:
        body, headers = concern_request(number)
        return client.post("/bench/bare-insert", body, content_type="application/json").status_code

    def api(number: int) -> int:
        body, headers = concern_request(number)
        return client.post("/api/v1/concerns", body, content_type="application/json").status_code

    def web(number: int) -> int:
        body, _headers = concern_request(number)
        import json

        text = json.loads(body)["text"]
        data = {"text": text, "submission_token": f"bench-draft-token-{number:012d}-xxxxxxxx"}
        return client.post("/en/report/", data).status_code

    def sms(number: int) -> int:
        body, signature = signed(secret, 5_000_000 + number)
        return client.post(
            f"/channels/sms/{channel_id}/", body, content_type="application/json", HTTP_X_OVOZ_SIGNATURE=signature
        ).status_code

    interfaces: dict[str, tuple[str, Callable[[int], int]]] = {
        "bare": ("bare insert", bare),
        "api": ("POST /api/v1/concerns", api),
        "web": ("POST /<lang>/report/", web),
        "sms": ("POST /channels/sms/<id>/", sms),
    }
    chosen = options.only.split(",") if options.only else list(interfaces)
    rows = []
    profiles = {}
    offset = 0
    for name in chosen:
        label, send = interfaces[name]
        for number in range(offset, offset + 100):  # warm up: imports, caches, the connection
            status = send(number)
            if status >= 400:
                raise SystemExit(f"{label} answered {status}")
        offset += 100
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]
        # CPU time, not wall time: on a busy machine waiting for PostgreSQL would otherwise fill the profile.
        profile = cProfile.Profile(time.process_time) if options.profile else None
        database_before, python_before, wall_before = (
            backend_cpu_seconds(backend),
            time.process_time(),
            time.perf_counter(),
        )
        if profile:
            profile.enable()
        for number in range(offset, offset + options.requests):
            send(number)
        if profile:
            profile.disable()
            profiles[label] = profile
        python = time.process_time() - python_before
        wall = time.perf_counter() - wall_before
        database = backend_cpu_seconds(backend) - database_before
        offset += options.requests
        # The rollups' deferred part (issue 13.5), where this version has one: what the drain task does
        # later for these requests, measured the same way.
        drain = 0.0
        drain_wall = 0.0
        if drain_rollups is not None:
            database_before, python_before, wall_before = (
                backend_cpu_seconds(backend),
                time.process_time(),
                time.perf_counter(),
            )
            drain_rollups()
            drain = time.process_time() - python_before + backend_cpu_seconds(backend) - database_before
            drain_wall = time.perf_counter() - wall_before
        rows.append((label, python, database, wall, drain, drain_wall))
    print(
        f"\nCPU per request on PostgreSQL, one process, {options.requests} requests each{' (profiled)' if options.profile else ''}"
    )
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}\n")
    print(
        f"| {'endpoint':<26} | {'python ms':>9} | {'postgres ms':>11} | {'total ms':>8} | {'wall ms':>7} "
        f"| {'bare/this':>9} | {'drain ms':>8} |"
    )
    print(f"|{'-' * 28}|{'-' * 11}|{'-' * 13}|{'-' * 10}|{'-' * 9}|{'-' * 11}|{'-' * 10}|")
    bare_total = None
    for label, python, database, wall, drain, _drain_wall in rows:
        total = (python + database) / options.requests * 1000
        if label == "bare insert":
            bare_total = total
        ratio = f"{bare_total / total:>9.2f}" if bare_total else f"{'':>9}"
        print(
            f"| {label:<26} | {python / options.requests * 1000:>9.2f} | {database / options.requests * 1000:>11.2f} "
            f"| {total:>8.2f} | {wall / options.requests * 1000:>7.2f} | {ratio} | {drain / options.requests * 1000:>8.3f} |"
        )
    if drain_rollups is not None:
        print(
            "\ndrain ms: CPU (this process and PostgreSQL) that the drain task spends later per request, "
            "a run's deltas drained at once:"
        )
        for label, *_cost, drain_wall in rows[1:]:
            print(f"  {label}: the deltas of {options.requests} requests drained in {drain_wall * 1000:.0f} ms")
    for label, profile in profiles.items():
        out = io.StringIO()
        # Ovoz's own functions and the libraries an intake leans on, past the middleware wrappers.
        pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(PROFILED, 15)
        pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(15)
        print(f"\n### {label}\n")
        print(out.getvalue())


if __name__ == "__main__":
    main()
