"""What the reporter does with a receipt: follow, add a message, withdraw; and residents' support."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ovoz.concerns.choices import (
    Audience,
    CloseReason,
    EventKind,
    Status,
)
from ovoz.concerns.errors import ConcernError
from ovoz.concerns.models import (
    Concern,
    ConcernEvent,
    Support,
)
from ovoz.concerns.receipts import receipt_hash
from ovoz.core.crypto import keyed_hash
from ovoz.core.images import CleanImage

if TYPE_CHECKING:
    pass
from ovoz.concerns.services.intake import MAX_ATTACHMENTS, _attach, _clean_text, _event_text
from ovoz.concerns.services.rollups import _RollupMove, _steps_count


def concern_find_by_receipt(receipt: str) -> Concern | None:
    """The concern a receipt belongs to, or None for an unknown, malformed or expired receipt."""
    hashed = receipt_hash(receipt)
    if hashed is None:
        return None
    return Concern.objects.filter(receipt_hash=hashed, receipt_valid_until__gt=timezone.now()).first()


@transaction.atomic
def concern_reporter_message(*, concern: Concern, text: str, photos: Sequence[CleanImage] = ()) -> ConcernEvent:
    """The reporter answers a question or adds information (and photos)."""
    text = _clean_text(text)
    if concern.attachments.count() + len(photos) > MAX_ATTACHMENTS * 3:
        raise ConcernError(_("This concern has as many photos as it can hold."), code="too_many_photos")
    event = ConcernEvent.objects.create(
        concern=concern, kind=EventKind.REPORTER_MESSAGE, audience=Audience.REPORTER, **_event_text(concern, text)
    )
    _attach(concern, event, photos)
    Concern.objects.filter(pk=concern.pk).update(updated_at=timezone.now())
    return event


@transaction.atomic
def concern_withdraw(*, concern: Concern) -> Concern:
    """The reporter withdraws the concern: it is closed and unpublished."""
    concern = Concern.objects.select_for_update().get(pk=concern.pk)
    if not concern.is_open:
        raise ConcernError(_("This concern is already closed."), code="already_closed")
    with _RollupMove(concern):
        previous = concern.status
        _steps_count(concern, previous=Status(previous), reached=Status.CLOSED)
        now = timezone.now()
        Concern.objects.filter(pk=concern.pk).update(
            status=Status.CLOSED, close_reason=CloseReason.WITHDRAWN, is_published=False, updated_at=now, closed_at=now
        )
        ConcernEvent.objects.create(
            concern=concern,
            kind=EventKind.STATUS,
            audience=Audience.PUBLIC,
            from_status=previous,
            to_status=Status.CLOSED,
            text="",
        )
    concern.refresh_from_db()
    return concern


def concern_support(*, concern: Concern, supporter_token: str) -> bool:
    """Add one "me too" from a browser; False if that browser already supported this concern."""
    if not concern.is_published:
        raise ConcernError(_("Only published concerns can be supported."), code="not_published")
    supporter_hash = keyed_hash(f"{concern.pk}:{supporter_token}", purpose="support")
    try:
        with transaction.atomic():
            Support.objects.create(concern=concern, supporter_hash=supporter_hash, day=timezone.localdate())
            Concern.objects.filter(pk=concern.pk).update(support_count=F("support_count") + 1)
    except IntegrityError:
        return False
    return True
