"""Survey results at 1,000 and at 100,000 responses to a 40-question form (issue 16), on PostgreSQL.

Builds a fresh database (OVOZ_BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/ovoz_bench_surveys: dropped and created anew, never point it at
real data), imports a 40-question XLSForm (gender, age, 30 select_one and 8 select_multiple questions
in four groups) twice, and writes a round of synthetic responses straight into the Response and
ResultCount tables (COPY and bulk inserts: the Answer rows are left out, the results never read them),
spread over 2 genders, 7 age bands and 10 areas. Then requests the public results page (overall, by
gender, by area, by age band and area) and the API (the list, results by gender, by area, by gender and
age band, by age band and area) in-process with Django's test client
(server time without the network; the process settled as ovoz/wsgi.py settles a web process, and the
page by age band and area shows one area at a time, as every page of a crossing with area does), --repeat times after two warm-up requests, and prints p50/p95 in
milliseconds at each size and the ratio of p95 at 100,000 to p95 at 1,000 (with the results cache, as a
deployment serves them between responses; ``--cold`` empties it before every request).
Targets: p95 under 100 ms at 100,000 responses, and at most 1.5 times the time at 1,000.

    .venv/bin/python bench/surveys.py [--sizes 1000 100000] [--repeat 30]
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get("OVOZ_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ovoz_bench_surveys")
GENDERS = ("female", "male")
YES_NO = ("yes", "no", "dont_know")
PLACES = ("street", "market", "bus", "school")


def workbook() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(["type", "name", "label::English (en)", "ovoz::mark"])
    survey.append(["select_one gender", "gender", "Gender", "gender"])
    survey.append(["integer", "age", "Age", "age"])
    number = 0
    for section in range(4):
        survey.append(["begin_group", f"section_{section}", f"Section {section}", ""])
        for index in range(section * 2, section * 2 + 2):
            survey.append(["select_multiple places", f"m_{index}", f"Where {index}?", ""])
        while number < (section + 1) * 30 // 4:
            mark = "sensitive" if number == 0 else ""
            survey.append(["select_one yes_no", f"q_{number}", f"Question {number}?", mark])
            number += 1
        survey.append(["end_group", "", "", ""])
    choices = book.create_sheet("choices")
    choices.append(["list_name", "name", "label::English (en)"])
    for name in GENDERS:
        choices.append(["gender", name, name])
    for name in YES_NO:
        choices.append(["yes_no", name, name])
    for name in PLACES:
        choices.append(["places", name, name])
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id", "default_language"])
    settings.append(["Bench safety", "bench_safety", "English (en)"])
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def load(size: int, areas: list[int], seed: int) -> str:
    """A published survey with one round of ``size`` responses; returns its slug."""
    import numpy as np
    from django.db import connection
    from django.utils import timezone

    from ovoz.surveys.indicators import indicator_add
    from ovoz.surveys.models import ResultCount, Survey
    from ovoz.surveys.services import survey_import, survey_round_open
    from ovoz.surveys.statistics import AGE_BAND_NAMES

    survey = survey_import(file=workbook(), file_name=f"bench-{size}.xlsx", publish=True)
    slug = f"bench-{size}"
    Survey.objects.filter(pk=survey.pk).update(slug=slug, results_published=True)
    survey.refresh_from_db()
    questions = [q for q in survey.questions if q["type"] in ("select_one", "select_multiple", "integer")]
    assert len(questions) == 40, len(questions)
    survey_round = survey_round_open(survey=survey, actor=None)
    indicator_add(survey=survey, question="q_1", value="yes", label="", actor=None)
    rng = np.random.default_rng(seed)
    bands = AGE_BAND_NAMES[1:]
    gender = rng.integers(0, len(GENDERS), size)
    band = rng.integers(0, len(bands), size)
    area = rng.integers(0, len(areas), size)
    cohorts = len(GENDERS) * len(bands) * len(areas)
    cohort = (gender * len(bands) + band) * len(areas) + area
    now = timezone.now().isoformat()
    buffer = io.StringIO()
    for index in range(size):
        buffer.write(
            f"{survey_round.pk}\tweb\tbench-{index}\ten\t{now}\t{now}\t{GENDERS[gender[index]]}\t"
            f"{bands[band[index]]}\t{areas[area[index]]}\n"
        )
    buffer.seek(0)
    with connection.cursor() as cursor:
        columns = "round_id, channel, submission_key, language, started_at, completed_at, gender, age_band, area_id"
        with cursor.copy(f"COPY surveys_response ({columns}) FROM STDIN") as copy:
            copy.write(buffer.read())
    people = np.bincount(cohort, minlength=cohorts)
    counts: dict[tuple[str, str], np.ndarray] = {("", ""): people, ("gender", ""): people, ("age", ""): people}
    for index, name in enumerate(GENDERS):
        counts[("gender", name)] = np.bincount(cohort[gender == index], minlength=cohorts)
    for question in questions:
        if question["type"] == "select_one":
            answer = rng.integers(0, len(YES_NO), size)
            counts[(question["name"], "")] = people
            for index, name in enumerate(YES_NO):
                counts[(question["name"], name)] = np.bincount(cohort[answer == index], minlength=cohorts)
        elif question["type"] == "select_multiple":
            chosen = rng.random((size, len(PLACES))) < 0.3
            answered = chosen.any(axis=1)
            counts[(question["name"], "")] = np.bincount(cohort[answered], minlength=cohorts)
            for index, name in enumerate(PLACES):
                counts[(question["name"], name)] = np.bincount(cohort[chosen[:, index]], minlength=cohorts)
    rows = []
    for (question, value), per_cohort in counts.items():
        for key in np.nonzero(per_cohort)[0]:
            area_index = int(key) % len(areas)
            band_index = (int(key) // len(areas)) % len(bands)
            gender_index = int(key) // (len(areas) * len(bands))
            rows.append(
                ResultCount(
                    round=survey_round,
                    question=question,
                    value=value,
                    gender=GENDERS[gender_index],
                    age_band=bands[band_index],
                    area_key=areas[area_index],
                    count=int(per_cohort[key]),
                )
            )
    ResultCount.objects.bulk_create(rows, batch_size=5000)
    print(f"{size:,} responses: {len(rows):,} ResultCount rows", file=sys.stderr, flush=True)
    return slug


def measure(url: str, repeat: int, *, cold: bool = False) -> dict[str, float]:
    """p50/p95 of ``repeat`` requests after two warm-up ones. Results are worked out once per state of a
    round's counts and then read from the cache; ``cold`` empties the cache before each request, so each
    pays what the first reader after a new response pays."""
    from django.core.cache import cache
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(repeat):
        if cold:
            cache.clear()
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    times.sort()
    return {
        "p50": statistics.median(times),
        "p95": times[max(0, int(len(times) * 0.95) - 1)],
        "kb": len(response.content) / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100000])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument(
        "--cold", action="store_true", help="empty the cache before each request: the first reader after a response"
    )
    options = parser.parse_args()
    parts = urlsplit(DATABASE_URL)
    name = parts.path.lstrip("/")
    admin = ["psql", "-h", parts.hostname or "127.0.0.1", "-U", parts.username or "postgres", "-d", "postgres", "-q"]
    subprocess.run([*admin, "-c", f'DROP DATABASE IF EXISTS "{name}"'], check=True)
    subprocess.run([*admin, "-c", f'CREATE DATABASE "{name}"'], check=True)
    os.environ["OVOZ_DATABASE_URL"] = DATABASE_URL
    os.environ["DJANGO_SETTINGS_MODULE"] = "ovoz.settings"
    os.environ.setdefault("OVOZ_LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from ovoz.places.choices import AreaKind
    from ovoz.places.models import Area
    from ovoz.places.services import areas_seed

    call_command("migrate", verbosity=0)
    from ovoz.core.warmup import settle

    settle()  # as ovoz/wsgi.py does in a web process: start-up's objects out of the collector's way
    areas_seed()
    areas = list(Area.objects.filter(kind=AreaKind.REGION).order_by("pk").values_list("pk", flat=True)[:10])
    slugs = {size: load(size, areas, seed=size) for size in sorted(options.sizes)}
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    urls = {
        "page": "/en/surveys/{slug}/results/",
        "page by gender": "/en/surveys/{slug}/results/?by=gender",
        "page by area": "/en/surveys/{slug}/results/?by=area",
        "API list": "/api/v1/surveys",
        "API by gender": "/api/v1/surveys/{slug}/results?by=gender",
        "API by area": "/api/v1/surveys/{slug}/results?by=area",
        "page by age band and area": "/en/surveys/{slug}/results/?by=age_band,area",
        "API by gender and age band": "/api/v1/surveys/{slug}/results?by=gender,age_band",
        "API by age band and area": "/api/v1/surveys/{slug}/results?by=age_band,area",
    }
    table = {
        label: {size: measure(url.format(slug=slugs[size]), options.repeat, cold=options.cold) for size in slugs}
        for label, url in urls.items()
    }
    sizes = sorted(slugs)
    print(
        f"# bench/surveys.py on {platform.node()} ({os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"PostgreSQL), 40 questions, {options.repeat} requests per URL"
    )
    header = ["request", *(f"p50/p95 ms @{size:,}" for size in sizes), "p95 ratio", "KB"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for label, by_size in table.items():
        cells = [f"{by_size[size]['p50']:.1f} / {by_size[size]['p95']:.1f}" for size in sizes]
        ratio = by_size[sizes[-1]]["p95"] / by_size[sizes[0]]["p95"]
        print(f"| {label} | " + " | ".join(cells) + f" | {ratio:.2f} | {by_size[sizes[-1]]['kb']:.0f} |")


if __name__ == "__main__":
    main()
