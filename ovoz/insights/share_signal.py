"""The share signal: a theme's share of all concerns in its area rising, even when the area's total is flat.

The count detector (``early_warning``) asks "more concerns about fuel prices than this series brings?".
When the area's total stays flat (or falls) while fuel prices take a larger part of it, the count may
rise too little for that question, yet the shift is the news. Given the area's total on a day, the
theme's count is binomial with the theme's usual share of that area:

1. **Expected share** of each series on each day, from the area's past only: the theme's concerns over
   the concerns of all themes in the area, over a 56-day window that ends a 7-day guard band before the
   day, shrunk towards the past year's share (worth SHRINK_CONCERNS concerns), itself shrunk towards an
   even split between the area's themes (worth PRIOR_CONCERNS).
2. A **binomial CUSUM** for the odds of the theme tripling: each day adds
   ``x log(π₁/π) + (n − x) log((1 − π₁)/(1 − π))`` (n the area's concerns that day, x the theme's,
   π the expected share, π₁ its odds times ODDS_SHIFT); a day without concerns adds nothing. Held
   between zero and CEILING times its threshold, like the count CUSUM.
3. **Thresholds calibrated by simulating the whole signal** on in-control areas (2–15 themes, each an
   overdispersed series of the kinds the count detector is calibrated on, so the shares wander more
   than a binomial would), per cell of (the theme's expected concerns a day, its expected share, half
   a year of history or more), to spend the share signal's part of the false alert budget.

An area with a single theme has no share signal. Only numpy; the same on a file and over the rollups.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ovoz.insights.early_warning import (
    CEILING,
    CHUNK_SERIES,
    GUARD_DAYS,
    LEVEL_EDGES,
    LONG_DAYS,
    MIN_HISTORY_DAYS,
    WINDOW_DAYS,
    YOUNG_DAYS,
    Float32Array,
    FloatArray,
    _in_control,
    _running,
    _trailing,
    cusum,
    thresholds_by_crossings,
)

ODDS_SHIFT = 3.0
SHRINK_CONCERNS = 20.0  # the past year's share counts as this many concerns of the short window
PRIOR_CONCERNS = 4.0  # an even split between the area's themes counts as this many concerns of the year
SHARE_EDGES = np.array([0.05, 0.15, 0.3, 0.5])
SHARE_TABLE_SHAPE = (2, len(LEVEL_EDGES) + 1, len(SHARE_EDGES) + 1)
CALIBRATION_AREAS = 3000
CALIBRATION_DAYS = 3 * 365
DISPERSION_PRIOR = 10.0
MAX_PSI = 10.0
MAX_SHARE = 0.95  # above this the theme is nearly the whole area: its share can hardly rise
# The part of the false alert budget the share signal spends when it runs beside the count detector.
SHARE_BUDGET_FRACTION = 0.2


@dataclass(frozen=True)
class ShareDetection:
    """Per series and day: the expected share, the area's concerns, the CUSUM and its threshold."""

    share: Float32Array
    totals: Float32Array
    statistic: Float32Array
    threshold: Float32Array

    @property
    def alerts(self) -> NDArray[np.bool_]:
        return self.statistic > self.threshold

    @property
    def score(self) -> Float32Array:
        return np.divide(self.statistic, self.threshold)


def area_totals(counts: NDArray[np.floating], areas: NDArray[np.intp]) -> FloatArray:
    """Each series' area total per day (the sum over the series of its area). ``areas`` numbers each
    series' area 0…k−1."""
    groups = int(areas.max()) + 1 if areas.size else 0
    totals = np.zeros((groups, counts.shape[1]))
    np.add.at(totals, areas, counts)
    return totals


def expected_share(counts: FloatArray, totals: FloatArray, themes_in_area: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The expected share of each series on each day (from its area's past only) and the area's mean
    concerns a day over the past year (for the cell)."""
    series, days = counts.shape
    t = np.arange(days)
    history = np.maximum(t - GUARD_DAYS, 0).astype(np.float64)
    long_days = np.maximum(np.minimum(history, LONG_DAYS), 1)
    theme_running, total_running = _running(counts), _running(totals)
    theme_long = _trailing(theme_running, GUARD_DAYS, LONG_DAYS, days)
    total_long = _trailing(total_running, GUARD_DAYS, LONG_DAYS, days)
    even = 1.0 / themes_in_area[:, None]
    long_share = (theme_long + PRIOR_CONCERNS * even) / (total_long + PRIOR_CONCERNS)
    theme_short = _trailing(theme_running, GUARD_DAYS, WINDOW_DAYS, days)
    total_short = _trailing(total_running, GUARD_DAYS, WINDOW_DAYS, days)
    share = (theme_short + SHRINK_CONCERNS * long_share) / (total_short + SHRINK_CONCERNS)
    return np.clip(share, 1e-3, MAX_SHARE), total_long / long_days


def share_increments(
    counts: NDArray[np.floating], totals: NDArray[np.floating], share: NDArray[np.floating]
) -> FloatArray:
    """log P(x | n, π₁) − log P(x | n, π) of a binomial, π₁ the share whose odds are ODDS_SHIFT times π's."""
    shifted = ODDS_SHIFT * share / (1 - share + ODDS_SHIFT * share)
    result: FloatArray = counts * np.log(shifted / share) + (totals - counts) * np.log((1 - shifted) / (1 - share))
    return result


def share_dispersion(counts: FloatArray, totals: FloatArray, share: FloatArray) -> FloatArray:
    """How much more the theme's count wanders than a binomial's, over the past year (quasi-binomial ψ,
    Pearson's: squared residuals over binomial variances, at least 1, with DISPERSION_PRIOR of prior
    weight on 1); the log-likelihood ratio is divided by it."""
    days = counts.shape[1]
    variance = totals * share * (1 - share)
    residuals = _trailing(_running((counts - totals * share) ** 2), GUARD_DAYS, LONG_DAYS, days)
    variances = _trailing(_running(variance), GUARD_DAYS, LONG_DAYS, days)
    result: FloatArray = np.clip((residuals + DISPERSION_PRIOR) / (variances + DISPERSION_PRIOR), 1.0, MAX_PSI)
    return result


def share_cell_of(level: FloatArray, share: FloatArray) -> NDArray[np.intp]:
    """The table cell (flat index) of every series and day: expected concerns a day, expected share, age."""
    young = (np.arange(level.shape[1]) < YOUNG_DAYS).astype(np.intp)
    level_band = np.searchsorted(LEVEL_EDGES, level, side="right")
    share_band = np.searchsorted(SHARE_EDGES, share, side="right")
    result: NDArray[np.intp] = (young * SHARE_TABLE_SHAPE[1] + level_band) * SHARE_TABLE_SHAPE[2] + share_band
    return result


def _share_statistic(
    counts: FloatArray, totals: FloatArray, themes_in_area: FloatArray, table: FloatArray | None
) -> tuple[Float32Array, Float32Array, Float32Array]:
    """Expected share, CUSUM and thresholds (cells when no table is given) of series whose area totals
    (per series and day) and number of themes in the area are given."""
    share, area_level = expected_share(counts, totals, themes_in_area)
    increments = (share_increments(counts, totals, share) / share_dispersion(counts, totals, share)).astype(np.float32)
    increments[:, :MIN_HISTORY_DAYS] = 0.0
    increments[themes_in_area < 2] = 0.0  # a lone theme is the whole area
    cells = share_cell_of(share * area_level, share)
    if table is None:
        return share.astype(np.float32), cusum(increments), cells.astype(np.float32)
    threshold = table.astype(np.float32).ravel()[cells]
    return share.astype(np.float32), cusum(increments, CEILING * threshold), threshold


def share_statistic(
    counts: NDArray[np.floating],
    totals: NDArray[np.floating],
    themes_in_area: NDArray[np.floating],
    *,
    false_episodes_per_year: float,
) -> ShareDetection:
    """The share signal of series whose area's total concerns per day (``totals``, series × days) and
    number of themes are known (the daily run reads them from the rollups)."""
    counts64, totals64 = np.asarray(counts, dtype=np.float64), np.asarray(totals, dtype=np.float64)
    share, statistic, threshold = _share_statistic(
        counts64, totals64, np.asarray(themes_in_area, dtype=np.float64), share_table(false_episodes_per_year)
    )
    return ShareDetection(share=share, totals=totals64.astype(np.float32), statistic=statistic, threshold=threshold)


def _in_control_areas(rng: np.random.Generator, areas: int, days: int) -> tuple[FloatArray, NDArray[np.intp]]:
    """Areas of 2–15 themes, each theme an in-control series of the count detector's calibration."""
    sizes = rng.integers(2, 16, size=areas)
    return _in_control(rng, int(sizes.sum()), days), np.repeat(np.arange(areas), sizes)


@functools.cache
def calibrate_share(false_episodes_per_year: float) -> FloatArray:
    """The share signal's threshold per cell for this budget (deterministic; about a minute of CPU)."""
    rng = np.random.default_rng(20261203)

    def blocks() -> Iterator[tuple[Float32Array, NDArray[np.intp]]]:
        for _ in range(0, CALIBRATION_AREAS, 300):
            counts, areas = _in_control_areas(rng, 300, CALIBRATION_DAYS)
            totals = area_totals(counts, areas)[areas]
            _, statistic, cells = _share_statistic(counts, totals, np.bincount(areas)[areas].astype(np.float64), None)
            yield statistic, cells.astype(np.intp)

    return thresholds_by_crossings(blocks(), false_episodes_per_year, SHARE_TABLE_SHAPE)


def share_table(false_episodes_per_year: float) -> FloatArray:
    """The shipped table for the default share budget, else one calibrated once per process."""
    if round(false_episodes_per_year, 4) == DEFAULT_SHARE_BUDGET:
        return np.array(DEFAULT_SHARE_TABLE).reshape(SHARE_TABLE_SHAPE)
    return calibrate_share(round(false_episodes_per_year, 4))


def detect_share(
    counts: NDArray[np.floating], areas: NDArray[np.intp], *, false_episodes_per_year: float
) -> ShareDetection:
    """Run the share signal over series × days of counts; ``areas`` gives each series' area (any
    integers: the series of one area are grouped however they are ordered). Blocks of whole areas."""
    counts = np.asarray(counts)
    _, area_numbers = np.unique(np.asarray(areas), return_inverse=True)
    area_numbers = area_numbers.ravel()
    days = counts.shape[1]
    share = np.zeros(counts.shape, dtype=np.float32)
    totals, statistic, threshold = share.copy(), share.copy(), np.ones(counts.shape, dtype=np.float32)
    order = np.argsort(area_numbers, kind="stable")
    boundaries = np.flatnonzero(np.diff(area_numbers[order])) + 1
    groups = np.split(order, boundaries) if order.size else []
    block: list[NDArray[np.intp]] = []
    for index, group in enumerate(groups):
        block.append(group)
        if sum(len(part) for part in block) >= CHUNK_SERIES or index == len(groups) - 1:
            rows = np.concatenate(block)
            local = np.repeat(np.arange(len(block)), [len(part) for part in block])
            values = counts[rows].astype(np.float64).reshape(len(rows), days)
            found = share_statistic(
                values,
                area_totals(values, local)[local],
                np.bincount(local)[local].astype(np.float64),
                false_episodes_per_year=false_episodes_per_year,
            )
            share[rows], totals[rows], statistic[rows], threshold[rows] = (
                found.share,
                found.totals,
                found.statistic,
                found.threshold,
            )
            block = []
    return ShareDetection(share=share, totals=totals, statistic=statistic, threshold=threshold)


DEFAULT_SHARE_BUDGET = round(0.5 * SHARE_BUDGET_FRACTION, 4)
# calibrate_share(DEFAULT_SHARE_BUDGET): a row per (history, level band), a column per share band.
DEFAULT_SHARE_TABLE = (
    (4.125, 3.500, 3.500, 3.500, 3.500),
    (5.250, 5.125, 3.875, 4.625, 4.625),
    (6.375, 5.875, 5.000, 4.125, 4.125),
    (7.250, 6.625, 6.250, 5.625, 4.625),
    (8.000, 8.000, 7.375, 6.125, 5.250),
    (8.375, 8.000, 7.625, 7.125, 5.625),
    (8.750, 8.250, 7.750, 7.125, 7.000),
    (8.500, 8.500, 8.000, 7.375, 7.500),
    (10.875, 10.875, 10.125, 8.500, 8.375),
    (3.875, 3.875, 3.875, 3.875, 3.875),
    (4.875, 4.875, 4.875, 4.875, 4.875),
    (6.125, 6.125, 6.125, 6.125, 6.125),
    (7.625, 7.625, 7.625, 7.625, 7.625),
    (8.875, 9.000, 10.750, 10.750, 10.750),
    (10.000, 9.875, 8.750, 8.750, 8.750),
    (9.750, 10.375, 8.625, 8.000, 7.000),
    (10.375, 10.375, 8.875, 7.875, 6.250),
    (10.125, 10.125, 10.125, 8.250, 6.625),
)
