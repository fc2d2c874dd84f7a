"""Early warning, measured: injected ramps in synthetic series shaped like Ovoz's.

Each series is one area × theme over two years: a mean of 0.05 to 2 concerns a day (uniform),
a weekly cycle (quieter weekends, random depth), a slow trend (×0.7 to ×1.5 over the two years) and
overdispersion (gamma-Poisson, φ from 0.1 to 1). After a warm-up, one ramp is injected at a random
day: over 14 days the mean rises linearly to 3–6× the baseline, then falls back. The detector
(ovoz.insights.early_warning) sees only the counts.

Printed per seed and overall: recall (an alert between the ramp's first day and 7 days after its
end), false alert episodes per series-year outside the ramps (consecutive alert days count once;
days within 28 days after a ramp's window are left out of both counts, where a baseline that
absorbed the ramp may still move), the median delay in days from the ramp's first day to its first
alert, and seconds per 1,000 series.

    .venv/bin/python bench/early_warning.py [--series 1000] [--seeds 1 2 3] [--budget 0.5]
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
SETTLE_DAYS = 28


def synthetic(
    series: int,
    rng: np.random.Generator,
    *,
    ramps: bool = True,
    shape: str = "linear",
    dispersion_range: tuple[float, float] = (0.1, 1.0),
    truth: list[np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Counts (series × days) and each series' ramp start (-1 when none). A linear ramp rises to its
    peak over 14 days; a step jumps to it on the first day and stays there for 14 days. ``truth``, when
    given, receives the baseline mean (without the ramp) and φ, for the oracle. A plateau rises like a
    linear ramp and then holds its peak through the 7 days after it (the days recall still counts)."""
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
            mean[row, starts[row] : starts[row] + RAMP_DAYS] *= 1 + (peak[row] - 1) * rise
            if shape == "plateau":  # the linear rise, then the peak held through the 7 days after
                mean[row, starts[row] + RAMP_DAYS : starts[row] + RAMP_DAYS + AFTER_DAYS] *= peak[row]
    dispersion = rng.uniform(*dispersion_range, size=(series, 1))
    if truth is not None:
        truth[:] = [baseline_mean, np.broadcast_to(dispersion, mean.shape)]
    safe = np.maximum(dispersion, 1e-9)
    rates = np.where(dispersion > 0, rng.gamma(shape=1 / safe, scale=safe, size=mean.shape), 1.0) * mean
    return rng.poisson(rates).astype(np.float64), starts


def evaluate(alerts: np.ndarray, starts: np.ndarray) -> tuple[float, float, float]:
    """Recall, false episodes per series-year, median delay."""
    found, delays = 0, []
    false_episodes, observed_days = 0, 0
    for row in range(alerts.shape[0]):
        alert = alerts[row]
        outside = np.ones(DAYS, dtype=bool)
        outside[:WARM_UP] = False
        start = starts[row]
        if start >= 0:
            window = alert[start : start + RAMP_DAYS + AFTER_DAYS]
            if window.any():
                found += 1
                delays.append(int(np.argmax(window)))
            outside[start : start + RAMP_DAYS + AFTER_DAYS + SETTLE_DAYS] = False
        episode_starts = alert & outside & ~np.concatenate([[False], alert[:-1]])
        false_episodes += int(episode_starts.sum())
        observed_days += int(outside.sum())
    ramps = int((starts >= 0).sum())
    recall = found / ramps if ramps else float("nan")
    per_year = false_episodes / (observed_days / 365)
    return recall, per_year, float(np.median(delays)) if delays else float("nan")


def oracle(counts: np.ndarray, starts: np.ndarray, truth: list[np.ndarray]) -> tuple[float, float, float]:
    """A bound no detector of this kind beats: the same NB CUSUM fed the true baseline and φ, with the
    threshold of each band of mean chosen on these very series to spend exactly the budget of 0.5."""
    from ovoz.insights.early_warning import cusum, log_likelihood_ratio

    statistic = cusum(log_likelihood_ratio(counts, truth[0], truth[1]))
    bands = np.digitize(truth[0].mean(axis=1), [0.2, 0.5, 1.0, 1.5])
    alerts = np.zeros(counts.shape, dtype=bool)
    for band in range(5):
        rows = bands == band
        low, high = 0.0, 30.0
        for _ in range(20):
            middle = (low + high) / 2
            low, high = (middle, high) if evaluate(statistic[rows] > middle, starts[rows])[1] > 0.5 else (low, middle)
        alerts[rows] = statistic[rows] > high
    return evaluate(alerts, starts)


def table(series: int, seeds: list[int], budget: float, with_oracle: bool, shapes: list[str]) -> None:
    """Seeds × ramp shapes × dispersion ranges, each on fresh series."""
    print(
        f"{'shape':>7} {'φ':>8} {'seed':>5} {'recall':>7} {'false/yr':>9} {'delay':>6}"
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
                rows.append(evaluate(detection.alerts, starts))
                bound = "  {:.3f} {:.3f} {:.1f}".format(*oracle(counts, starts, truth)) if with_oracle else ""
                recall, per_year, delay = rows[-1]
                print(f"{shape:>7} {low:>3}–{high:<4} {seed:>5} {recall:>7.3f} {per_year:>9.3f} {delay:>6.1f}{bound}")
            recall, per_year, delay = (float(np.mean(column)) for column in zip(*rows, strict=True))
            print(f"{shape:>7} {low:>3}–{high:<4} {'mean':>5} {recall:>7.3f} {per_year:>9.3f} {delay:>6.1f}")


def scale(areas: int) -> None:
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
            [sys.executable, "-m", "ovoz", "detect", "--counts", str(counts_path), "--out", str(alerts_path)],
            check=True,
            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent), "OVOZ_VAR_DIR": folder},
        )
        seconds = time.perf_counter() - began
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        peak, cpu = usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime  # CPU: a busy machine's wall time lies
        alerts = sum(1 for _ in alerts_path.open()) - 1
    print(f"{'series':>8} {'rows':>10} {'MB':>6} {'seconds':>8} {'CPU s':>6} {'peak MB':>8} {'alerts':>8}")
    print(f"{areas * themes:>8} {rows:>10} {size / 1e6:>6.0f} {seconds:>8.1f} {cpu:>6.1f} {peak:>8.0f} {alerts:>8}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--budget", type=float, default=0.5, help="false alert episodes per series-year")
    parser.add_argument("--scale", type=int, metavar="AREAS", help="time `ovoz detect` on AREAS x 15 themes")
    parser.add_argument("--table", action="store_true", help="every seed on each ramp shape, two φ ranges")
    parser.add_argument("--shapes", nargs="+", default=["linear", "step", "plateau"], help="ramp shapes for --table")
    parser.add_argument("--oracle", action="store_true", help="with --table: the bound of a detector told the truth")
    args = parser.parse_args()
    if args.table:
        print(f"# {platform.node()} {platform.processor() or platform.machine()}, Python {platform.python_version()}")
        print(f"# {args.series} series x {DAYS} days per row, budget {args.budget} false episodes per series-year")
        table(args.series, args.seeds, args.budget, args.oracle, args.shapes)
        return
    if args.scale:
        print(f"# {platform.node()} {platform.machine()}, Python {platform.python_version()}")
        scale(args.scale)
        return
    print(f"# {platform.node()} {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print(f"# {args.series} series x {DAYS} days per seed, budget {args.budget} false episodes per series-year")
    print(f"{'seed':>6} {'recall':>7} {'false/yr':>9} {'delay':>6} {'s/1000':>7}")
    totals = []
    for seed in args.seeds:
        counts, starts = synthetic(args.series, np.random.default_rng(seed))
        began = time.perf_counter()
        detection = detect(counts, first_weekday=0, false_episodes_per_year=args.budget)
        seconds = time.perf_counter() - began
        recall, per_year, delay = evaluate(detection.alerts, starts)
        totals.append((recall, per_year, delay))
        print(f"{seed:>6} {recall:>7.3f} {per_year:>9.3f} {delay:>6.1f} {seconds / args.series * 1000:>7.2f}")
    recall, per_year, delay = (float(np.mean(column)) for column in zip(*totals, strict=True))
    print(f"{'mean':>6} {recall:>7.3f} {per_year:>9.3f} {delay:>6.1f}")


if __name__ == "__main__":
    main()
