"""Early warning: notice when an area's concerns about a theme rise above what that series expects.

A series is one area × theme, counted per day. The counts are sparse (most days 0–2) and
overdispersed, with a weekly cycle and slow trends, so the detector follows public-health
surveillance practice rather than a fixed threshold:

1. **Expected count** for each day, from the series' own past only: the mean of a 56-day window
   that ends a 7-day guard band before the day (so a rise does not lift its own baseline at once),
   shrunk towards the mean of the past year when the window is short or empty, times a day-of-week
   factor estimated over the past year with a prior that pulls sparse weekdays towards 1.
2. **Overdispersion** of each series (φ in Var = μ + φμ²), by moments over the past year.
3. A **negative-binomial ramp scan**: for each day, the largest log-likelihood ratio of "a ramp began
   L days ago" against "as expected", over L from 4 to 21 days, the ramp rising linearly to three
   times the expected count over 14 days and then held (Poisson when φ is 0). With the true baseline
   known it finds more ramps, steps and plateaus than a CUSUM for a tripling at the same false alert
   rate (bench/early_warning.py); an alert ends at most three weeks after a surge.
4. **Thresholds calibrated by simulation of the whole detector**, not by taste: thousands of
   in-control series (levels 0.02–10 a day, dispersion 0–2.5, weekly cycles, trends) go through the
   same estimation and scan, and for every cell of (estimated level, estimated dispersion, half-year
   of history or more) the threshold is the lowest at which those series raise at most the budgeted
   false alert episodes per series-year (consecutive alert days are one episode). So every kind of
   series spends its own budget: the noise of estimating the baseline is in the table, a quiet area
   does not pay for a busy one. The budget is a setting (``OVOZ_ALERT_FALSE_EPISODES_PER_YEAR``,
   default 0.5); the default's table is shipped, another budget is calibrated at first use.

An alert is raised on a day the scan is above its threshold and holds while the scan stays above
half of it (``hysteresis``: a wavering surge is one episode; the calibration holds alerts the same
way); ``score`` is the ratio of the two (≥ 1 when raised, above 0.5 while held). ``cusum`` serves
the share signal (share_signal.py). Only numpy is used: this runs on a file without a database
(``ovoz detect``) as well as over the rollups. bench/early_warning.py measures recall, false
episodes and delay on synthetic series.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

GUARD_DAYS = 7
WINDOW_DAYS = 56
LONG_DAYS = 364
SHRINK_DAYS = 28  # the year's mean counts as this many days of the short window
MIN_HISTORY_DAYS = 28  # no alert before a series has this much past
WEEKDAY_PRIOR = 4.0  # concerns of prior weight that pull each weekday's factor towards 1
FLOOR_PER_DAY = 0.01  # an area with no past concerns still expects a little
MAX_DISPERSION = 3.0
CHUNK_SERIES = 2500
CEILING = 1.5  # the CUSUM is held below this multiple of its threshold
# The scan looks for a linear rise to RAMP_PEAK times the expected count over RAMP_DAYS days, begun
# SCAN_SHORTEST to SCAN_LONGEST days ago (better than a CUSUM for a tripling on ramps, steps and
# plateaus alike with the true baseline known: bench/early_warning.py).
RAMP_PEAK = 3.0
RAMP_DAYS = 14
SCAN_SHORTEST = 4
SCAN_LONGEST = 21
# Once raised, an alert holds while the scan stays above this fraction of its threshold: a surge whose
# scan wavers around the threshold is one episode, not several (and the thresholds, calibrated with
# it, can be lower for the same budget of false episodes).
RELEASE = 0.5

FloatArray = NDArray[np.float64]
Float32Array = NDArray[np.float32]


@dataclass(frozen=True)
class Detection:
    """Per series and day: the expected count, the ramp scan, its threshold, and the alert days."""

    expected: Float32Array
    statistic: Float32Array
    threshold: Float32Array

    @property
    def alerts(self) -> NDArray[np.bool_]:
        return hysteresis(self.statistic, self.threshold)

    @property
    def score(self) -> Float32Array:
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
    expected, dispersion, _ = baseline(counts)
    return expected, dispersion


def baseline(counts: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The expected count, the overdispersion and the level (the mean of the past year) of every
    series on every day, from its past only. The weekday of day 0 does not matter: every window is
    whole weeks, so day t's own weekday is t - 7, t - 14, …"""
    counts = np.asarray(counts, dtype=np.float64)
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
    return expected_count, np.clip(dispersion, 0.0, MAX_DISPERSION), long_mean


class _LikelihoodRatio:
    """log P(x | shift × e) − log P(x | e) under a negative binomial with Var = μ + φμ², in the arrays'
    own precision, for one set of expected counts e and dispersions φ and many shifts: what does not
    depend on the shift is worked out once (the scan asks for fourteen shifts)."""

    def __init__(self, expected: NDArray[Any], dispersion: NDArray[Any]) -> None:
        self.expected = expected
        self.poisson = dispersion < 1e-6
        self.phi = np.maximum(dispersion, 1e-6)
        self.at_expected = np.log1p(self.phi * expected)

    def of(self, counts: NDArray[Any], shift: float) -> NDArray[Any]:
        ratio = self.at_expected - np.log1p(self.phi * (shift * self.expected))
        # As φ → 0, ratio / φ → -(shift - 1) e: the Poisson limit, taken exactly below 1e-6.
        constant = np.where(self.poisson, -(shift - 1) * self.expected, ratio / self.phi)
        per_count = np.where(self.poisson, 0.0, ratio)
        per_count += np.log(shift)
        result: NDArray[Any] = counts * per_count + constant
        return result


def ramp_multiplier(day: int) -> float:
    """How many times the expected count the ramp the scan looks for brings on its ``day``-th day
    (1-based): a linear rise to RAMP_PEAK over RAMP_DAYS days, then held."""
    return 1 + (RAMP_PEAK - 1) * min(day, RAMP_DAYS) / RAMP_DAYS


def ramp_scan(counts: NDArray[Any], expected: NDArray[Any], dispersion: NDArray[Any]) -> Float32Array:
    """For each series and day, the largest log-likelihood ratio of "a ramp began L days ago" (L from
    SCAN_SHORTEST to SCAN_LONGEST, day k of the ramp at ramp_multiplier(k) × the expected count)
    against "as expected", and 0 when none is positive. One pass per length: the window of length L
    ending on day t is day t's term for the L-th ramp day plus the window of length L − 1 ending the
    day before. Days before MIN_HISTORY_DAYS add nothing."""
    best = np.zeros(counts.shape, dtype=np.float32)
    ratios = _LikelihoodRatio(expected, dispersion)
    previous: Float32Array | None = None
    term: Float32Array | None = None
    for length in range(1, SCAN_LONGEST + 1):
        if term is None or length <= RAMP_DAYS:  # past the rise every day is at the peak
            term = ratios.of(counts, ramp_multiplier(length)).astype(np.float32)
            term[:, :MIN_HISTORY_DAYS] = 0.0
        current = term.copy()
        if previous is not None:
            current[:, 1:] += previous[:, :-1]
            current[:, 0] = -np.inf  # no window of this length ends on day 0
        previous = current
        if length >= SCAN_SHORTEST:
            np.maximum(best, current, out=best)
    return best


def hysteresis(
    statistic: NDArray[np.floating], threshold: NDArray[np.floating], release: float = RELEASE
) -> NDArray[np.bool_]:
    """Alert days: from a day the statistic is above its threshold, on every following day while it stays
    above ``release`` times the threshold. Each run of days above the lower level is in alert from its
    first day above the threshold to its end: one cumulative count of days above the threshold, less
    its value when the run began."""
    high = statistic > threshold
    low = statistic > release * threshold
    above = np.cumsum(high, axis=1, dtype=np.int32)
    begins = low.copy()
    begins[:, 1:] &= ~low[:, :-1]
    # The count of days above the threshold before each run began, carried through the run (it never falls).
    before = np.maximum.accumulate(np.where(begins, above - high, 0), axis=1)
    result: NDArray[np.bool_] = low & (above > before)
    return result


def cusum(increments: NDArray[np.floating], ceiling: NDArray[np.floating] | None = None) -> Float32Array:
    """The one-sided CUSUM of each row; with a ceiling (per day) it never climbs above it, so that an
    alert ends within days of the surge ending instead of draining for months. Days run in the outer
    loop over contiguous day-major copies: one pass of vector operations per day for all series."""
    by_day = np.ascontiguousarray(increments.T, dtype=np.float32)
    limits = None if ceiling is None else np.ascontiguousarray(ceiling.T, dtype=np.float32)
    current = np.zeros(by_day.shape[1], dtype=np.float32)
    for day in range(by_day.shape[0]):
        current += by_day[day]
        np.maximum(current, 0.0, out=current)
        if limits is not None:
            np.minimum(current, limits[day], out=current)
        by_day[day] = current
    return np.ascontiguousarray(by_day.T)


# --- Calibration ------------------------------------------------------------------------------------

# The cells of the threshold table: a series' level (its past year's mean a day), its estimated
# dispersion, and whether it has half a year of history (before that the estimates are noisier).
LEVEL_EDGES = np.array([0.04, 0.08, 0.15, 0.3, 0.6, 1.2, 2.5, 5.0])
DISPERSION_EDGES = np.array([0.1, 0.3, 0.6, 1.0, 1.6])
YOUNG_DAYS = 182
TABLE_SHAPE = (2, len(LEVEL_EDGES) + 1, len(DISPERSION_EDGES) + 1)
THRESHOLD_GRID = np.arange(1.0, 16.0001, 0.125)
CALIBRATION_SERIES = 24000
CALIBRATION_DAYS = 3 * 365
MIN_EXPOSURE_YEARS = 40.0  # a cell seen for less is filled from its neighbour
DEFAULT_BUDGET = 0.5


def cell_of(level: FloatArray, dispersion: FloatArray) -> NDArray[np.intp]:
    """The table cell (flat index) of every series and day."""
    young = (np.arange(level.shape[1]) < YOUNG_DAYS).astype(np.intp)
    level_band = np.searchsorted(LEVEL_EDGES, level, side="right")
    dispersion_band = np.searchsorted(DISPERSION_EDGES, dispersion, side="right")
    result: NDArray[np.intp] = (young * TABLE_SHAPE[1] + level_band) * TABLE_SHAPE[2] + dispersion_band
    return result


def _in_control(rng: np.random.Generator, series: int, days: int) -> FloatArray:
    """Series without surges, of every kind the table covers: a level of 0.02–10 a day (log-uniform), a
    quarter Poisson and the rest gamma-Poisson with φ up to 2.5, a weekly dip on two days in a row of
    up to 60%, and a linear trend of ×0.6–1.6 over the period."""
    level = np.exp(rng.uniform(np.log(0.02), np.log(10.0), size=(series, 1)))
    phi = np.where(rng.random((series, 1)) < 0.25, 0.0, rng.uniform(0.0, 2.5, size=(series, 1)))
    t = np.arange(days)
    quiet = (t[None, :] - rng.integers(0, 7, size=(series, 1))) % 7 < 2
    depth = rng.uniform(0.0, 0.6, size=(series, 1))
    weekly = np.where(quiet, 1 - depth, 1 + depth * 2 / 5)
    trend = 1 + (rng.uniform(0.6, 1.6, size=(series, 1)) - 1) * t / days
    mean = level * weekly * trend
    shape = 1 / np.maximum(phi, 1e-9)
    rates = np.where(phi > 0, rng.gamma(shape, 1.0, size=mean.shape) / shape, 1.0) * mean
    return rng.poisson(rates).astype(np.float64)


def _statistic(counts: FloatArray, table: FloatArray | None) -> tuple[Float32Array, ...]:
    """Expected counts, the ramp scan, and thresholds (cells when no table is given) of a block of series."""
    expected64, dispersion64, level = baseline(counts)
    cells = cell_of(level.astype(np.float32), dispersion64.astype(np.float32))
    expected, dispersion = expected64.astype(np.float32), dispersion64.astype(np.float32)
    statistic = ramp_scan(counts.astype(np.float32), expected, dispersion)
    if table is None:
        return expected, statistic, cells.astype(np.float32)
    return expected, statistic, table.astype(np.float32).ravel()[cells]


@functools.cache
def calibrate(false_episodes_per_year: float) -> FloatArray:
    """The threshold of every cell: the lowest on THRESHOLD_GRID at which the in-control series' days in
    that cell start at most the budgeted alert episodes per series-year, alerts held by ``hysteresis``.
    Deterministic (fixed seed); seconds."""
    return calibrate_budgets((false_episodes_per_year,))[0]


def calibrate_budgets(budgets: Sequence[float]) -> list[FloatArray]:
    """``calibrate`` for several budgets at once: the in-control series and their scan (most of the
    work) are made once for all of them."""
    rng = np.random.default_rng(20261202)
    blocks: list[tuple[Float32Array, NDArray[np.int16]]] = []
    for first in range(0, CALIBRATION_SERIES, CHUNK_SERIES):
        counts = _in_control(rng, min(CHUNK_SERIES, CALIBRATION_SERIES - first), CALIBRATION_DAYS)
        _, statistic, cell_values = _statistic(counts, None)
        blocks.append((statistic, cell_values.astype(np.int16)))
    tables = []
    for budget in budgets:
        # Without hysteresis every crossing is an episode: one pass gives each cell's threshold then, and
        # holding alerts only merges episodes, so the threshold with hysteresis is that one or lower.
        crossing = thresholds_by_crossings(
            ((statistic, cells.astype(np.intp)) for statistic, cells in blocks), budget, TABLE_SHAPE
        )
        tables.append(thresholds_with_hysteresis(blocks, crossing, budget))
    return tables


HYSTERESIS_STEPS = 16  # how many grid steps below the threshold without hysteresis the search goes


def thresholds_with_hysteresis(
    blocks: Iterable[tuple[Float32Array, NDArray[np.integer]]], crossing: FloatArray, false_episodes_per_year: float
) -> FloatArray:
    """From in-control statistics and their cells, and each cell's threshold when every crossing is an
    episode, the lowest threshold per cell (up to HYSTERESIS_STEPS grid steps lower, all cells lowered
    together in each pass) at which alerts held by ``hysteresis`` start at most the budgeted episodes
    per series-year in that cell, at that step and every smaller one."""
    step = float(THRESHOLD_GRID[1] - THRESHOLD_GRID[0])
    flat = crossing.ravel()
    lowered = [np.maximum(flat - k * step, THRESHOLD_GRID[0]) for k in range(HYSTERESIS_STEPS + 1)]
    starts = np.zeros((HYSTERESIS_STEPS + 1, flat.size))
    exposure = np.zeros(flat.size)
    for statistic, cell_values in blocks:
        cells = cell_values.astype(np.intp)
        counted = cells[:, MIN_HISTORY_DAYS:]
        exposure += np.bincount(counted.ravel(), minlength=flat.size)
        for k, table in enumerate(lowered):
            held = hysteresis(statistic, table.astype(np.float32)[cells])
            begins = held[:, MIN_HISTORY_DAYS:] & ~held[:, MIN_HISTORY_DAYS - 1 : -1]
            starts[k] += np.bincount(counted[begins], minlength=flat.size)
    over = starts / np.maximum(exposure / 365, 1e-9) > false_episodes_per_year
    chosen = np.where(over.any(axis=0), np.argmax(over, axis=0) - 1, HYSTERESIS_STEPS).clip(0)
    table = np.take_along_axis(np.stack(lowered), chosen[None, :], axis=0)[0].reshape(crossing.shape)
    return _fill_sparse(table, (exposure / 365 >= MIN_EXPOSURE_YEARS).reshape(crossing.shape))


def thresholds_by_crossings(
    blocks: Iterable[tuple[Float32Array, NDArray[np.intp]]], false_episodes_per_year: float, shape: tuple[int, ...]
) -> FloatArray:
    """From blocks of in-control statistics and their cells (series × days, from day 0), the lowest
    threshold on THRESHOLD_GRID per cell at which the days in that cell start at most the budgeted
    episodes per series-year. An episode starts at threshold h on day t when the statistic crosses h
    upwards (yesterday's ≤ h < today's), so one pass counts the crossings of every grid threshold at once."""
    cells_total = int(np.prod(shape))
    grid = len(THRESHOLD_GRID)
    crossings = np.zeros(cells_total * (grid + 1))
    exposure = np.zeros(cells_total)
    for statistic, cell_values in blocks:
        cells = cell_values[:, MIN_HISTORY_DAYS:]
        today = statistic[:, MIN_HISTORY_DAYS:]
        yesterday = statistic[:, MIN_HISTORY_DAYS - 1 : -1]
        low = np.searchsorted(THRESHOLD_GRID, yesterday, side="left")
        high = np.searchsorted(THRESHOLD_GRID, today, side="left")
        rising = high > low
        # +1 from the first grid threshold at or above yesterday's, -1 from the first at or above today's.
        crossings += np.bincount(cells[rising] * (grid + 1) + low[rising], minlength=crossings.size)
        crossings -= np.bincount(cells[rising] * (grid + 1) + high[rising], minlength=crossings.size)
        exposure += np.bincount(cells.ravel(), minlength=cells_total)
    per_threshold = np.cumsum(crossings.reshape(cells_total, grid + 1)[:, :grid], axis=1)
    rates = per_threshold / np.maximum(exposure[:, None] / 365, 1e-9)
    over = rates > false_episodes_per_year
    # The lowest threshold above the last one that still breaks the budget.
    last_over = np.where(over.any(axis=1), grid - 1 - np.argmax(over[:, ::-1], axis=1), -1)
    table = THRESHOLD_GRID[np.minimum(last_over + 1, grid - 1)].reshape(shape)
    return _fill_sparse(table, (exposure / 365 >= MIN_EXPOSURE_YEARS).reshape(shape))


def _fill_sparse(table: FloatArray, seen: NDArray[np.bool_]) -> FloatArray:
    """Cells seen too little take the nearest well-seen cell's threshold along the dispersion axis,
    else along the level axis (the higher of two at equal distance: the safer side)."""
    result = table.copy()
    for history, level, column in zip(*np.nonzero(~seen), strict=True):
        along_dispersion = [((history, level, other), abs(other - column)) for other in range(table.shape[2])]
        along_level = [((history, other, column), abs(other - level)) for other in range(table.shape[1])]
        for line in (along_dispersion, along_level):
            candidates = [(distance, -table[cell]) for cell, distance in line if seen[cell]]
            if candidates:
                result[history, level, column] = -min(candidates)[1]
                break
    return result


def threshold_table(false_episodes_per_year: float) -> FloatArray:
    """The calibrated table for this budget: the default budget's is shipped, and the part of it the
    count detector keeps when the share signal runs beside it (computed by ``calibrate``; a test checks
    they still are); any other is calibrated once per process."""
    shipped = SHIPPED_TABLES.get(round(false_episodes_per_year, 4))
    if shipped is not None:
        return np.array(shipped).reshape(TABLE_SHAPE)
    return calibrate(round(false_episodes_per_year, 4))


def detect(counts: NDArray[Any], *, first_weekday: int, false_episodes_per_year: float = 0.5) -> Detection:
    """Run the detector over series × days of counts (the first day's weekday, Monday = 0, does not
    change the result: every window is whole weeks). Blocks of CHUNK_SERIES series at a time."""
    counts = np.asarray(counts)
    table = threshold_table(false_episodes_per_year)
    parts = [
        _statistic(counts[first : first + CHUNK_SERIES].astype(np.float64), table)
        for first in range(0, counts.shape[0], CHUNK_SERIES)
    ]
    if not parts:
        empty = np.zeros((0, counts.shape[1]), dtype=np.float32)
        return Detection(expected=empty, statistic=empty, threshold=empty + 1)
    expected, statistic, threshold = (np.concatenate(column) for column in zip(*parts, strict=True))
    return Detection(expected=expected, statistic=statistic, threshold=threshold)


# calibrate(DEFAULT_BUDGET), alerts held by hysteresis: a row per (history, level band), a column per
# dispersion band (a test checks it).
DEFAULT_TABLE = (
    (2.250, 2.500, 2.500, 2.500, 2.250, 2.125),
    (2.750, 3.000, 2.750, 2.625, 2.625, 2.625),
    (3.375, 3.375, 3.375, 3.250, 3.125, 3.000),
    (3.750, 3.625, 3.625, 3.750, 3.625, 3.375),
    (4.000, 3.875, 3.875, 4.000, 4.125, 3.625),
    (4.125, 4.000, 4.125, 4.375, 4.375, 3.875),
    (4.125, 4.125, 4.375, 4.375, 4.500, 4.125),
    (4.250, 4.250, 4.375, 4.375, 4.625, 4.250),
    (4.250, 4.250, 4.250, 4.500, 4.625, 4.250),
    (2.750, 2.750, 2.750, 2.750, 2.750, 2.750),
    (3.125, 3.000, 3.000, 2.875, 2.875, 2.875),
    (3.625, 3.625, 3.625, 3.500, 3.375, 3.375),
    (4.125, 4.250, 4.250, 4.000, 3.875, 3.750),
    (4.375, 4.250, 4.000, 4.500, 4.750, 4.375),
    (4.250, 4.000, 4.375, 4.625, 5.750, 5.125),
    (4.000, 3.625, 3.875, 4.875, 6.125, 5.875),
    (3.500, 3.125, 3.625, 4.875, 6.875, 6.375),
    (3.000, 2.500, 3.500, 4.875, 6.750, 6.500),
)
# calibrate(COUNT_BUDGET_BESIDE_SHARE): the count detector's part when the share signal spends the rest.
COUNT_BUDGET_BESIDE_SHARE = 0.4
TABLE_BESIDE_SHARE = (
    (2.500, 2.625, 2.625, 2.625, 2.375, 2.375),
    (2.875, 3.125, 3.000, 2.875, 2.750, 2.750),
    (3.500, 3.500, 3.625, 3.500, 3.375, 3.125),
    (3.875, 3.875, 3.875, 4.000, 3.875, 3.625),
    (4.250, 4.125, 4.125, 4.250, 4.375, 3.875),
    (4.375, 4.125, 4.375, 4.625, 4.625, 4.250),
    (4.375, 4.250, 4.625, 4.625, 4.875, 4.375),
    (4.500, 4.500, 4.625, 4.625, 5.000, 4.500),
    (4.500, 4.500, 4.500, 4.750, 4.875, 4.500),
    (3.000, 2.875, 2.875, 2.875, 2.875, 2.875),
    (3.375, 3.250, 3.250, 3.000, 3.125, 3.125),
    (3.875, 4.000, 3.750, 3.625, 3.750, 3.500),
    (4.375, 4.625, 4.500, 4.375, 4.125, 4.125),
    (4.750, 4.375, 4.375, 4.750, 5.000, 4.625),
    (4.625, 4.125, 4.625, 5.125, 6.125, 5.625),
    (4.125, 3.750, 4.000, 5.250, 6.750, 6.250),
    (3.750, 3.125, 3.875, 5.500, 7.625, 6.875),
    (3.125, 2.625, 3.750, 5.250, 7.375, 7.125),
)
SHIPPED_TABLES = {DEFAULT_BUDGET: DEFAULT_TABLE, COUNT_BUDGET_BESIDE_SHARE: TABLE_BESIDE_SHARE}
