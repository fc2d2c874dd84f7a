from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ovoz.concerns.choices import (
    CLOSED_STATUSES,
    Audience,
    Channel,
    CloseReason,
    EmailState,
    EventKind,
    Status,
    Visibility,
)
from ovoz.core.models import TimeStampedModel
from ovoz.core.translated import pick

MAX_TEXT_LENGTH = 4000


class Theme(TimeStampedModel):
    """What a concern is about. The slug is stable: it is also the Open311 service code."""

    slug = models.SlugField(_("slug"), max_length=64, unique=True)
    labels = models.JSONField(_("labels"), default=dict, help_text=_("Labels by language code."))
    descriptions = models.JSONField(
        _("descriptions"), default=dict, blank=True, help_text=_("Short descriptions by language code.")
    )
    default_visibility = models.CharField(
        _("default visibility"),
        max_length=16,
        choices=Visibility.choices,
        default=Visibility.PUBLIC,
        help_text=_("What a reporter is offered first when choosing this theme."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return pick(self.labels, default=self.slug)

    @property
    def description(self) -> str:
        return pick(self.descriptions)


class Concern(TimeStampedModel):
    """One voiced problem (DESIGN §3). The reporter is known only by the receipt's keyed hash."""

    receipt_hash = models.CharField(max_length=64, editable=False)  # unique: Meta.constraints
    receipt_valid_until = models.DateTimeField(editable=False)
    # Idempotency: the hash of the client's submission token, and the receipt sealed with that token,
    # so a repeated submission returns the same receipt without the server being able to read it.
    submission_hash = models.CharField(max_length=64, null=True, editable=False)  # noqa: DJ001 (NULLs never collide; unique: Meta.constraints)
    sealed_receipt = models.BinaryField(null=True, editable=False)

    text = models.TextField(_("text"), max_length=MAX_TEXT_LENGTH)
    language = models.CharField(_("language"), max_length=8, blank=True)
    is_language_chosen = models.BooleanField(_("language chosen by the reporter"), default=False)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    area = models.ForeignKey(
        "places.Area", verbose_name=_("area"), null=True, blank=True, on_delete=models.PROTECT, related_name="concerns"
    )
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    themes = models.ManyToManyField(Theme, verbose_name=_("themes"), blank=True, related_name="concerns")
    visibility = models.CharField(_("visibility"), max_length=16, choices=Visibility.choices)
    # What the reporter chose (or their themes implied): staff may make it stricter, never looser.
    reporter_visibility = models.CharField(
        _("visibility chosen by the reporter"), max_length=16, choices=Visibility.choices, editable=False
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.RECEIVED)
    # When the concern was last resolved or closed (None while open): retention counts from here.
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True, editable=False)
    close_reason = models.CharField(_("reason for closing"), max_length=32, choices=CloseReason.choices, blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
        db_index=False,  # a partial index in Meta.indexes: a new concern is no one's duplicate
    )
    public_text = models.TextField(_("public text"), blank=True, max_length=MAX_TEXT_LENGTH)
    is_published = models.BooleanField(_("published"), default=False)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    support_count = models.PositiveIntegerField(_("supports"), default=0)
    # Contact details for replies: encrypted with the deployment key, found by keyed hash.
    contact_ciphertext = models.BinaryField(null=True, editable=False)
    contact_phone_hash = models.CharField(max_length=64, blank=True, editable=False)
    contact_email_hash = models.CharField(max_length=64, blank=True, editable=False)
    # Confidential concerns (DESIGN §5): ``text`` stays empty; the story is sealed to the concern's content
    # key and the contact to its contact key (then contact_ciphertext is sealed too, and no lookup hashes
    # are kept). The private halves are sealed to each recipient (ConcernKey) and, for the story, wrapped
    # under the reporter's receipt.
    content_public_key = models.BinaryField(null=True, editable=False)
    contact_public_key = models.BinaryField(null=True, editable=False)
    sealed_text = models.BinaryField(null=True, editable=False)
    receipt_wrapped_key = models.BinaryField(null=True, editable=False)
    # Set by intake: the work that follows a new concern in the task worker (theme suggestions, duplicate
    # proposals) has not run yet. One batch task takes every such concern (issue 13.5): nothing is
    # queued per concern, and the flag is written with the concern's own row.
    is_followup_pending = models.BooleanField(default=False, editable=False)

    class Meta:
        verbose_name = _("concern")
        verbose_name_plural = _("concerns")
        ordering = ["-created_at", "-id"]
        # Every index is written by every intake (issue 13.5), so each one earns its place: the hashes are
        # only ever compared whole (no LIKE indexes, hence constraints rather than unique=True); a column
        # empty on a new concern (closed, duplicate of, contact hashes) is indexed only where it is set,
        # so an intake does not touch those indexes at all; is_published leads the published-list index.
        constraints = [
            models.UniqueConstraint(fields=["receipt_hash"], name="concern_receipt_hash_unique"),
            models.UniqueConstraint(fields=["submission_hash"], name="concern_submission_hash_unique"),
        ]
        indexes = [
            models.Index(fields=["status", "-created_at"]),
            models.Index(fields=["is_published", "-published_at"]),
            # Only the few concerns still waiting are in it.
            models.Index(fields=["id"], condition=models.Q(is_followup_pending=True), name="concern_followup_pending"),
            models.Index(fields=["closed_at"], condition=models.Q(closed_at__isnull=False), name="concern_closed_at"),
            models.Index(
                fields=["duplicate_of"], condition=models.Q(duplicate_of__isnull=False), name="concern_duplicate_of"
            ),
            models.Index(
                fields=["contact_phone_hash"], condition=~models.Q(contact_phone_hash=""), name="concern_contact_phone"
            ),
            models.Index(
                fields=["contact_email_hash"], condition=~models.Q(contact_email_hash=""), name="concern_contact_email"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"

    @property
    def has_contact(self) -> bool:
        return self.contact_ciphertext is not None

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_STATUSES

    @property
    def is_sealed(self) -> bool:
        """Its words, photos and contact are sealed to its recipients (a confidential concern)."""
        return self.content_public_key is not None


class ConcernEvent(models.Model):
    """Something that happened to a concern; ``audience`` says who may read it."""

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    kind = models.CharField(max_length=24, choices=EventKind.choices)
    audience = models.CharField(max_length=16, choices=Audience.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_status = models.CharField(max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=Status.choices, blank=True)
    text = models.TextField(blank=True, max_length=MAX_TEXT_LENGTH)
    # On a sealed concern the text is sealed to the concern's content key instead.
    sealed_text = models.BinaryField(null=True, editable=False)

    class Meta:
        verbose_name = _("concern event")
        verbose_name_plural = _("concern events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.concern_id} {self.kind}"


class DuplicateProposal(models.Model):
    """ "Possibly the same incident as": a concern and an earlier one of its area, proposed to staff by
    ``ovoz.insights`` (issue 15), never merged without them. Only ids and a score are kept, nothing of
    either text; confidential concerns are never compared (their words are sealed)."""

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="duplicate_proposals")
    candidate = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    created_at = models.DateTimeField(auto_now_add=True)
    # "Not the same": the proposal stays dismissed, so a later run does not propose it again.
    dismissed_at = models.DateTimeField(null=True, blank=True)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("duplicate proposal")
        verbose_name_plural = _("duplicate proposals")
        constraints = [
            models.UniqueConstraint(fields=["concern", "candidate"], name="duplicate_proposal_one_per_pair"),
            models.CheckConstraint(condition=~models.Q(concern=models.F("candidate")), name="duplicate_proposal_two"),
        ]

    def __str__(self) -> str:
        return f"#{self.concern_id} possibly #{self.candidate_id}"


class ReporterEmail(TimeStampedModel):
    """One e-mail telling a reporter about one event: sent at most once, retried with backoff.

    It holds no address: each attempt opens the concern's encrypted contact, so an e-mail whose
    contact retention erased meanwhile is not sent. ``failure`` says what went wrong as a code and an
    exception class (``recipient_refused (SMTPRecipientsRefused)``), never the relay's answer, which
    names the address.
    """

    event = models.ForeignKey(ConcernEvent, on_delete=models.CASCADE, related_name="+")
    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=16, choices=EmailState.choices, default=EmailState.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    failure = models.CharField(max_length=80, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("e-mail to a reporter")
        verbose_name_plural = _("e-mails to reporters")
        constraints = [models.UniqueConstraint(fields=["event", "concern"], name="one_email_per_event_and_concern")]

    def __str__(self) -> str:
        return f"{self.concern_id} {self.event_id} {self.state}"


class Attachment(TimeStampedModel):
    """A photo, re-encoded without metadata."""

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(
        ConcernEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments"
    )
    file = models.FileField(upload_to="concerns/%Y/%m/")
    content_type = models.CharField(max_length=32)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    # The file holds the image sealed to the concern's content key (a confidential concern).
    is_sealed = models.BooleanField(default=False, editable=False)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")


class KeyPart(models.TextChoices):
    CONTENT = "content", _("what happened (text, answers, photos)")
    CONTACT = "contact", _("contact details")


class ConcernKey(models.Model):
    """One part of a sealed concern's key, sealed to one staff user's public key. Deleting the row takes
    that user's access away for good (revoked referrals, retention)."""

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="keys")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="concern_keys")
    part = models.CharField(max_length=16, choices=KeyPart.choices)
    sealed_key = models.BinaryField()
    referral = models.ForeignKey(
        "referrals.Referral", null=True, blank=True, on_delete=models.CASCADE, related_name="keys"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("concern key")
        verbose_name_plural = _("concern keys")
        constraints = [models.UniqueConstraint(fields=["concern", "user", "part"], name="concern_key_one_per_part")]

    def __str__(self) -> str:
        return f"#{self.concern_id} {self.part} for user {self.user_id}"


class Support(models.Model):
    """A "me too" on a published concern: a keyed hash of a random browser token, nothing else."""

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="supports")
    supporter_hash = models.CharField(max_length=64)
    day = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["concern", "supporter_hash"], name="support_one_per_supporter")]

    def __str__(self) -> str:
        return f"support for #{self.concern_id}"


# Rollup theme key that counts every concern once, whatever its themes (summing the per-theme rows
# would count a concern with two themes twice).
ALL_THEMES = -1
# Rollup status key that counts every concern once, whatever its status.
ALL_STATUSES = ""
# Monthly rollup area key that counts every concern once, wherever it is (0 is "no area given").
ALL_AREAS = -1


class ConcernRollup(models.Model):
    """Counts per day, area, theme, visibility, channel and status, kept in step by the services.

    A concern with several themes counts once under each and once under ALL_THEMES, one without a
    theme under theme 0 and ALL_THEMES; a concern without an area counts under area 0 (plain
    integers, so the unique key has no NULLs on any database). Maps, dashboards and early warning
    read these rows, never the concerns (DESIGN §7).
    """

    day = models.DateField()
    area_key = models.BigIntegerField()
    theme_key = models.BigIntegerField()
    visibility = models.CharField(max_length=16, choices=Visibility.choices)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    status = models.CharField(max_length=16, choices=Status.choices)
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "area_key", "theme_key", "visibility", "channel", "status"],
                name="rollup_one_row_per_key",
            )
        ]
        indexes = [models.Index(fields=["area_key", "day"])]

    def __str__(self) -> str:
        return f"{self.day} area {self.area_key} theme {self.theme_key}: {self.count}"


class ConcernMonthRollup(models.Model):
    """Counts per month, area (and ALL_AREAS), theme (and ALL_THEMES) and status (and ALL_STATUSES),
    kept in step with ConcernRollup by the same writes. A concern counts under its area and under
    every area above it: a region's row holds everything inside the region.

    Its size grows with areas × months, not with concerns: maps and dashboards over whole months read
    it, so they cost the same at ten thousand concerns as at a million (bench/map.py).
    """

    month = models.DateField()  # the first day of the month
    area_key = models.BigIntegerField()
    theme_key = models.BigIntegerField()
    status = models.CharField(max_length=16, blank=True)
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                # Ordered for the map's query: a theme and status, then a set of areas, then months.
                fields=["theme_key", "status", "area_key", "month"],
                name="month_rollup_one_row_per_key",
            )
        ]
        indexes = [models.Index(fields=["area_key", "status", "month"], name="month_rollup_by_area")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} area {self.area_key} theme {self.theme_key}: {self.count}"


class ConcernAreaRollup(models.Model):
    """All-time counts per area (and ALL_AREAS), theme (and ALL_THEMES) and status (and ALL_STATUSES),
    kept in step with ConcernRollup by the same writes; like the monthly rollup, a concern counts under
    its area and every area above it.

    One row per area for a map without a period: the district map reads one row per district in view,
    where the monthly rollup has one per district and month (14,000 rows for a zoomed-in view at a
    million concerns). Its size grows with areas × themes × statuses, never with concerns.
    """

    area_key = models.BigIntegerField()
    theme_key = models.BigIntegerField()
    status = models.CharField(max_length=16, blank=True)
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                # Ordered for the map's query: a theme and status, then the areas in view.
                fields=["theme_key", "status", "area_key"],
                name="area_rollup_one_row_per_key",
            )
        ]
        # The same key with the count: both databases answer the map from this index alone, without
        # visiting the table (PostgreSQL once VACUUM has marked the pages all-visible).
        indexes = [models.Index(fields=["theme_key", "status", "area_key", "count"], name="area_rollup_covering")]

    def __str__(self) -> str:
        return f"area {self.area_key} theme {self.theme_key} {self.status or 'all'}: {self.count}"


class ConcernPublicMonthRollup(models.Model):
    """The monthly rollup for concerns whose visibility is public only (same keys, same upkeep).

    Public figures read these: restricted and confidential concerns are added to them only in whole
    groups that differencing cannot split (``ovoz.insights.selectors``, docs/data.md).
    """

    month = models.DateField()
    area_key = models.BigIntegerField()
    theme_key = models.BigIntegerField()
    status = models.CharField(max_length=16, blank=True)
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["theme_key", "status", "area_key", "month"], name="public_month_rollup_one_row_per_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} area {self.area_key} theme {self.theme_key} (public): {self.count}"


class ConcernPublicAreaRollup(models.Model):
    """The all-time rollup for concerns whose visibility is public only (same keys, same upkeep)."""

    area_key = models.BigIntegerField()
    theme_key = models.BigIntegerField()
    status = models.CharField(max_length=16, blank=True)
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["theme_key", "status", "area_key"], name="public_area_rollup_one_row_per_key"
            )
        ]
        indexes = [
            models.Index(fields=["theme_key", "status", "area_key", "count"], name="public_area_rollup_covering")
        ]

    def __str__(self) -> str:
        return f"area {self.area_key} theme {self.theme_key} {self.status or 'all'} (public): {self.count}"


class ConcernStepRollup(models.Model):
    """How many days concerns took for each step of their path: per month of the step, the status left
    (empty: counted from when the concern was received) and the status reached, and whole days (capped
    at MAX_DAYS). Medians per step come from these counts, never from a scan of the events."""

    MAX_DAYS = 365

    month = models.DateField()
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    days = models.PositiveSmallIntegerField()
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "from_status", "to_status", "days"], name="step_rollup_one_row_per_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.from_status}→{self.to_status} {self.days} d: {self.count}"


class ConcernRollupDelta(models.Model):
    """A change to the rollups not yet added to them: one row per daily rollup key, appended by every
    service that changes what a concern counts under, in that service's transaction.

    An append takes no lock that another writer waits for (the all-areas rows of the monthly and
    all-time rollups would be locked by every intake); ``rollups_drain`` adds the deltas to all six
    tables and deletes them in one transaction, one drainer at a time, so the rollups stay exact.
    Readers of the rollups drain first.
    """

    day = models.DateField()
    area_key = models.BigIntegerField()
    theme_key = models.BigIntegerField()
    visibility = models.CharField(max_length=16, choices=Visibility.choices)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    status = models.CharField(max_length=16, choices=Status.choices)
    count = models.IntegerField()

    def __str__(self) -> str:
        return f"{self.day} area {self.area_key} theme {self.theme_key}: {self.count:+d}"


class ApiPartner(TimeStampedModel):
    """A partner system allowed to POST Open311 service requests with an API key.

    Only a keyed hash of the key is kept; the key is shown once, when the partner is created.
    """

    name = models.CharField(_("name"), max_length=200)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("API partner")
        verbose_name_plural = _("API partners")

    def __str__(self) -> str:
        return self.name


class Open311Token(models.Model):
    """The token an Open311 POST returns, to look up the request's public id once it is published."""

    token_hash = models.CharField(max_length=64, unique=True)
    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="+")
    partner = models.ForeignKey(ApiPartner, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"token for #{self.concern_id}"
