"""Early warning, measured: injected ramps in synthetic series shaped like Ovoz's.

Each series is one area × theme over two years: a mean of 0.05 to 2 concerns a day (uniform),
a weekly cycle (quieter weekends, random depth), a slow trend (×0.7 to ×1.5 over the two years) and
overdispersion (gamma-Poisson, φ from 0.1 to 1). After a warm-up, one ramp is injected at a random
day: over 14 days the mean rises linearly to 3–6× the baseline, then falls back (``--generator
bump``); ``level`` stays at the peak to the end; ``floor`` falls back, but its multiplier applies to
a mean of at least FLOOR_MEAN a day, so a series of 0.05 a day still surges by whole concerns (with
it a plain Poisson CUSUM at 1.7 false episodes a year finds 0.95–0.99 of the ramps after 6–7 days:
issue 15's reference). The detector (ovoz.insights.early_warning) sees only the counts.

Printed per seed and overall: recall (an alert between the ramp's first day and 7 days after its
end), false alert episodes per series-year on the days after the warm-up outside the ramps' windows
(consecutive alert days count once), the median delay in days from the ramp's first day to its first
alert, alert days per series-year outside the windows, and seconds per 1,000 series.

    .venv/bin/python bench/early_warning.py [--series 1000] [--seeds 1 2 3] [--budget 0.5]
        [--generator bump|level|floor] [--shape linear|step|plateau] [--dispersion 0.1 1]
        [--via-file]                  # the detector as `ovoz detect` on files, end to end
        [--cusum [--no-reset] [--cusum-episodes 1.7]]  # issue 15's plain Poisson CUSUM beside it
        [--oracle]                    # the scan told the truth, and the clairvoyant bound on the delay
    .venv/bin/python bench/early_warning.py --table --seeds 1 2 3 4 5 --oracle  # shapes x φ, with the oracle
    .venv/bin/python bench/early_warning.py --bands --seeds 1 2 3  # recall by mean, with a clairvoyant bound
    .venv/bin/python bench/early_warning.py --share 1000           # the share signal, the area's total flat
    .venv/bin/python bench/early_warning.py --scale 5000   # areas x 15 themes x 730 days through `ovoz detect`

Targets (issue 15): recall >= 0.9, <= 0.5 false episodes per series-year, median delay <= 5 days.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ovoz.insights.early_warning import detect

DAYS = 730
WARM_UP = 120
RAMP_DAYS = 14
AFTER_DAYS = 7
SETTLE_DAYS = 0  # days after a ramp's window also left out of the false episodes (was 28; the issue says none)
FLOOR_MEAN = 1.0  # --generator floor: the ramp's multiplier applies to at least this mean a day
GENERATORS = ("bump", "level", "floor")


def synthetic(
    series: int,
    rng: np.random.Generator,
    *,
    ramps: bool = True,
    shape: str = "linear",
    dispersion_range: tuple[float, float] = (0.1, 1.0),
    truth: list[np.ndarray] | None = None,
    generator: str = "bump",
) -> tuple[np.ndarray, np.ndarray]:
    """Counts (series × days) and each series' ramp start (-1 when none). A linear ramp rises to its
    peak over 14 days; a step jumps to it on the first day and stays there for 14 days. ``truth``, when
    given, receives the baseline mean (without the ramp) and φ, for the oracle. A plateau rises like a
    linear ramp and then holds its peak through the 7 days after it (the days recall still counts).
    The generator says what the ramp does: ``bump`` goes back to the baseline after it, ``level`` stays
    at its peak to the end, ``floor`` goes back but its multiplier applies to a mean of at least
    FLOOR_MEAN a day (a series of 0.05 a day surges by 0.5 × (peak − 1) a day at the peak, not 0.1)."""
    t = np.arange(DAYS)
    base = rng.uniform(0.05, 2.0, size=(series, 1))
    weekend_depth = rng.uniform(0.0, 0.6, size=(series, 1))
    weekday = t % 7
    weekly = np.where(weekday >= 5, 1 - weekend_depth, 1 + weekend_depth * 2 / 5)
    trend = 1 + (rng.uniform(0.7, 1.5, size=(series, 1)) - 1) * t / DAYS
    mean = base * weekly * trend
    baseline_mean = mean.copy()
    starts = np.full(series, -1)
    if ramps:
        starts = rng.integers(WARM_UP, DAYS - RAMP_DAYS - AFTER_DAYS, size=series)
        peak = rng.uniform(3.0, 6.0, size=series)
        rise = np.ones(RAMP_DAYS) if shape == "step" else np.arange(1, RAMP_DAYS + 1) / RAMP_DAYS
        for row in range(series):
            days = slice(starts[row], starts[row] + RAMP_DAYS)
            if generator == "floor":
                floor = np.maximum(baseline_mean[row, days], FLOOR_MEAN)
                mean[row, days] += (peak[row] - 1) * rise * floor
            else:
                mean[row, days] *= 1 + (peak[row] - 1) * rise
            if generator == "level":  # the peak held to the end of the series
                mean[row, starts[row] + RAMP_DAYS :] *= peak[row]
            elif shape == "plateau":  # the linear rise, then the peak held through the 7 days after
                mean[row, starts[row] + RAMP_DAYS : starts[row] + RAMP_DAYS + AFTER_DAYS] *= peak[row]
    dispersion = rng.uniform(*dispersion_range, size=(series, 1))
    if truth is not None:
        truth[:] = [baseline_mean, np.broadcast_to(dispersion, mean.shape)]
    safe = np.maximum(dispersion, 1e-9)
    rates = np.where(dispersion > 0, rng.gamma(shape=1 / safe, scale=safe, size=mean.shape), 1.0) * mean
    return rng.poisson(rates).astype(np.float64), starts


def evaluate(alerts: np.ndarray, starts: np.ndarray, held: bool = False) -> tuple[float, float, float]:
    """Recall, false episodes per series-year, median delay."""
    recall, per_year, delay, _ = evaluate_days(alerts, starts, held)
    return recall, per_year, delay


def outside_days(starts: np.ndarray, held: bool = False) -> np.ndarray:
    """The days on which an alert is false: after the warm-up, outside each ramp's window (its first
    day to 7 days after its end) and SETTLE_DAYS after it; with ``held`` (the level generator: the
    series never goes back) nothing after a ramp's start."""
    outside = np.ones((len(starts), DAYS), dtype=bool)
    outside[:, :WARM_UP] = False
    for row in np.flatnonzero(starts >= 0):
        outside[row, starts[row] : DAYS if held else starts[row] + RAMP_DAYS + AFTER_DAYS + SETTLE_DAYS] = False
    return outside


def found_and_delays(alerts: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per ramped series: whether an alert fell in the ramp's window, and the delay of the first."""
    rows = np.flatnonzero(starts >= 0)
    window = np.arange(RAMP_DAYS + AFTER_DAYS)
    in_window = alerts[rows[:, None], starts[rows][:, None] + window]
    return in_window.any(axis=1), np.argmax(in_window, axis=1)


def evaluate_days(alerts: np.ndarray, starts: np.ndarray, held: bool = False) -> tuple[float, float, float, float]:
    """Recall, false episodes per series-year, median delay, and alert days per series-year outside
    the ramps (a detector that stayed in alert for weeks would spend few episodes but many days)."""
    outside = outside_days(starts, held)
    previous = np.zeros_like(alerts)
    previous[:, 1:] = alerts[:, :-1]
    false_episodes = int((alerts & outside & ~previous).sum())
    years = outside.sum() / 365
    found, delays = found_and_delays(alerts, starts)
    recall = float(found.mean()) if found.size else float("nan")
    delay = float(np.median(delays[found])) if found.any() else float("nan")
    return recall, false_episodes / years, delay, float((alerts & outside).sum() / years)


MEAN_BANDS = (0.05, 0.2, 0.5, 1.0, 1.5, 2.0)


def recall_by_band(alerts: np.ndarray, starts: np.ndarray, base: np.ndarray) -> list[tuple[float, float]]:
    """Recall and median delay per band of the series' baseline mean (MEAN_BANDS)."""
    found, delays = found_and_delays(alerts, starts)
    bands = np.digitize(base[starts >= 0].mean(axis=1), MEAN_BANDS[1:-1])
    result = []
    for band in range(len(MEAN_BANDS) - 1):
        rows = bands == band
        hits = found[rows]
        result.append((float(hits.mean()), float(np.median(delays[rows][hits])) if hits.any() else float("nan")))
    return result


def oracle(counts: np.ndarray, starts: np.ndarray, truth: list[np.ndarray]) -> tuple[float, float, float]:
    """A bound no detector of this kind beats: the same ramp scan fed the true baseline and φ, with the
    threshold of each band of mean chosen on these very series to spend exactly the budget of 0.5."""
    return evaluate(oracle_alerts(counts, starts, truth), starts)


def oracle_alerts(counts: np.ndarray, starts: np.ndarray, truth: list[np.ndarray], held: bool = False) -> np.ndarray:
    """The oracle's alert days (see ``oracle``)."""
    from ovoz.insights.early_warning import ramp_scan

    statistic = ramp_scan(counts, truth[0], truth[1])
    bands = np.digitize(truth[0].mean(axis=1), [0.2, 0.5, 1.0, 1.5])
    alerts = np.zeros(counts.shape, dtype=bool)
    for band in range(5):
        rows = bands == band
        low, high = 0.0, 30.0
        for _ in range(20):
            middle = (low + high) / 2
            over = evaluate(statistic[rows] > middle, starts[rows], held)[1] > 0.5
            low, high = (middle, high) if over else (low, middle)
        alerts[rows] = statistic[rows] > high
    return alerts


def cusum_alerts(
    counts: np.ndarray, starts: np.ndarray, episodes: float, reset: bool = True, held: bool = False
) -> tuple[np.ndarray, float]:
    """Issue 15's reference, a plain Poisson CUSUM for a doubling on the detector's own expected counts
    (each day adds x·log 2 − e, held at zero or above): its alert days and its one threshold for all
    series, chosen on these very series (bisection) to spend ``episodes`` false episodes per
    series-year. With ``reset`` the sum restarts from zero after each alert day (the textbook CUSUM);
    without, an alert lasts while the sum stays above the threshold."""
    from ovoz.insights.early_warning import MIN_HISTORY_DAYS, baseline, cusum

    increments = counts - baseline(counts)[0] / np.log(2.0)  # in units of log 2
    increments[:, :MIN_HISTORY_DAYS] = 0.0
    by_day = np.ascontiguousarray(increments.T, dtype=np.float32)
    statistic = None if reset else cusum(increments)

    def alerts_at(threshold: float) -> np.ndarray:
        if statistic is not None:
            return statistic > threshold
        current = np.zeros(by_day.shape[1], dtype=np.float32)
        alerts = np.zeros(by_day.shape, dtype=bool)
        for day in range(by_day.shape[0]):
            current = np.maximum(current + by_day[day], 0.0)
            alerts[day] = current > threshold
            current[alerts[day]] = 0.0
        return np.ascontiguousarray(alerts.T)

    low, high = 0.5, 60.0
    for _ in range(14):
        middle = (low + high) / 2
        over = evaluate(alerts_at(middle), starts, held)[1] > episodes
        low, high = (middle, high) if over else (low, middle)
    return alerts_at(high), high * np.log(2.0)


def alerts_via_file(counts: np.ndarray, budget: float) -> np.ndarray:
    """The detector's alert days through `ovoz detect`'s file contract end to end: write counts.csv
    (no zero rows but the first and last day's, so the days span the series), run the command as a
    process, read alerts.csv back."""
    import os
    import subprocess
    import tempfile
    from datetime import date, timedelta

    first = date(2025, 1, 6)  # a Monday, like the bench's weekly cycle
    names = [(first + timedelta(days=day)).isoformat() for day in range(counts.shape[1])]
    with tempfile.TemporaryDirectory() as folder:
        counts_path, alerts_path = Path(folder) / "counts.csv", Path(folder) / "alerts.csv"
        with counts_path.open("w") as handle:
            handle.write("area,theme,day,count\n")
            handle.writelines(f"S{row},t,{names[0]},0\nS{row},t,{names[-1]},0\n" for row in range(counts.shape[0]))
            rows, days = np.nonzero(counts)
            handle.writelines(
                f"S{row},t,{names[day]},{int(value)}\n"
                for row, day, value in zip(rows.tolist(), days.tolist(), counts[rows, days].tolist(), strict=True)
            )
        subprocess.run(
            [sys.executable, "-m", "ovoz", "detect", "--counts", str(counts_path), "--out", str(alerts_path)]
            + ["--budget", str(budget)],
            check=True,
            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent), "OVOZ_VAR_DIR": folder},
        )
        alerts = np.zeros(counts.shape, dtype=bool)
        day_of = {name: day for day, name in enumerate(names)}
        with alerts_path.open() as handle:
            next(handle)
            for line in handle:
                area, _, day, _ = line.split(",")
                alerts[int(area[1:]), day_of[day]] = True
    return alerts


def table(series: int, seeds: list[int], budget: float, with_oracle: bool, shapes: list[str]) -> None:
    """Seeds × ramp shapes × dispersion ranges, each on fresh series."""
    print(
        f"{'shape':>7} {'φ':>8} {'seed':>5} {'recall':>7} {'false/yr':>9} {'delay':>6} {'days/yr':>7}"
        + ("  oracle: recall false/yr delay" * with_oracle)
    )
    for shape in shapes:
        for low, high in ((0.1, 1.0), (0.0, 0.3)):
            rows = []
            for seed in seeds:
                truth: list[np.ndarray] = []
                counts, starts = synthetic(
                    series, np.random.default_rng(seed), shape=shape, dispersion_range=(low, high), truth=truth
                )
                detection = detect(counts, first_weekday=0, false_episodes_per_year=budget)
                rows.append(evaluate_days(detection.alerts, starts))
                bound = "  {:.3f} {:.3f} {:.1f}".format(*oracle(counts, starts, truth)) if with_oracle else ""
                recall, per_year, delay, days = rows[-1]
                print(
                    f"{shape:>7} {low:>3}–{high:<4} {seed:>5} {recall:>7.3f} {per_year:>9.3f} {delay:>6.1f} {days:>7.2f}{bound}"
                )
            recall, per_year, delay, days = (float(np.mean(column)) for column in zip(*rows, strict=True))
            print(
                f"{shape:>7} {low:>3}–{high:<4} {'mean':>5} {recall:>7.3f} {per_year:>9.3f} {delay:>6.1f} {days:>7.2f}"
            )


def clairvoyant(
    series: int,
    rng: np.random.Generator,
    shape: str,
    dispersion_range: tuple[float, float],
    last_day: int,
    generator: str = "bump",
) -> np.ndarray:
    """Per series, an upper bound on P(an alert by ``last_day`` of the ramp) for ANY detector that keeps
    the budget: a Neyman-Pearson test told the ramp's start, shape and peak, the baseline and φ. Under no
    ramp, a detector with e false episodes and a alert days per series-day alerts somewhere in days
    0…d with probability at most (d + 1)·e + a (an episode starts in them, or one is going on at day
    0); the most powerful test of that level on those days (weights log(r·(k+m)/(k+r·m)) per count, k =
    1/φ) is the bound. e = 0.5/365 and a = 5/365 (more than twice the alert days the detector spends on linear ramps)."""
    budget, alert_days, replicates = 0.5, 5.0, 4000
    length = last_day + 1
    level = length * budget / 365 + alert_days / 365
    mean = rng.uniform(0.05, 2.0, series)
    peak = rng.uniform(3.0, 6.0, series)
    phi = np.maximum(rng.uniform(*dispersion_range, series), 1e-4)
    depth, phase = rng.uniform(0.0, 0.6, series), rng.integers(0, 7, series)
    t = np.arange(length)
    weekly = np.where((t[None] + phase[:, None]) % 7 >= 5, 1 - depth[:, None], 1 + depth[:, None] * 2 / 5)
    base = mean[:, None] * weekly
    rise = np.ones(length) if shape == "step" else np.minimum(t + 1, RAMP_DAYS) / RAMP_DAYS
    lift = np.maximum(base, FLOOR_MEAN) / base if generator == "floor" else 1.0
    ratio = 1 + (peak[:, None] - 1) * rise * lift
    if shape != "plateau" and generator != "level":
        ratio = np.where(t[None] < RAMP_DAYS, ratio, 1.0)
    size = 1 / phi[:, None]
    weights = np.log(ratio * (size + base) / (size + ratio * base))
    power = np.zeros(series)
    for row in range(series):

        def draw(means: np.ndarray, row: int = row) -> np.ndarray:
            gamma = rng.gamma(1 / phi[row], phi[row], size=(replicates, length))
            return rng.poisson(gamma * means).astype(float) @ weights[row]

        null, alternative = draw(base[row]), draw(ratio[row] * base[row])
        cut = np.quantile(null, 1 - level, method="higher")
        above, tied = (null > cut + 1e-9).mean(), (np.abs(null - cut) < 1e-9).mean()
        fraction = min(max((level - above) / tied, 0.0), 1.0) if tied else 0.0
        power[row] = (alternative > cut + 1e-9).mean() + fraction * (np.abs(alternative - cut) < 1e-9).mean()
    return np.stack([mean, power])


def delay_bound(
    series: int, seed: int, dispersion_range: tuple[float, float], generator: str, recall: float = 0.9
) -> None:
    """The clairvoyant bound (``clairvoyant``) on P(an alert by day d of the ramp) for d = 0…14, and the
    earliest day by which it reaches recall / 2: no detector that keeps the budget and finds ``recall``
    of the ramps has a smaller median delay (half its finds must come by then)."""
    print(
        f"# clairvoyant bound, linear ramps ({generator}), {series} series: P(alert by day d); d from the ramp's first day"
    )
    bounds = []
    for last_day in range(RAMP_DAYS + 1):
        power = clairvoyant(series, np.random.default_rng(seed), "linear", dispersion_range, last_day, generator)[1]
        bounds.append(float(power.mean()))
        print(f"  by day {last_day:>2}: {bounds[-1]:.3f}", flush=True)
    reached = [day for day, bound in enumerate(bounds) if bound >= recall / 2]
    earliest = str(reached[0]) if reached else f"> {RAMP_DAYS}"
    print(f"# median delay of any detector with recall >= {recall} within the budget: at least {earliest} days")


def by_band(series: int, seeds: list[int], budget: float) -> None:
    """Linear ramps: recall (and median delay) per band of the baseline mean, for the detector, the
    oracle CUSUM, and the clairvoyant bound (P(alert by day 20), P(alert by day 5))."""
    edges = MEAN_BANDS
    print("# recall per band of mean (median delay in days); bound: P(alert by the window's end), P(by day 5)")
    print(f"{'φ':>8} {'mean a day':>10} {'detector':>13} {'oracle':>13} {'bound d20':>9} {'bound d5':>8}")
    for low, high in ((0.1, 1.0), (0.0, 0.3)):
        detected, oracles = [], []
        for seed in seeds:
            truth: list[np.ndarray] = []
            counts, starts = synthetic(series, np.random.default_rng(seed), dispersion_range=(low, high), truth=truth)
            alerts = detect(counts, first_weekday=0, false_episodes_per_year=budget).alerts
            detected.append(recall_by_band(alerts, starts, truth[0]))
            oracles.append(recall_by_band(oracle_alerts(counts, starts, truth), starts, truth[0]))
        bound20 = clairvoyant(
            series, np.random.default_rng(seeds[0]), "linear", (low, high), RAMP_DAYS + AFTER_DAYS - 1
        )
        bound5 = clairvoyant(series, np.random.default_rng(seeds[0]), "linear", (low, high), 5)
        for band in range(len(edges) - 1):
            rows20 = (bound20[0] >= edges[band]) & (bound20[0] < edges[band + 1])
            rows5 = (bound5[0] >= edges[band]) & (bound5[0] < edges[band + 1])
            mine = np.nanmean([result[band] for result in detected], axis=0)
            theirs = np.nanmean([result[band] for result in oracles], axis=0)
            print(
                f"{low:>3}–{high:<4} {edges[band]:>4.2f}–{edges[band + 1]:<5.2f} {mine[0]:>6.3f} ({mine[1]:>4.1f}) "
                f"{theirs[0]:>6.3f} ({theirs[1]:>4.1f}) {bound20[1][rows20].mean():>9.3f} {bound5[1][rows5].mean():>8.3f}"
            )
        print(f"{low:>3}–{high:<4} {'all':>10} {'':>13} {'':>13} {bound20[1].mean():>9.3f} {bound5[1].mean():>8.3f}")


def share_shift(areas: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Areas of 4–12 themes shaped like ``synthetic``'s series; in each area one theme's share rises
    over 14 days (linearly) until its mean is 3–6 times its baseline while the other themes give up
    exactly as much: the area's expected total stays flat. Counts, each series' area, and the ramp
    start of the shifted theme (-1 for the others)."""
    sizes = rng.integers(4, 13, size=areas)
    area_of = np.repeat(np.arange(areas), sizes)
    truth: list[np.ndarray] = []
    synthetic(len(area_of), rng, ramps=False, truth=truth)
    mean, dispersion = truth[0].copy(), truth[1][:, :1]
    starts = np.full(len(area_of), -1)
    rise = np.arange(1, RAMP_DAYS + 1) / RAMP_DAYS
    first_rows = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    for area, first in enumerate(first_rows):
        rows = np.arange(first, first + sizes[area])
        chosen = rows[rng.integers(sizes[area])]
        others = rows[rows != chosen]
        start = int(rng.integers(WARM_UP, DAYS - RAMP_DAYS - AFTER_DAYS))
        days = slice(start, start + RAMP_DAYS)
        extra = mean[chosen, days] * (rng.uniform(3.0, 6.0) - 1) * rise
        other_total = mean[others, days].sum(axis=0)
        extra = np.minimum(extra, 0.9 * other_total)  # the others cannot give up more than they have
        mean[chosen, days] += extra
        mean[others, days] *= 1 - extra / other_total
        starts[chosen] = start
    safe = np.maximum(dispersion, 1e-9)
    rates = rng.gamma(shape=1 / safe, scale=safe, size=mean.shape) * mean
    return rng.poisson(rates).astype(np.float64), area_of, starts


def share_rows(areas: int, seeds: list[int], budget: float) -> None:
    """The share signal on areas whose total stays flat while one theme's share rises: recall of the
    shifted theme and false episodes over every series (the shifted area's window left out of all its
    themes), for the count detector alone (whole budget), the share signal alone (its part) and both
    (the count detector on the rest of the budget)."""
    from ovoz.insights.share_signal import SHARE_BUDGET_FRACTION, detect_share

    share_budget = budget * SHARE_BUDGET_FRACTION
    print(f"# {areas} areas of 4-12 themes per seed; a theme's share x3-6 over 14 days, the area's total flat")
    print(f"{'signal':>22} {'seed':>5} {'recall':>7} {'false/yr':>9} {'delay':>6} {'days/yr':>7}")
    results: dict[str, list[tuple[float, ...]]] = {}
    for seed in seeds:
        counts, area_of, starts = share_shift(areas, np.random.default_rng(seed))
        window_starts = np.full(len(starts), -1)
        for area in np.unique(area_of):
            rows = area_of == area
            window_starts[rows] = starts[rows].max()
        share = detect_share(counts, area_of, false_episodes_per_year=share_budget).alerts
        count = detect(counts, first_weekday=0, false_episodes_per_year=budget).alerts
        rest = detect(counts, first_weekday=0, false_episodes_per_year=budget - share_budget).alerts
        for name, alerts in (
            (f"count ({budget:g})", count),
            (f"share ({share_budget:g})", share),
            (f"count or share ({budget:g})", rest | share),
        ):
            recall, _, delay, _ = evaluate_days(alerts[starts >= 0], starts[starts >= 0])
            _, per_year, _, days = evaluate_days(alerts, window_starts)
            results.setdefault(name, []).append((recall, per_year, delay, days))
            print(f"{name:>22} {seed:>5} {recall:>7.3f} {per_year:>9.3f} {delay:>6.1f} {days:>7.2f}")
    for name, rows in results.items():
        recall, per_year, delay, days = (float(np.mean(column)) for column in zip(*rows, strict=True))
        print(f"{name:>22} {'mean':>5} {recall:>7.3f} {per_year:>9.3f} {delay:>6.1f} {days:>7.2f}")


def scale(areas: int, share: bool = False) -> None:
    """Write a counts file of areas × 15 themes × two years (no zero rows) and time `ovoz detect` on it."""
    import os
    import resource
    import subprocess
    import tempfile
    from datetime import date, timedelta

    themes = 15
    rng = np.random.default_rng(11)
    first = date(2025, 1, 1)
    day_names = [(first + timedelta(days=day)).isoformat() for day in range(DAYS)]
    with tempfile.TemporaryDirectory() as folder:
        counts_path, alerts_path = Path(folder) / "counts.csv", Path(folder) / "alerts.csv"
        rows = 0
        with counts_path.open("w") as handle:
            handle.write("area,theme,day,count\n")
            for area in range(areas):
                counts, _ = synthetic(themes, rng, ramps=False)
                series, days = np.nonzero(counts)
                values = counts[series, days].astype(int)
                handle.writelines(
                    f"A{area:05d},t{theme},{day_names[day]},{value}\n"
                    for theme, day, value in zip(series.tolist(), days.tolist(), values.tolist(), strict=True)
                )
                rows += len(values)
        size = counts_path.stat().st_size
        began = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "ovoz", "detect", "--counts", str(counts_path), "--out", str(alerts_path)]
            + ["--share"] * share,
            check=True,
            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent), "OVOZ_VAR_DIR": folder},
        )
        seconds = time.perf_counter() - began
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        peak, cpu = usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime  # CPU: a busy machine's wall time lies
        alerts = sum(1 for _ in alerts_path.open()) - 1
    print(f"{'series':>8} {'rows':>10} {'MB':>6} {'seconds':>8} {'CPU s':>6} {'peak MB':>8} {'alerts':>8}")
    print(f"{areas * themes:>8} {rows:>10} {size / 1e6:>6.0f} {seconds:>8.1f} {cpu:>6.1f} {peak:>8.0f} {alerts:>8}")


def runs(args: argparse.Namespace) -> None:
    """The detector per seed (in process or through `ovoz detect`), beside the plain CUSUM and the oracle
    scan when asked, and with --oracle the clairvoyant bound on the median delay."""
    held = args.generator == "level"
    dispersion = (args.dispersion[0], args.dispersion[1])
    print(
        f"# {args.series} series x {DAYS} days per seed, {args.shape} {args.generator} ramps, φ {dispersion[0]:g}–{dispersion[1]:g},"
        f" budget {args.budget} false episodes per series-year{' (through ovoz detect)' * args.via_file}"
    )
    print(f"{'seed':>6} {'who':>12} {'recall':>7} {'false/yr':>9} {'delay':>6} {'days/yr':>7} {'s/1000':>7}")
    totals: dict[str, list[tuple[float, ...]]] = {}
    for seed in args.seeds:
        truth: list[np.ndarray] = []
        counts, starts = synthetic(
            args.series,
            np.random.default_rng(seed),
            shape=args.shape,
            dispersion_range=dispersion,
            truth=truth,
            generator=args.generator,
        )
        began = time.perf_counter()
        if args.via_file:
            alerts = alerts_via_file(counts, args.budget)
        else:
            alerts = detect(counts, first_weekday=0, false_episodes_per_year=args.budget).alerts
        seconds = time.perf_counter() - began
        results = [("detector", alerts, seconds)]
        if args.cusum:
            found, threshold = cusum_alerts(counts, starts, args.cusum_episodes, reset=not args.no_reset, held=held)
            results.append((f"CUSUM h={threshold:.1f}", found, float("nan")))
        if args.oracle:
            results.append(("oracle scan", oracle_alerts(counts, starts, truth, held), float("nan")))
        for name, found, seconds in results:
            row = evaluate_days(found, starts, held)
            totals.setdefault(name.split(" h=")[0], []).append(row)
            recall, per_year, delay, days = row
            print(
                f"{seed:>6} {name:>12} {recall:>7.3f} {per_year:>9.3f} {delay:>6.1f} {days:>7.2f}"
                f" {seconds / args.series * 1000:>7.2f}"
            )
    for name, rows in totals.items():
        recall, per_year, delay, days = (float(np.mean(column)) for column in zip(*rows, strict=True))
        print(f"{'mean':>6} {name:>12} {recall:>7.3f} {per_year:>9.3f} {delay:>6.1f} {days:>7.2f}")
    if args.oracle:
        delay_bound(400, args.seeds[0], dispersion, args.generator)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--budget", type=float, default=0.5, help="false alert episodes per series-year")
    parser.add_argument("--scale", type=int, metavar="AREAS", help="time `ovoz detect` on AREAS x 15 themes")
    parser.add_argument("--table", action="store_true", help="every seed on each ramp shape, two φ ranges")
    parser.add_argument("--shapes", nargs="+", default=["linear", "step", "plateau"], help="ramp shapes for --table")
    parser.add_argument("--oracle", action="store_true", help="with --table: the bound of a detector told the truth")
    parser.add_argument("--with-share", action="store_true", help="with --scale: `ovoz detect --share`")
    parser.add_argument("--bands", action="store_true", help="linear ramps: recall per band of mean, with bounds")
    parser.add_argument("--share", type=int, metavar="AREAS", help="the share signal on AREAS areas with a flat total")
    parser.add_argument("--generator", choices=GENERATORS, default="bump", help="what a ramp does (see synthetic)")
    parser.add_argument("--shape", choices=["linear", "step", "plateau"], default="linear", help="how a ramp rises")
    parser.add_argument(
        "--dispersion", type=float, nargs=2, default=[0.1, 1.0], metavar=("LOW", "HIGH"), help="φ range"
    )
    parser.add_argument("--via-file", action="store_true", help="run the detector as `ovoz detect` on files")
    parser.add_argument("--cusum", action="store_true", help="also the plain Poisson CUSUM of issue 15's reference")
    parser.add_argument("--cusum-episodes", type=float, default=1.7, help="the CUSUM's false episodes per year")
    parser.add_argument("--no-reset", action="store_true", help="the CUSUM goes on after an alert, not from zero")
    args = parser.parse_args()
    if args.bands or args.share:
        print(f"# {platform.node()} {platform.processor() or platform.machine()}, Python {platform.python_version()}")
        if args.bands:
            by_band(args.series, args.seeds, args.budget)
        if args.share:
            share_rows(args.share, args.seeds, args.budget)
        return
    if args.table:
        print(f"# {platform.node()} {platform.processor() or platform.machine()}, Python {platform.python_version()}")
        print(f"# {args.series} series x {DAYS} days per row, budget {args.budget} false episodes per series-year")
        table(args.series, args.seeds, args.budget, args.oracle, args.shapes)
        return
    if args.scale:
        print(f"# {platform.node()} {platform.machine()}, Python {platform.python_version()}")
        scale(args.scale, share=args.with_share)
        return
    print(f"# {platform.node()} {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    runs(args)


if __name__ == "__main__":
    main()
