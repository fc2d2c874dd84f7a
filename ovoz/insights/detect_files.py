"""The offline contract of early warning: counts in a CSV file, alerts out to another.

``counts.csv`` has the header ``area,theme,day,count``: ISO dates, a day missing from the file is a
zero, a series is one area × theme, and days run from the earliest to the latest date in the file.
``alerts.csv`` has the header ``area,theme,day,score`` and one row for each series and day on which
an alert is raised. Bad input is refused with its line number; nothing is written then.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import islice
from typing import IO, Protocol

import numpy as np
from numpy.typing import NDArray

from ovoz.insights.early_warning import CHUNK_SERIES, FloatArray, detect

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
    matrix: FloatArray  # series × days


BLOCK_ROWS = 200_000


def _check_row(line: int, record: list[str]) -> None:
    """Say what is wrong with one row (used to name the line once a block was refused)."""
    if len(record) != 4:
        raise CountsFileError(line, f"expected 4 fields (area,theme,day,count), found {len(record)}")
    area, theme, day_text, count_text = record
    if not area or not theme:
        raise CountsFileError(line, "area and theme must not be empty")
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


def _block_columns(
    block: list[list[str]], series_index: dict[tuple[str, str], int]
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Series numbers, day numbers and counts of a block of rows, checked as whole columns (the loops
    run in C: map, set, zip, numpy); ValueError if any row is wrong (the caller then finds which).
    New series are numbered in sorted order, so the numbering does not depend on the block size."""
    lengths = set(map(len, block))
    if lengths - {0, 4}:
        raise ValueError
    rows = list(filter(None, block)) if 0 in lengths else block
    if not rows:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    areas, themes, day_texts, count_texts = zip(*rows, strict=True)
    if "" in areas or "" in themes or set(map(len, day_texts)) != {10}:
        raise ValueError
    days = np.array(day_texts, dtype="datetime64[D]").astype(np.int64)
    values = np.array(count_texts).astype(np.int64)
    if (values < 0).any():
        raise ValueError
    keys = list(zip(areas, themes, strict=True))
    for key in sorted(set(keys).difference(series_index)):
        series_index[key] = len(series_index)
    numbers = np.fromiter(map(series_index.__getitem__, keys), np.int64, len(keys))
    return numbers, days, values


def read_counts(handle: IO[str]) -> Counts:
    """Read a counts file in blocks of rows, each checked as whole columns (numpy parses the dates and
    counts); a block with a bad row is read again row by row to name the first bad line."""
    reader = csv.reader(handle)
    header = next(reader, None)
    if header is None or [cell.strip().lower() for cell in header] != COUNTS_HEADER:
        raise CountsFileError(1, "the header must be exactly: " + ",".join(COUNTS_HEADER))
    series_index: dict[tuple[str, str], int] = {}
    row_parts, day_parts, value_parts = [], [], []
    while True:
        first_line = reader.line_num + 1
        block = list(islice(reader, BLOCK_ROWS))
        if not block:
            break
        try:
            numbers, days, values = _block_columns(block, series_index)
        except ValueError:
            for offset, record in enumerate(block):
                if record:
                    _check_row(first_line + offset, record)
            raise CountsFileError(first_line, "a row cannot be read") from None  # not reached: a row was named
        row_parts.append(numbers)
        day_parts.append(days)
        value_parts.append(values)
    if not series_index:
        return Counts(series=[], first_day=date.min, matrix=np.zeros((0, 0)))
    rows, days, values = np.concatenate(row_parts), np.concatenate(day_parts), np.concatenate(value_parts)
    first, last = int(days.min()), int(days.max())
    width = last - first + 1
    # A series × day written twice adds up (two rows of one day are two counts of it).
    flat = np.bincount(
        rows * width + (days - first), weights=values.astype(np.float64), minlength=len(series_index) * width
    )
    matrix = np.asarray(flat, dtype=np.float64).reshape(len(series_index), width)
    epoch = date(1970, 1, 1)
    return Counts(series=list(series_index), first_day=epoch + timedelta(days=first), matrix=matrix)


def alert_rows(counts: Counts, *, false_episodes_per_year: float) -> Iterator[tuple[str, str, str, str]]:
    if not counts.series:
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


def write_alerts(handle: Writable, rows: Iterable[tuple[str, str, str, str]]) -> int:
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(ALERTS_HEADER)
    written = 0
    for row in rows:
        writer.writerow(row)
        written += 1
    return written
