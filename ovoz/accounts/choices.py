from django.db import models
from django.utils.translation import gettext_lazy as _


class DeploymentRole(models.TextChoices):
    """Roles that hold across the whole deployment (DESIGN §5)."""

    NONE = "", _("none (per-group grants only)")
    ADMINISTRATOR = "administrator", _("administrator")
    COORDINATOR = "coordinator", _("coordinator")


class GrantRole(models.TextChoices):
    """Roles a staff user holds in one working group (DESIGN §3, §5).

    Facilitators run the group; every other role is a member of it. Observers may read what members
    read but do not score priorities.
    """

    FACILITATOR = "facilitator", _("facilitator")
    COMMUNITY = "community", _("community representative")
    AUTHORITY = "authority", _("local authority")
    CIVIL_SOCIETY = "civil_society", _("civil society")
    OBSERVER = "observer", _("observer")


MEMBER_ROLES = (GrantRole.COMMUNITY, GrantRole.AUTHORITY, GrantRole.CIVIL_SOCIETY, GrantRole.OBSERVER)
