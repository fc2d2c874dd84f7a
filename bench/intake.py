"""Intake throughput: POST /api/v1/concerns against a bare insert of a row as wide, on PostgreSQL.

Both run in one gunicorn on the same database, one after the other, with the same JSON bodies and
the same client. Prints concerns per second, p50 and p95 latency, and the ratio of throughputs
(target: Ovoz at least 0.6 of the bare view).

    .venv/bin/pip install -e '.[production]'   # editable: keeps the checkout's install
    .venv/bin/python bench/intake.py [--requests 3000] [--concurrency 8] [--workers 4]

Needs PostgreSQL at OVOZ_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/ovoz_bench);
the database is dropped and created anew on every run (never point it at real data).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
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
            if not 200 <= response.status < 300:
                raise SystemExit(f"{path} answered {response.status}")
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(numbers) / (time.perf_counter() - started), latencies


def concern_request(number: int) -> Request:
    body = json.dumps({"text": f"{TEXTS[number % len(TEXTS)]} #{number}"}).encode()
    return body, {"Content-Type": "application/json"}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8731)
    options = parser.parse_args()
    prepare_database()
    server = start_server(options.port, options.workers)
    try:
        rows = []
        for name, path in [("bare insert", "/bench/bare-insert"), ("POST /api/v1/concerns", "/api/v1/concerns")]:
            load(options.port, path, range(min(300, options.requests)), options.concurrency, concern_request)  # warm up
            throughput, latencies = load(
                options.port, path, range(options.requests), options.concurrency, concern_request
            )
            rows.append(
                (
                    name,
                    throughput,
                    percentile(latencies, 0.5),
                    percentile(latencies, 0.95),
                    statistics.mean(latencies) * 1000,
                )
            )
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(
        f"\nIntake on PostgreSQL, gunicorn {options.workers} workers, {options.concurrency} clients, {options.requests} requests each"
    )
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}\n")
    print(f"| {'endpoint':<24} | {'req/s':>8} | {'p50 ms':>7} | {'p95 ms':>7} | {'mean ms':>7} |")
    print(f"|{'-' * 26}|{'-' * 10}|{'-' * 9}|{'-' * 9}|{'-' * 9}|")
    for name, throughput, p50, p95, mean in rows:
        print(f"| {name:<24} | {throughput:>8.1f} | {p50:>7.1f} | {p95:>7.1f} | {mean:>7.1f} |")
    ratio = rows[1][1] / rows[0][1]
    print(f"\nOvoz intake / bare insert throughput: {ratio:.2f} (target at least 0.60)")


if __name__ == "__main__":
    main()
