"""Working groups (saved from the admin) and the institutions their members speak for."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from ovoz.accounts.models import User
from ovoz.core.events import AuditAction
from ovoz.core.services import audit_record
from ovoz.groups import grants
from ovoz.groups.errors import GroupError
from ovoz.groups.models import (
    Institution,
    WorkingGroup,
)
from ovoz.places.models import Area

logger = logging.getLogger(__name__)


INVITATION_PURPOSE = "group-invitation"


def _check_institution(group: WorkingGroup, institution: Institution | None) -> None:
    """An institution must belong to the group's area, an area above it or one inside it."""
    if institution is None:
        return
    if not group.may_use_institution(institution):
        raise GroupError(
            _("This institution is not in the group's area."), code="institution_elsewhere", field="institution"
        )


@transaction.atomic
def working_group_save(*, actor: User, group: WorkingGroup, changed_fields: Sequence[str]) -> WorkingGroup:
    """Create a working group, or save the fields an administrator changed; one audit entry naming
    the fields (not their values)."""
    created = group.pk is None
    if not created and not changed_fields:
        return group
    group.save()
    audit_record(
        action=AuditAction.WORKING_GROUP_CREATED if created else AuditAction.WORKING_GROUP_UPDATED,
        actor=actor,
        target=group,
        data={"fields": sorted(changed_fields)},
    )
    return group


@transaction.atomic
def working_group_delete(*, actor: User, group: WorkingGroup) -> None:
    """Delete a working group: each member's role is audited as removed, then the group itself."""
    for grant in group.grants.select_related("user"):
        grants.grant_remove(actor=actor, user=grant.user, working_group=group)
    audit_record(action=AuditAction.WORKING_GROUP_DELETED, actor=actor, target=group, data={"slug": group.slug})
    group.delete()


@transaction.atomic
def institution_create(*, actor: User, area: Area, name: str, is_active: bool = True) -> Institution:
    """Add an institution to the directory of an area."""
    name = " ".join(name.split())
    if not name:
        raise GroupError(_("Give the institution's name."), code="name_required", field="name")
    try:
        with transaction.atomic():
            institution = Institution.objects.create(area=area, name=name, is_active=is_active)
    except IntegrityError:
        raise GroupError(
            _("This area already has an institution with this name."), code="institution_exists", field="name"
        ) from None
    audit_record(action=AuditAction.INSTITUTION_CREATED, actor=actor, target=institution)
    return institution


@transaction.atomic
def institution_update(*, actor: User, institution: Institution, changed_fields: Sequence[str]) -> Institution:
    """Save the fields an administrator changed (name, area, whether it is active); one audit entry."""
    if not changed_fields:
        return institution
    institution.name = " ".join(institution.name.split())
    institution.save()
    audit_record(
        action=AuditAction.INSTITUTION_UPDATED,
        actor=actor,
        target=institution,
        data={"fields": sorted(changed_fields)},
    )
    return institution
