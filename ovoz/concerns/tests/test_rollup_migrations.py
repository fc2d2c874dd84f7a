"""The data migrations that recount rollups from the concerns (0003, 0005) run in batches of concerns
and write the same rows as their first, all-in-memory versions did (kept below as the reference)."""

import importlib
from collections import Counter
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from ovoz.accounts.tests.factories import UserFactory
from ovoz.concerns import services
from ovoz.concerns.choices import Channel, Status, Visibility
from ovoz.concerns.migrations import _rollup_recount
from ovoz.concerns.models import Concern, ConcernMonthRollup, ConcernRollup, Theme
from ovoz.concerns.tests.test_rollups import recount
from ovoz.places.models import Area

pytestmark = pytest.mark.django_db

first_recount = importlib.import_module("ovoz.concerns.migrations.0003_month_rollups_and_all_theme_counts")
enclosing_recount = importlib.import_module("ovoz.concerns.migrations.0005_month_rollup_counts_enclosing_areas")


def unbatched_rollups_rebuild() -> None:
    """0003 as it was first written: every concern's themes and every count in memory at once."""
    through = Concern.themes.through
    daily: Counter = Counter()
    monthly: Counter = Counter()
    themes_by_concern: dict = {}
    for concern_id, theme_id in through.objects.values_list("concern_id", "theme_id"):
        themes_by_concern.setdefault(concern_id, []).append(theme_id)
    fields = ("pk", "created_at", "area_id", "visibility", "channel", "status")
    for pk, created_at, area_id, visibility, channel, status in Concern.objects.values_list(*fields):
        day = timezone.localdate(created_at)
        for theme_key in [*(themes_by_concern.get(pk) or [0]), -1]:
            daily[(day, area_id or 0, theme_key, visibility, channel, status)] += 1
            for area_key in (area_id or 0, -1):
                monthly[(day.replace(day=1), area_key, theme_key, status)] += 1
                monthly[(day.replace(day=1), area_key, theme_key, "")] += 1
    ConcernRollup.objects.all().delete()
    ConcernMonthRollup.objects.all().delete()
    ConcernRollup.objects.bulk_create(
        ConcernRollup(day=k[0], area_key=k[1], theme_key=k[2], visibility=k[3], channel=k[4], status=k[5], count=n)
        for k, n in daily.items()
    )
    ConcernMonthRollup.objects.bulk_create(
        ConcernMonthRollup(month=k[0], area_key=k[1], theme_key=k[2], status=k[3], count=n) for k, n in monthly.items()
    )


def unbatched_month_rollup_rebuild() -> None:
    """0005 as it was first written."""
    paths = dict(Area.objects.values_list("pk", "path"))
    themes_by_concern: dict = {}
    for concern_id, theme_id in Concern.themes.through.objects.values_list("concern_id", "theme_id"):
        themes_by_concern.setdefault(concern_id, []).append(theme_id)
    monthly: Counter = Counter()
    for pk, created_at, area_id, status in Concern.objects.values_list("pk", "created_at", "area_id", "status"):
        month = timezone.localdate(created_at).replace(day=1)
        if area_id:
            enclosing = [*(int(part) for part in paths.get(area_id, "").split("/") if part), area_id, -1]
        else:
            enclosing = [0, -1]
        for theme_key in [*(themes_by_concern.get(pk) or [0]), -1]:
            for area_key in enclosing:
                monthly[(month, area_key, theme_key, status)] += 1
                monthly[(month, area_key, theme_key, "")] += 1
    ConcernMonthRollup.objects.all().delete()
    ConcernMonthRollup.objects.bulk_create(
        ConcernMonthRollup(month=k[0], area_key=k[1], theme_key=k[2], status=k[3], count=n) for k, n in monthly.items()
    )


def daily_rows() -> Counter:
    return Counter(
        {
            (row.day, row.area_key, row.theme_key, row.visibility, row.channel, row.status): row.count
            for row in ConcernRollup.objects.all()
        }
    )


def monthly_rows() -> Counter:
    return Counter(
        {(row.month, row.area_key, row.theme_key, row.status): row.count for row in ConcernMonthRollup.objects.all()}
    )


@pytest.fixture
def concerns(seeded):
    """Concerns over several months, areas at every level (and none), zero to three themes, every
    visibility, two channels and a few statuses; ids with gaps (some deleted)."""
    areas = [None, *Area.objects.filter(code__in=["UZ-JI", "UZ-SA", "KG-O"]).order_by("code")]
    areas += list(Area.objects.filter(parent__in=[area for area in areas if area]).order_by("pk")[:3])
    themes = list(Theme.objects.order_by("position")[:4])
    actor = UserFactory(username="facilitator", with_totp=False)
    made = []
    for index in range(23):
        made.append(
            services.concern_submit(
                text=f"concern {index}",
                channel=[Channel.WEB, Channel.API][index % 2],
                area=areas[index % len(areas)],
                themes=themes[index % 3 : index % 3 + index % 4],
                visibility=list(Visibility)[index % len(Visibility)],
                received_at=timezone.now() - timedelta(days=index * 9),
            ).concern
        )
    for concern in made[::5]:
        services.concern_change_status(actor=actor, concern=concern, status=Status.ACCEPTED)
    for concern in made[3::7]:
        assert services.concern_delete(concern=concern)
    services.rollups_drain()
    return made


@pytest.mark.parametrize("batch_size", [1, 4, 5000])
def test_batched_recounts_write_the_same_rollups_as_the_unbatched_ones(concerns, monkeypatch, batch_size):
    monkeypatch.setattr(_rollup_recount, "BATCH_SIZE", batch_size)
    monkeypatch.setattr(_rollup_recount, "WRITE_ROWS", 7)  # several INSERT statements per batch too
    schema_editor = SimpleNamespace(connection=connection)

    unbatched_rollups_rebuild()
    expected_daily, expected_monthly = daily_rows(), monthly_rows()
    ConcernRollup.objects.all().delete()
    first_recount.rollups_rebuild(apps, schema_editor)
    assert len(expected_daily) > 20
    assert (daily_rows(), monthly_rows()) == (expected_daily, expected_monthly)

    unbatched_month_rollup_rebuild()
    expected_monthly = monthly_rows()
    ConcernMonthRollup.objects.update(count=999)  # the recount must replace, not add to, what is there
    enclosing_recount.month_rollup_rebuild(apps, schema_editor)
    assert monthly_rows() == expected_monthly
    # And that is what the services keep up to date today (regions count what is inside them).
    assert +monthly_rows() == recount()[1]
