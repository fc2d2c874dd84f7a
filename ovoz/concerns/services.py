from __future__ import annotations

import hashlib
import json
import secrets
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ovoz.concerns import confidential, tasks
from ovoz.concerns.choices import (
    CLOSED_STATUSES,
    VISIBILITY_STRICTNESS,
    Audience,
    Channel,
    CloseReason,
    EventKind,
    Status,
    Visibility,
)
from ovoz.concerns.contacts import Contact, contact_seal
from ovoz.concerns.errors import ConcernError
from ovoz.concerns.language import language_detect
from ovoz.concerns.models import (
    ALL_AREAS,
    ALL_STATUSES,
    ALL_THEMES,
    MAX_TEXT_LENGTH,
    ApiPartner,
    Attachment,
    Concern,
    ConcernAreaRollup,
    ConcernEvent,
    ConcernKey,
    ConcernMonthRollup,
    ConcernPublicAreaRollup,
    ConcernPublicMonthRollup,
    ConcernRollup,
    ConcernStepRollup,
    KeyPart,
    Open311Token,
    ReporterEmail,
    Support,
    Theme,
)
from ovoz.concerns.receipts import receipt_generate, receipt_hash
from ovoz.core.crypto import keyed_hash, open_with_secret, seal_with_secret
from ovoz.core.events import AuditAction
from ovoz.core.images import CleanImage
from ovoz.core.services import audit_record
from ovoz.places.lookup import area_id_at_point
from ovoz.places.models import Area

if TYPE_CHECKING:
    from ovoz.accounts.models import User

THEMES_FILE = Path(__file__).parent / "data" / "themes.json"
MAX_ATTACHMENTS = 3
# 22 URL-safe characters carry 128 bits: a key short enough to guess would let others claim a receipt.
MIN_SUBMISSION_TOKEN_LENGTH = 22
# About 1 km: two decimals of a degree of latitude are 1.1 km (DESIGN §3: points are kept coarse).
POINT_DECIMALS = 2


@dataclass
class ThemeSeedResult:
    created: int = 0
    updated: int = 0


@transaction.atomic
def themes_seed() -> ThemeSeedResult:
    """Create the seeded themes (DESIGN §3) and fill in missing translations; idempotent.

    Labels and descriptions an administrator has edited are kept.
    """
    result = ThemeSeedResult()
    for position, entry in enumerate(json.loads(THEMES_FILE.read_text(encoding="utf-8"))):
        theme, created = Theme.objects.get_or_create(
            slug=entry["slug"],
            defaults={
                "labels": entry["labels"],
                "descriptions": entry["descriptions"],
                "default_visibility": entry["default_visibility"],
                "position": position,
            },
        )
        if created:
            result.created += 1
            continue
        labels = {**entry["labels"], **theme.labels}
        descriptions = {**entry["descriptions"], **theme.descriptions}
        if labels != theme.labels or descriptions != theme.descriptions:
            theme.labels, theme.descriptions = labels, descriptions
            theme.save(update_fields=["labels", "descriptions", "updated_at"])
            result.updated += 1
    return result


# --- Rollups (DESIGN §7) -----------------------------------------------------------------------


RollupKey = tuple[date, int, int, str, str, str]


def _rollup_keys(concern: Concern, theme_ids: Iterable[int] | None = None) -> list[RollupKey]:
    day = timezone.localdate(concern.created_at)
    if theme_ids is None:
        theme_ids = concern.themes.values_list("pk", flat=True)
    return [
        (day, concern.area_id or 0, theme_id, concern.visibility, concern.channel, concern.status)
        for theme_id in [*(list(theme_ids) or [0]), ALL_THEMES]
    ]


def _rollup_apply(keys: Iterable[RollupKey], delta: int) -> None:
    """Add ``delta`` to each key's daily count, and to the monthly counts."""
    rollups_add(Counter(dict.fromkeys(keys, delta)))


def rollups_add(daily_counts: Counter[RollupKey], *, batch_size: int = 2000) -> None:
    """Add counts to the daily rollup and the matching monthly and all-time rollups, in upserts that add
    on conflict.

    PostgreSQL and SQLite (3.24+) share this INSERT ... ON CONFLICT ... DO UPDATE syntax; the
    unique key settles concurrent writers without a read first. One statement per table for a single
    concern; bulk paths (``ovoz generate``) pass many keys at once.
    """
    daily = [(key, count) for key, count in daily_counts.items() if count]
    monthly: Counter[tuple[date, int, int, str]] = Counter()
    all_time: Counter[tuple[int, int, str]] = Counter()
    # The monthly rollup counts a concern under its area and every area above it, so a region's row
    # holds everything inside the region: a map by region reads a few rows per region, whatever the
    # number of districts or concerns. Concerns whose visibility is public are counted once more on their
    # own: public figures start from these (restricted and confidential ones join only in groups).
    public_monthly: Counter[tuple[date, int, int, str]] = Counter()
    public_all_time: Counter[tuple[int, int, str]] = Counter()
    enclosing = areas_enclosing({key[1] for key, _count in daily})
    for (day, area_key, theme_key, visibility, _channel, status), count in daily:
        month = day.replace(day=1)
        for area in (*enclosing[area_key], ALL_AREAS):
            for counted_status in (status, ALL_STATUSES):
                monthly[(month, area, theme_key, counted_status)] += count
                all_time[(area, theme_key, counted_status)] += count
                if visibility == Visibility.PUBLIC:
                    public_monthly[(month, area, theme_key, counted_status)] += count
                    public_all_time[(area, theme_key, counted_status)] += count
    daily_columns = ["day", "area_key", "theme_key", "visibility", "channel", "status"]
    for start in range(0, len(daily), batch_size):
        _upsert(ConcernRollup, daily_columns, daily[start : start + batch_size])
    month_columns, area_columns = ["month", "area_key", "theme_key", "status"], ["area_key", "theme_key", "status"]
    for model, columns, counts in (
        (ConcernMonthRollup, month_columns, monthly),
        (ConcernAreaRollup, area_columns, all_time),
        (ConcernPublicMonthRollup, month_columns, public_monthly),
        (ConcernPublicAreaRollup, area_columns, public_all_time),
    ):
        # In key order, so that concurrent writers lock shared rows (a region's, all areas') in the same order.
        changed = sorted((key, count) for key, count in counts.items() if count)
        for start in range(0, len(changed), batch_size):
            _upsert(model, columns, changed[start : start + batch_size])


def areas_enclosing(area_ids: Iterable[int]) -> dict[int, list[int]]:
    """For each area id, the ids of the area and of every area above it (0, no area, stays 0)."""
    ids = [area_id for area_id in set(area_ids) if area_id > 0]
    paths = dict(Area.objects.filter(pk__in=ids).values_list("pk", "path")) if ids else {}
    enclosing = {
        area_id: [*(int(part) for part in paths.get(area_id, "").split("/") if part), area_id] for area_id in ids
    }
    enclosing[0] = [0]
    return enclosing


def _upsert(model: type[models.Model], key_columns: list[str], rows: Sequence[tuple[tuple[Any, ...], int]]) -> None:
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join([*key_columns, "count"])
    placeholders = ", ".join(["(" + ", ".join(["%s"] * (len(key_columns) + 1)) + ")"] * len(rows))
    parameters: list[Any] = []
    for key, count in rows:
        parameters += [*key, count]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) VALUES {placeholders} "  # noqa: S608 (names from the models)
            f"ON CONFLICT ({', '.join(key_columns)}) DO UPDATE SET count = {table}.count + EXCLUDED.count",
            parameters,
        )


StepKey = tuple[date, str, str, int]
# Events that move a concern from one status to another (a merge closes it without a STATUS event).
STATUS_MOVES = (EventKind.STATUS, EventKind.MERGED)


def _step_days(elapsed: timedelta) -> int:
    return min(max(elapsed.days, 0), ConcernStepRollup.MAX_DAYS)


def _steps_count(concern: Concern, *, previous: Status, reached: Status) -> None:
    """Count how long the step from ``previous`` to ``reached`` took, and for a resolution also the whole
    path since the concern was received (dashboards show the medians).

    The step began when the concern last changed status (or was received): the same rule
    ``steps_from_events`` follows, so the live counts equal a recount and a deletion can take a
    concern's steps out again.
    """
    now = timezone.now()
    entered = (
        ConcernEvent.objects.filter(concern=concern, kind__in=STATUS_MOVES)
        .order_by("-at", "-pk")
        .values_list("at", flat=True)
        .first()
    ) or concern.created_at
    steps: Counter[StepKey] = Counter()
    month = timezone.localdate(now).replace(day=1)
    steps[(month, previous, reached, _step_days(now - entered))] += 1
    if reached == Status.RESOLVED:
        steps[(month, "", reached, _step_days(now - concern.created_at))] += 1
    steps_add(steps)


def steps_add(steps: Counter[StepKey], *, batch_size: int = 2000) -> None:
    """Add step durations (month, status left, status reached, days) to the step rollup."""
    rows = [(key, count) for key, count in steps.items() if count]
    for start in range(0, len(rows), batch_size):
        _upsert(ConcernStepRollup, ["month", "from_status", "to_status", "days"], rows[start : start + batch_size])


def steps_from_events(events: models.QuerySet[ConcernEvent], created: dict[int, datetime]) -> Counter[StepKey]:
    """The step durations that ``events`` (and the concerns' ``created`` times) account for: one per STATUS
    event, timed from the concern's previous status move (or its receipt), plus the whole path for a
    resolution. ``steps_recount`` counts every concern's; ``concern_delete`` takes one concern's out."""
    steps: Counter[StepKey] = Counter()
    entered: dict[int, datetime] = {}
    ordered = events.filter(kind__in=STATUS_MOVES).order_by("concern_id", "at", "pk")
    for concern_id, kind, from_status, to_status, at in ordered.values_list(
        "concern_id", "kind", "from_status", "to_status", "at"
    ):
        since = entered.get(concern_id, created[concern_id])
        entered[concern_id] = at
        if kind != EventKind.STATUS:
            continue
        month = timezone.localdate(at).replace(day=1)
        steps[(month, from_status, to_status, _step_days(at - since))] += 1
        if to_status == Status.RESOLVED:
            steps[(month, "", to_status, _step_days(at - created[concern_id]))] += 1
    return steps


@transaction.atomic
def steps_recount() -> int:
    """Rebuild the step rollup from the status events (after events were re-dated, as the demo does).

    Returns how many steps were counted.
    """
    ConcernStepRollup.objects.all().delete()
    steps = steps_from_events(ConcernEvent.objects.all(), dict(Concern.objects.values_list("pk", "created_at")))
    steps_add(steps)
    return sum(steps.values())


class _RollupMove:
    """Take a concern's counts out before a change and put them back after it."""

    def __init__(self, concern: Concern) -> None:
        self.concern = concern

    def __enter__(self) -> None:
        _rollup_apply(_rollup_keys(self.concern), -1)

    def __exit__(self, *exc_info: object) -> None:
        if exc_info[0] is None:
            self.concern.refresh_from_db()
            _rollup_apply(_rollup_keys(self.concern), +1)


# --- Intake ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Triage:
    """A triaged concern and the names of the fields the save changed (none: nothing was written)."""

    concern: Concern
    changed: tuple[str, ...]


@dataclass(frozen=True)
class SubmittedConcern:
    concern: Concern
    receipt: str
    is_repeat: bool = False


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


@transaction.atomic
def concern_submit(
    *,
    text: str,
    channel: Channel,
    language: str = "",
    area: Area | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    themes: Sequence[Theme] = (),
    visibility: Visibility | None = None,
    contact: Contact | None = None,
    photos: Sequence[CleanImage] = (),
    submission_token: str = "",
    received_at: datetime | None = None,
    visibility_confirmed: bool = False,
) -> SubmittedConcern:
    """Store a new concern and return it with its receipt.

    A ``visibility`` looser than a chosen theme's default (public or restricted for violence at home)
    is kept only with ``visibility_confirmed``; otherwise the theme's default (confidential) is stored:
    every interface asks again or documents this (issue 12).

    A repeated submission with the same ``submission_token`` (a double-clicked form, a retried API
    call with the same idempotency key) returns the first concern and its receipt again, or an empty
    receipt once ``concern_receipt_forget`` has run.
    ``received_at`` is when a gateway received the message, if earlier than now.
    """
    text = _clean_text(text)
    if submission_token and len(submission_token) < MIN_SUBMISSION_TOKEN_LENGTH:
        raise ConcernError(
            _("An idempotency key must be at least %(length)s random characters.")
            % {"length": MIN_SUBMISSION_TOKEN_LENGTH},
            code="idempotency_key_too_short",
        )
    # Tokens of different channels never meet: a web form token cannot find an API submission.
    scoped_token = f"{channel}:{submission_token}"
    submission_hash = keyed_hash(scoped_token, purpose="submission") if submission_token else None
    if submission_hash:
        existing = Concern.objects.filter(submission_hash=submission_hash).first()
        if existing is not None:
            return _repeat(existing, text=text, token=scoped_token)
    if len(photos) > MAX_ATTACHMENTS:
        raise ConcernError(
            ngettext("You can attach up to %(count)s photo.", "You can attach up to %(count)s photos.", MAX_ATTACHMENTS)
            % {"count": MAX_ATTACHMENTS},
            code="too_many_photos",
        )
    if (latitude is None) != (longitude is None):
        raise ConcernError(_("A location needs both latitude and longitude."), code="invalid_location")
    if latitude is not None and longitude is not None:
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise ConcernError(_("This location is not on the map."), code="invalid_location")
        if area is None:
            area_id = area_id_at_point(latitude=latitude, longitude=longitude)
            area = Area.objects.filter(pk=area_id).first() if area_id else None
    known_languages = {code for code, _name in settings.LANGUAGES}
    is_language_chosen = bool(language) and language in known_languages
    if language and not is_language_chosen:
        raise ConcernError(_("This language is not offered here."), code="unknown_language", field="language")

    receipt = receipt_generate()
    concern = Concern(
        receipt_hash=receipt_hash(receipt) or "",
        receipt_valid_until=timezone.now() + timedelta(days=settings.OVOZ_RECEIPT_DAYS),
        submission_hash=submission_hash,
        sealed_receipt=seal_with_secret(receipt.encode(), secret=scoped_token.encode()) if submission_token else None,
        text=text,
        language=language if is_language_chosen else language_detect(text),
        is_language_chosen=is_language_chosen,
        channel=channel,
        area=area,
        latitude=_coarse(latitude),
        longitude=_coarse(longitude),
        visibility=(
            visibility
            if visibility
            and (visibility_confirmed or not visibility_needs_confirmation(themes=themes, visibility=visibility))
            else visibility_default(themes)
        ),
    )
    concern.reporter_visibility = concern.visibility
    sealed_parts = None
    if concern.visibility == Visibility.CONFIDENTIAL:
        # Language was detected above, in memory: from here on only the recipients can read the words.
        sealed_parts = confidential.seal_new(concern, text=text, contact=contact, receipt=receipt)
        if submission_token:
            concern.sealed_receipt = seal_with_secret(
                f"{receipt}|{_digest(text)}".encode(), secret=scoped_token.encode()
            )
    elif contact is not None and not contact.is_empty:
        concern.contact_ciphertext, concern.contact_phone_hash, concern.contact_email_hash = contact_seal(contact)
    if submission_hash:
        try:
            with transaction.atomic():
                concern.save()
        except IntegrityError:
            # The same submission arrived twice at once: the other request stored it first.
            return _repeat(Concern.objects.get(submission_hash=submission_hash), text=text, token=scoped_token)
    else:
        concern.save()
    if received_at is not None and received_at < concern.created_at:
        Concern.objects.filter(pk=concern.pk).update(created_at=received_at)
        concern.created_at = received_at
    if themes:
        concern.themes.add(*themes)
    # The concern's own created_at is the "received" step of its timeline: no event row is needed.
    _attach(concern, None, photos)
    if sealed_parts is not None:
        parts: dict[str, bytes] = {KeyPart.CONTENT: sealed_parts.content, KeyPart.CONTACT: sealed_parts.contact}
        confidential.seal_to(concern, parts, confidential.intake_recipients())
    _rollup_apply(_rollup_keys(concern, theme_ids=[theme.pk for theme in themes]), +1)
    return SubmittedConcern(concern, receipt)


def _repeat(existing: Concern, *, text: str, token: str) -> SubmittedConcern:
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
    return SubmittedConcern(existing, receipt, is_repeat=True)


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


# --- The reporter, with the receipt -----------------------------------------------------------


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


# --- Triage by staff ---------------------------------------------------------------------------


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
        # Replies queued on SMS or Telegram may carry its words: channels build on concerns, not the reverse.
        from ovoz.channels.services import concern_channel_seal

        concern_channel_seal(concern=concern)
    audit_record(action=AuditAction.CONCERN_TRIAGED, actor=actor, target=concern, data={"fields": list(changed)})
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
    event_id = event.pk
    transaction.on_commit(lambda: tasks.notify_reporter.enqueue(event_id=event_id))
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
    event_id = event.pk
    transaction.on_commit(lambda: tasks.notify_reporter.enqueue(event_id=event_id))
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
    event_id = event.pk
    transaction.on_commit(lambda: tasks.notify_reporter.enqueue(event_id=event_id))
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


# --- Retention (ovoz.operations.retention decides what is due) ----------------------------------------


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


# --- Open311 partners --------------------------------------------------------------------------


@transaction.atomic
def api_partner_create(*, actor: User | None, name: str) -> tuple[ApiPartner, str]:
    """Issue an API key to a partner system; the key is returned once and stored only as a hash."""
    key = secrets.token_urlsafe(32)
    partner = ApiPartner.objects.create(name=name, key_hash=keyed_hash(key, purpose="api-key"))
    audit_record(action=AuditAction.API_PARTNER_CREATED, actor=actor, target=partner)
    return partner, key


def api_partner_authenticate(key: str) -> ApiPartner | None:
    if not key:
        return None
    return ApiPartner.objects.filter(key_hash=keyed_hash(key, purpose="api-key"), is_active=True).first()


def open311_token_create(*, concern: Concern, partner: ApiPartner) -> str:
    token = secrets.token_urlsafe(18)
    Open311Token.objects.create(token_hash=keyed_hash(token, purpose="open311-token"), concern=concern, partner=partner)
    return token


def open311_token_concern(token: str) -> Concern | None:
    found = (
        Open311Token.objects.select_related("concern")
        .filter(token_hash=keyed_hash(token, purpose="open311-token"))
        .first()
    )
    return found.concern if found else None
