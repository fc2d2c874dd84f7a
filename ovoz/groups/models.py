from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ovoz.core.models import TimeStampedModel


class WorkingGroup(TimeStampedModel):
    """A community security working group for an area.

    The foundation needs it so staff grants can name a group; members, meetings, prioritisation
    and public pages are built on it by the working-groups issue.
    """

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    area = models.ForeignKey(
        "places.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="working_groups"
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("working group")
        verbose_name_plural = _("working groups")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
