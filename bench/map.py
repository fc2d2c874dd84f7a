"""Map and dashboard latency at 10,000 and at 1,000,000 concerns, on PostgreSQL and on SQLite, in one run.

For each database: a fresh database, `ovoz migrate`, `ovoz generate` up to the first size, the
requests measured, then `ovoz generate` on up to the next size and the requests measured again. Each
URL is requested --repeat times in-process (Django's test client, one worker: server time without
the network) after two warm-up requests. Prints p50/p95 in milliseconds per URL and size, and the
ratio of p95 at the largest size to p95 at the smallest (target: p95 under 100 ms at a million, and
at most twice the time at ten thousand).

    .venv/bin/python bench/map.py [--sizes 10000 1000000] [--areas 5000] [--repeat 30] [--databases postgresql sqlite]
    .venv/bin/python bench/map.py --measure-only    # measure again what the last run left, at its size

PostgreSQL at OVOZ_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/ovoz_bench_map) is
dropped and created anew (never point it at real data); SQLite lives in var/bench-map.sqlite3.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("OVOZ_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ovoz_bench_map")
SQLITE_PATH = ROOT / "var" / "bench-map.sqlite3"

# Measured in a child process so that each size is measured with a cold Python but a warm database.
MEASURE = r"""
import json, os, statistics, sys, time
from datetime import date, timedelta
import django
os.environ["DJANGO_SETTINGS_MODULE"] = "ovoz.settings"
django.setup()
from django.test import Client
from django.utils import timezone
urls, repeat = json.loads(sys.argv[1]), int(sys.argv[2])
client = Client(HTTP_HOST="localhost")
results = {}
for url in urls:
    for _ in range(2):
        assert client.get(url).status_code == 200, url
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    times.sort()
    results[url] = {"p50": statistics.median(times), "p95": times[max(0, int(len(times) * 0.95) - 1)],
                    "bytes": len(response.content)}
print(json.dumps(results))
"""


# After a bulk load the planner's statistics are stale until autovacuum (PostgreSQL) or nobody (SQLite)
# refreshes them; a live deployment has fresh ones, so the bench refreshes them before measuring.
# PostgreSQL also vacuums, as autovacuum would: index-only scans (the map's rollup index) need the
# pages marked all-visible. SQLite's VACUUM only rewrites the file, so it gets ANALYZE alone.
ANALYZE = """
import os, django
os.environ["DJANGO_SETTINGS_MODULE"] = "ovoz.settings"
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
"""

COUNT = """
import os, django
os.environ["DJANGO_SETTINGS_MODULE"] = "ovoz.settings"
django.setup()
from ovoz.concerns.models import Concern
print(Concern.objects.count())
"""


def urls() -> list[str]:
    from datetime import datetime, timedelta

    today = datetime.now().astimezone().date()
    last_month_end = today.replace(day=1) - timedelta(days=1)
    quarter_start = (last_month_end.replace(day=1) - timedelta(days=62)).replace(day=1)
    return [
        "/api/v1/stats/areas",
        "/api/v1/stats/areas?level=district&bbox=70.0,40.0,73.5,42.0",  # what the map asks for when zoomed in
        "/api/v1/stats/areas?level=district",  # every district at once: grows with the areas, not the concerns
        "/api/v1/stats/areas?theme=water",
        f"/api/v1/stats/areas?status=resolved&since={quarter_start}&until={last_month_end}",
        "/en/map/",
        "/en/dashboard/",
    ]


def run(command: list[str], env: dict[str, str]) -> str:
    return subprocess.run(command, env=env, cwd=ROOT, check=True, capture_output=True, text=True).stdout


def fresh_database(kind: str) -> str:
    if kind == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
        SQLITE_PATH.parent.mkdir(exist_ok=True)
        return f"sqlite:///{SQLITE_PATH}"
    parts = urlsplit(POSTGRES_URL)
    name = parts.path.lstrip("/")
    admin = POSTGRES_URL.rsplit("/", 1)[0] + "/postgres"
    import psycopg

    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    return POSTGRES_URL


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--areas", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--databases", nargs="+", default=["postgresql", "sqlite"])
    parser.add_argument(
        "--measure-only",
        action="store_true",
        help="Measure the databases a previous run left, at the size they have, without generating.",
    )
    arguments = parser.parse_args()
    python = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable
    table: dict[tuple[str, str], dict[int, dict[str, float]]] = {}
    for database in arguments.databases:
        if arguments.measure_only:
            url = f"sqlite:///{SQLITE_PATH}" if database == "sqlite" else POSTGRES_URL
            env = {**os.environ, "OVOZ_DATABASE_URL": url, "OVOZ_LOG_LEVEL": "WARNING"}
            size = int(run([python, "-c", COUNT], env))
            run([python, "-c", ANALYZE], env)
            measured = json.loads(run([python, "-c", MEASURE, json.dumps(urls()), str(arguments.repeat)], env))
            for url_measured, numbers in measured.items():
                table.setdefault((database, url_measured), {})[size] = numbers
            arguments.sizes = [size]
            continue
        env = {**os.environ, "OVOZ_DATABASE_URL": fresh_database(database), "OVOZ_LOG_LEVEL": "WARNING"}
        run([python, "-m", "ovoz", "migrate", "-v0"], env)
        made = 0
        for size in sorted(arguments.sizes):
            print(f"{database}: generating up to {size:,} concerns …", file=sys.stderr, flush=True)
            run(
                [
                    python,
                    "-m",
                    "ovoz",
                    "generate",
                    "--concerns",
                    str(size - made),
                    "--areas",
                    str(arguments.areas),
                    "--seed",
                    str(size),
                ],
                env,
            )
            made = size
            run([python, "-c", ANALYZE], env)
            measured = json.loads(run([python, "-c", MEASURE, json.dumps(urls()), str(arguments.repeat)], env))
            for url, numbers in measured.items():
                table.setdefault((database, url), {})[size] = numbers
    sizes = sorted(arguments.sizes)
    print(
        f"# bench/map.py on {platform.node()} ({os.cpu_count()} CPUs, Python {platform.python_version()}), "
        f"{arguments.areas} areas, {arguments.repeat} requests per URL"
    )
    header = ["database", "url"] + [f"p50/p95 ms @{size:,}" for size in sizes] + ["p95 ratio", "KB"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for (database, url), by_size in table.items():
        cells = [f"{by_size[size]['p50']:.1f} / {by_size[size]['p95']:.1f}" for size in sizes]
        ratio = by_size[sizes[-1]]["p95"] / by_size[sizes[0]]["p95"]
        print(
            f"| {database} | `{url}` | "
            + " | ".join(cells)
            + f" | {ratio:.2f} | {by_size[sizes[-1]]['bytes'] / 1024:.0f} |"
        )


if __name__ == "__main__":
    main()
