"""The offline contract of duplicates: texts in a CSV file, incident groups out to another.

``texts.csv`` has a header naming ``id`` and ``text``, and optionally ``area`` and ``day`` (ISO date),
in any order; other columns are ignored. ``groups.csv`` has the header ``id,group`` and every input id
once, in input order; ids sharing a group are taken to be one incident. Bad input is refused with its
line number and nothing is written. Error messages name ids and columns, never a text's words.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from datetime import date
from typing import IO, Protocol

from ovoz.insights.duplicates import Text

GROUPS_HEADER = ["id", "group"]
MAX_TEXT_LENGTH = 20_000


class Writable(Protocol):
    def write(self, text: str, /) -> object: ...


class TextsFileError(ValueError):
    """A texts file that cannot be read; ``line`` is 1-based, as an editor shows it."""

    def __init__(self, line: int, problem: str) -> None:
        super().__init__(f"line {line}: {problem}")
        self.line = line
        self.problem = problem


def read_texts(handle: IO[str]) -> list[Text]:
    """Every row of a texts file, checked: ids present and unique, texts present, days ISO dates."""
    reader = csv.reader(handle)
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise TextsFileError(1, f"not CSV ({error})") from None
    if header is None:
        raise TextsFileError(1, "the file is empty: expected a header with id,text")
    names = [name.strip().lower() for name in header]
    missing = [name for name in ("id", "text") if name not in names]
    if missing:
        raise TextsFileError(1, f"the header has no {' or '.join(missing)} column (expected id,text[,area,day])")
    column = {name: names.index(name) for name in ("id", "text", "area", "day") if name in names}
    texts: list[Text] = []
    seen: set[str] = set()
    try:
        for record in reader:
            line = reader.line_num
            if not any(field.strip() for field in record):
                continue
            if len(record) != len(header):
                raise TextsFileError(line, f"expected {len(header)} fields as in the header, found {len(record)}")
            identifier = record[column["id"]].strip()
            if not identifier:
                raise TextsFileError(line, "the id is empty")
            if identifier in seen:
                raise TextsFileError(line, f"the id {identifier!r} appears twice")
            seen.add(identifier)
            text = record[column["text"]]
            if not text.strip():
                raise TextsFileError(line, f"the text of id {identifier!r} is empty")
            if len(text) > MAX_TEXT_LENGTH:
                raise TextsFileError(line, f"the text of id {identifier!r} is over {MAX_TEXT_LENGTH} characters")
            day = None
            if "day" in column and record[column["day"]].strip():
                day_text = record[column["day"]].strip()
                try:
                    if len(day_text) != 10:
                        raise ValueError
                    day = date.fromisoformat(day_text)
                except ValueError:
                    raise TextsFileError(line, f"not an ISO date (YYYY-MM-DD): {day_text!r}") from None
            area = record[column["area"]].strip() if "area" in column else ""
            texts.append(Text(id=identifier, text=text, area=area, day=day))
    except csv.Error as error:
        raise TextsFileError(reader.line_num, f"not CSV ({error})") from None
    return texts


def write_groups(handle: Writable, texts: Sequence[Text], groups: Iterable[int]) -> int:
    """Write ``id,group`` for every text; returns how many rows were written."""
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(GROUPS_HEADER)
    written = 0
    for text, number in zip(texts, groups, strict=True):
        writer.writerow([text.id, number])
        written += 1
    return written
