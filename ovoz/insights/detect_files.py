"""The offline contract of early warning: counts in a CSV file, alerts out to another.

``counts.csv`` has the header ``area,theme,day,count``: ISO dates, a day missing from the file is a
zero, a series is one area × theme, and days run from the earliest to the latest date in the file.
``alerts.csv`` has the header ``area,theme,day,score`` and one row for each series and day on which
an alert is raised. Bad input is refused with its line number; nothing is written then.
"""

from __future__ import annotations

import csv
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import IO, Protocol

import numpy as np

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


def read_counts(handle: IO[str]) -> Counts:
    reader = csv.reader(handle)
    header = next(reader, None)
    if header is None or [cell.strip().lower() for cell in header] != COUNTS_HEADER:
        raise CountsFileError(1, "the header must be exactly: " + ",".join(COUNTS_HEADER))
    series_index: dict[tuple[str, str], int] = {}
    day_cache: dict[str, int] = {}
    rows, days, values = array("l"), array("l"), array("d")
    for line, record in enumerate(reader, start=2):
        if not record or (len(record) == 1 and not record[0].strip()):
            continue  # a blank line
        if len(record) != 4:
            raise CountsFileError(line, f"expected 4 fields (area,theme,day,count), found {len(record)}")
        area, theme, day_text, count_text = record
        if not area or not theme:
            raise CountsFileError(line, "area and theme must not be empty")
        ordinal = day_cache.get(day_text)
        if ordinal is None:
            try:
                ordinal = date.fromisoformat(day_text.strip()).toordinal()
            except ValueError:
                raise CountsFileError(line, f"not an ISO date (YYYY-MM-DD): {day_text!r}") from None
            day_cache[day_text] = ordinal
        try:
            count = int(count_text)
        except ValueError:
            raise CountsFileError(line, f"the count must be a whole number: {count_text!r}") from None
        if count < 0:
            raise CountsFileError(line, f"the count must not be negative: {count}")
        key = (area, theme)
        index = series_index.setdefault(key, len(series_index))
        rows.append(index)
        days.append(ordinal)
        values.append(count)
    if not series_index:
        return Counts(series=[], first_day=date.min, matrix=np.zeros((0, 0)))
    day_numbers = np.frombuffer(days, dtype=np.int_) if len(days) else np.zeros(0, dtype=np.int_)
    first, last = int(day_numbers.min()), int(day_numbers.max())
    matrix = np.zeros((len(series_index), last - first + 1))
    # A series × day written twice adds up (two rows of one day are two counts of it).
    np.add.at(matrix, (np.frombuffer(rows, dtype=np.int_), day_numbers - first), np.frombuffer(values))
    return Counts(series=list(series_index), first_day=date.fromordinal(first), matrix=matrix)


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
