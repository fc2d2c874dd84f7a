from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

from ovoz.core.events import AuditAction
from ovoz.core.models import AuditEntry

if TYPE_CHECKING:
    from ovoz.accounts.models import User


def audit_record(
    *,
    action: AuditAction,
    actor: User | None = None,
    target: models.Model | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the audit log. Never pass personal data or content in ``data``."""
    object_type = object_id = ""
    if target is not None:
        object_type = target._meta.label_lower
        object_id = str(target.pk)
    return AuditEntry.objects.create(
        action=str(action),
        actor=actor if actor is not None and actor.pk else None,
        object_type=object_type,
        object_id=object_id,
        data=data or {},
    )
