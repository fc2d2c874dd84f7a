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


class RoundStatus(models.TextChoices):
    OPEN = "open", _("open for scoring")
    CLOSED = "closed", _("closed: ranking shown")
    DECIDED = "decided", _("decided")


# The shared criteria every group starts with (DESIGN §3); groups change their weights.
DEFAULT_CRITERIA = {
    "severity": _("Severity"),
    "people_affected": _("People affected"),
    "urgency": _("Urgency"),
    "feasibility": _("Feasibility"),
    "within_reach": _("Within the group's reach"),
}
MIN_SCORE = 1
MAX_SCORE = 5
MAX_WEIGHT = 10


class ActionStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    IN_PROGRESS = "in_progress", _("in progress")
    DONE = "done", _("done")
    DROPPED = "dropped", _("dropped")


# Which status an action may move to from each status.
ACTION_TRANSITIONS = {
    ActionStatus.PLANNED: {ActionStatus.IN_PROGRESS, ActionStatus.DROPPED},
    ActionStatus.IN_PROGRESS: {ActionStatus.DONE, ActionStatus.DROPPED},
    ActionStatus.DONE: {ActionStatus.IN_PROGRESS},
    ActionStatus.DROPPED: {ActionStatus.PLANNED},
}
