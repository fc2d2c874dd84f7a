"""The offline contract of early warning: counts in a CSV file, alerts out to another.

``counts.csv`` has the header ``area,theme,day,count``: ISO dates, a day missing from the file is a
zero, a series is one area × theme, and days run from the earliest to the latest date in the file.
``alerts.csv`` has the header ``area,theme,day,score`` and one row for each series and day on which
an alert is raised. Bad input is refused with its line number; nothing is written then.
"""

from __future__ import annotations

import csv
import gc
import io
import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import IO, Protocol

import numpy as np
from numpy.typing import NDArray

from ovoz.insights.early_warning import CHUNK_SERIES, Float32Array, detect
from ovoz.insights.share_signal import SHARE_BUDGET_FRACTION, detect_share

COUNTS_HEADER = ["area", "theme", "day", "count"]
ALERTS_HEADER = ["area", "theme", "day", "score"]


class Writable(Protocol):
    def write(self, text: str, /) -> object: ...


class CountsFileError(ValueError):
    """A counts file that cannot be read; ``line`` is 1-based, as an editor shows it."""

    def __init__(self, line: int, problem: str) -> None:
        super().__init__(f"line {line}: {problem}")
        self.line = line
        self.problem = problem


@dataclass(frozen=True)
class Counts:
    series: list[tuple[str, str]]  # (area, theme) per row of ``matrix``
    first_day: date
    matrix: Float32Array  # series × days


def _check_row(line: int, record: list[str]) -> None:
    """Say what is wrong with one row (used to name the line once a block was refused)."""
    if len(record) != 4:
        raise CountsFileError(line, f"expected 4 fields (area,theme,day,count), found {len(record)}")
    area, theme, day_text, count_text = record
    if not area or not theme:
        raise CountsFileError(line, "area and theme must not be empty")
    if "," in area:
        raise CountsFileError(line, f"an area must not contain a comma: {area!r}")
    try:
        if len(day_text.strip()) != 10:
            raise ValueError
        date.fromisoformat(day_text.strip())
    except ValueError:
        raise CountsFileError(line, f"not an ISO date (YYYY-MM-DD): {day_text!r}") from None
    try:
        count = int(count_text)
    except ValueError:
        raise CountsFileError(line, f"the count must be a whole number: {count_text!r}") from None
    if count < 0:
        raise CountsFileError(line, f"the count must not be negative: {count}")


def _columns(
    keys: tuple[str, ...],
    day_texts: tuple[str, ...],
    count_texts: tuple[str, ...],
    series_index: dict[str, int],
    day_index: dict[str, int],
) -> tuple[NDArray[np.int32], NDArray[np.int32], NDArray[np.int32]]:
    """Series numbers, day numbers and counts of a block, checked as whole columns; ValueError if any is
    wrong. ``keys`` are "area,theme". New series and days are numbered in sorted order, so the numbering
    does not depend on block sizes; a day is parsed once, however many rows name it."""
    for text in sorted(set(day_texts).difference(day_index)):
        if len(text) != 10:
            raise ValueError
        day_index[text] = date.fromisoformat(text).toordinal()
    days = np.fromiter(map(day_index.__getitem__, day_texts), np.int32, len(day_texts))
    values = np.fromiter(map(int, count_texts), np.int64, len(count_texts))
    if (values < 0).any() or (values > np.iinfo(np.int32).max).any():
        raise ValueError
    for key in sorted(set(keys).difference(series_index)):
        area, theme = key.split(",", 1) if "," in key else (key, "")
        if not area or not theme:
            raise ValueError
        series_index[key] = len(series_index)
    numbers = np.fromiter(map(series_index.__getitem__, keys), np.int32, len(keys))
    return numbers, days, values.astype(np.int32)


EMPTY = np.zeros(0, dtype=np.int32)
# A plain row: no quotes, an ISO date, a count of digits. Blocks of plain rows are read by this
# expression in C; a block with anything else (quoted fields, a bad row) goes through the csv module.
PLAIN_ROW = re.compile(r"^([^,\"\r\n]+,[^,\"\r\n]+),(\d{4}-\d\d-\d\d),(\d+)\r?$", re.MULTILINE)
BLOCK_CHARACTERS = 8 << 20


MAX_KEY_BYTES = 256
MAX_COUNT_DIGITS = 9
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
COMMA, QUOTE, NEWLINE, RETURN, DASH, ZERO = (ord(character) for character in ',"\n\r-0')


def _plain_columns(
    text: str, series_index: dict[str, int]
) -> tuple[NDArray[np.int32], NDArray[np.int32], NDArray[np.int32]] | None:
    """Read a block of plain rows (``area,theme,YYYY-MM-DD,digits``, no quotes, no empty line) with
    array operations on its bytes: the last two commas of each line bound the date, the line end
    bounds the count, and only each block's distinct keys and dates are touched in Python. None when
    any row is not plain (the caller reads the block again with the csv module)."""
    data = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    if data.size == 0 or data[-1] != NEWLINE or (data == QUOTE).any() or (data == 0).any():
        return None
    ends = np.flatnonzero(data == NEWLINE)
    starts = np.concatenate(([0], ends[:-1] + 1))
    carriage = data[np.maximum(ends - 1, 0)] == RETURN
    if int(carriage.sum()) != int(np.count_nonzero(data == RETURN)):
        return None  # a carriage return inside a field
    ends = ends - carriage
    commas = np.flatnonzero(data == COMMA)
    last = np.searchsorted(commas, ends) - 1
    if (last - np.searchsorted(commas, starts) != 2).any():
        return None  # not exactly three commas in every line (an empty line has none)
    first_comma, date_comma, count_comma = commas[last - 2], commas[last - 1], commas[last]
    digits = ends - count_comma - 1
    if (
        (first_comma == starts).any()
        or (date_comma - first_comma < 2).any()
        or (count_comma - date_comma != 11).any()
        or (digits < 1).any()
        or (digits > MAX_COUNT_DIGITS).any()
    ):
        return None
    # Dates: YYYY-MM-DD, checked and turned into day numbers as whole columns.
    date_bytes = data[(date_comma + 1)[:, None] + np.arange(10)].astype(np.int32) - ZERO
    if (date_bytes[:, [4, 7]] != DASH - ZERO).any():
        return None
    date_digits = date_bytes[:, [0, 1, 2, 3, 5, 6, 8, 9]]
    if (date_digits < 0).any() or (date_digits > 9).any():
        return None
    year = date_digits[:, :4] @ np.array([1000, 100, 10, 1], dtype=np.int32)
    month = date_digits[:, 4] * 10 + date_digits[:, 5]
    day = date_digits[:, 6] * 10 + date_digits[:, 7]
    if (year < 1).any() or (month < 1).any() or (month > 12).any() or (day < 1).any():
        return None
    months = ((year - 1970) * 12 + month - 1).astype("datetime64[M]")
    month_starts = months.astype("datetime64[D]").astype(np.int64)
    month_lengths = (months + 1).astype("datetime64[D]").astype(np.int64) - month_starts
    if (day > month_lengths).any():
        return None
    days = (month_starts + day - 1 + EPOCH_ORDINAL).astype(np.int32)
    # Counts: up to nine digits, right-aligned.
    places = np.arange(MAX_COUNT_DIGITS)
    count_bytes = data[np.maximum(ends[:, None] - MAX_COUNT_DIGITS + places, 0)].astype(np.int64) - ZERO
    count_bytes[places[None, :] < MAX_COUNT_DIGITS - digits[:, None]] = 0
    if (count_bytes < 0).any() or (count_bytes > 9).any():
        return None
    values = count_bytes @ (10 ** places[::-1]).astype(np.int64)
    # Keys ("area,theme"): fixed-width bytes, one Python lookup per distinct key of the block.
    key_lengths = date_comma - starts
    width = int(key_lengths.max())
    if width > MAX_KEY_BYTES:
        return None
    key_bytes = data[np.minimum(starts[:, None] + np.arange(width), data.size - 1)]
    key_bytes[np.arange(width)[None, :] >= key_lengths[:, None]] = 0
    # Rows of one series usually come together: only the first row of each run is sorted out.
    heads = np.concatenate(([True], (key_bytes[1:] != key_bytes[:-1]).any(axis=1)))
    unique_keys, head_positions = np.unique(
        np.ascontiguousarray(key_bytes[heads]).view(f"V{width}").ravel(), return_inverse=True
    )
    key_positions = head_positions.ravel()[np.cumsum(heads) - 1]
    try:
        key_texts = [bytes(key).rstrip(b"\0").decode("utf-8") for key in unique_keys.tolist()]
    except UnicodeDecodeError:
        return None
    for key in sorted(set(key_texts).difference(series_index)):
        series_index[key] = len(series_index)
    numbers = np.array([series_index[key] for key in key_texts], dtype=np.int32)
    return numbers[key_positions], days, values.astype(np.int32)


def _block(
    text: str, first_line: int, series_index: dict[str, int], day_index: dict[str, int]
) -> tuple[NDArray[np.int32], NDArray[np.int32], NDArray[np.int32]]:
    plain = _plain_columns(text, series_index)
    if plain is not None:
        return plain
    lines = text.split("\n")
    filled = len(lines) - lines.count("") - lines.count("\r")
    rows = PLAIN_ROW.findall(text)
    if rows and len(rows) == filled:
        try:
            keys, day_texts, count_texts = zip(*rows, strict=True)
            return _columns(keys, day_texts, count_texts, series_index, day_index)
        except ValueError:
            pass
    records = list(csv.reader(io.StringIO(text)))
    filled_records = [record for record in records if record]
    if not filled_records:
        return EMPTY, EMPTY, EMPTY
    try:
        if any(len(record) != 4 for record in filled_records):
            raise ValueError
        areas, themes, day_texts, count_texts = zip(*filled_records, strict=True)
        if "" in areas or "" in themes or any("," in area for area in areas):
            raise ValueError  # an area with a comma cannot be told from its theme in a series key
        keys = tuple(f"{area},{theme}" for area, theme in zip(areas, themes, strict=True))
        return _columns(keys, day_texts, count_texts, series_index, day_index)
    except ValueError:
        for offset, record in enumerate(records):
            if record:
                _check_row(first_line + offset, record)
        raise CountsFileError(first_line, "a row cannot be read") from None  # not reached: a row was named


def read_counts(handle: IO[str]) -> Counts:
    """Read a counts file in blocks of about 8 MB of whole lines, each checked as whole columns (a
    regular expression splits plain rows, numpy parses the dates and counts); a block with a bad row is
    read again row by row to name the first bad line. Counts are kept as 32-bit integers until the
    matrix is built, so memory stays near the matrix itself."""
    # Millions of short-lived tuples would set off the cyclic garbage collector again and again; nothing
    # read here forms a cycle.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _read_counts(handle)
    finally:
        if collecting:
            gc.enable()


def _read_counts(handle: IO[str]) -> Counts:
    header_line = handle.readline()
    header = next(csv.reader([header_line]), None) if header_line else None
    if header is None or [cell.strip().lower() for cell in header] != COUNTS_HEADER:
        raise CountsFileError(1, "the header must be exactly: " + ",".join(COUNTS_HEADER))
    series_index: dict[str, int] = {}  # "area,theme"
    day_index: dict[str, int] = {}  # ISO date: ordinal
    row_parts, day_parts, value_parts = [], [], []
    first_line = 2
    while True:
        text = handle.read(BLOCK_CHARACTERS)
        if not text:
            break
        if not text.endswith("\n"):
            text += handle.readline()
        numbers, days, values = _block(text, first_line, series_index, day_index)
        first_line += text.count("\n")
        row_parts.append(numbers)
        day_parts.append(days)
        value_parts.append(values)
    if not series_index:
        return Counts(series=[], first_day=date.min, matrix=np.zeros((0, 0), dtype=np.float32))
    rows = np.concatenate(row_parts).astype(np.int64)
    del row_parts
    days = np.concatenate(day_parts)
    del day_parts
    first, last = int(days.min()), int(days.max())
    width = last - first + 1
    rows *= width
    rows += days - first
    del days
    weights = np.concatenate(value_parts).astype(np.float64)
    del value_parts
    # A series × day written twice adds up (two rows of one day are two counts of it).
    flat = np.bincount(rows, weights=weights, minlength=len(series_index) * width)
    del rows, weights
    matrix = flat.astype(np.float32).reshape(len(series_index), width)
    series = [(key.split(",", 1)[0], key.split(",", 1)[1]) for key in series_index]
    return Counts(series=series, first_day=date.fromordinal(first), matrix=matrix)


def alert_rows(
    counts: Counts, *, false_episodes_per_year: float, share: bool = False
) -> Iterator[tuple[str, str, str, str]]:
    """One row per series and day in alert. With ``share`` the share signal runs beside the count
    detector, each on its part of the budget, and a day in alert by either is a row (the higher score)."""
    if not counts.series:
        return
    if share:
        yield from _rows_with_share(counts, false_episodes_per_year=false_episodes_per_year)
        return
    # A block of series at a time: memory stays at the counts plus one block's working arrays.
    for first in range(0, len(counts.series), CHUNK_SERIES):
        detection = detect(
            counts.matrix[first : first + CHUNK_SERIES],
            first_weekday=counts.first_day.weekday(),
            false_episodes_per_year=false_episodes_per_year,
        )
        rows, days = np.nonzero(detection.alerts)
        scores = detection.score[rows, days]
        for row, day, score in zip(rows.tolist(), days.tolist(), scores.tolist(), strict=True):
            area, theme = counts.series[first + row]
            yield area, theme, (counts.first_day + timedelta(days=day)).isoformat(), f"{score:.2f}"


def _rows_with_share(counts: Counts, *, false_episodes_per_year: float) -> Iterator[tuple[str, str, str, str]]:
    """Blocks of whole areas (about CHUNK_SERIES series each), area by area: memory stays at the counts
    plus one block's working arrays."""
    share_budget = false_episodes_per_year * SHARE_BUDGET_FRACTION
    areas = np.unique(np.array([area for area, _ in counts.series]), return_inverse=True)[1].ravel()
    order = np.argsort(areas, kind="stable")
    area_starts = np.flatnonzero(np.diff(areas[order], prepend=-1))
    # Cut at area boundaries roughly every CHUNK_SERIES series.
    cuts = [0]
    for start in area_starts.tolist()[1:]:
        if start - cuts[-1] >= CHUNK_SERIES:
            cuts.append(start)
    cuts.append(len(order))
    for low, high in itertools.pairwise(cuts):
        rows_in_block = order[low:high]
        matrix = counts.matrix[rows_in_block]
        detection = detect(
            matrix,
            first_weekday=counts.first_day.weekday(),
            false_episodes_per_year=false_episodes_per_year - share_budget,
        )
        shares = detect_share(matrix, areas[rows_in_block], false_episodes_per_year=share_budget)
        by_count, by_share = detection.alerts, shares.alerts
        scores = np.maximum(np.where(by_count, detection.score, 0), np.where(by_share, shares.score, 0))
        rows, days = np.nonzero(by_count | by_share)
        for row, day, score in zip(rows.tolist(), days.tolist(), scores[rows, days].tolist(), strict=True):
            area, theme = counts.series[int(rows_in_block[row])]
            yield area, theme, (counts.first_day + timedelta(days=day)).isoformat(), f"{score:.2f}"


def write_alerts(handle: Writable, rows: Iterable[tuple[str, str, str, str]]) -> int:
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(ALERTS_HEADER)
    written = 0
    for row in rows:
        writer.writerow(row)
        written += 1
    return written
