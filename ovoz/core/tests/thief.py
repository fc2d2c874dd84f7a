"""The thief: everything someone holding the database files, a backup and every server secret can read.

docs/security.md promises that for a confidential concern this is nothing: neither its words nor a
receipt that opens them. ``thief_loot()`` reads every column of every table as text and additionally
opens every binary value (and every base64 string, as a backup stores them) with the data key under
every purpose the code uses it for, as a thief who read the source would. ``backup_loot()`` does the
same for a backup made with the project's backup command, read with its private key (the worst case:
the backup key stolen too). ``receipts_in(loot)`` lists what looks like a receipt, so a test can check
that none of them opens a sealed concern.

    loot = thief_loot()
    assert words not in loot and receipt not in loot
    assert not receipts_opening(loot)
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import nacl.exceptions
import nacl.public
from django.db import connections

from ovoz.concerns.confidential import open_for_reporter
from ovoz.concerns.models import Concern
from ovoz.core.crypto import decrypt
from ovoz.operations.backup_format import EncryptedReader

__all__ = ["backup_loot", "data_key_purposes", "receipts_in", "receipts_opening", "thief_loot"]

_SOURCE = Path(__file__).resolve().parents[2]
_PURPOSE = re.compile(r"""purpose\s*=\s*["']([a-z0-9-]+)["']|^[A-Z_]*PURPOSE\s*=\s*["']([a-z0-9-]+)["']""", re.M)
_RECEIPT = re.compile(r"\b[0-9A-HJKMNP-TV-Z]{4}-?[0-9A-HJKMNP-TV-Z]{4}-?[0-9A-HJKMNP-TV-Z]{4}-?[0-9A-HJKMNP-TV-Z]{4}\b")


def data_key_purposes() -> set[str]:
    """Every purpose string the code names (``purpose="..."``, ``PURPOSE = "..."``): the thief reads the source."""
    found: set[str] = set()
    for path in _SOURCE.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for match in _PURPOSE.finditer(path.read_text(encoding="utf-8")):
            found.add(match.group(1) or match.group(2))
    return found


def _opened(value: bytes, purposes: set[str]) -> Iterator[str]:
    yield value.decode("utf-8", errors="replace")
    for purpose in purposes:
        try:
            yield decrypt(value, purpose=purpose).decode("utf-8", errors="replace")
        except (nacl.exceptions.CryptoError, ValueError, TypeError):
            continue


def _strings(value: object, purposes: set[str]) -> Iterator[str]:
    if value is None:
        return
    if isinstance(value, memoryview):
        value = value.tobytes()
    if isinstance(value, bytes | bytearray):
        yield from _opened(bytes(value), purposes)
    elif isinstance(value, str):
        yield value
        if len(value) >= 40 and re.fullmatch(r"[A-Za-z0-9+/=]+", value):
            with contextlib.suppress(binascii.Error, ValueError):
                yield from _opened(base64.b64decode(value, validate=True), purposes)
        if value[:1] in "[{":  # JSON kept as text (a draft, a payload): walk its strings too
            with contextlib.suppress(ValueError):
                yield from _strings(json.loads(value), purposes)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item, purposes)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item, purposes)
    else:
        yield str(value)


def thief_loot(using: str = "default") -> str:
    """Every value of every row, and every binary value opened with the data key, as one text."""
    purposes = data_key_purposes()
    connection = connections[using]
    parts: list[str] = []
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 (table names from introspection)
            for row in cursor.fetchall():
                for value in row:
                    parts.extend(_strings(value, purposes))
    return "\n".join(parts)


def backup_loot(content: bytes, private_key: nacl.public.PrivateKey) -> str:
    """Every record of a backup opened with its private key, and every value in it opened with the data key."""
    purposes = data_key_purposes()
    parts: list[str] = []
    for record in EncryptedReader(io.BytesIO(content), private_key=private_key):
        parts.append(record.payload.decode("utf-8", errors="replace"))
        try:
            parts.extend(_strings(json.loads(record.payload), purposes))
        except ValueError:
            continue
    return "\n".join(parts)


def receipts_in(loot: str) -> set[str]:
    return {match.replace("-", "") for match in _RECEIPT.findall(loot.upper())}


def receipts_opening(loot: str) -> list[tuple[str, int]]:
    """Each (receipt-like string, concern id) where the string opens a sealed concern's words."""
    sealed = list(Concern.objects.exclude(content_public_key=None))
    return [
        (receipt, concern.pk)
        for receipt in receipts_in(loot)
        for concern in sealed
        if open_for_reporter(concern, receipt=receipt) is not None
    ]
