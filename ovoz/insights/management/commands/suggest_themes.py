from __future__ import annotations

import csv
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ovoz.concerns.models import MAX_TEXT_LENGTH
from ovoz.insights.detect_files import Writable
from ovoz.insights.suggestions import suggester_for

BATCH = 500


class TextsFileError(ValueError):
    pass


def read_texts(handle: IO[str]) -> list[tuple[str, str]]:
    """(id, text) rows of a CSV file with the header ``id,text``; a bad row is refused by its line."""
    reader = csv.reader(handle, strict=True)
    try:
        header = next(reader, None)
        if header is None or [cell.strip().lower() for cell in header] != ["id", "text"]:
            raise TextsFileError("line 1: the header must be id,text")
        rows: list[tuple[str, str]] = []
        seen: set[str] = set()
        for row in reader:
            line = reader.line_num
            if not row:
                continue
            if len(row) != 2:
                raise TextsFileError(f"line {line}: expected 2 columns (id,text), found {len(row)}")
            identifier, text = row[0].strip(), row[1]
            if not identifier:
                raise TextsFileError(f"line {line}: the id is empty")
            if identifier in seen:
                raise TextsFileError(f"line {line}: the id {identifier!r} appears twice")
            if len(text) > MAX_TEXT_LENGTH or "\x00" in text:
                raise TextsFileError(f"line {line}: the text is longer than {MAX_TEXT_LENGTH} characters or not text")
            seen.add(identifier)
            rows.append((identifier, text))
    except csv.Error as error:
        raise TextsFileError(f"line {reader.line_num}: {error}") from None
    except UnicodeDecodeError:
        raise TextsFileError("the file is not UTF-8 text") from None
    return rows


def write_suggestions(handle: Writable, rows: Iterable[tuple[str, str, float]]) -> int:
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(["id", "theme", "score"])
    written = 0
    for identifier, theme, score in rows:
        writer.writerow([identifier, theme, f"{score:.3f}"])
        written += 1
    return written


class Command(BaseCommand):
    help = (
        "Suggest up to three themes for each text of a CSV file (header id,text), best first, as the "
        "deployment would: its active themes and its facilitators' labelled examples. Writes id,theme,score "
        "(theme slugs; a text with no words gets no row). Bad input is refused with its line number and "
        "nothing is written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--input", required=True, help="the texts CSV file ('-' for standard input)")
        parser.add_argument(
            "--output", required=True, help="the suggestions CSV file to write ('-' for standard output)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["input"] == "-":
                texts = read_texts(sys.stdin)
            else:
                with Path(options["input"]).open(encoding="utf-8-sig", newline="") as handle:
                    texts = read_texts(handle)
        except OSError as error:
            raise CommandError(f"Cannot read {options['input']}: {error.strerror}") from None
        except TextsFileError as error:
            raise CommandError(f"{options['input']}, {error}") from None
        suggester = suggester_for(with_labelled_examples=True)
        results: list[tuple[str, str, float]] = []
        for start in range(0, len(texts), BATCH):
            batch = texts[start : start + BATCH]
            for (identifier, _text), ranked in zip(
                batch, suggester.suggest([text for _id, text in batch]), strict=True
            ):
                results.extend((identifier, theme, score) for theme, score in ranked)
        if options["output"] == "-":
            written = write_suggestions(self.stdout, results)
        else:
            target = Path(options["output"])
            partial = target.with_name(target.name + ".partial")
            try:
                with partial.open("w", encoding="utf-8", newline="") as handle:
                    written = write_suggestions(handle, results)
                partial.replace(target)
            except OSError as error:
                partial.unlink(missing_ok=True)
                raise CommandError(f"Cannot write {options['output']}: {error.strerror}") from None
        self.stderr.write(f"{len(texts)} texts, {written} suggestion rows")
