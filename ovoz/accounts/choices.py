from django.db import models
from django.utils.translation import gettext_lazy as _


class DeploymentRole(models.TextChoices):
    """Roles that hold across the whole deployment (DESIGN §5)."""

    NONE = "", _("none (per-group grants only)")
    ADMINISTRATOR = "administrator", _("administrator")
    COORDINATOR = "coordinator", _("coordinator")


class GrantRole(models.TextChoices):
    """Roles a staff user holds in one working group (DESIGN §5)."""

    FACILITATOR = "facilitator", _("facilitator")
    MEMBER = "member", _("member")
