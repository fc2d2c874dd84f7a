"""What staff do with a concern: triage, publish, change its status, write to the reporter, merge."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ovoz.concerns import confidential, signals
from ovoz.concerns.choices import (
    CLOSED_STATUSES,
    VISIBILITY_STRICTNESS,
    Audience,
    CloseReason,
    EventKind,
    Status,
    Visibility,
)
from ovoz.concerns.errors import ConcernError
from ovoz.concerns.models import (
    MAX_TEXT_LENGTH,
    Concern,
    ConcernEvent,
    Support,
    Theme,
)
from ovoz.concerns.signals import concern_triaged
from ovoz.core.events import AuditAction
from ovoz.core.services import audit_record
from ovoz.places.models import Area

if TYPE_CHECKING:
    from ovoz.accounts.models import User
from ovoz.concerns.services.intake import _clean_text, _event_text
from ovoz.concerns.services.rollups import _RollupMove, _steps_count


@dataclass(frozen=True)
class Triage:
    """A triaged concern and the names of the fields the save changed (none: nothing was written)."""

    concern: Concern
    changed: tuple[str, ...]


@transaction.atomic
def concern_triage(
    *,
    actor: User,
    concern: Concern,
    area: Area | None,
    themes: Sequence[Theme],
    visibility: Visibility,
    language: str,
) -> Triage:
    """Set area, themes, visibility and language; counts follow.

    Visibility can be made stricter than the reporter chose, never looser: a concern the reporter
    kept restricted or confidential cannot be turned public by staff. A save that changes nothing
    writes nothing: no event, no audit entry (``Triage.changed`` is empty).
    """
    concern = Concern.objects.select_for_update().get(pk=concern.pk)
    if VISIBILITY_STRICTNESS[Visibility(visibility)] < VISIBILITY_STRICTNESS[Visibility(concern.reporter_visibility)]:
        raise ConcernError(
            _("The reporter chose %(visibility)s; it can be made stricter, not looser.")
            % {"visibility": Visibility(concern.reporter_visibility).label},
            code="visibility_looser",
            field="visibility",
        )
    if concern.is_sealed and visibility != Visibility.CONFIDENTIAL:
        raise ConcernError(
            _("A confidential concern stays confidential: its words are sealed to its recipients."),
            code="visibility_sealed",
            field="visibility",
        )
    language = language if language and language != concern.language else concern.language
    changed = tuple(
        name
        for name, is_changed in (
            ("area", concern.area_id != (area.pk if area is not None else None)),
            ("themes", set(concern.themes.values_list("pk", flat=True)) != {theme.pk for theme in themes}),
            ("visibility", concern.visibility != visibility),
            ("language", concern.language != language),
        )
        if is_changed
    )
    if not changed:
        return Triage(concern=concern, changed=())
    with _RollupMove(concern):
        concern.area = area
        concern.visibility = visibility
        concern.language = language
        concern.save(update_fields=["area", "visibility", "language", "updated_at"])
        concern.themes.set(themes)
        if visibility != Visibility.PUBLIC and concern.is_published:
            concern.is_published = False
            concern.save(update_fields=["is_published", "updated_at"])
            ConcernEvent.objects.create(
                concern=concern, kind=EventKind.UNPUBLISHED, audience=Audience.STAFF, actor=actor
            )
        ConcernEvent.objects.create(concern=concern, kind=EventKind.TRIAGE, audience=Audience.STAFF, actor=actor)
    if visibility == Visibility.CONFIDENTIAL and not concern.is_sealed:
        confidential.seal_existing(concern, recipients=confidential.intake_recipients())
        # Replies queued on SMS or Telegram may carry its words: channels takes them out, in this transaction.
        signals.concern_sealed.send(sender=Concern, concern_id=concern.pk)
    audit_record(action=AuditAction.CONCERN_TRIAGED, actor=actor, target=concern, data={"fields": list(changed)})
    concern_triaged.send(sender=Concern, concern_id=concern.pk, changed=changed)
    return Triage(concern=concern, changed=changed)


@transaction.atomic
def concern_publish(*, actor: User, concern: Concern, public_text: str) -> Concern:
    """Publish the redacted public text of a public concern."""
    concern = Concern.objects.select_for_update().get(pk=concern.pk)
    if concern.visibility != Visibility.PUBLIC:
        raise ConcernError(_("Only concerns the reporter allowed to be public can be published."), code="not_public")
    if concern.status == Status.CLOSED:
        raise ConcernError(_("A closed concern cannot be published."), code="closed")
    public_text = _clean_text(public_text)
    concern.public_text = public_text
    concern.is_published = True
    concern.published_at = concern.published_at or timezone.now()
    concern.save(update_fields=["public_text", "is_published", "published_at", "updated_at"])
    ConcernEvent.objects.create(concern=concern, kind=EventKind.PUBLISHED, audience=Audience.PUBLIC, actor=actor)
    audit_record(action=AuditAction.CONCERN_PUBLISHED, actor=actor, target=concern)
    return concern


@transaction.atomic
def concern_unpublish(*, actor: User, concern: Concern) -> Concern:
    concern = Concern.objects.select_for_update().get(pk=concern.pk)
    if concern.is_published:
        concern.is_published = False
        concern.save(update_fields=["is_published", "updated_at"])
        ConcernEvent.objects.create(concern=concern, kind=EventKind.UNPUBLISHED, audience=Audience.STAFF, actor=actor)
        audit_record(action=AuditAction.CONCERN_UNPUBLISHED, actor=actor, target=concern)
    return concern


@transaction.atomic
def concern_change_status(
    *,
    actor: User,
    concern: Concern,
    status: Status,
    note: str = "",
    close_reason: CloseReason | None = None,
) -> Concern:
    """Move a concern to another status, with an optional public note; the reporter is told."""
    concern = Concern.objects.select_for_update().get(pk=concern.pk)
    if status == Status.CLOSED and not close_reason:
        raise ConcernError(_("Say why the concern is closed."), code="close_reason_required", field="close_reason")
    note = note.strip()
    if len(note) > MAX_TEXT_LENGTH:
        raise ConcernError(_("The note is too long."), code="note_too_long", field="note")
    if status == concern.status:
        if not note:
            return concern
        event = ConcernEvent.objects.create(
            concern=concern, kind=EventKind.NOTE, audience=Audience.PUBLIC, actor=actor, **_event_text(concern, note)
        )
    else:
        with _RollupMove(concern):
            previous = concern.status
            _steps_count(concern, previous=Status(previous), reached=status)
            concern.status = status
            concern.close_reason = close_reason or "" if status == Status.CLOSED else ""
            concern.closed_at = timezone.now() if status in CLOSED_STATUSES else None
            concern.save(update_fields=["status", "close_reason", "closed_at", "updated_at"])
            event = ConcernEvent.objects.create(
                concern=concern,
                kind=EventKind.STATUS,
                audience=Audience.PUBLIC,
                actor=actor,
                from_status=previous,
                to_status=status,
                **_event_text(concern, note),
            )
    audit_record(action=AuditAction.CONCERN_STATUS_CHANGED, actor=actor, target=concern, data={"to": str(status)})
    signals.reporter_event_recorded.send(sender=ConcernEvent, event_id=event.pk)
    return concern


@transaction.atomic
def concern_message_reporter(*, actor: User, concern: Concern, text: str, kind: EventKind) -> ConcernEvent:
    """Ask the reporter a question or reply to them; they read it on the follow page (and by e-mail)."""
    if kind not in (EventKind.QUESTION, EventKind.REPLY):
        raise ValueError(kind)
    text = _clean_text(text)
    event = ConcernEvent.objects.create(
        concern=concern, kind=kind, audience=Audience.REPORTER, actor=actor, **_event_text(concern, text)
    )
    audit_record(action=AuditAction.CONCERN_MESSAGED, actor=actor, target=concern)
    signals.reporter_event_recorded.send(sender=ConcernEvent, event_id=event.pk)
    return event


@transaction.atomic
def concern_mark_duplicate(*, actor: User, concern: Concern, original: Concern) -> Concern:
    """Close a concern as a duplicate: its supports move to the original, and its reporter follows it.

    Supports are keyed per concern so one browser's supports cannot be linked; a browser that
    supported both concerns therefore counts twice afterwards (DESIGN §3: "as far as can be told").
    """
    if original.pk == concern.pk:
        raise ConcernError(_("A concern cannot be a duplicate of itself."), code="self_duplicate")
    locked = {c.pk: c for c in Concern.objects.select_for_update().filter(pk__in=[concern.pk, original.pk])}
    concern, original = locked[concern.pk], locked[original.pk]
    while original.duplicate_of_id is not None:  # point at the concern that stays open
        original = Concern.objects.get(pk=original.duplicate_of_id)
    if original.pk == concern.pk:
        raise ConcernError(_("These concerns are already merged the other way."), code="circular_duplicate")
    if original.visibility != concern.visibility:
        # The reporters of both follow the original: neither may see more through it than they chose.
        raise ConcernError(_("Only concerns with the same visibility can be joined."), code="visibility_mismatch")
    moved = Support.objects.filter(concern=concern).update(concern=original)
    Concern.objects.filter(pk=original.pk).update(support_count=F("support_count") + moved)
    with _RollupMove(concern):
        previous = concern.status
        concern.status = Status.CLOSED
        concern.close_reason = CloseReason.DUPLICATE
        concern.closed_at = timezone.now()
        concern.duplicate_of = original
        concern.is_published = False
        concern.support_count = 0
        concern.save(
            update_fields=[
                "status",
                "close_reason",
                "closed_at",
                "duplicate_of",
                "is_published",
                "support_count",
                "updated_at",
            ]
        )
        event = ConcernEvent.objects.create(
            concern=concern,
            kind=EventKind.MERGED,
            audience=Audience.REPORTER,
            actor=actor,
            from_status=previous,
            to_status=Status.CLOSED,
        )
    # Concerns already merged into this one now point at the original too.
    Concern.objects.filter(duplicate_of=concern).update(duplicate_of=original)
    audit_record(action=AuditAction.CONCERN_MERGED, actor=actor, target=concern, data={"into": original.pk})
    signals.reporter_event_recorded.send(sender=ConcernEvent, event_id=event.pk)
    return concern


@transaction.atomic
def concern_bulk_status(
    *, actor: User, concerns: Iterable[Concern], status: Status, close_reason: CloseReason | None = None
) -> int:
    """Change the status of several concerns at once; returns how many changed."""
    changed = 0
    for concern in concerns:
        if concern.status != status:
            concern_change_status(actor=actor, concern=concern, status=status, close_reason=close_reason)
            changed += 1
    return changed
