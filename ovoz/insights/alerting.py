"""Early warning over the rollups: the daily counts of every area × theme series, at every level of the
area tree, run through the count detector (``early_warning.detect``) and the share signal
(``share_signal``: the theme's share of all its area's concerns) for one day; they split the false
alert budget (``share_signal.SHARE_BUDGET_FRACTION`` to the share signal).

Reads ``ConcernRollup`` only (every visibility counts: an alert is a number, never a concern's words),
summed per area, theme and day in the database, then added up for every area above (a district's
concerns count for its region and country too). The cost grows with the areas, themes and days that
had concerns, never with the concerns themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from django.conf import settings
from django.db import connection

from ovoz.concerns.models import ConcernRollup, Theme
from ovoz.concerns.services import rollups_drain
from ovoz.insights import early_warning, share_signal
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
    signal: str = "count"  # "count": the theme's concerns rose; "share": its share of the area's did
    area_observed: int | None = None  # share: all concerns in the area in the window
    expected_share: float | None = None  # share: the theme's usual share of them


@dataclass(frozen=True)
class SeriesCounts:
    keys: list[tuple[int, int]]  # (area id, theme id) per series
    series: np.ndarray  # per nonzero cell: series index
    offsets: np.ndarray  # per nonzero cell: day index (0 = the first day)
    counts: np.ndarray  # per nonzero cell: the count
    first_day: date
    days: int
    area_totals: np.ndarray | None = None  # per area of a kept series × day: all its concerns
    area_of: np.ndarray | None = None  # per kept series: its row in area_totals
    themes_in_area: np.ndarray | None = None  # per kept series: the themes its area had concerns about


def series_counts(*, day: date, days: int = HISTORY_DAYS) -> SeriesCounts:
    """The daily counts of every area × theme series with a concern in the WINDOW_DAYS days ending on
    ``day`` (a series without one is in no alert: an alert names the concerns of its window), over the
    ``days`` days ending on ``day``, for each area and every area above it. Concerns without an area
    or theme (or of one deleted since) are left out."""
    rollups_drain()  # the intakes' pending deltas first: the counts are exact
    first_day = day - timedelta(days=days - 1)
    query = ConcernRollup.objects.filter(
        day__gte=first_day, day__lte=day, area_key__gt=0, theme_key__in=Theme.objects.values("pk"), count__gt=0
    ).values_list("area_key", "theme_key", "day", "count")
    # Read as plain rows, neither grouped nor converted by the ORM (half the time at 750,000 rows): the
    # rows of one area, theme and day (one per visibility, channel and status) are added up below.
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        empty = np.zeros(0, dtype=np.int64)
        return SeriesCounts([], empty, empty, np.zeros(0), first_day, days)
    area_column, theme_column, day_column, count_column = zip(*rows, strict=True)
    offset_of = {
        value: ((date.fromisoformat(value) if isinstance(value, str) else value) - first_day).days
        for value in set(day_column)
    }
    own_areas = np.array(area_column, dtype=np.int64)
    themes = np.array(theme_column, dtype=np.int64)
    offsets = np.array([offset_of[value] for value in day_column], dtype=np.int64)
    totals = np.array(count_column, dtype=np.float64)
    # Each row counts for its area and for every area above it (an area deleted since, for none).
    paths = dict(Area.objects.filter(pk__in=set(own_areas.tolist())).values_list("pk", "path"))
    chains = {area_id: [*(int(part) for part in path.split("/") if part), area_id] for area_id, path in paths.items()}
    deepest = max((len(chain) for chain in chains.values()), default=0)
    area_parts, row_parts = [], []
    for level in range(deepest):
        at_level = {area_id: chain[level] for area_id, chain in chains.items() if len(chain) > level}
        mapped = np.array([at_level.get(area_id, 0) for area_id in own_areas.tolist()], dtype=np.int64)
        present = np.flatnonzero(mapped)
        area_parts.append(mapped[present])
        row_parts.append(present)
    row_index = np.concatenate(row_parts)
    areas = np.concatenate(area_parts)
    theme_values, theme_index = np.unique(themes[row_index], return_inverse=True)
    # One integer per (area, theme, day), summed.
    cell = (areas * len(theme_values) + theme_index) * days + offsets[row_index]
    cells, inverse = np.unique(cell, return_inverse=True)
    sums = np.bincount(inverse, weights=totals[row_index])
    keep = sums > 0
    cells, sums = cells[keep], sums[keep]
    series_cell = cells // days
    series_keys, series = np.unique(series_cell, return_inverse=True)
    cell_offsets = cells % days
    active = np.zeros(len(series_keys), dtype=bool)
    active[series[cell_offsets >= days - WINDOW_DAYS]] = True
    renumber = np.cumsum(active) - 1
    kept_cells = active[series]
    # Every theme counts in its area's total (the share signal's), kept series or not.
    area_keys, area_of_cell = np.unique(series_cell // len(theme_values), return_inverse=True)
    area_totals = np.bincount(area_of_cell.ravel() * days + cell_offsets, weights=sums, minlength=len(area_keys) * days)
    area_of_series = np.searchsorted(area_keys, series_keys // len(theme_values))
    themes_in_area = np.bincount(area_of_series, minlength=len(area_keys))
    return SeriesCounts(
        keys=[
            (int(key // len(theme_values)), int(theme_values[key % len(theme_values)]))
            for key in series_keys[active].tolist()
        ],
        series=renumber[series[kept_cells]],
        offsets=cell_offsets[kept_cells],
        counts=sums[kept_cells],
        first_day=first_day,
        days=days,
        area_totals=area_totals.reshape(len(area_keys), days),
        area_of=area_of_series[active],
        themes_in_area=themes_in_area[area_of_series[active]],
    )


def series_alerts(*, day: date, false_episodes_per_year: float | None = None) -> tuple[int, list[SeriesAlert]]:
    """How many series were examined, and those in alert on ``day``."""
    budget = settings.OVOZ_ALERT_FALSE_EPISODES_PER_YEAR if false_episodes_per_year is None else false_episodes_per_year
    # The count detector and the share signal split the budget: together they stay within it.
    count_part = 1 - share_signal.SHARE_BUDGET_FRACTION
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
            matrix, first_weekday=data.first_day.weekday(), false_episodes_per_year=budget * count_part
        )
        alerts = detection.alerts
        scores = detection.score
        share_alerts = np.zeros_like(alerts)
        if data.area_totals is not None and data.area_of is not None and data.themes_in_area is not None:
            totals = data.area_totals[data.area_of[first:last]]
            shares = share_signal.share_statistic(
                matrix,
                totals,
                data.themes_in_area[first:last],
                false_episodes_per_year=budget * share_signal.SHARE_BUDGET_FRACTION,
            )
            share_alerts = shares.alerts
            scores = np.maximum(np.where(alerts, scores, 0), np.where(share_alerts, shares.score, 0))
        either = alerts | share_alerts
        for row in np.flatnonzero(either[:, -1]):
            # The episode: the alert days that run without a break up to the day.
            quiet = np.flatnonzero(~either[row])
            episode_start = int(quiet[-1]) + 1 if quiet.size else 0
            area_id, theme_id = data.keys[first + int(row)]
            expected = detection.expected[row]
            by_share = not alerts[row, -1]
            if by_share:  # what the theme's usual share of the area's concerns would have been
                expected = shares.share[row] * totals[row]
            found.append(
                SeriesAlert(
                    area_id=area_id,
                    theme_id=theme_id,
                    first_day=data.first_day + timedelta(days=episode_start),
                    # The episode's highest so far: a held alert's last day may be under its
                    # threshold (hysteresis), the rise that raised it was not.
                    score=round(float(scores[row, episode_start:].max()), 3),
                    observed=int(matrix[row, -WINDOW_DAYS:].sum()),
                    expected=round(float(expected[-WINDOW_DAYS:].sum()), 2),
                    daily_counts=[int(value) for value in matrix[row, -CHART_DAYS:]],
                    daily_expected=[round(float(value), 2) for value in expected[-CHART_DAYS:]],
                    signal="share" if by_share else "count",
                    area_observed=int(totals[row, -WINDOW_DAYS:].sum()) if by_share else None,
                    expected_share=(
                        round(float(expected[-WINDOW_DAYS:].sum() / max(totals[row, -WINDOW_DAYS:].sum(), 1)), 4)
                        if by_share
                        else None
                    ),
                )
            )
    return total, found
