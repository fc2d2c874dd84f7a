"""Action plans: actions, their status and public updates, and concerns they resolve."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ovoz.accounts.models import Grant, User
from ovoz.concerns.choices import Status
from ovoz.concerns.models import Concern
from ovoz.concerns.services import concern_change_status
from ovoz.core.events import AuditAction
from ovoz.core.images import CleanImage
from ovoz.core.services import audit_record
from ovoz.groups.choices import (
    ACTION_TRANSITIONS,
    ActionStatus,
)
from ovoz.groups.errors import GroupError
from ovoz.groups.models import (
    Action,
    ActionPhoto,
    ActionUpdate,
    Institution,
    WorkingGroup,
)
from ovoz.groups.plan_selectors import concerns_ready_to_resolve
from ovoz.groups.selectors import group_concern_list, institution_list

MAX_PHOTOS_PER_UPDATE = 3


ACTIONABLE_STATUSES = (Status.PRIORITISED, Status.IN_ACTION, Status.RESOLVED)


def _check_action_links(
    group: WorkingGroup, concerns: Sequence[Concern], owner: Institution, responsible: User | None
) -> None:
    if not concerns:
        raise GroupError(_("Link the action to at least one prioritised concern."), code="concern_required")
    allowed = set(
        group_concern_list(group=group)
        .filter(pk__in=[concern.pk for concern in concerns], status__in=ACTIONABLE_STATUSES)
        .values_list("pk", flat=True)
    )
    if allowed != {concern.pk for concern in concerns}:
        raise GroupError(_("Actions are for the group's prioritised concerns."), code="concern_not_prioritised")
    if not institution_list(group=group).filter(pk=owner.pk).exists():
        raise GroupError(_("Choose an institution of the group's area."), code="institution_elsewhere", field="owner")
    if responsible is not None and not Grant.objects.filter(working_group=group, user=responsible).exists():
        raise GroupError(
            _("The responsible person must be a member of the group."), code="not_a_member", field="responsible"
        )


def _check_action_dates(starts_on: date | None, due_on: date) -> None:
    if starts_on is not None and starts_on > due_on:
        raise GroupError(_("The due date is before the start date."), code="dates_reversed", field="due_on")


@transaction.atomic
def action_create(
    *,
    actor: User,
    group: WorkingGroup,
    title: str,
    concerns: Sequence[Concern],
    owner: Institution,
    due_on: date,
    responsible: User | None = None,
    description: str = "",
    partners: str = "",
    starts_on: date | None = None,
    is_public: bool = True,
) -> Action:
    """Add an action to the group's plan for one or more prioritised concerns."""
    _check_action_links(group, concerns, owner, responsible)
    _check_action_dates(starts_on, due_on)
    action = Action.objects.create(
        working_group=group,
        title=title.strip(),
        description=description.strip(),
        owner=owner,
        responsible=responsible,
        partners=partners.strip(),
        starts_on=starts_on,
        due_on=due_on,
        is_public=is_public,
    )
    action.concerns.set(concerns)
    audit_record(action=AuditAction.ACTION_CREATED, actor=actor, target=action)
    return action


@transaction.atomic
def action_update(
    *,
    actor: User,
    action: Action,
    title: str,
    concerns: Sequence[Concern],
    owner: Institution,
    due_on: date,
    responsible: User | None = None,
    description: str = "",
    partners: str = "",
    starts_on: date | None = None,
    is_public: bool = True,
) -> Action:
    """Change what an action is: its text, concerns, owner, responsible member, partners, dates, publicity."""
    group = action.working_group
    _check_action_links(group, concerns, owner, responsible)
    _check_action_dates(starts_on, due_on)
    action = Action.objects.select_for_update().get(pk=action.pk)
    action.title, action.description, action.partners = title.strip(), description.strip(), partners.strip()
    action.owner, action.responsible = owner, responsible
    action.starts_on, action.due_on, action.is_public = starts_on, due_on, is_public
    action.save()
    action.concerns.set(concerns)
    audit_record(action=AuditAction.ACTION_UPDATED, actor=actor, target=action)
    return action


@transaction.atomic
def action_set_status(*, actor: User, action: Action, status: ActionStatus, reason: str = "") -> Action:
    """Move an action along its plan; its concerns follow.

    Starting an action puts its prioritised concerns ``in_action`` (their reporters are told through
    the concerns' status service). When every action of a concern is done, the concern is proposed
    for ``resolved``; the facilitator confirms it with ``concern_resolve``.
    """
    action = Action.objects.select_for_update().get(pk=action.pk)
    if status not in ACTION_TRANSITIONS[ActionStatus(action.status)]:
        raise GroupError(
            _("An action that is %(current)s cannot become %(new)s.")
            % {"current": action.get_status_display(), "new": status.label},
            code="invalid_transition",
        )
    reason = reason.strip()
    if status == ActionStatus.DROPPED and not reason:
        raise GroupError(_("Say why the action is dropped."), code="reason_required", field="reason")
    previous = action.status
    action.status = status
    action.dropped_reason = reason if status == ActionStatus.DROPPED else ""
    if status == ActionStatus.DONE:
        action.progress = 100
        action.completed_on = timezone.localdate()
    else:
        action.completed_on = None
    if status == ActionStatus.IN_PROGRESS and action.starts_on is None:
        action.starts_on = timezone.localdate()
    action.save(update_fields=["status", "dropped_reason", "progress", "completed_on", "starts_on", "updated_at"])
    if status == ActionStatus.IN_PROGRESS:
        for concern in action.concerns.filter(status=Status.PRIORITISED):
            concern_change_status(actor=actor, concern=concern, status=Status.IN_ACTION)
    audit_record(
        action=AuditAction.ACTION_STATUS_CHANGED,
        actor=actor,
        target=action,
        data={"from": previous, "to": str(status)},
    )
    return action


@transaction.atomic
def concern_resolve(*, actor: User, group: WorkingGroup, concern: Concern) -> Concern:
    """The facilitator confirms that a concern whose actions are all done is resolved; its reporter is told."""
    if concern.pk not in {ready.pk for ready in concerns_ready_to_resolve(group=group)}:
        raise GroupError(_("Not every action for this concern is done yet."), code="actions_open")
    return concern_change_status(actor=actor, concern=concern, status=Status.RESOLVED)


@transaction.atomic
def action_post_update(
    *,
    actor: User,
    action: Action,
    text: str,
    progress: int,
    day: date | None = None,
    photos: Sequence[CleanImage] = (),
) -> ActionUpdate:
    """A dated progress note with up to three photos (already re-encoded without metadata)."""
    text = text.strip()
    if not text:
        raise GroupError(_("Say what happened."), code="text_required", field="text")
    if not 0 <= progress <= 100:
        raise GroupError(_("Progress is from 0 to 100 %."), code="invalid_progress", field="progress")
    if len(photos) > MAX_PHOTOS_PER_UPDATE:
        raise GroupError(
            ngettext(
                "You can attach up to %(count)s photo.", "You can attach up to %(count)s photos.", MAX_PHOTOS_PER_UPDATE
            )
            % {"count": MAX_PHOTOS_PER_UPDATE},
            code="too_many_photos",
        )
    day = day or timezone.localdate()
    if day > timezone.localdate():
        raise GroupError(_("An update cannot be dated in the future."), code="future_update", field="day")
    update = ActionUpdate.objects.create(action=action, day=day, text=text, progress=progress, author=actor)
    for photo in photos:
        ActionPhoto.objects.create(
            update=update,
            file=ContentFile(photo.content, name=f"{secrets.token_hex(16)}.{photo.extension}"),
            content_type=photo.content_type,
            width=photo.width,
            height=photo.height,
            size=len(photo.content),
        )
    Action.objects.filter(pk=action.pk).update(progress=progress, updated_at=timezone.now())
    audit_record(action=AuditAction.ACTION_UPDATE_POSTED, actor=actor, target=action, data={"progress": progress})
    return update
