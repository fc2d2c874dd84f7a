from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ovoz.concerns.choices import Visibility
from ovoz.core.models import TimeStampedModel
from ovoz.core.translated import pick


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
