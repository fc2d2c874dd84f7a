"""Deleting: contacts when their period runs out, and whole concerns (rollups kept exact)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q

from ovoz.concerns.models import (
    Attachment,
    Concern,
    ConcernKey,
    KeyPart,
    ReporterEmail,
)

if TYPE_CHECKING:
    pass
from ovoz.concerns.services.rollups import _rollup_apply, _rollup_keys, steps_add, steps_from_events


def concern_contact_erase(*, concern_ids: Sequence[int]) -> int:
    """Forget the reporters' contact details of these concerns: the encrypted (or sealed) contact, its
    lookup hashes, on a confidential concern every recipient's key to it, and the records of e-mails
    sent to them (which say that the reporter gave an address). Returns how many concerns had one.
    (The channel routes are ``channels.services``' part.)"""
    with_contact = Q(contact_ciphertext__isnull=False) | ~Q(contact_phone_hash="") | ~Q(contact_email_hash="")
    erased = Concern.objects.filter(with_contact, pk__in=concern_ids).update(
        contact_ciphertext=None, contact_phone_hash="", contact_email_hash=""
    )
    ConcernKey.objects.filter(concern_id__in=concern_ids, part=KeyPart.CONTACT).delete()
    ReporterEmail.objects.filter(concern_id__in=concern_ids).delete()
    return erased


@transaction.atomic
def concern_delete(*, concern: Concern) -> bool:
    """Delete a concern for good and take it out of every rollup (daily, monthly and step durations).

    With it go its events, attachments (the files leave storage once the deletion is committed),
    supports, Open311 token, places on meeting agendas, scores and links to actions; channel messages
    and conversations, and concerns merged into it, only lose their link. A confidential concern's
    per-recipient sealed keys are deleted with it (CASCADE): that is what makes it unreadable for good,
    since no copy of its ciphertext (in a backup, say) can be opened without one of those keys.

    Returns False if the concern was already gone. The caller audits: retention records how many
    concerns it deleted, never which.
    """
    locked = Concern.objects.select_for_update().filter(pk=concern.pk).first()
    if locked is None:
        return False
    concern = locked
    _rollup_apply(_rollup_keys(concern), -1)
    steps = steps_from_events(concern.events.all(), {concern.pk: concern.created_at})
    steps_add(Counter({key: -count for key, count in steps.items()}))
    storage = Attachment._meta.get_field("file").storage
    files = [name for name in concern.attachments.values_list("file", flat=True) if name]
    concern.delete()
    transaction.on_commit(lambda: _files_delete(storage, files))
    return True


def _files_delete(storage: Any, names: Sequence[str]) -> None:
    for name in names:
        storage.delete(name)
