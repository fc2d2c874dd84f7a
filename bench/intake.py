"""Intake throughput: the API, the web form and the SMS webhook against a bare insert of a row as wide,
on PostgreSQL.

All run in one gunicorn on the same database, one after the other, with the same texts and the same
client. Prints concerns per second with ``--concurrency`` clients as fast as they go (closed loop),
p50 and p95 latency, and each interface's throughput as a share of the bare insert's (target: at
least 0.8, issue 13.5). The endpoints take turns over ``--rounds`` rounds and the share is the median
of the rounds' shares, so that the speed of a shared machine changing during the run (it does, by up
to half) falls on the bare insert and the interfaces alike. Then each is offered ``--rate`` requests per second for ``--seconds`` seconds
(open loop: a request's latency counts from when it was due, so a server that falls behind shows
it) and the p95 is printed. bench/intake_cost.py measures CPU per request instead, for a busy machine.

    .venv/bin/pip install -e '.[production]'   # editable: keeps the checkout's install
    .venv/bin/python bench/intake.py [--requests 3000] [--rounds 5] [--concurrency 8] [--workers 4] [--rate 200]
                                     [--seconds 15 (0: no open loop)] [--only api,web,sms]

Needs PostgreSQL at OVOZ_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/ovoz_bench);
the database is dropped and created anew on every run (never point it at real data).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import secrets
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # bench.sms_inbound, run as a script from anywhere
DATABASE_URL = os.environ.get("OVOZ_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ovoz_bench")
TEXTS = [
    "Воды нет уже третью неделю, дети болеют.",
    "Suv yoʻq, uch haftadan beri bolalar kasal.",
    "Electricity is cut every evening in our mahalla.",
    "Су жоқ, үш аптадан бері балалар ауырып жатыр.",
]


def environment() -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "OVOZ_DATABASE_URL": DATABASE_URL,
        "OVOZ_INTAKE_LIMIT": str(10**9),
        "OVOZ_DEBUG": "0",
        "PYTHONPATH": str(ROOT),
    }


def prepare_database() -> None:
    import psycopg

    parts = urlsplit(DATABASE_URL)
    name = parts.path.lstrip("/")
    admin = DATABASE_URL.replace(f"/{name}", "/postgres")
    with psycopg.connect(admin, autocommit=True) as connection:
        # A benchmark database only: made anew each run so old tables never skew the numbers.
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    python = sys.executable
    subprocess.run([python, "-m", "django", "migrate", "-v", "0"], env=environment(), cwd=ROOT, check=True)
    subprocess.run(
        [python, "-m", "django", "migrate", "--run-syncdb", "-v", "0"], env=environment(), cwd=ROOT, check=True
    )
    # Pages need the collected static files once DEBUG is off (the web form's page), as under `ovoz serve`.
    subprocess.run(
        [
            python,
            "-c",
            "import django; django.setup(); from ovoz.operations.staticfiles import "
            "static_files_collect_if_stale as collect; collect()",
        ],
        env=environment(),
        cwd=ROOT,
        check=True,
    )


def start_server(port: int, workers: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "bench.wsgi",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        env=environment(),
        cwd=ROOT,
    )
    for _attempt in range(100):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/api/v1/themes")
            connection.getresponse().read()
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start")


Request = tuple[bytes, dict[str, str]]


def load(
    port: int, path: str, numbers: range, concurrency: int, request_for: Callable[[int], Request]
) -> tuple[float, list[float]]:
    """POST one request per number from ``concurrency`` threads on keep-alive connections; expects 2xx."""
    latencies: list[float] = []
    lock = threading.Lock()
    pending = iter(numbers)

    def worker() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        while True:
            with lock:
                number = next(pending, None)
            if number is None:
                break
            body, headers = request_for(number)
            started = time.perf_counter()
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            if not 200 <= response.status < 400:  # the web form answers 303 (to the receipt page)
                failures.append(f"{path} answered {response.status}")
                break
        with lock:
            latencies.extend(mine)

    failures: list[str] = []
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(failures[0])
    return len(numbers) / (time.perf_counter() - started), latencies


def concern_request(number: int) -> Request:
    body = json.dumps({"text": f"{TEXTS[number % len(TEXTS)]} #{number}"}).encode()
    return body, {"Content-Type": "application/json"}


def web_form_requests(port: int) -> Callable[[int], Request]:
    """The report form as a browser sends it: the CSRF cookie and token of one page, a fresh draft token
    per report (so each is a new concern) and the same texts as the API's."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/en/report/")
    response = connection.getresponse()
    html = response.read().decode()
    cookie = "; ".join(
        header.split(";", 1)[0] for name, header in response.getheaders() if name.lower() == "set-cookie"
    )
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if token is None:
        raise SystemExit("the report form has no CSRF token")

    def request_for(number: int) -> Request:
        fields = {
            "csrfmiddlewaretoken": token.group(1),
            "text": f"{TEXTS[number % len(TEXTS)]} #{number}",
            "submission_token": secrets.token_urlsafe(24),
        }
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie,
            "Origin": f"http://127.0.0.1:{port}",
        }
        return urlencode(fields).encode(), headers

    return request_for


def sms_requests() -> tuple[str, Callable[[int], Request]]:
    """A signed generic SMS webhook, a first message from a new number each time (bench/sms_inbound.py)."""
    from bench.sms_inbound import create_channel, signed

    channel_id, secret = create_channel()

    def request_for(number: int) -> Request:
        body, signature = signed(secret, number)
        return body, {"Content-Type": "application/json", "X-Ovoz-Signature": signature}

    return f"/channels/sms/{channel_id}/", request_for


def offered(
    port: int, path: str, numbers: range, rate: float, request_for: Callable[[int], Request], connections: int = 32
) -> tuple[float, list[float]]:
    """Send request n at ``start + n / rate`` (open loop) from ``connections`` keep-alive connections; a
    latency counts from when the request was due, so waiting for a free connection counts too.
    Returns the rate achieved and the latencies."""
    latencies: list[float] = []
    lock = threading.Lock()
    pending = iter(enumerate(numbers))
    start = time.perf_counter() + 0.1

    def worker() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        while True:
            with lock:
                item = next(pending, None)
            if item is None:
                break
            index, number = item
            due = start + index / rate
            time.sleep(max(0.0, due - time.perf_counter()))
            body, headers = request_for(number)
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            mine.append(time.perf_counter() - due)
            if not 200 <= response.status < 400:
                failures.append(f"{path} answered {response.status}")
                break
        with lock:
            latencies.extend(mine)

    failures: list[str] = []
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(failures[0])
    return len(numbers) / (time.perf_counter() - start), latencies


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5, help="the endpoints take turns, this many times")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8731)
    parser.add_argument("--rate", type=float, default=200, help="requests per second offered for the p95")
    parser.add_argument("--seconds", type=float, default=15, help="how long each rate is offered; 0: not at all")
    parser.add_argument(
        "--only", default="", help="comma-separated interfaces besides the bare insert: api,web,sms (default all)"
    )
    options = parser.parse_args()
    prepare_database()
    sms_path, sms_request = sms_requests()
    server = start_server(options.port, options.workers)
    try:
        interfaces: dict[str, tuple[str, str, Callable[[], Callable[[int], Request]]]] = {
            "api": ("POST /api/v1/concerns", "/api/v1/concerns", lambda: concern_request),
            "web": ("POST /<lang>/report/", "/en/report/", lambda: web_form_requests(options.port)),
            "sms": ("POST /channels/sms/<id>/", sms_path, lambda: sms_request),
        }
        chosen = options.only.split(",") if options.only else list(interfaces)
        endpoints: list[tuple[str, str, Callable[[int], Request]]] = [
            ("bare insert", "/bench/bare-insert", concern_request),
            *((interfaces[key][0], interfaces[key][1], interfaces[key][2]()) for key in chosen),
        ]
        rows = []
        next_number = 0

        def numbers(count: int) -> range:
            nonlocal next_number
            next_number += count
            return range(next_number - count, next_number)  # every request a new concern, a new number

        for _name, path, request_for in endpoints:
            load(options.port, path, numbers(min(300, options.requests)), options.concurrency, request_for)  # warm up
        # The endpoints take turns, round after round, so that a change in the machine's speed (a shared VM's
        # neighbours) falls on all of them alike; each ratio is taken within its round.
        per_round = max(1, options.requests // options.rounds)
        results: dict[str, list[tuple[float, list[float]]]] = {name: [] for name, _path, _request in endpoints}
        for _round in range(options.rounds):
            for name, path, request_for in endpoints:
                results[name].append(load(options.port, path, numbers(per_round), options.concurrency, request_for))
        for name, measured in results.items():
            latencies = [latency for _throughput, round_latencies in measured for latency in round_latencies]
            ratios = [
                throughput / bare_throughput
                for (throughput, _latencies), (bare_throughput, _bare) in zip(
                    measured, results["bare insert"], strict=True
                )
            ]
            rows.append(
                (
                    name,
                    statistics.median(throughput for throughput, _latencies in measured),
                    percentile(latencies, 0.5),
                    percentile(latencies, 0.95),
                    statistics.mean(latencies) * 1000,
                    statistics.median(ratios),
                    min(ratios),
                    max(ratios),
                )
            )
        paced = []
        for name, path, request_for in endpoints if options.seconds > 0 else []:
            achieved, latencies = offered(
                options.port, path, numbers(int(options.rate * options.seconds)), options.rate, request_for
            )
            paced.append((name, achieved, percentile(latencies, 0.5), percentile(latencies, 0.95)))
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(
        f"\nIntake on PostgreSQL, gunicorn {options.workers} workers, {options.concurrency} clients, {options.requests} requests each"
    )
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}\n")
    print(
        f"| {'endpoint':<26} | {'req/s':>8} | {'p50 ms':>7} | {'p95 ms':>7} | {'mean ms':>7} | {'/ bare':>6} "
        f"| {'rounds':>11} |"
    )
    print(f"|{'-' * 28}|{'-' * 10}|{'-' * 9}|{'-' * 9}|{'-' * 9}|{'-' * 8}|{'-' * 13}|")
    for name, throughput, p50, p95, mean, ratio, low, high in rows:
        print(
            f"| {name:<26} | {throughput:>8.1f} | {p50:>7.1f} | {p95:>7.1f} | {mean:>7.1f} | {ratio:>6.2f} "
            f"| {low:>4.2f} – {high:>4.2f} |"
        )
    print(
        f"\nIntake throughput / bare insert throughput, the median over {options.rounds} rounds (target at least 0.80):"
    )
    for name, _throughput, _p50, _p95, _mean, ratio, low, high in rows[1:]:
        print(f"  {name:<26} {ratio:.2f}  (rounds {low:.2f} to {high:.2f})")
    if not paced:
        return
    print(
        f"\n{options.rate:.0f} requests per second offered for {options.seconds:.0f} s (open loop, 32 connections):\n"
    )
    print(f"| {'endpoint':<26} | {'achieved':>8} | {'p50 ms':>7} | {'p95 ms':>7} |")
    print(f"|{'-' * 28}|{'-' * 10}|{'-' * 9}|{'-' * 9}|")
    for name, achieved, p50, p95 in paced:
        print(f"| {name:<26} | {achieved:>8.1f} | {p50:>7.1f} | {p95:>7.1f} |")


if __name__ == "__main__":
    main()
