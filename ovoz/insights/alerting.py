"""Early warning over the rollups: the daily counts of every area × theme series, at every level of the
area tree, run through the detector (``early_warning.detect``) for one day.

Reads ``ConcernRollup`` only (every visibility counts: an alert is a number, never a concern's words),
summed per area, theme and day in the database, then added up for every area above (a district's
concerns count for its region and country too). The cost grows with the areas, themes and days that
had concerns, never with the concerns themselves.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from django.conf import settings
from django.db.models import Sum

from ovoz.concerns.models import ConcernRollup
from ovoz.insights import early_warning
from ovoz.insights.models import CHART_DAYS, WINDOW_DAYS
from ovoz.places.models import Area

# Enough past for the detector's longest look back (a year before a 7-day guard band), plus a few
# weeks in which the CUSUM can build up before the day.
HISTORY_DAYS = early_warning.LONG_DAYS + early_warning.GUARD_DAYS + 35
CHUNK_SERIES = 2000


@dataclass(frozen=True)
class SeriesAlert:
    """A series that is in alert on the day: what an ``Alert`` records."""

    area_id: int
    theme_id: int
    first_day: date  # the first of the consecutive alert days that end on the day
    score: float
    observed: int  # concerns in the WINDOW_DAYS days ending on the day
    expected: float  # what the detector expected over those days
    daily_counts: list[int]  # the CHART_DAYS days ending on the day
    daily_expected: list[float]


@dataclass(frozen=True)
class SeriesCounts:
    keys: list[tuple[int, int]]  # (area id, theme id) per series
    series: np.ndarray  # per nonzero cell: series index
    offsets: np.ndarray  # per nonzero cell: day index (0 = the first day)
    counts: np.ndarray  # per nonzero cell: the count
    first_day: date
    days: int


def series_counts(*, day: date, days: int = HISTORY_DAYS) -> SeriesCounts:
    """The daily counts of every area × theme series with a concern in the ``days`` days ending on
    ``day``, for each area and every area above it. Concerns without an area or theme are left out."""
    first_day = day - timedelta(days=days - 1)
    rows = (
        ConcernRollup.objects.filter(day__gte=first_day, day__lte=day, area_key__gt=0, theme_key__gt=0)
        .values_list("area_key", "theme_key", "day")
        .annotate(total=Sum("count"))
        .order_by()
    )
    cells: dict[tuple[int, int, int], int] = defaultdict(int)
    own_rows = [(area_key, theme_key, (row_day - first_day).days, total) for area_key, theme_key, row_day, total in rows]
    paths = dict(Area.objects.filter(pk__in={row[0] for row in own_rows}).values_list("pk", "path"))
    chains: dict[int, list[int]] = {
        area_id: [*(int(part) for part in path.split("/") if part), area_id] for area_id, path in paths.items()
    }
    for area_key, theme_key, offset, total in own_rows:
        if not total:
            continue
        for area_id in chains.get(area_key, ()):  # an area deleted since is left out
            cells[(area_id, theme_key, offset)] += total
    index: dict[tuple[int, int], int] = {}
    series, offsets, counts = [], [], []
    for (area_id, theme_key, offset), total in sorted(cells.items()):
        if total <= 0:
            continue
        series.append(index.setdefault((area_id, theme_key), len(index)))
        offsets.append(offset)
        counts.append(total)
    return SeriesCounts(
        keys=list(index),
        series=np.array(series, dtype=np.int64),
        offsets=np.array(offsets, dtype=np.int64),
        counts=np.array(counts, dtype=np.float64),
        first_day=first_day,
        days=days,
    )


def series_alerts(*, day: date, false_episodes_per_year: float | None = None) -> tuple[int, list[SeriesAlert]]:
    """How many series were examined, and those in alert on ``day``."""
    budget = settings.OVOZ_ALERT_FALSE_EPISODES_PER_YEAR if false_episodes_per_year is None else false_episodes_per_year
    data = series_counts(day=day)
    found: list[SeriesAlert] = []
    total = len(data.keys)
    for first in range(0, total, CHUNK_SERIES):
        last = min(first + CHUNK_SERIES, total)
        # data.series is sorted: the cells of this chunk's series are one slice.
        start, stop = np.searchsorted(data.series, [first, last])
        matrix = np.zeros((last - first, data.days))
        matrix[data.series[start:stop] - first, data.offsets[start:stop]] = data.counts[start:stop]
        detection = early_warning.detect(
            matrix, first_weekday=data.first_day.weekday(), false_episodes_per_year=budget
        )
        alerts = detection.alerts
        scores = detection.score
        for row in np.flatnonzero(alerts[:, -1]):
            # The episode: the alert days that run without a break up to the day.
            quiet = np.flatnonzero(~alerts[row])
            episode_start = int(quiet[-1]) + 1 if quiet.size else 0
            area_id, theme_id = data.keys[first + int(row)]
            found.append(
                SeriesAlert(
                    area_id=area_id,
                    theme_id=theme_id,
                    first_day=data.first_day + timedelta(days=episode_start),
                    score=round(float(scores[row, -1]), 3),
                    observed=int(matrix[row, -WINDOW_DAYS:].sum()),
                    expected=round(float(detection.expected[row, -WINDOW_DAYS:].sum()), 2),
                    daily_counts=[int(value) for value in matrix[row, -CHART_DAYS:]],
                    daily_expected=[round(float(value), 2) for value in detection.expected[row, -CHART_DAYS:]],
                )
            )
    return total, found
