"""Members: invitations, accepting them, roles, leaving, being named publicly."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from ovoz.accounts import services as account_services
from ovoz.accounts.choices import GrantRole
from ovoz.accounts.models import Grant, User
from ovoz.core.crypto import keyed_hash
from ovoz.core.events import AuditAction
from ovoz.core.mail import mail_send
from ovoz.core.services import audit_record
from ovoz.groups import grants
from ovoz.groups.errors import GroupError
from ovoz.groups.models import (
    Institution,
    Invitation,
    WorkingGroup,
)
from ovoz.groups.services.organisations import INVITATION_PURPOSE, _check_institution


def _invitation_hash(token: str) -> str:
    return keyed_hash(token, purpose=INVITATION_PURPOSE)


@transaction.atomic
def member_invite(
    *,
    actor: User,
    group: WorkingGroup,
    email: str,
    role: GrantRole,
    institution: Institution | None = None,
) -> tuple[Invitation, str]:
    """Invite someone by e-mail; returns the invitation and its link, which is stored only hashed.

    The e-mail with the link is sent after commit. The link works once, for
    ``OVOZ_INVITATION_DAYS`` days.
    """
    _check_institution(group, institution)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        working_group=group,
        email=email.strip(),
        role=role,
        institution=institution,
        token_hash=_invitation_hash(token),
        expires_at=timezone.now() + timedelta(days=settings.OVOZ_INVITATION_DAYS),
        invited_by=actor,
    )
    audit_record(
        action=AuditAction.MEMBER_INVITED,
        actor=actor,
        target=invitation,
        data={"working_group": group.pk, "role": str(role)},
    )
    link = invitation_link(token)
    # The link is in the message only: a task's arguments are stored, so it is not sent by a task.
    transaction.on_commit(lambda: _send_invitation(invitation, link))
    return invitation, link


def invitation_link(token: str) -> str:
    return f"{settings.OVOZ_PUBLIC_URL}/staff/invitation/{token}/"


def _send_invitation(invitation: Invitation, link: str) -> None:
    with translation.override(translation.get_language() or settings.LANGUAGE_CODE):
        context = {"invitation": invitation, "group": invitation.working_group, "link": link}
        subject = " ".join(render_to_string("groups/email/invitation_subject.txt", context).split())  # one header line
        body = render_to_string("groups/email/invitation_body.txt", context)
    mail_send(subject=subject, body=body, recipient=invitation.email)  # a failure names no address


def invitation_find(token: str) -> Invitation | None:
    """The open invitation a link's token belongs to, or None (unknown, used or expired)."""
    if not token or len(token) > 100:
        return None
    return (
        Invitation.objects.select_related("working_group", "institution")
        .filter(token_hash=_invitation_hash(token), accepted_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )


@transaction.atomic
def invitation_accept(
    *,
    token: str,
    username: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    is_named_publicly: bool = False,
) -> User:
    """Create the invitee's staff account and grant; the link stops working.

    The new user then signs in like all staff and enrols a second factor at that first login.
    Raises ``django.core.exceptions.ValidationError`` for a weak password.
    """
    found = invitation_find(token)
    if found is None:
        raise GroupError(_("This invitation link is not valid any more."), code="invitation_invalid")
    invitation = Invitation.objects.select_for_update().get(pk=found.pk)
    if invitation.accepted_at is not None:  # accepted meanwhile, by a parallel request
        raise GroupError(_("This invitation link is not valid any more."), code="invitation_invalid")
    if User.objects.filter(username__iexact=username).exists():
        raise GroupError(_("This username is taken. Choose another."), code="username_taken", field="username")
    user = account_services.user_create(
        username=username, password=password, email=invitation.email, first_name=first_name, last_name=last_name
    )
    grant = grants.grant_set(
        actor=user, user=user, working_group=invitation.working_group, role=GrantRole(invitation.role)
    )
    grant.institution = invitation.institution
    grant.is_named_publicly = is_named_publicly
    grant.save(update_fields=["institution", "is_named_publicly", "updated_at"])
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.email = ""  # now the account's, which its owner can change: no second copy kept here
    invitation.save(update_fields=["accepted_at", "accepted_by", "email", "updated_at"])
    audit_record(action=AuditAction.INVITATION_ACCEPTED, actor=user, target=invitation)
    return user


# Expired invitations stay listed (marked) on the group's members page for this long, so a facilitator
# sees whom to invite again; then retention deletes them with the address they were sent to.
INVITATION_KEEP_DAYS = 30


def invitations_past_keeping(*, now: datetime) -> QuerySet[Invitation]:
    """Invitations that expired unaccepted more than ``INVITATION_KEEP_DAYS`` ago."""
    return Invitation.objects.filter(
        accepted_at__isnull=True, expires_at__lt=now - timedelta(days=INVITATION_KEEP_DAYS)
    )


def invitations_expire(*, now: datetime) -> int:
    """Delete the invitations past keeping, with their addresses (retention); returns how many."""
    deleted, _by_model = invitations_past_keeping(now=now).delete()
    return deleted


def _keep_a_facilitator(grant: Grant) -> None:
    """Refuse to take away a group's last facilitator: nobody could run it any more."""
    others = Grant.objects.filter(working_group=grant.working_group, role=GrantRole.FACILITATOR).exclude(pk=grant.pk)
    if grant.role == GrantRole.FACILITATOR and not others.exists():
        raise GroupError(_("A group needs at least one facilitator."), code="last_facilitator")


@transaction.atomic
def member_update(*, actor: User, grant: Grant, role: GrantRole, institution: Institution | None) -> Grant:
    """Change a member's role or the institution they speak for."""
    _check_institution(grant.working_group, institution)
    if role != GrantRole.FACILITATOR:
        _keep_a_facilitator(grant)
    return grants.grant_save(
        actor=actor, user=grant.user, working_group=grant.working_group, role=role, institution=institution
    )


@transaction.atomic
def member_remove(*, actor: User, grant: Grant) -> None:
    """Take a member out of the group. A group keeps at least one facilitator."""
    _keep_a_facilitator(grant)
    grants.grant_remove(actor=actor, user=grant.user, working_group=grant.working_group)


@transaction.atomic
def member_set_named(*, user: User, group: WorkingGroup, is_named_publicly: bool) -> Grant:
    """A member chooses whether the public pages show their name; only they decide it."""
    grant = Grant.objects.select_for_update().get(user=user, working_group=group)
    if grant.is_named_publicly != is_named_publicly:
        grant.is_named_publicly = is_named_publicly
        grant.save(update_fields=["is_named_publicly", "updated_at"])
        audit_record(
            action=AuditAction.MEMBER_UPDATED,
            actor=user,
            target=user,
            data={"working_group": group.pk, "is_named_publicly": is_named_publicly},
        )
    return grant
