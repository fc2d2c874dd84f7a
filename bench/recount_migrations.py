"""Time and memory of the data migrations that recount the rollups in batches (concerns 0003 and 0005).

For each size: ``ovoz generate`` up to that many concerns (5000 districts by default) in a fresh
PostgreSQL database, ``VACUUM ANALYZE``, then each migration's RunPython function is called in a child
process with the historical models it would get from ``ovoz migrate`` (the project state just before
that operation) and a schema editor, inside a transaction that is rolled back afterwards, so both
migrations see the same data and the run can be repeated (``--measure-only``).

Measured around the call only (Django setup and the historical models are built before): wall time,
CPU time of the Python process, CPU time of its PostgreSQL backend (read from /proc: the database must
run on this machine), the resident set before the call and its peak during the call (the kernel's
high-water mark is reset just before, ``/proc/self/clear_refs``; falls back to ``ru_maxrss``).

Before the rollback the result is checked against the rollups ``ovoz generate`` wrote through the
services: 0003 must rebuild the daily rollup exactly and write monthly rows that all match the
services' (it predates the enclosing areas: no region rows); 0005 must rebuild the monthly rollup
exactly.

    .venv/bin/python bench/recount_migrations.py [--sizes 100000 1000000] [--areas 5000] [--keep]
    .venv/bin/python bench/recount_migrations.py --measure-only    # measure again what --keep left
    .venv/bin/python bench/recount_migrations.py --measure-only --no-check --migrations 0005_...

``--no-check`` skips that comparison (for data written some other way than ``ovoz generate``, whose
rollups then differ); ``--migrations`` measures one of the two only (two databases copied from one
another can then be measured side by side).

The children run with DEBUG off (``OVOZ_DEBUG=0``) as in production: with DEBUG on, Django keeps the
text of the last 9,000 queries per connection, and the recount's multi-row upserts are large, so the
resident set then grows with the number of statements up to that cap (``--debug`` to see it).
PostgreSQL at OVOZ_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/ovoz_bench_recount)
is dropped and created anew unless ``--measure-only`` (never point it at real data); it is dropped at
the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("OVOZ_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ovoz_bench_recount")
MIGRATIONS = ["0003_month_rollups_and_all_theme_counts", "0005_month_rollup_counts_enclosing_areas"]

MEASURE = r"""
import json, os, resource, sys, time
from pathlib import Path
import django
os.environ["DJANGO_SETTINGS_MODULE"] = "ovoz.settings"
django.setup()
from django.conf import settings
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations.special import RunPython
from ovoz.concerns.migrations import _rollup_recount

TICKS = os.sysconf("SC_CLK_TCK")
name, check = sys.argv[1], sys.argv[2] == "check"
loader = MigrationLoader(connection)
migration = loader.get_migration("concerns", name)
state = loader.project_state(("concerns", name), at_end=False)
for operation in migration.operations:  # the state the RunPython operation gets: after the ones before it
    if isinstance(operation, RunPython):
        break
    operation.state_forwards("concerns", state)
apps = state.apps
function = operation.code


def backend_cpu(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def status_kb(key):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def reset_peak():
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def table(model_name):
    model = apps.get_model("concerns", model_name)
    return connection.ops.quote_name(model._meta.db_table)


DAILY = ("day", "area_key", "theme_key", "visibility", "channel", "status", "count")
MONTHLY = ("month", "area_key", "theme_key", "status", "count")


def rows_only_in(cursor, left, right, columns):
    names = ", ".join(columns)
    cursor.execute(
        f"SELECT COUNT(*) FROM (SELECT {names} FROM {left} WHERE count <> 0 "
        f"EXCEPT ALL SELECT {names} FROM {right} WHERE count <> 0) AS difference"
    )
    return cursor.fetchone()[0]


class Rollback(Exception):
    pass


result = {"migration": name, "debug": settings.DEBUG, "batch_size": _rollup_recount.BATCH_SIZE}
try:
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]
            cursor.execute(f"SELECT COUNT(*) FROM {table('Concern')}")
            result["concerns"] = cursor.fetchone()[0]
            if check:
                cursor.execute(f"CREATE TEMP TABLE daily_before AS SELECT * FROM {table('ConcernRollup')}")
                cursor.execute(f"CREATE TEMP TABLE monthly_before AS SELECT * FROM {table('ConcernMonthRollup')}")
        result["rss_before_mb"] = status_kb("VmRSS") / 1024
        peak_was_reset = reset_peak()
        cpu_before, backend_before = time.process_time(), backend_cpu(backend)
        started = time.perf_counter()
        with connection.schema_editor(atomic=False) as schema_editor:
            function(apps, schema_editor)
        result["wall_s"] = time.perf_counter() - started
        result["cpu_s"] = time.process_time() - cpu_before
        result["backend_cpu_s"] = backend_cpu(backend) - backend_before
        if peak_was_reset:
            result["peak_rss_mb"] = status_kb("VmHWM") / 1024
        else:
            result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        result["peak_reset"] = peak_was_reset
        with connection.cursor() as cursor:
            daily, monthly = table("ConcernRollup"), table("ConcernMonthRollup")
            cursor.execute(f"SELECT COUNT(*) FROM {monthly}")
            result["monthly_rows"] = cursor.fetchone()[0]
            cursor.execute(f"SELECT COUNT(*) FROM {daily}")
            result["daily_rows"] = cursor.fetchone()[0]
            checks = None if not check else {"monthly: rows not as the services wrote them": rows_only_in(cursor, monthly, "monthly_before", MONTHLY)}
            if check and name.startswith("0003"):
                checks["daily: rows not as the services wrote them"] = rows_only_in(cursor, daily, "daily_before", DAILY)
                checks["daily: rows of the services missing"] = rows_only_in(cursor, "daily_before", daily, DAILY)
            elif check:
                checks["monthly: rows of the services missing"] = rows_only_in(cursor, "monthly_before", monthly, MONTHLY)
            result["checks"] = checks
        raise Rollback
except Rollback:
    pass
print(json.dumps(result))
"""

ANALYZE = """
import os, django
os.environ["DJANGO_SETTINGS_MODULE"] = "ovoz.settings"
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("VACUUM ANALYZE")
"""

COUNT = """
import os, django
os.environ["DJANGO_SETTINGS_MODULE"] = "ovoz.settings"
django.setup()
from ovoz.concerns.models import Concern
print(Concern.objects.count())
"""


def run(command: list[str], env: dict[str, str]) -> str:
    return subprocess.run(command, env=env, cwd=ROOT, check=True, capture_output=True, text=True).stdout


def admin(statement: str) -> None:
    import psycopg

    with psycopg.connect(POSTGRES_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
        connection.execute(statement)


def database_name() -> str:
    return urlsplit(POSTGRES_URL).path.lstrip("/")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--areas", type=int, default=5000)
    parser.add_argument("--keep", action="store_true", help="Leave the database for --measure-only.")
    parser.add_argument("--measure-only", action="store_true", help="Measure the database a --keep run left.")
    parser.add_argument(
        "--no-check",
        action="store_true",
        help="Skip the comparison with the services' rollups (for data not written by ovoz generate).",
    )
    parser.add_argument("--migrations", nargs="+", default=MIGRATIONS, choices=MIGRATIONS)
    parser.add_argument("--debug", action="store_true", help="Measure with DEBUG on as well (query log kept).")
    arguments = parser.parse_args()
    python = sys.executable
    env = {
        **os.environ,
        "OVOZ_DATABASE_URL": POSTGRES_URL,
        "OVOZ_LOG_LEVEL": "WARNING",
        "OVOZ_DEBUG": "0",
        "PYTHONPATH": str(ROOT),
    }
    debug_settings = [False, True] if arguments.debug else [False]
    results = []

    def measure() -> None:
        run([python, "-c", ANALYZE], env)
        for debug in debug_settings:
            for name in arguments.migrations:
                child_env = {**env, "OVOZ_DEBUG": "1" if debug else "0"}
                print(f"  {name} (DEBUG {'on' if debug else 'off'}) …", file=sys.stderr, flush=True)
                measured = json.loads(
                    run([python, "-c", MEASURE, name, "skip" if arguments.no_check else "check"], child_env)
                    .strip()
                    .splitlines()[-1]
                )
                print(f"  {json.dumps(measured)}", file=sys.stderr, flush=True)
                results.append(measured)

    if arguments.measure_only:
        measure()
    else:
        admin(f'DROP DATABASE IF EXISTS "{database_name()}"')
        admin(f'CREATE DATABASE "{database_name()}"')
        run([python, "-m", "ovoz", "migrate", "-v0"], env)
        made = 0
        for size in sorted(arguments.sizes):
            print(f"generating up to {size:,} concerns …", file=sys.stderr, flush=True)
            started = time.monotonic()
            run(
                [python, "-m", "ovoz", "generate", "--concerns", str(size - made), "--areas", str(arguments.areas)]
                + ["--seed", str(size)],
                env,
            )
            print(f"  generated in {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
            made = size
            measure()
        if not arguments.keep:
            admin(f'DROP DATABASE "{database_name()}"')
    print(
        f"# bench/recount_migrations.py on {platform.node()} ({os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}), PostgreSQL, {arguments.areas} districts, batches of "
        f"{results[0]['batch_size'] if results else '?'} concerns"
    )
    header = ["migration", "DEBUG", "concerns", "wall s", "CPU s (Python)", "CPU s (PostgreSQL)"]
    header += ["RSS before MB", "peak RSS MB", "monthly rows", "daily rows", "checks"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for result in results:
        checks = result["checks"]
        verdict = "skipped" if checks is None else "ok" if sum(checks.values()) == 0 else json.dumps(checks)
        print(
            f"| {result['migration'][:4]} | {'on' if result['debug'] else 'off'} | {result['concerns']:,} "
            f"| {result['wall_s']:.1f} | {result['cpu_s']:.1f} | {result['backend_cpu_s']:.1f} "
            f"| {result['rss_before_mb']:.0f} | {result['peak_rss_mb']:.0f} | {result['monthly_rows']:,} "
            f"| {result['daily_rows']:,} | {verdict} |"
        )


if __name__ == "__main__":
    main()
