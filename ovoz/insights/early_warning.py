"""Early warning: notice when an area's concerns about a theme rise above what that series expects.

A series is one area × theme, counted per day. The counts are sparse (most days 0–2) and
overdispersed, with a weekly cycle and slow trends, so the detector follows public-health
surveillance practice rather than a fixed threshold:

1. **Expected count** for each day, from the series' own past only: the mean of a 56-day window
   that ends a 7-day guard band before the day (so a rise does not lift its own baseline at once),
   shrunk towards the mean of the past year when the window is short or empty, times a day-of-week
   factor estimated over the past year with a prior that pulls sparse weekdays towards 1.
2. **Overdispersion** of each series (φ in Var = μ + φμ²), by moments over the past year.
3. A **negative-binomial CUSUM** for a tripling of the expected count (Poisson when φ is 0): each
   day adds the log-likelihood ratio of "three times the expected" against "as expected"; the sum
   never goes below zero, nor above 1.5 times its threshold (so an alert ends days after a surge).
4. **Thresholds calibrated by simulation**, not by taste: for a grid of expected counts and
   dispersions, the threshold at which in-control series of that kind raise at most the budgeted
   number of false alert episodes per series-year (consecutive alert days are one episode). The
   budget is a setting (``OVOZ_ALERT_FALSE_EPISODES_PER_YEAR``, default 0.5). The table assumes the
   expected count is known; estimating it from the past adds false alerts, which a measured margin
   (``ESTIMATION_MARGIN``, from bench/early_warning.py's in-control series) takes back.

An alert is raised on every day on which the CUSUM is above its threshold; ``score`` is the ratio of
the two (≥ 1). Only numpy is used: this runs on a file without a database (``ovoz detect``) as well as
over the rollups. bench/early_warning.py measures recall, false episodes and delay on synthetic series.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

GUARD_DAYS = 7
WINDOW_DAYS = 56
LONG_DAYS = 364
SHRINK_DAYS = 28  # the year's mean counts as this many days of the short window
MIN_HISTORY_DAYS = 28  # no alert before a series has this much past
WEEKDAY_PRIOR = 4.0  # concerns of prior weight that pull each weekday's factor towards 1
FLOOR_PER_DAY = 0.01  # an area with no past concerns still expects a little
SHIFT = 3.0  # the CUSUM looks for a tripling (better than 1.5 or 2 on the injected ramps: bench)
MAX_DISPERSION = 3.0
CHUNK_SERIES = 2000
CEILING = 1.5  # the CUSUM is held below this multiple of its threshold
ESTIMATION_MARGIN = 1.15  # thresholds × this: the false episodes of estimated baselines meet the budget

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Detection:
    """Per series and day: the expected count, the CUSUM, its threshold, and the alert days."""

    expected: FloatArray
    statistic: FloatArray
    threshold: FloatArray

    @property
    def alerts(self) -> NDArray[np.bool_]:
        return self.statistic > self.threshold

    @property
    def score(self) -> FloatArray:
        return np.divide(self.statistic, self.threshold)


PAD = GUARD_DAYS + LONG_DAYS + 7  # zero columns before each running sum: windows that start before day 0


def _running(values: FloatArray) -> FloatArray:
    """Running sums with PAD zero columns in front: column PAD + i holds the sum of days before day i."""
    series, days = values.shape
    result = np.zeros((series, PAD + days + 1))
    np.cumsum(values, axis=1, out=result[:, PAD + 1 :])
    return result


def _trailing(running: FloatArray, lag: int, length: int, days: int) -> FloatArray:
    """For every day t, the sum over days [t - lag - length, t - lag) (days before day 0 are zero)."""
    ends = running[:, PAD - lag : PAD - lag + days]
    starts = running[:, PAD - lag - length : PAD - lag - length + days]
    result: FloatArray = ends - starts
    return result


def _running_same_weekday(values: FloatArray) -> FloatArray:
    """Like ``_running`` but each column sums only the earlier days of the same weekday, up to and
    including that day (column PAD + i + 1 for day i)."""
    series, days = values.shape
    weeks = -(-days // 7)
    padded = np.zeros((series, weeks * 7))
    padded[:, :days] = values
    by_week = np.cumsum(padded.reshape(series, weeks, 7), axis=1).reshape(series, weeks * 7)[:, :days]
    result = np.zeros((series, PAD + days + 1))
    result[:, PAD + 1 :] = by_week
    return result


def expected_counts(counts: FloatArray, first_weekday: int) -> tuple[FloatArray, FloatArray]:
    """The expected count and the overdispersion of every series on every day, from its past only."""
    series, days = counts.shape
    t = np.arange(days)
    history = np.maximum(t - GUARD_DAYS, 0).astype(np.float64)
    short_days = np.minimum(history, WINDOW_DAYS)
    long_days = np.maximum(np.minimum(history, LONG_DAYS), 1)
    running = _running(counts)
    long_total = _trailing(running, GUARD_DAYS, LONG_DAYS, days)
    long_mean = long_total / long_days
    rate = (_trailing(running, GUARD_DAYS, WINDOW_DAYS, days) + SHRINK_DAYS * long_mean) / (short_days + SHRINK_DAYS)

    # The day's own weekday over the past year: GUARD_DAYS and LONG_DAYS are whole weeks, so the
    # same-weekday days in the window are t - 7, t - 14, … (at most 52 of them).
    same_weekday = _running_same_weekday(counts)
    last = PAD + t + 1 - GUARD_DAYS  # column after day t - GUARD_DAYS: includes it
    first = last - LONG_DAYS
    observed = same_weekday[:, last] - same_weekday[:, first]
    weekday_days = np.clip((t - GUARD_DAYS) // 7 + 1, 0, LONG_DAYS // 7).astype(np.float64)
    expected_on_weekday = long_total * weekday_days / long_days
    factors = (observed + WEEKDAY_PRIOR / 7) / (expected_on_weekday + WEEKDAY_PRIOR / 7)
    expected_count = np.maximum(rate * factors, FLOOR_PER_DAY)

    # Overdispersion by moments over the past year: E[(x - e)^2 - x] / E[e^2].
    excess = _trailing(_running((counts - expected_count) ** 2 - counts), GUARD_DAYS, LONG_DAYS, days)
    squares = _trailing(_running(expected_count**2), GUARD_DAYS, LONG_DAYS, days)
    dispersion = excess / (squares + 1.0)
    return expected_count, np.clip(dispersion, 0.0, MAX_DISPERSION)


def log_likelihood_ratio(counts: FloatArray, expected: FloatArray, dispersion: FloatArray) -> FloatArray:
    """log P(x | SHIFT × e) − log P(x | e) under a negative binomial with Var = μ + φμ²."""
    phi = np.maximum(dispersion, 1e-9)
    ratio = np.log1p(phi * expected) - np.log1p(phi * SHIFT * expected)
    poisson = dispersion < 1e-6
    per_count = np.where(poisson, np.log(SHIFT), np.log(SHIFT) + ratio)
    constant = np.where(poisson, -(SHIFT - 1) * expected, ratio / phi)
    result: FloatArray = counts * per_count + constant
    return result


def cusum(increments: FloatArray, ceiling: FloatArray | None = None) -> FloatArray:
    """The one-sided CUSUM of each row; with a ceiling (per day) it never climbs above it, so that an
    alert ends within days of the surge ending instead of draining for months."""
    statistic = np.empty_like(increments)
    current = np.zeros(increments.shape[0])
    for day in range(increments.shape[1]):
        current = np.maximum(current + increments[:, day], 0.0)
        if ceiling is not None:
            current = np.minimum(current, ceiling[:, day])
        statistic[:, day] = current
    return statistic


# --- Calibration ------------------------------------------------------------------------------------

EXPECTED_GRID = np.exp(np.linspace(np.log(0.01), np.log(20.0), 16))
DISPERSION_GRID = np.array([0.0, 0.25, 0.5, 1.0, 2.0, 3.0])
THRESHOLD_GRID = np.linspace(0.5, 12.0, 93)
CALIBRATION_SERIES = 300
CALIBRATION_YEARS = 6
# calibrate(0.5), rows EXPECTED_GRID, columns DISPERSION_GRID (test_early_warning checks it).
DEFAULT_BUDGET = 0.5
DEFAULT_TABLE = (
    (2.250, 2.250, 2.250, 2.250, 2.125, 2.125),
    (2.750, 2.875, 2.750, 2.750, 2.875, 2.625),
    (3.250, 3.125, 3.125, 3.375, 3.125, 3.125),
    (3.750, 3.625, 3.625, 3.625, 3.500, 3.375),
    (4.125, 4.125, 4.250, 4.000, 3.875, 3.625),
    (4.500, 4.500, 4.375, 4.250, 4.000, 3.875),
    (4.875, 4.750, 4.625, 4.500, 4.250, 4.125),
    (5.000, 4.875, 4.750, 4.500, 4.250, 4.250),
    (4.875, 5.000, 4.375, 4.500, 4.250, 4.125),
    (5.000, 4.875, 4.875, 4.625, 4.375, 4.125),
    (4.875, 4.875, 4.750, 4.625, 4.375, 4.125),
    (4.875, 4.875, 4.875, 4.625, 4.375, 4.125),
    (4.500, 4.875, 4.625, 4.500, 4.250, 4.250),
    (4.250, 4.750, 4.750, 4.625, 4.500, 4.125),
    (2.375, 4.750, 4.750, 4.625, 4.500, 4.125),
    (0.500, 4.750, 4.750, 4.625, 4.250, 4.250),
)


def _episodes_per_year(statistic: FloatArray, threshold: float) -> float:
    above = statistic > threshold
    episodes = int((above[:, 1:] & ~above[:, :-1]).sum() + above[:, 0].sum())
    return float(episodes / (statistic.shape[0] * statistic.shape[1] / 365))


def threshold_table(false_episodes_per_year: float) -> FloatArray:
    """The calibrated table for this budget: the default budget's is shipped (computed by
    ``calibrate`` below, a test checks it still is), any other is calibrated once per process."""
    if false_episodes_per_year == DEFAULT_BUDGET:
        return np.array(DEFAULT_TABLE)
    return calibrate(false_episodes_per_year)


@functools.cache
def calibrate(false_episodes_per_year: float) -> FloatArray:
    """For each (expected count, dispersion) on the grid, the smallest threshold at which in-control
    series raise at most the budgeted false alert episodes per series-year. Deterministic (fixed seed);
    the threshold is found by bisection on the grid (fewer episodes as the threshold rises)."""
    rng = np.random.default_rng(20261202)
    days = 365 * CALIBRATION_YEARS
    table = np.empty((len(EXPECTED_GRID), len(DISPERSION_GRID)))
    for j, phi in enumerate(DISPERSION_GRID):
        for i, expected in enumerate(EXPECTED_GRID):
            shape = (CALIBRATION_SERIES, days)
            rates = rng.gamma(shape=1 / phi, scale=phi * expected, size=shape) if phi > 0 else np.full(shape, expected)
            counts = rng.poisson(rates).astype(np.float64)
            statistic = cusum(log_likelihood_ratio(counts, np.full(shape, expected), np.full(shape, phi)))
            low, high = 0, len(THRESHOLD_GRID) - 1
            while low < high:
                middle = (low + high) // 2
                if _episodes_per_year(statistic, THRESHOLD_GRID[middle]) <= false_episodes_per_year:
                    high = middle
                else:
                    low = middle + 1
            table[i, j] = THRESHOLD_GRID[low]
    return table


def thresholds(expected: FloatArray, dispersion: FloatArray, false_episodes_per_year: float) -> FloatArray:
    """The calibrated threshold for each day, interpolated on log(expected) and taken at the next
    dispersion up on the grid (the safer side)."""
    table = threshold_table(round(false_episodes_per_year, 4))
    position = np.interp(np.log(expected), np.log(EXPECTED_GRID), np.arange(len(EXPECTED_GRID)))
    low = np.floor(position).astype(int)
    high = np.minimum(low + 1, len(EXPECTED_GRID) - 1)
    weight = position - low
    column = np.minimum(np.searchsorted(DISPERSION_GRID, dispersion, side="left"), len(DISPERSION_GRID) - 1)
    result: FloatArray = ((1 - weight) * table[low, column] + weight * table[high, column]) * ESTIMATION_MARGIN
    return result


def detect(counts: FloatArray, *, first_weekday: int, false_episodes_per_year: float = 0.5) -> Detection:
    """Run the detector over series × days of counts (the first day's weekday: Monday = 0)."""
    counts = np.asarray(counts, dtype=np.float64)
    expected_parts, statistic_parts, threshold_parts = [], [], []
    for first in range(0, counts.shape[0], CHUNK_SERIES):
        chunk = counts[first : first + CHUNK_SERIES]
        expected, dispersion = expected_counts(chunk, first_weekday)
        threshold = thresholds(expected, dispersion, false_episodes_per_year)
        increments = log_likelihood_ratio(chunk, expected, dispersion)
        # Nothing accumulates while a series has too little past to know what to expect.
        increments[:, :MIN_HISTORY_DAYS] = 0.0
        statistic = cusum(increments, CEILING * threshold)
        expected_parts.append(expected)
        statistic_parts.append(statistic)
        threshold_parts.append(threshold)
    if not expected_parts:
        empty = np.zeros((0, counts.shape[1]))
        return Detection(expected=empty, statistic=empty, threshold=empty + 1)
    return Detection(
        expected=np.concatenate(expected_parts),
        statistic=np.concatenate(statistic_parts),
        threshold=np.concatenate(threshold_parts),
    )
