"""Indicators: the share of respondents who gave one answer to one question ("share who answered yes
to violence_home"), followed across a survey's rounds (issue 16). Imported by ``ovoz.surveys.models``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ovoz.core.models import TimeStampedModel


class Indicator(TimeStampedModel):
    survey = models.ForeignKey(
        "surveys.Survey", verbose_name=_("survey"), on_delete=models.CASCADE, related_name="indicators"
    )
    question = models.CharField(_("question"), max_length=120)
    value = models.CharField(_("answer"), max_length=200)
    labels = models.JSONField(_("name"), default=dict, help_text=_("What it measures, by language code."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("added by"), null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["survey", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "question", "value"], name="survey_indicator_unique"),
        ]

    def __str__(self) -> str:
        return self.label()

    def label(self, language: str | None = None) -> str:
        language = language or get_language() or ""
        return str(self.labels.get(language) or next(iter(self.labels.values()), "") or f"{self.question}={self.value}")
