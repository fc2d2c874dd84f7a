"""Rollups: daily, monthly and all-time counts and step durations, kept exact by upserts that add."""

from __future__ import annotations

import functools
import logging
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db import connection, models, transaction
from django.utils import timezone

from ovoz.concerns.choices import (
    EventKind,
    Status,
    Visibility,
)
from ovoz.concerns.models import (
    ALL_AREAS,
    ALL_STATUSES,
    ALL_THEMES,
    Concern,
    ConcernAreaRollup,
    ConcernEvent,
    ConcernMonthRollup,
    ConcernPublicAreaRollup,
    ConcernPublicMonthRollup,
    ConcernRollup,
    ConcernRollupDelta,
    ConcernStepRollup,
)
from ovoz.core.counting import counts_add
from ovoz.core.enqueue import enqueue_soon_once
from ovoz.places.models import Area

if TYPE_CHECKING:
    pass

logger = logging.getLogger(__name__)

RollupKey = tuple[date, int, int, str, str, str]


def _rollup_keys(concern: Concern, theme_ids: Iterable[int] | None = None) -> list[RollupKey]:
    day = timezone.localdate(concern.created_at)
    if theme_ids is None:
        theme_ids = concern.themes.values_list("pk", flat=True)
    return [
        (day, concern.area_id or 0, theme_id, concern.visibility, concern.channel, concern.status)
        for theme_id in [*(list(theme_ids) or [0]), ALL_THEMES]
    ]


def _rollup_apply(keys: Iterable[RollupKey], delta: int) -> None:
    """Add ``delta`` to each key's daily count, and to the monthly and all-time counts: appended as
    pending deltas in the caller's transaction, added to the rollups by ``rollups_drain`` (soon after
    commit, and by every reader before it reads)."""
    statement = rollup_delta_insert(keys, delta)
    if statement is not None:
        with connection.cursor() as cursor:
            cursor.execute(*statement)
    transaction.on_commit(rollups_drain_soon, robust=True)


def rollup_delta_insert(keys: Iterable[RollupKey], delta: int) -> tuple[str, list[Any]] | None:
    """The INSERT of pending deltas for these keys and its parameters (None without keys): one plain
    statement, since every intake runs it and the ORM's bulk_create costs several times more in Python
    for the two rows of a new concern (issue 13.5). Intake on PostgreSQL runs it inside its own
    statement (``services.intake``); the caller must register ``rollups_drain_soon`` on commit."""
    rows = list(dict.fromkeys(keys))
    if not rows:
        return None
    parameters: list[Any] = []
    for day, area_key, theme_key, visibility, channel, status in rows:
        parameters += [day, area_key, theme_key, str(visibility), str(channel), str(status), delta]
    return _delta_insert_sql(len(rows), connection.vendor), parameters


@functools.cache
def _delta_insert_sql(rows: int, vendor: str) -> str:
    """The INSERT of ``rows`` deltas (made once per number of rows: every intake needs one)."""
    table = connection.ops.quote_name(ConcernRollupDelta._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(column) for column in _DELTA_COLUMNS)
    placeholders = ", ".join(["(" + ", ".join(["%s"] * len(_DELTA_COLUMNS)) + ")"] * rows)
    return f"INSERT INTO {table} ({columns}) VALUES {placeholders}"  # noqa: S608 (names from the model)


_DELTA_COLUMNS = ("day", "area_key", "theme_key", "visibility", "channel", "status", "count")


# How long deltas may wait for the drain task after their commit (its start is delayed by this much, so
# that one task drains everything committed meanwhile in this process).
DRAIN_DELAY_SECONDS = 1
_DRAIN_PENDING = "ovoz:rollups-drain-pending"
# pg_advisory_xact_lock's key for the one drainer at a time ("ovoz" in ASCII).
_DRAIN_LOCK = 0x6F766F7A


def rollups_drain_soon() -> None:
    """Enqueue the drain task to start ``DRAIN_DELAY_SECONDS`` from now, unless one enqueued so has not
    started yet: every delta committed before this call is drained by a task that starts after it."""
    from ovoz.concerns.tasks import drain_rollups

    enqueue_soon_once(drain_rollups, key=_DRAIN_PENDING, delay=timedelta(seconds=DRAIN_DELAY_SECONDS))


def rollups_drain(*, batch_size: int = 5000) -> int:
    """Add the pending deltas to the rollup tables and delete them; returns how many deltas were added.

    Exact: a batch is added and deleted in one transaction, and drainers take turns (an advisory lock on
    PostgreSQL, SQLite's one writer), so a delta is added once. When it returns, every delta committed
    before it was called is in the rollups: a reader calls it first.
    """
    drained = 0
    # A delta that another drainer is taking out is still visible until that drainer commits, so an
    # empty table means there is nothing to wait for.
    while ConcernRollupDelta.objects.exists():
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_DRAIN_LOCK])
            rows = list(
                ConcernRollupDelta.objects.order_by("pk").values_list(
                    "pk", "day", "area_key", "theme_key", "visibility", "channel", "status", "count"
                )[:batch_size]
            )
            counts: Counter[RollupKey] = Counter()
            for _pk, day, area_key, theme_key, visibility, channel, status, count in rows:
                counts[(day, area_key, theme_key, visibility, channel, status)] += count
            rollups_add(counts)
            ConcernRollupDelta.objects.filter(pk__in=[row[0] for row in rows]).delete()
        drained += len(rows)
        if len(rows) < batch_size:
            break
    return drained


def rollups_add(daily_counts: Counter[RollupKey], *, batch_size: int = 2000) -> None:
    """Add counts to the daily rollup and the matching monthly and all-time rollups, in upserts that add
    on conflict.

    PostgreSQL and SQLite (3.24+) share this INSERT ... ON CONFLICT ... DO UPDATE syntax; the
    unique key settles concurrent writers without a read first. One statement per table for a single
    concern; bulk paths (``ovoz generate``) pass many keys at once.
    """
    daily = [(key, count) for key, count in daily_counts.items() if count]
    monthly: Counter[tuple[date, int, int, str]] = Counter()
    all_time: Counter[tuple[int, int, str]] = Counter()
    # The monthly rollup counts a concern under its area and every area above it, so a region's row
    # holds everything inside the region: a map by region reads a few rows per region, whatever the
    # number of districts or concerns. Concerns whose visibility is public are counted once more on their
    # own: public figures start from these (restricted and confidential ones join only in groups).
    public_monthly: Counter[tuple[date, int, int, str]] = Counter()
    public_all_time: Counter[tuple[int, int, str]] = Counter()
    enclosing = areas_enclosing({key[1] for key, _count in daily})
    for (day, area_key, theme_key, visibility, _channel, status), count in daily:
        month = day.replace(day=1)
        for area in (*enclosing[area_key], ALL_AREAS):
            for counted_status in (status, ALL_STATUSES):
                monthly[(month, area, theme_key, counted_status)] += count
                all_time[(area, theme_key, counted_status)] += count
                if visibility == Visibility.PUBLIC:
                    public_monthly[(month, area, theme_key, counted_status)] += count
                    public_all_time[(area, theme_key, counted_status)] += count
    daily_columns = ["day", "area_key", "theme_key", "visibility", "channel", "status"]
    for start in range(0, len(daily), batch_size):
        counts_add(ConcernRollup, daily_columns, daily[start : start + batch_size])
    month_columns, area_columns = ["month", "area_key", "theme_key", "status"], ["area_key", "theme_key", "status"]
    for model, columns, counts in (
        (ConcernMonthRollup, month_columns, monthly),
        (ConcernAreaRollup, area_columns, all_time),
        (ConcernPublicMonthRollup, month_columns, public_monthly),
        (ConcernPublicAreaRollup, area_columns, public_all_time),
    ):
        # In key order, so that concurrent writers lock shared rows (a region's, all areas') in the same order.
        changed = sorted((key, count) for key, count in counts.items() if count)
        for start in range(0, len(changed), batch_size):
            counts_add(model, columns, changed[start : start + batch_size])


def areas_enclosing(area_ids: Iterable[int]) -> dict[int, list[int]]:
    """For each area id, the ids of the area and of every area above it (0, no area, stays 0)."""
    ids = [area_id for area_id in set(area_ids) if area_id > 0]
    paths = dict(Area.objects.filter(pk__in=ids).values_list("pk", "path")) if ids else {}
    enclosing = {
        area_id: [*(int(part) for part in paths.get(area_id, "").split("/") if part), area_id] for area_id in ids
    }
    enclosing[0] = [0]
    return enclosing


StepKey = tuple[date, str, str, int]


# Events that move a concern from one status to another (a merge closes it without a STATUS event).
STATUS_MOVES = (EventKind.STATUS, EventKind.MERGED)


def _step_days(elapsed: timedelta) -> int:
    return min(max(elapsed.days, 0), ConcernStepRollup.MAX_DAYS)


def _steps_count(concern: Concern, *, previous: Status, reached: Status) -> None:
    """Count how long the step from ``previous`` to ``reached`` took, and for a resolution also the whole
    path since the concern was received (dashboards show the medians).

    The step began when the concern last changed status (or was received): the same rule
    ``steps_from_events`` follows, so the live counts equal a recount and a deletion can take a
    concern's steps out again.
    """
    now = timezone.now()
    entered = (
        ConcernEvent.objects.filter(concern=concern, kind__in=STATUS_MOVES)
        .order_by("-at", "-pk")
        .values_list("at", flat=True)
        .first()
    ) or concern.created_at
    steps: Counter[StepKey] = Counter()
    month = timezone.localdate(now).replace(day=1)
    steps[(month, previous, reached, _step_days(now - entered))] += 1
    if reached == Status.RESOLVED:
        steps[(month, "", reached, _step_days(now - concern.created_at))] += 1
    steps_add(steps)


def steps_add(steps: Counter[StepKey], *, batch_size: int = 2000) -> None:
    """Add step durations (month, status left, status reached, days) to the step rollup."""
    rows = [(key, count) for key, count in steps.items() if count]
    for start in range(0, len(rows), batch_size):
        counts_add(ConcernStepRollup, ["month", "from_status", "to_status", "days"], rows[start : start + batch_size])


def steps_from_events(events: models.QuerySet[ConcernEvent], created: dict[int, datetime]) -> Counter[StepKey]:
    """The step durations that ``events`` (and the concerns' ``created`` times) account for: one per STATUS
    event, timed from the concern's previous status move (or its receipt), plus the whole path for a
    resolution. ``steps_recount`` counts every concern's; ``concern_delete`` takes one concern's out."""
    steps: Counter[StepKey] = Counter()
    entered: dict[int, datetime] = {}
    ordered = events.filter(kind__in=STATUS_MOVES).order_by("concern_id", "at", "pk")
    for concern_id, kind, from_status, to_status, at in ordered.values_list(
        "concern_id", "kind", "from_status", "to_status", "at"
    ):
        since = entered.get(concern_id, created[concern_id])
        entered[concern_id] = at
        if kind != EventKind.STATUS:
            continue
        month = timezone.localdate(at).replace(day=1)
        steps[(month, from_status, to_status, _step_days(at - since))] += 1
        if to_status == Status.RESOLVED:
            steps[(month, "", to_status, _step_days(at - created[concern_id]))] += 1
    return steps


@transaction.atomic
def steps_recount() -> int:
    """Rebuild the step rollup from the status events (after events were re-dated, as the demo does).

    Returns how many steps were counted.
    """
    ConcernStepRollup.objects.all().delete()
    steps = steps_from_events(ConcernEvent.objects.all(), dict(Concern.objects.values_list("pk", "created_at")))
    steps_add(steps)
    return sum(steps.values())


class _RollupMove:
    """Take a concern's counts out before a change and put them back after it."""

    def __init__(self, concern: Concern) -> None:
        self.concern = concern

    def __enter__(self) -> None:
        _rollup_apply(_rollup_keys(self.concern), -1)

    def __exit__(self, *exc_info: object) -> None:
        if exc_info[0] is None:
            self.concern.refresh_from_db()
            _rollup_apply(_rollup_keys(self.concern), +1)
