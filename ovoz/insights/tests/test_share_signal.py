"""The share signal: a theme's share of all concerns in its area rising, even when the area's total is flat."""

from __future__ import annotations

import csv
from datetime import timedelta

import numpy as np
import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from ovoz.concerns.choices import Channel, Visibility
from ovoz.concerns.models import ConcernRollup, Theme
from ovoz.concerns.services import themes_seed
from ovoz.insights import early_warning, share_signal
from ovoz.insights.alert_services import alerts_run
from ovoz.insights.alert_texts import alert_explanation
from ovoz.insights.models import Alert
from ovoz.places.choices import AreaKind
from ovoz.places.models import Area
from ovoz.places.services import areas_seed

DAYS = 400
SHIFT = 330  # the day the shift begins


def _area(means: np.ndarray, seed: int) -> np.ndarray:
    """Poisson counts of an area's themes (rows) over days (columns), given each theme's daily means."""
    return np.random.default_rng(seed).poisson(means).astype(float)


def test_a_themes_share_rising_while_the_total_stays_flat_raises_a_share_alert_within_days():
    # Six themes of one concern a day; from day SHIFT fuel brings four a day and the five others
    # together two: the area still brings six a day.
    means = np.ones((6, DAYS))
    means[0, SHIFT:] = 4.0
    means[1:, SHIFT:] = 0.4
    found, delays = [], []
    for seed in range(10):
        counts = _area(means, seed)
        detection = share_signal.detect_share(counts, np.zeros(6, dtype=int), false_episodes_per_year=0.1)
        alerts = detection.alerts[:, SHIFT : SHIFT + 14]
        found.append(alerts[0].any())
        delays.append(int(np.argmax(alerts[0])))
        assert not alerts[1:].any()  # the themes that gave way are not alerted
    assert np.mean(found) >= 0.9 and np.median(delays) <= 3
    assert abs(means[:, SHIFT:].sum(axis=0).mean() - means[:, :SHIFT].sum(axis=0).mean()) < 1e-9


def test_the_share_signal_finds_a_theme_whose_count_is_flat_when_the_others_fall_away():
    # Fuel stays at three a day; the other five themes fall from two a day to almost none. The count
    # detector has nothing to say about fuel; its share of the area's concerns has tripled.
    means = np.full((6, DAYS), 2.0)
    means[0] = 3.0
    means[1:, SHIFT:] = 0.1
    counts = _area(means, 3)
    count = early_warning.detect(counts, first_weekday=0)
    share = share_signal.detect_share(counts, np.full(6, 7), false_episodes_per_year=0.1)
    assert not count.alerts[0, SHIFT : SHIFT + 21].any()
    assert share.alerts[0, SHIFT : SHIFT + 7].any()


def test_steady_areas_raise_few_share_alerts():
    # 150 areas of 3-10 steady overdispersed themes over two years: the share signal's part of the
    # budget is 0.1 false episode per series-year; allow for noise, not for a miscalibration.
    rng = np.random.default_rng(11)
    sizes = rng.integers(3, 11, size=150)
    areas = np.repeat(np.arange(150), sizes)
    levels = rng.uniform(0.05, 2.0, size=(len(areas), 1))
    rates = rng.gamma(2.0, 0.5, size=(len(areas), 730)) * levels
    counts = rng.poisson(rates).astype(float)
    alerts = share_signal.detect_share(counts, areas, false_episodes_per_year=0.1).alerts[:, 120:]
    starts = (alerts[:, 1:] & ~alerts[:, :-1]).sum() + alerts[:, 0].sum()
    assert starts / (len(areas) * alerts.shape[1] / 365) <= 0.2
    assert not share_signal.detect_share(counts[:1], areas[:1], false_episodes_per_year=0.1).alerts.any()


@pytest.mark.slow
@pytest.mark.slow  # the whole calibration: thousands of simulated series
def test_the_shipped_share_table_is_what_calibration_gives():
    """The share signal's table (the count detector's part beside it: test_early_warning), and the two
    parts add up to the default budget."""
    share_signal.calibrate_share.cache_clear()
    shipped = np.array(share_signal.DEFAULT_SHARE_TABLE).reshape(share_signal.SHARE_TABLE_SHAPE)
    assert np.array_equal(share_signal.calibrate_share(share_signal.DEFAULT_SHARE_BUDGET), shipped)
    assert early_warning.COUNT_BUDGET_BESIDE_SHARE + share_signal.DEFAULT_SHARE_BUDGET == early_warning.DEFAULT_BUDGET


def test_ovoz_detect_adds_share_alerts_only_when_asked(tmp_path):
    means = np.full((6, DAYS), 2.0)
    means[0] = 3.0
    means[1:, SHIFT:] = 0.1
    counts = {"KZ-MAN": _area(means, 3), "UZ-AN": _area(np.full((6, DAYS), 2.0), 4)}  # UZ-AN stays steady
    first = timezone.localdate() - timedelta(days=DAYS)
    with (tmp_path / "counts.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["area", "theme", "day", "count"])
        for day in range(DAYS):  # the two areas' rows interleaved, day by day
            for area, values in counts.items():
                for theme in np.flatnonzero(values[:, day]):
                    writer.writerow(
                        [area, f"t{theme}", (first + timedelta(days=day)).isoformat(), int(values[theme, day])]
                    )
    rows = {}
    for name, extra in (("plain", {}), ("share", {"share": True})):
        call_command("detect", counts=str(tmp_path / "counts.csv"), out=str(tmp_path / f"{name}.csv"), **extra)
        with (tmp_path / f"{name}.csv").open() as handle:
            rows[name] = list(csv.reader(handle))
    assert rows["plain"][0] == rows["share"][0] == ["area", "theme", "day", "score"]
    shift_days = {(first + timedelta(days=SHIFT + offset)).isoformat() for offset in range(14)}
    assert not any(row[:2] == ["KZ-MAN", "t0"] and row[2] in shift_days for row in rows["plain"][1:])
    assert any(row[:2] == ["KZ-MAN", "t0"] and row[2] in shift_days for row in rows["share"][1:])
    # Above a threshold, or a count alert held above half of its threshold (hysteresis).
    assert all(float(row[3]) > 0.5 for row in rows["share"][1:])


@pytest.mark.django_db
def test_the_daily_run_raises_a_share_alert_that_says_what_share_the_theme_took():
    areas_seed()
    themes_seed()
    district = Area.objects.create(name="Zarbdor", kind=AreaKind.DISTRICT, parent=Area.objects.get(code="UZ-JI"))
    themes = list(Theme.objects.order_by("pk")[:6])
    fuel = themes[0]
    day = timezone.localdate() - timedelta(days=1)
    rows = []
    for offset in range(200):
        # Fuel: three concerns a day throughout; five other themes: two a day, none in the last week.
        for theme, count in [(fuel, 3)] + [(other, 2 if offset >= 7 else 0) for other in themes[1:]]:
            if count:
                rows.append(
                    ConcernRollup(
                        day=day - timedelta(days=offset),
                        area_key=district.pk,
                        theme_key=theme.pk,
                        visibility=Visibility.PUBLIC,
                        channel=Channel.WEB,
                        status="received",
                        count=count,
                    )
                )
    ConcernRollup.objects.bulk_create(rows)

    alerts_run(day=day, notify=False)

    alert = Alert.objects.get(area=district)
    assert alert.theme == fuel and alert.signal == "share"
    assert alert.observed == 21 and alert.area_observed == 21
    assert alert.expected_share is not None and 0.15 < alert.expected_share < 0.35
    with translation.override("en"):
        explanation = alert_explanation(alert, "en")
    assert explanation.startswith("21 of 21 concerns in Zarbdor in 7 days were about ")
    assert "(100%)" in explanation and "usually" in explanation
    assert not Alert.objects.exclude(theme=fuel).exists()
