from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from ovoz.core.models import TimeStampedModel
from ovoz.core.translated import pick
from ovoz.places.choices import AREA_KIND_DEPTH, AreaKind


class Area(TimeStampedModel):
    """A node of the administrative hierarchy: country, region, district or community."""

    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=AreaKind.choices)
    code = models.CharField(
        _("code"),
        max_length=32,
        null=True,
        blank=True,
        unique=True,
        help_text=_("ISO 3166-2 code where one exists, otherwise a code from the imported file."),
    )
    name = models.CharField(_("name"), max_length=200, help_text=_("The name in English."))
    names = models.JSONField(_("names"), default=dict, blank=True, help_text=_("Names by language code."))
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    boundary = models.JSONField(_("boundary"), null=True, blank=True, help_text=_("A GeoJSON geometry."))
    # Materialised path of ancestor ids ("12/340/"): descendants of an area are a prefix query.
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(editable=False, default=0)

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["path"]
        indexes = [
            models.Index(fields=["parent", "kind"]),
            # Answers "have the areas of a level changed?" (the stats API's version) from the index alone.
            models.Index(fields=["depth", "updated_at"], name="area_depth_updated"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latitude__gte=-90, latitude__lte=90) | models.Q(latitude__isnull=True),
                name="area_latitude_range",
            ),
            models.CheckConstraint(
                condition=models.Q(longitude__gte=-180, longitude__lte=180) | models.Q(longitude__isnull=True),
                name="area_longitude_range",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return pick(self.names, default=self.name)

    @property
    def own_path(self) -> str:
        """The materialised path of this area itself: every area inside it has a path starting with it."""
        return f"{self.path}{self.pk}/"

    def contains(self, other: Area) -> bool:
        """Whether ``other`` is this area or lies anywhere inside it."""
        return other.own_path.startswith(self.own_path)

    def name_in(self, language: str) -> str:
        return pick(self.names, language, default=self.name)

    def clean(self) -> None:
        if self.parent is not None:
            if AREA_KIND_DEPTH[AreaKind(self.kind)] <= AREA_KIND_DEPTH[AreaKind(self.parent.kind)]:
                raise ValidationError({"kind": _("An area must be of a lower level than its parent.")})
            if self.pk is not None and f"{self.pk}/" in (self.parent.path + f"{self.parent.pk}/"):
                raise ValidationError({"parent": _("An area cannot be inside itself.")})
        elif self.kind != AreaKind.COUNTRY:
            raise ValidationError({"parent": _("Only a country can have no parent.")})

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.parent is not None:
            self.path = self.parent.own_path
            self.depth = self.parent.depth + 1
        else:
            self.path = ""
            self.depth = 0
        super().save(*args, **kwargs)
