"""Intake: one service takes everything a new concern needs, in one transaction."""

from __future__ import annotations

import base64
import functools
import hashlib
import secrets
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Field
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from nacl.exceptions import CryptoError

from ovoz.concerns import confidential
from ovoz.concerns.choices import (
    VISIBILITY_STRICTNESS,
    Channel,
    Visibility,
)
from ovoz.concerns.contacts import Contact, contact_seal
from ovoz.concerns.errors import ConcernError
from ovoz.concerns.language import language_detect
from ovoz.concerns.models import (
    MAX_TEXT_LENGTH,
    ApiPartner,
    Attachment,
    Concern,
    ConcernEvent,
    KeyPart,
    Open311Token,
    Theme,
)
from ovoz.concerns.receipts import receipt_generate, receipt_hash
from ovoz.concerns.services.rollups import _rollup_apply, _rollup_keys, rollup_delta_insert, rollups_drain_soon
from ovoz.concerns.signals import concern_received, intake_consent_given
from ovoz.core.crypto import keyed_hash, open_with_secret, seal_with_secret
from ovoz.core.images import CleanImage
from ovoz.core.metrics import counter
from ovoz.places.lookup import area_id_at_point
from ovoz.places.models import Area

MAX_ATTACHMENTS = 3

# Channels that answer the reporter at once, in the concern's language: it is detected at intake.
_REPLIES_AT_ONCE = frozenset({Channel.SMS, Channel.TELEGRAM})


# 22 URL-safe characters carry 128 bits: a key short enough to guess would let others claim a receipt.
MIN_SUBMISSION_TOKEN_LENGTH = 22


# About 1 km: two decimals of a degree of latitude are 1.1 km (DESIGN §3: points are kept coarse).
POINT_DECIMALS = 2


@dataclass(frozen=True)
class SubmittedConcern:
    concern: Concern
    receipt: str
    is_repeat: bool = False
    open311_token: str = ""


def _clean_text(text: object) -> str:
    if not isinstance(text, str) or not text.strip():
        raise ConcernError(_("Please describe your concern."), code="text_required", field="text")
    text = text.strip()
    if "\x00" in text:
        raise ConcernError(_("The text contains a character that is not allowed."), code="invalid_text", field="text")
    if len(text) > MAX_TEXT_LENGTH:
        raise ConcernError(
            ngettext(
                "Please keep the description under %(limit)s character.",
                "Please keep the description under %(limit)s characters.",
                MAX_TEXT_LENGTH,
            )
            % {"limit": MAX_TEXT_LENGTH},
            code="text_too_long",
            field="text",
        )
    return text


def visibility_default(themes: Sequence[Theme]) -> Visibility:
    """The strictest default among the chosen themes: violence at home is confidential by default."""
    defaults = [Visibility(theme.default_visibility) for theme in themes] or [Visibility.PUBLIC]
    return max(defaults, key=lambda visibility: VISIBILITY_STRICTNESS[visibility])


def visibility_needs_confirmation(*, themes: Sequence[Theme], visibility: Visibility | None) -> bool:
    """Whether the reporter chose a looser visibility than one of their themes asks for (public for
    violence at home): intake keeps the theme's default unless the reporter confirms their choice."""
    if visibility is None:
        return False
    return VISIBILITY_STRICTNESS[Visibility(visibility)] < VISIBILITY_STRICTNESS[visibility_default(themes)]


def _coarse(value: float | None) -> float | None:
    return round(value, POINT_DECIMALS) if value is not None else None


# Counted once committed, per channel only (docs/deployment.md, "Metrics"); a repeated submission is not counted.
CONCERNS_RECEIVED = counter("concerns_received", "New concerns stored, by channel", ["channel"])


@dataclass(frozen=True)
class ReferralConsent:
    """The reporter's answer at intake to "may we pass this to a service that can help?"."""

    share: bool
    share_contact: bool = False


@dataclass(frozen=True)
class IntakeRequest:
    """Everything a new concern needs, whatever the interface it came through.

    ``submission_token`` makes a retry idempotent (the web form's draft token and text, the API's and
    Open311's idempotency key): the same token and text return the first concern, its receipt and its
    Open311 token, and write nothing. ``received_at`` is when a gateway received the message, if
    earlier than now.

    Two steps belong to apps above concerns, run inside the intake's transaction on a new concern only
    (never on a repeat): ``referral_consent``, when the concern is sealed, is recorded by referrals
    through the ``intake_consent_given`` signal (a consent is about a confidential concern), and the
    interface hands in ``route``, which records where replies go (the SMS or Telegram conversation).
    ``open311_partner`` asks for an Open311 token for that partner.
    """

    text: str
    channel: Channel
    language: str = ""
    area: Area | None = None
    latitude: float | None = None
    longitude: float | None = None
    themes: Sequence[Theme] = ()
    visibility: Visibility | None = None
    visibility_confirmed: bool = False
    contact: Contact | None = None
    photos: Sequence[CleanImage] = ()
    submission_token: str = ""
    received_at: datetime | None = None
    referral_consent: ReferralConsent | None = None
    route: Callable[[Concern], object] | None = None
    open311_partner: ApiPartner | None = None


def concern_submit(**fields: Any) -> SubmittedConcern:
    """``concern_intake`` with the request's fields as keyword arguments (demo data, tests)."""
    return concern_intake(IntakeRequest(**fields))


def concern_intake(request: IntakeRequest) -> SubmittedConcern:
    """Store a new concern with everything that comes with it, in one transaction, and return it with
    its receipt (and its Open311 token when a partner asked for one). Nothing is stored if a step fails.

    A ``visibility`` looser than a chosen theme's default (public or restricted for violence at home)
    is kept only with ``visibility_confirmed``; otherwise the theme's default (confidential) is stored:
    every interface asks again or documents this (issue 12).

    A repeated submission with the same ``submission_token`` (a double-clicked form, a retried API
    call with the same idempotency key) returns the first concern and its receipt again, or an empty
    receipt once ``concern_receipt_forget`` has run.
    """
    text = _clean_text(request.text)
    submission_token = request.submission_token
    if submission_token and len(submission_token) < MIN_SUBMISSION_TOKEN_LENGTH:
        raise ConcernError(
            _("An idempotency key must be at least %(length)s random characters.")
            % {"length": MIN_SUBMISSION_TOKEN_LENGTH},
            code="idempotency_key_too_short",
        )
    # Tokens of different channels never meet: a web form token cannot find an API submission.
    scoped_token = f"{request.channel}:{submission_token}"
    # A repeat is found by the insert itself (the unique submission hash, below): a look-up first would
    # cost every new concern a query for the rare retry.
    submission_hash = keyed_hash(scoped_token, purpose="submission") if submission_token else None
    photos, themes = request.photos, request.themes
    if len(photos) > MAX_ATTACHMENTS:
        raise ConcernError(
            ngettext("You can attach up to %(count)s photo.", "You can attach up to %(count)s photos.", MAX_ATTACHMENTS)
            % {"count": MAX_ATTACHMENTS},
            code="too_many_photos",
        )
    area, latitude, longitude = request.area, request.latitude, request.longitude
    if (latitude is None) != (longitude is None):
        raise ConcernError(_("A location needs both latitude and longitude."), code="invalid_location")
    if latitude is not None and longitude is not None:
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise ConcernError(_("This location is not on the map."), code="invalid_location")
        if area is None:
            area_id = area_id_at_point(latitude=latitude, longitude=longitude)
            area = Area.objects.filter(pk=area_id).first() if area_id else None
    language = request.language
    is_language_chosen = bool(language) and language in {code for code, _name in settings.LANGUAGES}
    if language and not is_language_chosen:
        raise ConcernError(_("This language is not offered here."), code="unknown_language", field="language")

    chosen = request.visibility
    visibility = (
        chosen
        if chosen
        and (request.visibility_confirmed or not visibility_needs_confirmation(themes=themes, visibility=chosen))
        else visibility_default(themes)
    )
    if not is_language_chosen and (visibility == Visibility.CONFIDENTIAL or request.channel in _REPLIES_AT_ONCE):
        # Detected now, in memory: a sealed concern's words cannot be read later, and an SMS or Telegram
        # reply goes out in this language at once. Other concerns wait for the task worker (issue 13.5).
        language = language_detect(text)
    receipt = receipt_generate()
    concern = Concern(
        receipt_hash=receipt_hash(receipt) or "",
        receipt_valid_until=timezone.now() + timedelta(days=settings.OVOZ_RECEIPT_DAYS),
        submission_hash=submission_hash,
        sealed_receipt=seal_with_secret(receipt.encode(), secret=scoped_token.encode()) if submission_token else None,
        text=text,
        language=language,
        is_language_chosen=is_language_chosen,
        channel=request.channel,
        area=area,
        latitude=_coarse(latitude),
        longitude=_coarse(longitude),
        visibility=visibility,
    )
    concern.reporter_visibility = concern.visibility
    sealed_parts = None
    contact = request.contact
    if concern.visibility == Visibility.CONFIDENTIAL:
        # Language was detected above, in memory: from here on only the recipients can read the words.
        sealed_parts = confidential.seal_new(concern, text=text, contact=contact, receipt=receipt)
        if submission_token:
            concern.sealed_receipt = seal_with_secret(
                f"{receipt}|{_digest(text)}".encode(), secret=scoped_token.encode()
            )
    elif contact is not None and not contact.is_empty:
        concern.contact_ciphertext, concern.contact_phone_hash, concern.contact_email_hash = contact_seal(contact)
    # The task worker follows up what it can read (theme suggestions, duplicate proposals): never a sealed
    # concern, whose words only its recipients can open (its themes were suggested in memory, ADR 0011).
    concern.is_followup_pending = not concern.is_sealed
    if connection.vendor == "postgresql" and _is_one_row(request, concern):
        try:
            # Alone the statement is atomic; inside a caller's transaction a refused retry must not abort
            # it, hence a savepoint there (and only when a retry can be refused).
            with transaction.atomic() if submission_hash and connection.in_atomic_block else nullcontext():
                _store_in_one_statement(
                    concern, theme_ids=[theme.pk for theme in themes], received_at=request.received_at
                )
        except IntegrityError:
            if not submission_hash:
                raise
            return _repeat(
                Concern.objects.get(submission_hash=submission_hash),
                text=text,
                token=scoped_token,
                partner=request.open311_partner,
            )
        return _received(concern, request=request, text=text, receipt=receipt)
    with transaction.atomic():
        return _store_in_transaction(
            request,
            concern,
            text=text,
            receipt=receipt,
            sealed_parts=sealed_parts,
            scoped_token=scoped_token,
        )


def _is_one_row(request: IntakeRequest, concern: Concern) -> bool:
    """Whether the new concern is a row (with its theme links and rollup deltas) and nothing else: no
    photos, sealed keys, consent, Open311 token or reply route to write with it."""
    return not (concern.is_sealed or request.photos or request.open311_partner or request.route)


def _store_in_one_statement(concern: Concern, *, theme_ids: list[int], received_at: datetime | None) -> None:
    """PostgreSQL: insert the concern, its theme links and its rollup deltas in one statement (its data-
    modifying WITH clauses run together or not at all), so a new concern is atomic without BEGIN and
    COMMIT around it: one round trip instead of four, and no ORM statement to compile (issue 13.5).
    What it stores equals the ORM's save; a test holds the two paths equal."""
    fields = _insert_fields()
    for field in fields:
        field.pre_save(concern, add=True)  # created_at and updated_at, as save() sets them
    if received_at is not None and received_at < concern.created_at:
        concern.created_at = received_at
    parameters: list[Any] = [field.get_db_prep_save(getattr(concern, field.attname), connection) for field in fields]
    deltas = rollup_delta_insert(_rollup_keys(concern, theme_ids=theme_ids), +1)
    if deltas is not None:
        parameters += deltas[1]
    if theme_ids:
        parameters.append(theme_ids)
    sql = _one_statement_sql(deltas[0] if deltas else "", bool(theme_ids))
    with connection.cursor() as cursor:
        cursor.execute(sql, parameters)
        concern.pk = cursor.fetchone()[0]
    concern._state.adding = False
    concern._state.db = connection.alias
    transaction.on_commit(rollups_drain_soon, robust=True)


@functools.cache
def _insert_fields() -> list[Field[Any, Any]]:
    return [field for field in Concern._meta.concrete_fields if not field.primary_key]


@functools.cache
def _one_statement_sql(deltas: str, with_links: bool) -> str:
    """The statement of ``_store_in_one_statement`` (made once per shape: every intake runs it). Every
    name in it comes from the models; every value is a parameter."""
    quote = connection.ops.quote_name
    fields = _insert_fields()
    columns = ", ".join(quote(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    pk = quote(Concern._meta.pk.column)
    table = quote(Concern._meta.db_table)
    sql = f"WITH new AS (INSERT INTO {table} ({columns}) VALUES ({placeholders}) RETURNING {pk})"  # noqa: S608
    if deltas:
        sql += f", deltas AS ({deltas})"
    if with_links:
        links = f"{quote(Concern.themes.through._meta.db_table)} ({quote('concern_id')}, {quote('theme_id')})"
        sql += f", links AS (INSERT INTO {links} SELECT new.{pk}, theme FROM new, unnest(%s::bigint[]) AS theme)"  # noqa: S608
    return f"{sql} SELECT {pk} FROM new"  # noqa: S608


def _store_in_transaction(
    request: IntakeRequest,
    concern: Concern,
    *,
    text: str,
    receipt: str,
    sealed_parts: confidential.SealedParts | None,
    scoped_token: str,
) -> SubmittedConcern:
    """Store the concern with everything that comes with it, in the caller's transaction."""
    submission_hash = concern.submission_hash
    themes, photos = request.themes, request.photos
    received_at = request.received_at
    if submission_hash:
        try:
            with transaction.atomic():
                concern.save()
        except IntegrityError:
            # The same submission again (a retry, a double click, or both at once): the first one stands.
            return _repeat(
                Concern.objects.get(submission_hash=submission_hash),
                text=text,
                token=scoped_token,
                partner=request.open311_partner,
            )
    else:
        concern.save()
    if received_at is not None and received_at < concern.created_at:
        Concern.objects.filter(pk=concern.pk).update(created_at=received_at)
        concern.created_at = received_at
    if themes:
        # The link rows at once: themes.add() would first read which links exist (none, on a new concern).
        links = Concern.themes.through
        links.objects.bulk_create([links(concern_id=concern.pk, theme_id=theme.pk) for theme in themes])
    # The concern's own created_at is the "received" step of its timeline: no event row is needed.
    _attach(concern, None, photos)
    if sealed_parts is not None:
        parts: dict[str, bytes] = {KeyPart.CONTENT: sealed_parts.content, KeyPart.CONTACT: sealed_parts.contact}
        confidential.seal_to(concern, parts, confidential.intake_recipients())
    _rollup_apply(_rollup_keys(concern, theme_ids=[theme.pk for theme in themes]), +1)
    if request.referral_consent is not None and concern.is_sealed:
        # Referrals records the consent (a consent is about a confidential concern), in this transaction.
        intake_consent_given.send(
            sender=Concern,
            concern_id=concern.pk,
            share=request.referral_consent.share,
            share_contact=request.referral_consent.share_contact,
        )
    token = ""
    if request.open311_partner is not None:
        token = _open311_token(
            concern, partner=request.open311_partner, scoped_token=scoped_token if submission_hash else None
        )
    if request.route is not None:
        request.route(concern)
    return _received(concern, request=request, text=text, receipt=receipt, open311_token=token)


def _received(
    concern: Concern, *, request: IntakeRequest, text: str, receipt: str, open311_token: str = ""
) -> SubmittedConcern:
    concern_received.send(sender=Concern, concern_id=concern.pk, confidential_text=text if concern.is_sealed else None)
    transaction.on_commit(CONCERNS_RECEIVED.labels(channel=str(request.channel)).inc)
    return SubmittedConcern(concern, receipt, open311_token=open311_token)


def concern_languages_detect(*, concern_ids: Sequence[int]) -> int:
    """Detect the language of those of these concerns whose intake left it to the task worker (web, API
    and Open311 concerns whose reporter chose none: issue 13.5); returns how many were found. Sealed
    concerns are never among them: theirs was detected at intake, in memory."""
    found = 0
    pending = Concern.objects.filter(
        pk__in=concern_ids, language="", is_language_chosen=False, content_public_key__isnull=True
    )
    for concern_id, text in pending.values_list("pk", "text"):
        language = language_detect(text)
        if language:
            found += Concern.objects.filter(pk=concern_id, language="").update(language=language)
    return found


def concern_followup_done(*, concern_ids: Sequence[int]) -> int:
    """The work that follows intake in the task worker has run for these concerns; returns how many."""
    return Concern.objects.filter(pk__in=concern_ids, is_followup_pending=True).update(is_followup_pending=False)


def _open311_token(concern: Concern, *, partner: ApiPartner, scoped_token: str | None) -> str:
    """The partner's token for following the concern. With an idempotency key it is derived from the
    key (keyed with the deployment's secret), so a retry gets the same token, and nothing new is stored."""
    if scoped_token is None:  # no idempotency key: a fresh random token
        token = secrets.token_urlsafe(18)
    else:
        seed = keyed_hash(scoped_token, purpose="open311-token-from-key")
        token = base64.urlsafe_b64encode(bytes.fromhex(seed)[:18]).decode()
    Open311Token.objects.get_or_create(
        token_hash=keyed_hash(token, purpose="open311-token"), defaults={"concern": concern, "partner": partner}
    )
    return token


def _repeat(existing: Concern, *, text: str, token: str, partner: ApiPartner | None = None) -> SubmittedConcern:
    """A retried submission gets its first receipt back, but only for the very same text."""
    conflict = ConcernError(
        _("This idempotency key was already used for a different concern."), code="idempotency_conflict"
    )
    if existing.sealed_receipt is None:
        raise conflict
    receipt, _bar, digest = (
        open_with_secret(bytes(existing.sealed_receipt), secret=token.encode()).decode().partition("|")
    )
    # A sealed concern's text cannot be compared: its digest was sealed with the receipt, under the token.
    if (digest != _digest(text)) if existing.is_sealed else (existing.text != text):
        raise conflict
    # An empty receipt: it was shown once and forgotten (concern_receipt_forget).
    open311_token = _open311_token(existing, partner=partner, scoped_token=token) if partner is not None else ""
    return SubmittedConcern(existing, receipt, is_repeat=True, open311_token=open311_token)


def concern_receipt_waiting(*, channel: Channel, submission_token: str) -> SubmittedConcern | None:
    """The concern stored for this submission token and its receipt, opened with the token, while the
    receipt has not been forgotten (``concern_receipt_forget``); None otherwise. Only the holder of the
    token can open it: the report form's page after sending reads it with the token its browser keeps."""
    if len(submission_token) < MIN_SUBMISSION_TOKEN_LENGTH:
        return None
    scoped_token = f"{channel}:{submission_token}"
    concern = Concern.objects.filter(submission_hash=keyed_hash(scoped_token, purpose="submission")).first()
    if concern is None or concern.sealed_receipt is None:
        return None
    try:
        opened = open_with_secret(bytes(concern.sealed_receipt), secret=scoped_token.encode()).decode()
    except CryptoError:
        return None
    receipt = opened.partition("|")[0]
    return SubmittedConcern(concern, receipt, is_repeat=True) if receipt else None


def concern_receipt_forget(*, concern: Concern, channel: Channel, submission_token: str) -> None:
    """The reporter has seen the receipt: drop the copy sealed under the submission token.

    A later retry with the same token (the back button, then "Send" again) still finds the concern and
    stores nothing new, but gets an empty receipt: the receipt is shown once (issue 14). What tells a
    different text apart (the digest of a sealed concern's text) is kept.
    """
    scoped_token = f"{channel}:{submission_token}"
    if concern.sealed_receipt is None or concern.submission_hash != keyed_hash(scoped_token, purpose="submission"):
        return
    opened = open_with_secret(bytes(concern.sealed_receipt), secret=scoped_token.encode()).decode()
    _receipt, bar, digest = opened.partition("|")
    concern.sealed_receipt = seal_with_secret(f"{bar}{digest}".encode(), secret=scoped_token.encode())
    Concern.objects.filter(pk=concern.pk).update(sealed_receipt=concern.sealed_receipt)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _attach(concern: Concern, event: ConcernEvent | None, photos: Sequence[CleanImage]) -> None:
    for photo in photos:
        if concern.is_sealed:
            name, content = f"{secrets.token_hex(16)}.sealed", confidential.seal_bytes(concern, photo.content)
        else:
            name, content = f"{secrets.token_hex(16)}.{photo.extension}", photo.content
        Attachment.objects.create(
            concern=concern,
            event=event,
            is_sealed=concern.is_sealed,
            file=ContentFile(content, name=name),
            content_type=photo.content_type,
            width=photo.width,
            height=photo.height,
            size=len(photo.content),
        )


def _event_text(concern: Concern, text: str) -> dict[str, Any]:
    """An event's text fields: on a sealed concern the words are sealed to it, never stored plain."""
    if concern.is_sealed and text:
        return {"text": "", "sealed_text": confidential.seal_text(concern, text)}
    return {"text": text}
