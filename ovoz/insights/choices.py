from django.db import models
from django.utils.translation import gettext_lazy as _


class AlertState(models.TextChoices):
    """Where an early-warning alert stands with the staff of its area."""

    NEW = "new", _("new")
    SEEN = "seen", _("seen")
    ACTING = "acting", _("acting on it")
    DISMISSED = "dismissed", _("dismissed")


class AlertSignal(models.TextChoices):
    """What rose: the theme's concerns, or the theme's share of all concerns in the area."""

    COUNT = "count", _("concerns rose")
    SHARE = "share", _("share of the area's concerns rose")
