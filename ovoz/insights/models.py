"""What insights keeps: theme suggestions and facilitators' labelled examples for single concerns, and
early-warning alerts raised over the rollups (docs/early-warning.md).

An alert holds numbers only: its area, theme, days, score and counts. It never holds the words of a
concern, so confidential concerns may count in it like every other.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ovoz.concerns.models import Concern, Theme
from ovoz.core.models import TimeStampedModel
from ovoz.insights.choices import AlertSignal, AlertState


class ThemeSuggestion(models.Model):
    """One of up to three themes suggested for a concern, best first; never applied on its own.

    For a confidential concern only the theme and its rank are kept (``score`` is None): the score was
    computed from words that are sealed now (docs/security.md).
    """

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="theme_suggestions")
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField(_("rank"))
    score = models.FloatField(_("confidence"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("theme suggestion")
        verbose_name_plural = _("theme suggestions")
        ordering = ["concern", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["concern", "rank"], name="insights_suggestion_rank_once"),
            models.UniqueConstraint(fields=["concern", "theme"], name="insights_suggestion_theme_once"),
        ]

    def __str__(self) -> str:
        return f"{self.concern_id}: {self.theme_id} ({self.rank})"


class LabelledExample(models.Model):
    """A concern whose themes a facilitator chose: later suggestions learn from it.

    No copy of the words: the suggester reads the concern's own text, so retention and sealing reach
    it too. A confidential concern is never an example (its row is removed when it becomes one).
    """

    concern = models.OneToOneField(Concern, on_delete=models.CASCADE, related_name="labelled_example")
    themes = models.ManyToManyField(Theme, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("labelled example")
        verbose_name_plural = _("labelled examples")
        indexes = [models.Index(fields=["-updated_at"], name="insights_example_recent")]

    def __str__(self) -> str:
        return str(self.concern_id)


# The explanation's window: "14 concerns in 7 days, 2 expected".
WINDOW_DAYS = 7
# How many days the alert's chart shows, ending on its last day.
CHART_DAYS = 56


class Alert(TimeStampedModel):
    """One episode of concerns about a theme in an area rising above what that series expects.

    Consecutive alert days are one episode: the daily run extends ``last_day`` of the alert it
    raised before instead of raising another (``first_day`` is fixed when the alert is raised)."""

    area = models.ForeignKey("places.Area", on_delete=models.CASCADE, related_name="alerts", verbose_name=_("area"))
    theme = models.ForeignKey(
        "concerns.Theme", on_delete=models.CASCADE, related_name="alerts", verbose_name=_("theme")
    )
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    score = models.FloatField(_("score"), help_text=_("The detector's statistic over its threshold (1 or more)."))
    observed = models.PositiveIntegerField(_("concerns in the window"))
    expected = models.FloatField(_("concerns expected in the window"))
    # The last CHART_DAYS days up to last_day, for the chart: counts, and what the detector expected.
    daily_counts = models.JSONField(default=list)
    daily_expected = models.JSONField(default=list)
    # Which signal raised it: the theme's concerns rose ("count"), or its share of all the area's
    # concerns did ("share"; then the area's concerns in the window and the theme's usual share of them).
    signal = models.CharField(_("signal"), max_length=8, choices=AlertSignal.choices, default=AlertSignal.COUNT)
    area_observed = models.PositiveIntegerField(_("concerns in the area in the window"), null=True, blank=True)
    expected_share = models.FloatField(_("usual share of the area's concerns"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=AlertState.choices, default=AlertState.NEW)
    state_reason = models.TextField(_("reason"), blank=True, max_length=1000)
    state_changed_at = models.DateTimeField(null=True, blank=True)
    state_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-last_day", "-score", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["area", "theme", "first_day"], name="alert_one_per_episode_start")
        ]
        indexes = [models.Index(fields=["area", "theme", "last_day"])]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")

    def __str__(self) -> str:
        return f"alert {self.pk}: area {self.area_id} theme {self.theme_id} {self.first_day}–{self.last_day}"


class AlertNotice(models.Model):
    """That a staff member was told of an alert (by e-mail and/or Telegram): at most once each."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="notices")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["alert", "user"], name="alert_notice_once_per_user")]

    def __str__(self) -> str:
        return f"notice of alert {self.alert_id} to user {self.user_id}"
