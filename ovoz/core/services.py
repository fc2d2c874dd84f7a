from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connection, models, transaction
from django.utils import timezone

from ovoz.core.audit import entry_digest, plain_json
from ovoz.core.events import AuditAction
from ovoz.core.models import GENESIS_HASH, RETENTION_FIELDS, AuditEntry, RetentionPolicy

# The PostgreSQL advisory lock that serialises appends to the audit chain (any constant will do, as long
# as nothing else in the database uses it).
AUDIT_CHAIN_LOCK = 0x6F766F7A_61756474  # "ovozaudt"


def _chain_lock() -> None:
    """Hold the chain until this transaction ends, so the head read next is still the head at insert.

    PostgreSQL: a transaction-scoped advisory lock; the next writer waits for the commit, then reads
    the new head (READ COMMITTED takes a fresh snapshot per statement). SQLite: Ovoz opens every
    transaction with BEGIN IMMEDIATE (settings), which already holds the database's single write lock.
    Either way the unique ``previous_hash`` refuses a fork that slipped through.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [AUDIT_CHAIN_LOCK])


def audit_record(
    *,
    action: AuditAction,
    actor: AbstractBaseUser | None = None,
    target: models.Model | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the audit log's hash chain. Never pass personal data or content in ``data``.

    Inside a caller's transaction the chain stays locked until that transaction ends: a rolled-back
    transaction takes its entries with it and leaves the chain as it was.
    """
    object_type = object_id = ""
    if target is not None:
        object_type = target._meta.label_lower
        object_id = str(target.pk)
    details = plain_json(data or {})
    with transaction.atomic():
        _chain_lock()
        previous_hash = AuditEntry.objects.order_by("-pk").values_list("entry_hash", flat=True).first()
        entry = AuditEntry(
            at=timezone.now(),
            actor_id=actor.pk if actor is not None and actor.pk else None,
            action=str(action),
            object_type=object_type,
            object_id=object_id,
            data=details,
            previous_hash=previous_hash or GENESIS_HASH,
        )
        entry.entry_hash = entry_digest(
            previous_hash=entry.previous_hash,
            at=entry.at,
            actor_id=entry.actor_id,
            action=entry.action,
            object_type=object_type,
            object_id=object_id,
            data=details,
        )
        entry.save(force_insert=True)
    return entry


@transaction.atomic
def retention_policy_update(*, actor: AbstractBaseUser | None, policy: RetentionPolicy) -> RetentionPolicy:
    """Save the retention periods an administrator set; the audit log keeps the old and new numbers."""
    previous = RetentionPolicy.load().periods()
    policy.save()
    current = policy.periods()
    if current != previous:
        audit_record(
            action=AuditAction.RETENTION_POLICY_CHANGED,
            actor=actor,
            target=policy,
            data={field: {"from": previous[field], "to": current[field]} for field in RETENTION_FIELDS},
        )
    return policy
