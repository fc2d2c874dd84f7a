from django.db import models
from django.utils.translation import gettext_lazy as _


class AreaKind(models.TextChoices):
    COUNTRY = "country", _("country")
    REGION = "region", _("region")
    DISTRICT = "district", _("district")
    COMMUNITY = "community", _("community")


# Depth in the hierarchy for each kind; a child is always deeper than its parent.
AREA_KIND_DEPTH = {
    AreaKind.COUNTRY: 0,
    AreaKind.REGION: 1,
    AreaKind.DISTRICT: 2,
    AreaKind.COMMUNITY: 3,
}
