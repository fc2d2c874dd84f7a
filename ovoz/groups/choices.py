from django.db import models
from django.utils.translation import gettext_lazy as _


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("scheduled")
    HELD = "held", _("held")
    CANCELLED = "cancelled", _("cancelled")


class Gender(models.TextChoices):
    """How attendance is counted: people are counted, never named."""

    WOMEN = "women", _("women")
    MEN = "men", _("men")
    OTHER = "other", _("other or not said")


class AgeBand(models.TextChoices):
    UNDER_18 = "under_18", _("under 18")
    FROM_18_TO_29 = "18_29", _("18–29")
    FROM_30_TO_59 = "30_59", _("30–59")
    FROM_60 = "60_plus", _("60 and over")
