"""Signed generic SMS webhooks per second on PostgreSQL under gunicorn, and where the time goes.

Each request is a new message from a new number (a first SMS: a concern is created and a receipt
reply is queued on the database task backend, as in production without Redis). Prints throughput
and latency under load, then, in-process, the share of a request spent in the signature check, in
storing (the inbound row, the conversation and the concern) and in queueing the reply.

    .venv/bin/pip install -e '.[production]'   # editable: keeps the checkout's install
    .venv/bin/python bench/sms_inbound.py [--requests 2000] [--concurrency 8] [--workers 4]

Uses OVOZ_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/ovoz_bench), dropped and
created anew on every run.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import hmac
import json
import os
import platform
import pstats
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.intake import Request, environment, load, percentile, prepare_database, start_server

ROOT = Path(__file__).resolve().parent.parent
TEXT = "Газ йўқ, кечқурун босим жуда паст"


def create_channel() -> tuple[str, str]:
    """A generic channel whose replies go to a port nothing listens on: sending is not measured here."""
    output = subprocess.run(
        [
            sys.executable,
            "-m",
            "ovoz",
            "channel-create",
            "--kind",
            "generic",
            "--name",
            "bench",
            "--option",
            "reply_url=http://127.0.0.1:9/send",
            "--json",
        ],
        env=environment(),
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    data = json.loads(output.stdout)
    return data["id"], data["secret"]


def signed(secret: str, number: int) -> tuple[bytes, str]:
    body = json.dumps({"id": f"bench-{number}", "from": f"+99890{number:07d}", "text": f"{TEXT} #{number}"}).encode()
    return body, "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def time_shares(channel_id: str, secret: str, count: int) -> dict[str, float]:
    """Profile ``count`` webhook calls in-process and split their time into the three steps."""
    os.environ.update(environment())
    os.environ["OVOZ_ALLOWED_HOSTS"] = "testserver"
    import django

    django.setup()
    from django.test import Client

    client = Client()
    path = f"/channels/sms/{channel_id}/"
    profile = cProfile.Profile()
    base = 5_000_000  # numbers keep 7 digits: +99890 and 7 digits is a valid mobile number
    profile.enable()
    for number in range(base, base + count):
        body, signature = signed(secret, number)
        client.post(path, body, content_type="application/json", HTTP_X_OVOZ_SIGNATURE=signature)
    profile.disable()
    entries = pstats.Stats(profile).stats  # type: ignore[attr-defined]

    def cumulative(file_part: str, name: str) -> float:
        """Cumulative seconds of one function, found by file and name (each counted once)."""
        return sum(
            stat[3] for (file, _line, function), stat in entries.items() if file_part in file and function == name
        )

    total = cumulative("channels/views/webhooks.py", "sms_webhook")
    signature = cumulative("channels/services.py", "signature_valid")
    enqueue = cumulative("django_tasks/base.py", "enqueue")
    storing = cumulative("channels/services.py", "sms_receive") - enqueue
    return {
        "signature check": signature / total,
        "storing": storing / total,
        "reply enqueueing": enqueue / total,
        "rest (JSON, channel lookup)": 1 - (signature + storing + enqueue) / total,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8732)
    options = parser.parse_args()
    prepare_database()
    channel_id, secret = create_channel()
    server = start_server(options.port, options.workers)
    path = f"/channels/sms/{channel_id}/"

    def sms_request(number: int) -> Request:
        body, signature = signed(secret, number)
        return body, {"Content-Type": "application/json", "X-Ovoz-Signature": signature}

    try:
        load(options.port, path, range(0, 200), options.concurrency, sms_request)  # warm up
        throughput, latencies = load(
            options.port, path, range(1000, 1000 + options.requests), options.concurrency, sms_request
        )
    finally:
        server.terminate()
        server.wait(timeout=10)
    shares = time_shares(channel_id, secret, 300)
    print(
        f"\nGeneric SMS webhooks on PostgreSQL, gunicorn {options.workers} workers, {options.concurrency} clients, {options.requests} messages"
    )
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}\n")
    print(f"| {'messages/s':>10} | {'p50 ms':>7} | {'p95 ms':>7} |")
    print(f"|{'-' * 12}|{'-' * 9}|{'-' * 9}|")
    print(f"| {throughput:>10.1f} | {percentile(latencies, 0.5):>7.1f} | {percentile(latencies, 0.95):>7.1f} |")
    print("\nShare of a request's time (in-process profile of 300 requests):\n")
    print(f"| {'step':<28} | {'share':>6} |")
    print(f"|{'-' * 30}|{'-' * 8}|")
    for step, share in shares.items():
        print(f"| {step:<28} | {share:>6.1%} |")


if __name__ == "__main__":
    main()
