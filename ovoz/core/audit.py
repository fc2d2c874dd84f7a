"""The audit log's hash chain: how an entry is hashed, and the walk that checks the whole chain.

Every entry stores the hash of the entry before it (``previous_hash``, the genesis value for the
first) and its own hash: SHA-256 over a canonical JSON encoding of its fields and that previous
hash. Changing an entry's content breaks its own hash; removing, inserting or reordering entries
breaks the link of the entry after the change. ``ovoz audit-verify`` walks the chain.

What the chain cannot show on its own: someone able to write to the database could cut off the
newest entries, or rewrite every hash from a point on. Against that, keep the head hash that
``ovoz audit-verify`` prints somewhere else (a cron mail, a notebook) and later pass it back with
``--contains``: the chain must still hold that entry.

Migration ``core.0002`` carries its own frozen copy of ``entry_digest`` (migrations never import
app code); a change here needs a new version prefix, never an edit of version 1.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from django.db import connection

from ovoz.core.models import GENESIS_HASH, AuditEntry

VERSION_PREFIX = b"ovoz-audit-v1\n"


def plain_json(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` as the database gives it back (tuples become lists, keys strings), so that the hash
    computed before the insert is the hash of what is read later. NaN and infinity are refused."""
    value: dict[str, Any] = json.loads(json.dumps(data, allow_nan=False))
    return value


def instant(at: datetime) -> str:
    """A moment in UTC to the microsecond, as both databases keep it."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_digest(
    *,
    previous_hash: str,
    at: datetime,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: str,
    data: dict[str, Any],
) -> str:
    """The hex SHA-256 of one entry's canonical encoding (sorted keys, no spaces, ASCII only)."""
    encoded = json.dumps(
        {
            "previous": previous_hash,
            "at": instant(at),
            "actor": actor_id,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "data": data,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
        allow_nan=False,
    )
    return hashlib.sha256(VERSION_PREFIX + encoded.encode("ascii")).hexdigest()


def digest_of(entry: AuditEntry) -> str:
    return entry_digest(
        previous_hash=entry.previous_hash,
        at=entry.at,
        actor_id=entry.actor_id,
        action=entry.action,
        object_type=entry.object_type,
        object_id=entry.object_id,
        data=entry.data,
    )


class Problem(StrEnum):
    ALTERED = "altered"  # the entry's content no longer gives its hash
    UNLINKED = "unlinked"  # it does not follow the entry before it: removed, inserted or reordered entries


@dataclass(frozen=True)
class ChainBreak:
    entry_id: int
    problem: Problem
    previous_id: int | None  # the entry it should follow (None: it should be the first)


@dataclass(frozen=True)
class ChainReport:
    checked: int
    head_id: int | None
    head_hash: str
    broken: ChainBreak | None
    contains_expected: bool | None = None  # whether the chain holds the entry asked for (None: not asked)

    @property
    def is_intact(self) -> bool:
        return self.broken is None and self.contains_expected is not False


def _entries(batch_size: int) -> Iterator[AuditEntry]:
    """Every entry in chain order (by id), read in batches by key so memory stays flat."""
    last_id = 0
    while True:
        batch = list(AuditEntry.objects.filter(pk__gt=last_id).order_by("pk")[:batch_size])
        if not batch:
            return
        yield from batch
        last_id = batch[-1].pk


def chain_verify(*, expected_hash: str = "", batch_size: int = 2000) -> ChainReport:
    """Walk the whole chain; report how many entries were checked and the first one that does not match.

    With ``expected_hash`` (a head printed by an earlier run), also report whether that entry is
    still in the chain.
    """
    checked = 0
    previous_id: int | None = None
    previous_hash = GENESIS_HASH
    found = False if expected_hash else None
    for entry in _entries(batch_size):
        checked += 1
        if entry.previous_hash != previous_hash:
            broken = ChainBreak(entry_id=entry.pk, problem=Problem.UNLINKED, previous_id=previous_id)
            return ChainReport(checked=checked, head_id=previous_id, head_hash=previous_hash, broken=broken)
        if digest_of(entry) != entry.entry_hash:
            broken = ChainBreak(entry_id=entry.pk, problem=Problem.ALTERED, previous_id=previous_id)
            return ChainReport(checked=checked, head_id=previous_id, head_hash=previous_hash, broken=broken)
        if found is False and entry.entry_hash == expected_hash:
            found = True
        previous_id, previous_hash = entry.pk, entry.entry_hash
    return ChainReport(
        checked=checked, head_id=previous_id, head_hash=previous_hash, broken=None, contains_expected=found
    )


def entries_check(entries: list[AuditEntry], *, consecutive: bool) -> set[int]:
    """Ids of the entries (newest first, as a page of the log shows them) whose own hash does not
    match, or, when they are ``consecutive`` entries of the chain, whose link to the entry shown
    below them does not: a cheap check of one page."""
    bad = {entry.pk for entry in entries if digest_of(entry) != entry.entry_hash}
    if consecutive:
        for newer, older in zip(entries, entries[1:], strict=False):
            if newer.previous_hash != older.entry_hash:
                bad.add(newer.pk)
    return bad


def report_data(report: ChainReport) -> dict[str, object]:
    """What an ``audit.verified`` entry keeps of a check: numbers and ids only."""
    return {
        "checked": report.checked,
        "intact": report.is_intact,
        "head": report.head_id,
        "broken_at": report.broken.entry_id if report.broken is not None else None,
        "problem": str(report.broken.problem) if report.broken is not None else "",
    }


# The triggers of migration core.0003, by database vendor.
TRIGGERS = {
    "postgresql": ("core_auditentry_refuse_truncate", "core_auditentry_refuse_update_delete"),
    "sqlite": ("core_auditentry_refuse_delete", "core_auditentry_refuse_update"),
}


def triggers_missing() -> list[str]:
    """The append-only triggers that are not in place (dropped, or disabled on PostgreSQL)."""
    expected = TRIGGERS.get(connection.vendor, ())
    table = AuditEntry._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal AND tgenabled <> 'D'",
                [table],
            )
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table])
        present = {row[0] for row in cursor.fetchall()}
    return [name for name in expected if name not in present]
