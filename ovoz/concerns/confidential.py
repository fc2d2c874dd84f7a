"""Sealing confidential concerns to their recipients, and opening them for those who hold a key.

A sealed concern has two keypairs: *content* (its text, every event text, its photos) and *contact*.
Their public halves are stored, so the server can add to the concern (a reporter's answer, a staff
question) without being able to read it. Their private halves exist only sealed: to each recipient's
public key (ConcernKey rows) and, for the content, wrapped under the reporter's receipt.
See ovoz/core/keys.py for the primitives and docs/security.md for the promises.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.db import transaction

from ovoz.accounts.keys import public_keys
from ovoz.accounts.models import User
from ovoz.concerns.contacts import Contact, contact_decode, contact_encode, contact_open
from ovoz.concerns.models import Attachment, Concern, ConcernEvent, ConcernKey, KeyPart
from ovoz.concerns.receipts import receipt_normalise
from ovoz.core import keys
from ovoz.core.events import AuditAction
from ovoz.core.services import audit_record

RECEIPT_PURPOSE = b"ovoz-receipt-key"


def _receipt_secret(receipt: str) -> bytes:
    return (receipt_normalise(receipt) or "").encode()


def intake_recipients() -> list[User]:
    """Who new confidential concerns are sealed to: active staff marked to receive them, with a key."""
    return list(User.objects.filter(receives_confidential=True, is_active=True, key__isnull=False))


@dataclass
class SealedParts:
    """The private keys of a concern being sealed, held in memory only while it is written."""

    content: bytes
    contact: bytes


def _seal_fields(concern: Concern, *, text: str, contact: Contact | None) -> SealedParts:
    """New content and contact keypairs for ``concern``: its text and contact sealed to them, the plain
    fields and the contact's lookup hashes emptied (not saved)."""
    content, contact_pair = keys.keypair_generate(), keys.keypair_generate()
    concern.content_public_key, concern.contact_public_key = content.public, contact_pair.public
    concern.sealed_text = keys.seal(content.public, text.encode())
    concern.text = ""
    concern.contact_ciphertext = None
    if contact is not None and not contact.is_empty:
        concern.contact_ciphertext = keys.seal(contact_pair.public, contact_encode(contact))
    concern.contact_phone_hash = concern.contact_email_hash = ""
    return SealedParts(content=content.private, contact=contact_pair.private)


def seal_new(concern: Concern, *, text: str, contact: Contact | None, receipt: str) -> SealedParts:
    """Fill an unsaved concern's sealed fields (``text`` left empty). Recipients are added after saving."""
    parts = _seal_fields(concern, text=text, contact=contact)
    concern.receipt_wrapped_key = keys.wrap_fast(parts.content, _receipt_secret(receipt), purpose=RECEIPT_PURPOSE)
    return parts


def seal_to(
    concern: Concern,
    parts: dict[str, bytes],
    users: Iterable[User],
    *,
    referral_id: int | None = None,
) -> int:
    """Seal the given parts' private keys to each user's public key; returns how many users got them."""
    recipients = public_keys(list(users))
    rows = [
        ConcernKey(
            concern=concern, user_id=user_id, part=part, sealed_key=keys.seal(public, private), referral_id=referral_id
        )
        for user_id, public in recipients.items()
        for part, private in parts.items()
    ]
    ConcernKey.objects.bulk_create(rows, ignore_conflicts=True)
    return len(recipients)


def seal_text(concern: Concern, text: str) -> bytes:
    return seal_bytes(concern, text.encode())


def seal_bytes(concern: Concern, content: bytes) -> bytes:
    if concern.content_public_key is None:
        raise ValueError("not a sealed concern")
    return keys.seal(bytes(concern.content_public_key), content)


@transaction.atomic
def seal_existing(concern: Concern, *, recipients: Iterable[User]) -> None:
    """Seal a concern that staff made confidential after intake: its text, event texts, photos and
    contact move into sealed form and the plain copies are emptied. (Earlier plain copies may survive in
    the database's free pages and in backups made before: docs/security.md says so.)"""
    if concern.is_sealed:
        return
    contact = contact_open(bytes(concern.contact_ciphertext)) if concern.contact_ciphertext is not None else None
    parts = _seal_fields(concern, text=concern.text, contact=contact)
    concern.save()
    for event in concern.events.exclude(text=""):
        ConcernEvent.objects.filter(pk=event.pk).update(text="", sealed_text=seal_text(concern, event.text))
    for attachment in concern.attachments.filter(is_sealed=False):
        with attachment.file.open("rb") as handle:
            plain = handle.read()
        old_name = attachment.file.name
        attachment.file.save(old_name.rsplit("/", 1)[-1], ContentFile(seal_bytes(concern, plain)), save=False)
        attachment.is_sealed = True
        attachment.save(update_fields=["file", "is_sealed"])
        attachment.file.storage.delete(old_name)
    seal_to(concern, {KeyPart.CONTENT: parts.content, KeyPart.CONTACT: parts.contact}, recipients)


# --- Opening -------------------------------------------------------------------------------------


@dataclass
class Opened:
    """What a key holder may read of a sealed concern."""

    text: str
    contact: Contact | None
    event_texts: dict[int, str] = field(default_factory=dict)
    content_key: bytes = b""

    def event_text(self, event: ConcernEvent) -> str:
        return self.event_texts.get(event.pk, event.text)

    def open_text(self, sealed: bytes) -> str:
        """Another text sealed to this concern (a case worker's note)."""
        return keys.unseal(self.content_key, sealed).decode()


def part_keys(concern: Concern, *, user: User, private_key: bytes, referral_id: int | None = None) -> dict[str, bytes]:
    """The concern's part keys sealed to ``user`` (through ``referral_id``, or at intake when None)."""
    opened: dict[str, bytes] = {}
    rows = ConcernKey.objects.filter(concern=concern, user=user)
    rows = rows.filter(referral_id=referral_id) if referral_id is not None else rows.filter(referral__isnull=True)
    for row in rows:
        try:
            opened[row.part] = keys.unseal(private_key, bytes(row.sealed_key))
        except keys.KeyMismatch:
            continue  # sealed to a key the user has since replaced
    return opened


def open_with_parts(concern: Concern, parts: dict[str, bytes]) -> Opened | None:
    content = parts.get(KeyPart.CONTENT)
    if content is None or concern.sealed_text is None:
        return None
    contact = None
    if KeyPart.CONTACT in parts and concern.contact_ciphertext is not None:
        contact = contact_decode(keys.unseal(parts[KeyPart.CONTACT], bytes(concern.contact_ciphertext)))
    texts = {
        event_id: keys.unseal(content, bytes(sealed or b"")).decode()
        for event_id, sealed in concern.events.exclude(sealed_text=None).values_list("pk", "sealed_text")
    }
    return Opened(
        text=keys.unseal(content, bytes(concern.sealed_text)).decode(),
        contact=contact,
        event_texts=texts,
        content_key=content,
    )


def open_for_staff(concern: Concern, *, user: User, private_key: bytes | None) -> Opened | None:
    """The concern opened with the user's intake key, or None (no key for it, or the key is locked)."""
    if private_key is None or not concern.is_sealed:
        return None
    opened = open_with_parts(concern, part_keys(concern, user=user, private_key=private_key))
    if opened is not None:
        audit_record(action=AuditAction.CONCERN_READ_CONFIDENTIAL, actor=user, target=concern)
    return opened


def open_for_reporter(concern: Concern, *, receipt: str) -> Opened | None:
    """What the reporter wrote and was told, opened with their receipt (never their contact)."""
    if not concern.is_sealed or concern.receipt_wrapped_key is None:
        return None
    try:
        content = keys.unwrap_fast(
            bytes(concern.receipt_wrapped_key), _receipt_secret(receipt), purpose=RECEIPT_PURPOSE
        )
    except keys.KeyMismatch:
        return None
    opened = open_with_parts(concern, {KeyPart.CONTENT: content})
    if opened is not None:
        opened.contact = None
    return opened


def attachment_bytes(attachment: Attachment, opened: Opened | None) -> bytes | None:
    """An attachment's image, opened if it is sealed (None without the content key)."""
    with attachment.file.open("rb") as handle:
        data = handle.read()
    if not attachment.is_sealed:
        return bytes(data)
    if opened is None or not opened.content_key:
        return None
    return keys.unseal(opened.content_key, data)


def reporter_events(concern: Concern, *, receipt: str) -> list[ConcernEvent]:
    """What the receipt's holder reads (selectors.reporter_events), a sealed concern's texts opened with
    the receipt in memory for this response only."""
    from ovoz.concerns.selectors import reporter_events as events_of

    events = list(events_of(concern))
    if concern.is_sealed:
        opened = open_for_reporter(concern, receipt=receipt)
        for event in events:
            if event.concern_id == concern.pk:
                event.text = opened.event_text(event) if opened is not None else ""
    return events
