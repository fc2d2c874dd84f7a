"""Intake on PostgreSQL stores a plain concern in one statement (issue 13.5): what it stores must equal
what the ORM's transaction stores, it must be all or nothing without a transaction around it, and a
retry must still find the first concern. The language of a web, API or Open311 concern is detected by
the task that follows intake; SMS and Telegram replies and sealed concerns need it at once."""

from datetime import timedelta
from typing import Any

import pytest
from django.db import DatabaseError, connection
from django.utils import timezone

from ovoz.concerns import services
from ovoz.concerns.choices import Channel, Visibility
from ovoz.concerns.models import Concern, ConcernRollup, ConcernRollupDelta
from ovoz.concerns.services import intake

pytestmark = pytest.mark.django_db

WATER_TEXT = "Воды нет уже третью неделю, дети болеют"
# Whatever a row holds that two concerns can never share.
UNIQUE_COLUMNS = {"id", "receipt_hash", "receipt_valid_until", "submission_hash", "sealed_receipt", "updated_at"}


def on_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the one-statement intake is PostgreSQL's (SQLite stores in a transaction)")


def submit(places, themes, *, token: str, received_at=None) -> Concern:
    return services.concern_submit(
        text=WATER_TEXT,
        channel=Channel.API,
        area=places["zomin"],
        latitude=40.123456,
        longitude=67.654321,
        themes=[themes["water"]],
        visibility=Visibility.RESTRICTED,
        submission_token=token,
        received_at=received_at,
    ).concern


def stored(concern: Concern) -> tuple[dict[str, object], list[str], list[tuple[Any, ...]]]:
    row = Concern.objects.filter(pk=concern.pk).values().get()
    deltas = list(
        ConcernRollupDelta.objects.order_by("theme_key").values_list(
            "day", "area_key", "theme_key", "visibility", "channel", "status", "count"
        )
    )
    ConcernRollupDelta.objects.all().delete()
    slugs = sorted(concern.themes.values_list("slug", flat=True))
    return {key: value for key, value in row.items() if key not in UNIQUE_COLUMNS}, slugs, deltas


def test_the_one_statement_stores_what_the_orm_stores(places, themes, monkeypatch, django_capture_on_commit_callbacks):
    on_postgresql()
    received_at = timezone.now() - timedelta(days=2)
    one = submit(places, themes, token="a" * 22, received_at=received_at)
    one_row, one_themes, one_deltas = stored(one)
    monkeypatch.setattr(intake, "_is_one_row", lambda request, concern: False)
    other = submit(places, themes, token="b" * 22, received_at=received_at)
    other_row, other_themes, other_deltas = stored(other)

    assert one_row.pop("created_at") == other_row.pop("created_at") == received_at  # the gateway's time, as given
    assert one_row == other_row
    assert one_row["latitude"] == 40.12 and one_row["language"] == "" and one_row["is_followup_pending"]
    assert one_themes == other_themes == ["water"]
    assert one_deltas == other_deltas and len(one_deltas) == 2  # the theme's and all themes' counts
    assert one_deltas[0][0] == timezone.localdate(received_at)
    assert one.pk != other.pk and not one._state.adding


@pytest.mark.django_db(transaction=True)
def test_the_one_statement_is_all_or_nothing_without_a_transaction(places, themes, monkeypatch):
    on_postgresql()
    assert not connection.in_atomic_block  # autocommit, as in a web request
    # The deltas' part of the statement fails (a status too long for its column): nothing may stay.
    real = intake.rollup_delta_insert
    monkeypatch.setattr(
        intake,
        "rollup_delta_insert",
        lambda keys, delta: real([(*key[:5], "x" * 200) for key in keys], delta),
    )
    with pytest.raises(DatabaseError):
        submit(places, themes, token="c" * 22)
    assert Concern.objects.count() == 0
    assert Concern.themes.through.objects.count() == 0
    assert ConcernRollupDelta.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_retry_in_autocommit_returns_the_first_concern_and_writes_nothing(places, themes):
    on_postgresql()
    first = services.concern_submit(text=WATER_TEXT, channel=Channel.API, submission_token="d" * 22)
    again = services.concern_submit(text=WATER_TEXT, channel=Channel.API, submission_token="d" * 22)
    assert again.is_repeat and again.concern.pk == first.concern.pk and again.receipt == first.receipt
    assert Concern.objects.count() == 1
    services.rollups_drain()  # (the immediate task backend has drained already, in autocommit)
    assert sum(ConcernRollup.objects.values_list("count", flat=True)) == 2  # the concern under "all themes" too


def test_a_web_or_api_concern_gets_its_language_from_the_task_that_follows_intake(
    places, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        concern = services.concern_submit(text=WATER_TEXT, channel=Channel.API).concern
    assert Concern.objects.get(pk=concern.pk).language == ""  # not on the request's path

    assert services.concern_languages_detect(concern_ids=[concern.pk]) == 1
    assert Concern.objects.get(pk=concern.pk).language == "ru"
    # A language staff set meanwhile is never overwritten.
    Concern.objects.filter(pk=concern.pk).update(language="uz")
    assert services.concern_languages_detect(concern_ids=[concern.pk]) == 0
    assert Concern.objects.get(pk=concern.pk).language == "uz"


@pytest.mark.parametrize("channel", [Channel.SMS, Channel.TELEGRAM])
def test_a_concern_answered_at_once_gets_its_language_at_intake(places, channel):
    concern = services.concern_submit(text=WATER_TEXT, channel=channel).concern
    assert Concern.objects.get(pk=concern.pk).language == "ru"  # its reply goes out in it


def test_a_sealed_concern_gets_its_language_at_intake_and_is_left_to_no_task(places, themes):
    concern = services.concern_submit(text=WATER_TEXT, channel=Channel.WEB, themes=[themes["violence"]]).concern
    stored_concern = Concern.objects.get(pk=concern.pk)
    assert stored_concern.is_sealed and stored_concern.text == ""
    assert stored_concern.language == "ru" and not stored_concern.is_followup_pending


# pkey, receipt (unique), submission (unique), status + created, published + published_at, created_at,
# area, follow-up pending. Raising it makes every intake slower: say why in the commit.
INDEXES_A_NEW_CONCERN_IS_IN = 8


def test_a_new_concern_is_written_to_few_indexes_and_lookups_keep_theirs(places, themes):
    """Every index holding a new concern's row is written by every intake: hashes have no LIKE indexes,
    and columns a new concern leaves empty are indexed only where set (so lookups by them still have one)."""
    on_postgresql()
    concern = submit(places, themes, token="c" * 22)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_expr(indpred, indrelid) FROM pg_index"
            " WHERE indrelid = 'concerns_concern'::regclass"
        )
        indexes = cursor.fetchall()
        holding = []
        for name, predicate in indexes:
            cursor.execute(
                # The predicate is PostgreSQL's own text of the index's WHERE clause, not input.
                f"SELECT EXISTS (SELECT 1 FROM concerns_concern WHERE id = %s AND ({predicate or 'true'}))",  # noqa: S608
                [concern.pk],
            )
            if cursor.fetchone()[0]:
                holding.append(name)
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'concerns_concern'")
        definitions = " ".join(row[0] for row in cursor.fetchall())
    assert len(holding) == INDEXES_A_NEW_CONCERN_IS_IN, sorted(holding)
    assert "varchar_pattern_ops" not in definitions
    for column in ("closed_at", "duplicate_of_id", "contact_phone_hash", "contact_email_hash", "receipt_hash"):
        assert f"({column})" in definitions, column
