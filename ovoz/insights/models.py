"""What insights keeps about single concerns: theme suggestions and facilitators' labelled examples."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ovoz.concerns.models import Concern, Theme


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
