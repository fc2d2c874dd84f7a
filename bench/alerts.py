"""The daily early-warning run (``alerts_run``) over a deployment's rollups, timed.

Builds a fresh PostgreSQL database (OVOZ_BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/ovoz_bench_alerts: dropped and created anew, never point it at real
data): the seeded countries and regions, AREAS synthetic districts spread over the regions, and a
daily rollup of 406 days in which each district × theme gets Poisson(RATE) concerns a day (about half
a million concerns at the defaults, as a deployment of a million concerns over two years has in the
detector's window), with a surge in one district on the last days. Then times ``alerts_run`` for the
last day, twice (the second run is the idempotent re-run). Target: 10 s.

    .venv/bin/python bench/alerts.py [--areas 5000] [--rate 0.025]
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get("OVOZ_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ovoz_bench_alerts")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--areas", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=0.025)
    options = parser.parse_args()
    parts = urlsplit(DATABASE_URL)
    name = parts.path.lstrip("/")
    admin = ["psql", "-h", parts.hostname or "127.0.0.1", "-U", parts.username or "postgres", "-d", "postgres", "-q"]
    subprocess.run([*admin, "-c", f'DROP DATABASE IF EXISTS "{name}"'], check=True)
    subprocess.run([*admin, "-c", f'CREATE DATABASE "{name}"'], check=True)
    os.environ["OVOZ_DATABASE_URL"] = DATABASE_URL
    os.environ["DJANGO_SETTINGS_MODULE"] = "ovoz.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import numpy as np
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from ovoz.concerns.models import Theme
    from ovoz.concerns.services import themes_seed
    from ovoz.insights.alert_services import alerts_run
    from ovoz.places.choices import AreaKind
    from ovoz.places.models import Area
    from ovoz.places.services import areas_seed

    call_command("migrate", verbosity=0)
    areas_seed()
    themes_seed()
    regions = list(Area.objects.filter(kind=AreaKind.REGION))
    Area.objects.bulk_create(
        Area(
            name=f"District {number}",
            kind=AreaKind.DISTRICT,
            parent=regions[number % len(regions)],
            path=f"{regions[number % len(regions)].path}{regions[number % len(regions)].pk}/",
            depth=2,
        )
        for number in range(options.areas)
    )
    districts = list(Area.objects.filter(kind=AreaKind.DISTRICT).values_list("pk", flat=True))
    themes = list(Theme.objects.values_list("pk", flat=True))
    day = timezone.localdate()
    days = 406
    rng = np.random.default_rng(15)
    buffer = io.StringIO()
    rows = 0
    for area_id in districts:
        counts = rng.poisson(options.rate, size=(len(themes), days))
        if area_id == districts[0]:
            counts[0, -5:] += 4  # the surge
        for theme_index, offset in zip(*np.nonzero(counts), strict=True):
            row_day = day - timedelta(days=days - 1 - int(offset))
            buffer.write(
                f"{row_day}\t{area_id}\t{themes[theme_index]}\tpublic\tweb\treceived\t{counts[theme_index, offset]}\n"
            )
            rows += 1
    buffer.seek(0)
    with connection.cursor() as cursor:
        with cursor.copy(
            "COPY concerns_concernrollup (day, area_key, theme_key, visibility, channel, status, count) FROM STDIN"
        ) as copy:
            copy.write(buffer.read())
        cursor.execute("ANALYZE concerns_concernrollup")
    print(f"{platform.node()}, {os.cpu_count()} cores: {options.areas} districts, {len(themes)} themes, {days} days")
    print(f"{rows} rollup rows")
    print("| run | series | raised | extended | seconds |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for run in ("first", "again"):
        started = time.perf_counter()
        report = alerts_run(day=day, notify=False)
        seconds = time.perf_counter() - started
        print(f"| {run} | {report.series} | {report.raised} | {report.extended} | {seconds:.1f} |")


if __name__ == "__main__":
    main()
