from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ovoz.accounts.choices import GrantRole
from ovoz.core.models import TimeStampedModel
from ovoz.groups.choices import (
    DEFAULT_CRITERIA,
    MAX_SCORE,
    MAX_WEIGHT,
    MIN_SCORE,
    ActionStatus,
    AgeBand,
    Gender,
    MeetingStatus,
    RoundStatus,
)

if TYPE_CHECKING:
    from ovoz.concerns.models import Concern

MAX_MINUTES_LENGTH = 20_000
MAX_DECISIONS_LENGTH = 5_000


class WorkingGroup(TimeStampedModel):
    """A community security working group for an area (of any level: region, district or community).

    Its members are staff users with a ``accounts.Grant`` in it; the concerns it works on are those
    of its area and every area inside it.
    """

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    area = models.ForeignKey(
        "places.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="working_groups"
    )
    description = models.TextField(
        _("description"), blank=True, max_length=2000, help_text=_("Shown on the group's public page.")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("working group")
        verbose_name_plural = _("working groups")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def may_use_institution(self, institution: Institution) -> bool:
        """An institution of the group's area, of an area above it or of one inside it."""
        return institution.area.contains(self.area) or self.area.contains(institution.area)


class Institution(TimeStampedModel):
    """An institution of an area that members speak for and that owns actions.

    For example the district khokimiyat, the district police department, a mahalla committee or the
    water utility. One name, as the institution calls itself.
    """

    area = models.ForeignKey(
        "places.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="institutions"
    )
    name = models.CharField(_("name"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="institution_unique_name_per_area")]

    def __str__(self) -> str:
        return self.name


class Invitation(TimeStampedModel):
    """An invitation by e-mail to join a group: a single-use link that expires.

    Only a keyed hash of the link's token is stored; the link itself is sent once.
    """

    working_group = models.ForeignKey(
        WorkingGroup, verbose_name=_("working group"), on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(_("role"), max_length=32, choices=GrantRole.choices)
    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField(_("expires"))
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.working_group} · {self.get_role_display()}"


class Meeting(TimeStampedModel):
    """A meeting of a working group: when and where, its agenda of concerns, who came, minutes, decisions.

    Only held meetings appear on public pages, and there only as a summary: date, agenda topics,
    participants counted by gender and age band, decisions, and the members who chose to be named.
    """

    working_group = models.ForeignKey(
        WorkingGroup, verbose_name=_("working group"), on_delete=models.CASCADE, related_name="meetings"
    )
    starts_at = models.DateTimeField(_("date and time"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    online_link = models.URLField(_("online link"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED
    )
    agenda: models.ManyToManyField[Concern, AgendaItem] = models.ManyToManyField(
        "concerns.Concern", verbose_name=_("agenda"), through="AgendaItem", related_name="meetings", blank=True
    )
    members_present = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("members present"), related_name="+", blank=True
    )
    minutes = models.TextField(_("minutes"), blank=True, max_length=MAX_MINUTES_LENGTH)
    decisions = models.TextField(_("decisions"), blank=True, max_length=MAX_DECISIONS_LENGTH)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["working_group", "status", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.working_group} {self.starts_at:%Y-%m-%d}"

    @property
    def day(self) -> date:
        """The meeting's date in the deployment's time zone."""
        return timezone.localdate(self.starts_at)

    @property
    def has_come(self) -> bool:
        """Whether the meeting's date has come (in the deployment's time zone): from that day on it can
        be held, and its attendance, scores, minutes and decisions recorded; never before."""
        return self.day <= timezone.localdate()


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    concern = models.ForeignKey("concerns.Concern", on_delete=models.CASCADE, related_name="agenda_items")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "concern"], name="agenda_item_once_per_meeting")]

    def __str__(self) -> str:
        return f"{self.meeting_id}: #{self.concern_id}"


class AttendanceCount(models.Model):
    """How many people of one gender and age band came to a meeting."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices)
    age_band = models.CharField(_("age band"), max_length=8, choices=AgeBand.choices)
    count = models.PositiveIntegerField(_("people"), default=0)

    class Meta:
        verbose_name = _("attendance count")
        verbose_name_plural = _("attendance counts")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "gender", "age_band"], name="attendance_one_count_per_cell")
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id} {self.gender} {self.age_band}: {self.count}"


class Criterion(models.Model):
    """One criterion a group scores concerns on, with its weight in the ranking."""

    working_group = models.ForeignKey(
        WorkingGroup, verbose_name=_("working group"), on_delete=models.CASCADE, related_name="criteria"
    )
    slug = models.SlugField(_("slug"), max_length=40)
    label = models.CharField(
        _("label"), max_length=100, blank=True, help_text=_("Leave empty for the default, translated label.")
    )
    weight = models.PositiveSmallIntegerField(_("weight"), default=1, validators=[MaxValueValidator(MAX_WEIGHT)])
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["working_group", "slug"], name="criterion_unique_per_group"),
            models.CheckConstraint(condition=models.Q(weight__lte=MAX_WEIGHT), name="criterion_weight_range"),
        ]

    def __str__(self) -> str:
        return self.display_label

    @property
    def display_label(self) -> str:
        return self.label or str(DEFAULT_CRITERIA.get(self.slug, self.slug))


class PrioritisationRound(TimeStampedModel):
    """Members score the concerns on a meeting's agenda; scores stay hidden until the round closes."""

    meeting = models.OneToOneField(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="round")
    status = models.CharField(_("status"), max_length=16, choices=RoundStatus.choices, default=RoundStatus.OPEN)
    # The weights when the round closed, by criterion id: later changes do not rewrite a ranking.
    weights = models.JSONField(_("weights"), default=dict, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("decision"), blank=True, max_length=MAX_DECISIONS_LENGTH)
    chosen = models.ManyToManyField("concerns.Concern", verbose_name=_("chosen concerns"), related_name="+", blank=True)

    class Meta:
        verbose_name = _("prioritisation round")
        verbose_name_plural = _("prioritisation rounds")

    def __str__(self) -> str:
        return f"{self.meeting} ({self.status})"


class Score(models.Model):
    """One member's score of one concern on one criterion; scoring again replaces it."""

    round = models.ForeignKey(PrioritisationRound, on_delete=models.CASCADE, related_name="scores")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    concern = models.ForeignKey("concerns.Concern", on_delete=models.CASCADE, related_name="+")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="scores")
    value = models.PositiveSmallIntegerField(
        _("score"), validators=[MinValueValidator(MIN_SCORE), MaxValueValidator(MAX_SCORE)]
    )

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "user", "concern", "criterion"], name="score_one_per_member_concern_criterion"
            ),
            models.CheckConstraint(
                condition=models.Q(value__gte=MIN_SCORE, value__lte=MAX_SCORE), name="score_value_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round_id} {self.user_id} #{self.concern_id} {self.criterion_id}: {self.value}"


class Action(TimeStampedModel):
    """What the group will do about prioritised concerns, by whom and by when (DESIGN §3).

    Public by default: residents see what was promised, the progress, and what is overdue.
    """

    working_group = models.ForeignKey(
        WorkingGroup, verbose_name=_("working group"), on_delete=models.CASCADE, related_name="actions"
    )
    title = models.CharField(_("what will be done"), max_length=200)
    description = models.TextField(_("details"), blank=True, max_length=4000)
    concerns = models.ManyToManyField("concerns.Concern", verbose_name=_("concerns"), related_name="actions")
    owner = models.ForeignKey(
        Institution, verbose_name=_("owner institution"), on_delete=models.PROTECT, related_name="actions"
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible member"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="responsible_actions",
    )
    partners = models.CharField(_("partners"), max_length=300, blank=True)
    starts_on = models.DateField(_("start date"), null=True, blank=True)
    due_on = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=16, choices=ActionStatus.choices, default=ActionStatus.PLANNED)
    dropped_reason = models.TextField(_("reason for dropping"), blank=True, max_length=2000)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0, validators=[MaxValueValidator(100)])
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    is_public = models.BooleanField(_("public"), default=True)

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["due_on", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(progress__lte=100), name="action_progress_range")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS)

    def is_overdue(self, today: date) -> bool:
        return self.is_open and self.due_on < today

    def is_done_on_time(self) -> bool:
        return self.status == ActionStatus.DONE and self.completed_on is not None and self.completed_on <= self.due_on


class ActionUpdate(TimeStampedModel):
    """A dated note on an action's progress, with photos as evidence."""

    action = models.ForeignKey(Action, verbose_name=_("action"), on_delete=models.CASCADE, related_name="updates")
    day = models.DateField(_("date"))
    text = models.TextField(_("what happened"), max_length=4000)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), validators=[MaxValueValidator(100)])
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("action update")
        verbose_name_plural = _("action updates")
        ordering = ["-day", "-id"]

    def __str__(self) -> str:
        return f"{self.action_id} {self.day}"


class ActionPhoto(TimeStampedModel):
    """A photo of an update, re-encoded without metadata; served only through a view that checks it."""

    update = models.ForeignKey(ActionUpdate, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to="actions/%Y/%m/")
    content_type = models.CharField(max_length=32)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("action photo")
        verbose_name_plural = _("action photos")

    def __str__(self) -> str:
        return f"photo {self.pk} of update {self.update_id}"


class SentDigest(models.Model):
    """That a member's daily reminder e-mail went out on a day: at most one per member per day.

    The unique key is what makes the digest "sent once" even if the daily task runs twice, or on
    two workers at the same time.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)
    item_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("sent reminder")
        verbose_name_plural = _("sent reminders")
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="digest_once_per_member_per_day")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}"
