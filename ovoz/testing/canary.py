"""Canaries: plant a unique string, then prove it is nowhere it must not be.

A privacy test plants a string no one else could write (``canary("address")``) where personal data
enters Ovoz (a request header, a concern's text, an attachment) and then looks for it everywhere it
must not end up::

    marker = canary("ua")
    with captured_logs() as logs:
        client.get("/en/", HTTP_USER_AGENT=marker)
    assert marker not in database_dump_text()
    assert marker not in logs.text
    assert not files_containing(settings.MEDIA_ROOT, marker)

Keep canaries to ASCII letters, digits and ``-``, as ``canary()`` makes them: JSON columns and log
formatters may escape anything else, and an escaped canary would slip through the search.
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import json
import logging
import os
import secrets
import uuid
from collections.abc import Iterator
from pathlib import Path

from django.db import connections

__all__ = ["CapturedLogs", "canary", "captured_logs", "database_dump_text", "files_containing"]


def canary(label: str = "canary") -> str:
    """A string that exists nowhere yet: ``<label>-`` and 24 random hex digits."""
    return f"{label}-{secrets.token_hex(12)}"


def _as_text(value: object) -> str:
    """A column value as text, leniently: bytes as UTF-8 with replacement, JSON as JSON."""
    if value is None:
        return ""
    if isinstance(value, memoryview):
        value = value.tobytes()
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, str | int | float | decimal.Decimal | datetime.date | datetime.time | uuid.UUID):
        return str(value)
    return repr(value)


def database_dump_text(using: str = "default") -> str:
    """Every row of every table of the database, one line per row, as text.

    Reads through the test's own connection, so rows not yet committed by the test are included.
    Binary columns are decoded as UTF-8 with replacement characters, which keeps any ASCII run
    intact; works on SQLite and PostgreSQL.
    """
    connection = connections[using]
    lines: list[str] = []
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 (table names from introspection)
            for row in cursor.fetchall():
                lines.append(table + "\t" + "\t".join(_as_text(value) for value in row))
    return "\n".join(lines)


def files_containing(root: str | os.PathLike[str], needle: str, *, modified_since: float | None = None) -> list[Path]:
    """Files under ``root`` whose bytes contain ``needle`` (UTF-8), optionally only those changed
    since a ``time.time()``. Unreadable files and a missing root are skipped."""
    pattern = needle.encode()
    found: list[Path] = []
    for directory, _subdirectories, names in os.walk(root):
        for name in names:
            path = Path(directory, name)
            try:
                if modified_since is not None and path.stat().st_mtime < modified_since:
                    continue
                if pattern in path.read_bytes():
                    found.append(path)
            except OSError:
                continue
    return found


class CapturedLogs(logging.Handler):
    """Every record any logger emitted, formatted with everything it carries."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        # The message, its exception and stack, and every attribute a handler could print (the
        # request object Django attaches, a gateway's response...), so nothing escapes the search.
        parts = [record.name, record.levelname, record.getMessage()]
        if record.exc_info:
            parts.append(logging.Formatter().formatException(record.exc_info))
        if record.stack_info:
            parts.append(record.stack_info)
        parts.extend(f"{key}={value!r}" for key, value in vars(record).items() if key not in _PLAIN_RECORD_KEYS)
        self.lines.append(" ".join(parts))

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


_PLAIN_RECORD_KEYS = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


@contextlib.contextmanager
def captured_logs() -> Iterator[CapturedLogs]:
    """Capture every logger at DEBUG, whatever levels the settings gave them, for the block."""
    handler = CapturedLogs()
    loggers = [logging.getLogger()] + [
        logger for logger in logging.Logger.manager.loggerDict.values() if isinstance(logger, logging.Logger)
    ]
    levels = {logger: logger.level for logger in loggers}
    disabled = {logger: logger.disabled for logger in loggers}
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
    root = logging.getLogger()
    root.addHandler(handler)
    # Loggers that do not propagate (none in Ovoz's settings today) get the handler directly.
    isolated = [logger for logger in loggers if logger is not root and not logger.propagate]
    for logger in isolated:
        logger.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        for logger in isolated:
            logger.removeHandler(handler)
        for logger in loggers:
            logger.setLevel(levels[logger])
            logger.disabled = disabled[logger]
