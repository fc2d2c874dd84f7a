"""Early warning: the detector on series a facilitator would recognise, and `ovoz detect`'s file contract."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from ovoz.insights import early_warning
from ovoz.insights.detect_files import CountsFileError, read_counts

START = date(2025, 1, 6)  # a Monday


def _steady(days: int, mean: float, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).poisson(mean, size=days).astype(float)


def test_a_surge_in_a_quiet_area_raises_an_alert_within_days_and_quiet_series_raise_none():
    quiet = np.stack([_steady(400, 0.5, seed) for seed in range(20)])
    surging = _steady(400, 0.5, 99)
    surging[300:310] += 4  # fourteen-odd more a day than the usual one every two days
    detection = early_warning.detect(np.vstack([quiet, surging]), first_weekday=0)
    first_alert = int(np.argmax(detection.alerts[-1, 300:]))
    assert detection.alerts[-1, 300:310].any() and first_alert <= 3
    assert detection.score[-1, 300 + first_alert] >= 1
    # Twenty steady series over ~a year: the budget allows ~10 false episodes in all; far fewer here.
    quiet_alerts = detection.alerts[:20]
    assert (quiet_alerts[:, 1:] & ~quiet_alerts[:, :-1]).sum() + quiet_alerts[:, 0].sum() <= 15


def test_no_alert_before_a_series_has_a_past_and_a_new_area_still_expects_something():
    counts = np.zeros((1, 200))
    counts[0, 5:15] = 3  # a burst before any history: nothing to compare with
    counts[0, 150:155] = 3  # after months of silence: an alert
    detection = early_warning.detect(counts, first_weekday=0)
    assert not detection.alerts[0, : early_warning.MIN_HISTORY_DAYS].any()
    assert detection.alerts[0, 150:156].any()
    assert (detection.expected > 0).all()


def test_the_weekly_cycle_is_expected_rather_than_alerted():
    days = 500
    weekday = np.arange(days) % 7
    rng = np.random.default_rng(7)
    counts = rng.poisson(np.where(weekday < 5, 2.0, 0.2), size=(30, days)).astype(float)
    detection = early_warning.detect(counts, first_weekday=0)
    monday_expected = detection.expected[:, 400:500][:, weekday[400:500] == 0].mean()
    sunday_expected = detection.expected[:, 400:500][:, weekday[400:500] == 6].mean()
    assert monday_expected > 4 * sunday_expected
    later = detection.alerts[:, 100:]
    assert (later[:, 1:] & ~later[:, :-1]).sum() + later[
        :, 0
    ].sum() < 30  # a handful of episodes in 30 series × ~1 year


def _in_control(level: float, phi: float, series: int, days: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    rates = rng.gamma(1 / phi, phi, size=(series, days)) * level if phi else np.full((series, days), level)
    return rng.poisson(rates).astype(float)


def _episodes_per_series_year(alerts: np.ndarray, after: int) -> float:
    above = alerts[:, after:]
    starts = (above[:, 1:] & ~above[:, :-1]).sum() + above[:, 0].sum()
    return float(starts / (above.shape[0] * above.shape[1] / 365))


def test_quiet_and_busy_series_each_spend_about_their_own_false_alert_budget():
    # The thresholds are calibrated per level and dispersion through the whole detector (estimation
    # included): a quiet Poisson area and a busy overdispersed one both stay near 0.5 episodes a year,
    # neither far above (alert fatigue) nor far below (a budget not spent is recall lost).
    quiet = early_warning.detect(_in_control(0.1, 0.0, 300, 730, 1), first_weekday=0)
    busy = early_warning.detect(_in_control(3.0, 0.8, 300, 730, 2), first_weekday=0)
    for detection in (quiet, busy):
        assert 0.15 <= _episodes_per_series_year(detection.alerts, 200) <= 0.9
    assert busy.threshold[:, 400].mean() > quiet.threshold[:, 400].mean()  # a noisier series needs more evidence


def test_a_step_surge_in_a_busy_overdispersed_series_is_found_in_days():
    counts = _in_control(1.5, 0.5, 40, 500, 3)
    counts[:, 400:414] += np.random.default_rng(4).poisson(1.5 * 3, size=(40, 14))  # four times the usual
    detection = early_warning.detect(counts, first_weekday=0)
    found = detection.alerts[:, 400:414].any(axis=1)
    delays = np.argmax(detection.alerts[:, 400:414], axis=1)[found]
    assert found.mean() >= 0.9 and np.median(delays) <= 3


def test_the_cusum_is_the_running_sum_held_between_zero_and_its_ceiling():
    increments = np.array([[1.0, 2.0, -5.0, 3.0, 3.0, 3.0, -1.0]])
    assert early_warning.cusum(increments).tolist() == [[1, 3, 0, 3, 6, 9, 8]]
    assert early_warning.cusum(increments, np.full((1, 7), 5.0)).tolist() == [[1, 3, 0, 3, 5, 5, 4]]


def test_an_alert_holds_while_the_statistic_stays_above_half_its_threshold():
    statistic = np.array([[0.0, 1.2, 0.9, 0.6, 1.1, 0.5, 0.9, 0.7, 1.3, 0.4]])
    threshold = np.ones_like(statistic)
    held = early_warning.hysteresis(statistic, threshold)
    # Raised on day 1, held through 0.9, 0.6 and 1.1, dropped at 0.5 (not above half); 0.9 and 0.7
    # alone raise nothing; raised again on day 8, dropped on day 9.
    assert held.astype(int).tolist() == [[0, 1, 1, 1, 1, 0, 0, 0, 1, 0]]


def test_hysteresis_follows_each_day_s_own_threshold_and_each_series_on_its_own():
    statistic = np.array([[3.0, 1.6, 1.4, 3.0], [0.0, 1.6, 1.4, 0.0]])
    threshold = np.array([[2.0, 3.0, 3.0, 4.0], [2.0, 1.5, 2.0, 2.0]])
    held = early_warning.hysteresis(statistic, threshold)
    # Day 3 of the first series is above half of its threshold, but nothing is held then.
    assert held.astype(int).tolist() == [[1, 1, 0, 0], [0, 1, 1, 0]]


def test_a_surge_whose_scan_wavers_is_one_episode_not_several():
    # A surge in bursts: the scan dips under its threshold between them but not under half of it.
    counts = _in_control(0.5, 0.0, 1, 500, 5)
    for first in (400, 406, 412):
        counts[0, first : first + 3] += 3
    detection = early_warning.detect(counts, first_weekday=0)
    window = slice(395, 440)
    held = detection.alerts[0, window]
    raw = (detection.statistic > detection.threshold)[0, window]
    assert raw.any() and (held >= raw).all()  # every day above the threshold is an alert day
    assert _episodes_per_series_year(held[None, :], 0) * held.size / 365 == 1


def test_calibration_with_hysteresis_lowers_no_threshold_past_the_budget():
    # In-control statistics in one cell: the thresholds held by hysteresis are the crossing ones or
    # lower, and at them the series start at most the budgeted episodes.
    rng = np.random.default_rng(8)
    counts = rng.poisson(1.0, size=(400, 3 * 365)).astype(float)
    statistic = early_warning.detect(counts, first_weekday=0).statistic
    cells = np.zeros(statistic.shape, dtype=np.intp)
    budget = 2.0
    crossing = early_warning.thresholds_by_crossings([(statistic, cells)], budget, (1, 1, 1))
    held = early_warning.thresholds_with_hysteresis([(statistic, cells)], crossing, budget)
    assert held[0, 0, 0] <= crossing[0, 0, 0]
    alerts = early_warning.hysteresis(statistic, np.full(statistic.shape, held[0, 0, 0], dtype=np.float32))
    counted = alerts[:, early_warning.MIN_HISTORY_DAYS - 1 :]
    episodes = (counted[:, 1:] & ~counted[:, :-1]).sum()
    assert episodes / (counts.shape[0] * (counts.shape[1] - early_warning.MIN_HISTORY_DAYS) / 365) <= budget


@pytest.mark.slow
@pytest.mark.slow  # the whole calibration: thousands of simulated series
def test_the_shipped_threshold_tables_are_what_calibration_gives():
    """Both shipped count tables: the default budget's, and the part the count detector keeps when the
    share signal runs beside it (the share signal's own table: test_share_signal)."""
    default, beside = early_warning.calibrate_budgets(
        (early_warning.DEFAULT_BUDGET, early_warning.COUNT_BUDGET_BESIDE_SHARE)
    )
    assert np.array_equal(default, np.array(early_warning.DEFAULT_TABLE).reshape(early_warning.TABLE_SHAPE))
    assert np.array_equal(beside, np.array(early_warning.TABLE_BESIDE_SHARE).reshape(early_warning.TABLE_SHAPE))


def _write_counts(path, rows):
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["area", "theme", "day", "count"])
        writer.writerows(rows)


def test_ovoz_detect_reads_counts_and_writes_alert_rows_for_the_surging_series_only(tmp_path):
    rows = []
    rng = np.random.default_rng(3)
    for offset in range(365):
        day = (START + timedelta(days=offset)).isoformat()
        for area in ("UZ-AN", "KZ-MAN"):
            count = int(rng.poisson(0.4))
            if area == "KZ-MAN" and 330 <= offset < 340:
                count += 5
            if count:  # a missing day is a zero
                rows.append((area, "fuel-prices", day, count))
    _write_counts(tmp_path / "counts.csv", rows)
    call_command("detect", counts=str(tmp_path / "counts.csv"), out=str(tmp_path / "alerts.csv"))

    with (tmp_path / "alerts.csv").open() as handle:
        alerts = list(csv.reader(handle))
    assert alerts[0] == ["area", "theme", "day", "score"]
    assert alerts[1:], "the surge raised no alert"
    assert {row[0] for row in alerts[1:]} <= {"KZ-MAN", "UZ-AN"}
    surge_days = {(START + timedelta(days=offset)).isoformat() for offset in range(330, 347)}
    assert any(row[0] == "KZ-MAN" and row[2] in surge_days for row in alerts[1:])
    # An alert day is above the threshold, or held above half of it after one that was.
    assert all(float(row[3]) > 0.5 for row in alerts[1:]) and any(float(row[3]) >= 1 for row in alerts[1:])


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("area,theme,date,count\nA,t,2025-01-01,1\n", 1, "header"),
        ("area,theme,day,count\nA,t,2025-01-01,1\nA,t,2025-13-01,1\n", 3, "ISO date"),
        ("area,theme,day,count\nA,t,2025-01-01,1\nA,t,2025-01-02,-2\n", 3, "negative"),
        ("area,theme,day,count\nA,t,2025-01-01,1.5\n", 2, "whole number"),
        ("area,theme,day,count\nA,t,2025-01-01\n", 2, "4 fields"),
        ('area,theme,day,count\nA,t,2025-01-01,1\n\n"A, B",t,2025-01-02,1\n', 4, "comma"),
    ],
)
def test_bad_input_is_refused_with_its_line_number_and_nothing_is_written(tmp_path, text, line, words):
    with pytest.raises(CountsFileError) as refused:
        read_counts(io.StringIO(text))
    assert refused.value.line == line and words in refused.value.problem

    (tmp_path / "counts.csv").write_text(text)
    with pytest.raises(CommandError, match=f"line {line}"):
        call_command("detect", counts=str(tmp_path / "counts.csv"), out=str(tmp_path / "alerts.csv"))
    assert not (tmp_path / "alerts.csv").exists()


def test_days_run_from_the_first_to_the_last_date_and_missing_days_are_zero():
    counts = read_counts(io.StringIO("area,theme,day,count\nA,t,2025-01-10,2\nB,t,2025-01-01,1\nA,t,2025-01-10,1\n"))
    assert counts.first_day == date(2025, 1, 1)
    assert counts.matrix.shape == (2, 10)
    assert counts.matrix[0].tolist() == [0] * 9 + [3]  # two rows of one day add up
    assert counts.series == [("A", "t"), ("B", "t")]


def test_quoted_fields_and_windows_line_ends_read_like_plain_ones():
    plain = read_counts(io.StringIO("area,theme,day,count\nUZ-AN,fuel,2025-01-01,2\nUZ-AN,fuel,2025-01-03,11\n"))
    quoted = read_counts(
        io.StringIO('area,theme,day,count\r\n"UZ-AN","fuel",2025-01-01,2\r\nUZ-AN,fuel,2025-01-03,11\r\n')
    )
    assert plain.series == quoted.series == [("UZ-AN", "fuel")]
    assert plain.first_day == quoted.first_day == date(2025, 1, 1)
    assert plain.matrix.tolist() == quoted.matrix.tolist() == [[2.0, 0.0, 11.0]]


def test_the_array_reader_of_plain_rows_reads_like_the_csv_module(monkeypatch):
    from ovoz.insights import detect_files

    rng = np.random.default_rng(5)
    areas = ["UZ-AN", "Qoraqalpog‘iston", "Андижан", "KZ MAN"]
    rows = [
        f"{areas[rng.integers(4)]},t{rng.integers(3)},2024-{rng.integers(1, 13):02d}-{rng.integers(1, 29):02d},"
        f"{rng.integers(0, 1000)}\r\n"
        for _ in range(500)
    ]
    rows.append("UZ-AN,t0,2024-02-29,123456789\r\n")  # a leap day, nine digits
    text = "area,theme,day,count\n" + "".join(rows)
    assert detect_files._plain_columns("".join(rows), {}) is not None  # the fast path is taken
    fast = read_counts(io.StringIO(text))
    monkeypatch.setattr(detect_files, "_plain_columns", lambda *arguments: None)
    slow = read_counts(io.StringIO(text))
    assert fast.series == slow.series and fast.first_day == slow.first_day
    assert np.array_equal(fast.matrix, slow.matrix)


@pytest.mark.parametrize(
    "row", ["A,t,2025-02-29,1", "A,t,2025-00-10,1", "A,t,0000-01-01,1", "A,t,2025-1-01,1", ",t,2025-01-01,1"]
)
def test_a_bad_row_among_plain_ones_is_still_named_by_its_line(row):
    rows = [f"A,t,2025-01-{day:02d},1\n" for day in range(1, 20)]
    rows[10] = row + "\n"
    with pytest.raises(CountsFileError) as refused:
        read_counts(io.StringIO("area,theme,day,count\n" + "".join(rows)))
    assert refused.value.line == 12


def test_blocks_of_whole_lines_keep_counts_and_line_numbers(monkeypatch):
    from ovoz.insights import detect_files

    monkeypatch.setattr(detect_files, "BLOCK_CHARACTERS", 40)  # a block or two of lines each
    rows = [f"A{n % 3},t,2025-01-{1 + n % 28:02d},{n % 4}\n" for n in range(60)]
    counts = read_counts(io.StringIO("area,theme,day,count\n" + "".join(rows)))
    assert counts.matrix.sum() == sum(n % 4 for n in range(60))
    assert sorted(counts.series) == [("A0", "t"), ("A1", "t"), ("A2", "t")]
    rows[44] = "A1,t,2025-02-30,1\n"  # line 46 of the file
    with pytest.raises(CountsFileError) as refused:
        read_counts(io.StringIO("area,theme,day,count\n" + "".join(rows)))
    assert refused.value.line == 46


def test_a_cell_seen_too_little_borrows_from_its_nearest_well_seen_neighbour():
    table = np.arange(np.prod(early_warning.TABLE_SHAPE), dtype=float).reshape(early_warning.TABLE_SHAPE)
    seen = np.ones(early_warning.TABLE_SHAPE, dtype=bool)
    seen[0, 0, 0] = seen[0, 0, 1] = False  # nearest seen along the dispersion axis: column 2
    seen[1, 3, :] = False  # a whole row unseen: levels 2 and 4 are as near, the higher threshold wins
    filled = early_warning._fill_sparse(table, seen)
    assert filled[0, 0, 0] == filled[0, 0, 1] == table[0, 0, 2]
    assert filled[1, 3, 5] == table[1, 4, 5]
    assert (filled[seen] == table[seen]).all()
