"""Grants: a staff user's role in a working group, given, changed and taken away (audited).

The ``Grant`` model lives in accounts' tables (``accounts.Grant``) but is a working-group concept, so
its services live here, above accounts (docs/architecture.md, "Grants").
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ovoz.accounts.choices import GrantRole
from ovoz.accounts.errors import AccountError
from ovoz.accounts.models import Grant, User
from ovoz.core.events import AuditAction
from ovoz.core.services import audit_record
from ovoz.groups.models import Institution, WorkingGroup


@transaction.atomic
def grant_set(*, actor: User | None, user: User, working_group: WorkingGroup, role: GrantRole) -> Grant:
    """Give a user a role in a working group, or change it."""
    grant, created = Grant.objects.select_for_update().get_or_create(
        user=user, working_group=working_group, defaults={"role": role}
    )
    if created:
        audit_record(
            action=AuditAction.GRANT_ADDED,
            actor=actor,
            target=user,
            data={"working_group": working_group.pk, "role": str(role)},
        )
    elif grant.role != role:
        previous = grant.role
        grant.role = role
        grant.save(update_fields=["role", "updated_at"])
        audit_record(
            action=AuditAction.ROLE_CHANGED,
            actor=actor,
            target=user,
            data={"working_group": working_group.pk, "from": previous, "to": str(role)},
        )
    return grant


@transaction.atomic
def grant_save(
    *, actor: User | None, user: User, working_group: WorkingGroup, role: GrantRole, institution: Institution | None
) -> Grant:
    """Give a user a role and the institution they speak for in a working group, or change them: one
    audit entry for whatever changed (``grant.added``, ``role.changed`` or ``member.updated``)."""
    if institution is not None and not working_group.may_use_institution(institution):
        raise AccountError(_("This institution is not in the group's area."), code="institution_elsewhere")
    institution_id = institution.pk if institution is not None else None
    grant, created = Grant.objects.select_for_update().get_or_create(
        user=user, working_group=working_group, defaults={"role": role, "institution": institution}
    )
    data: dict[str, object] = {"working_group": working_group.pk}
    if created:
        data["role"] = str(role)
        if institution_id is not None:
            data["institution"] = institution_id
        audit_record(action=AuditAction.GRANT_ADDED, actor=actor, target=user, data=data)
        return grant
    changed = []
    if grant.role != role:
        data.update({"from": grant.role, "to": str(role)})
        grant.role = role
        changed.append("role")
    if grant.institution_id != institution_id:
        data["institution"] = institution_id
        grant.institution = institution
        changed.append("institution")
    if changed:
        grant.save(update_fields=[*changed, "updated_at"])
        action = AuditAction.ROLE_CHANGED if "role" in changed else AuditAction.MEMBER_UPDATED
        audit_record(action=action, actor=actor, target=user, data=data)
    return grant


@transaction.atomic
def grant_remove(*, actor: User | None, user: User, working_group: WorkingGroup) -> None:
    """Take away a user's role in a working group."""
    deleted, _details = Grant.objects.filter(user=user, working_group=working_group).delete()
    if deleted:
        audit_record(
            action=AuditAction.GRANT_REMOVED, actor=actor, target=user, data={"working_group": working_group.pk}
        )
