"""The daily scheduler claims each day once in the shared cache, and production without Redis keeps
that cache (rate limits too) in the database, never in one process's memory."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from ovoz.core.ratelimit import is_limited_for
from ovoz.operations.scheduler import DailyScheduler

ROOT = Path(__file__).resolve().parents[3]


def _moment(hour: int) -> datetime:
    return datetime(2026, 12, 1, hour, 5, tzinfo=timezone.get_current_timezone())


def test_of_two_schedulers_only_the_first_enqueues_a_day():
    first_jobs: list[object] = []
    second_jobs: list[object] = []
    first = DailyScheduler(hour=7, jobs=[first_jobs.append])
    second = DailyScheduler(hour=7, jobs=[second_jobs.append])
    assert first.tick(_moment(7)) is True
    assert second.tick(_moment(8)) is False
    assert first.tick(_moment(9)) is False
    assert [len(first_jobs), len(second_jobs)] == [1, 0]


def test_a_day_whose_jobs_could_not_be_enqueued_is_tried_again():
    def failing(day: object) -> None:
        raise ConnectionError("the database is down")

    enqueued: list[object] = []
    broken = DailyScheduler(hour=7, jobs=[failing])
    with pytest.raises(ConnectionError):
        broken.tick(_moment(7))
    assert DailyScheduler(hour=7, jobs=[enqueued.append]).tick(_moment(7)) is True
    assert len(enqueued) == 1


@pytest.mark.django_db
def test_the_scheduler_command_once_enqueues_then_finds_the_day_claimed(settings):
    settings.OVOZ_REMINDER_HOUR = 0
    first, second = StringIO(), StringIO()
    call_command("scheduler", "--once", stdout=first)
    call_command("scheduler", "--once", stdout=second)
    assert first.getvalue() == "Daily tasks enqueued: daily-jobs, alerts.\n"
    assert second.getvalue().startswith("Nothing to enqueue")


def test_early_warning_claiming_its_night_leaves_the_daily_tasks_of_that_day_to_run():
    """Each scheduler claims its own days: the alerts' claim after midnight must not take the day's
    reminders, retention and audit check with it."""
    alerts: list[object] = []
    daily: list[object] = []
    DailyScheduler(hour=0, name="alerts", jobs=[alerts.append]).tick(_moment(0))
    DailyScheduler(hour=7, jobs=[daily.append]).tick(_moment(7))
    assert len(alerts) == len(daily) == 1


@pytest.mark.slow
def test_production_without_redis_keeps_its_cache_in_the_database(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("OVOZ_", "DJANGO_"))}
    env.update(
        OVOZ_ENV="production",
        OVOZ_SECRET_KEY="x" * 50,
        OVOZ_ALLOWED_HOSTS="ovoz.example.org",
        OVOZ_DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        OVOZ_VAR_DIR=str(tmp_path),
        PYTHONPATH=str(ROOT),
    )
    probe = "import ovoz.settings as s; print(s.CACHES['default']['BACKEND'], s.CACHES['default']['LOCATION'])"
    result = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["django.core.cache.backends.db.DatabaseCache", "ovoz_cache"]


@pytest.mark.django_db
def test_the_database_cache_table_exists_and_counts_rate_limits():
    assert "ovoz_cache" in connection.introspection.table_names()
    database_cache = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "ovoz_cache"}}
    with override_settings(CACHES=database_cache):
        caches["default"].clear()
        answers = [is_limited_for("203.0.113.9", scope="test", limit=3, window_seconds=600) for _ in range(4)]
    assert answers == [False, False, False, True]
