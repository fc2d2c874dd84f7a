"""Who may see and act on early-warning alerts (the query layer scopes them: ``alert_selectors``)."""

from __future__ import annotations

from typing import Any

from ovoz.accounts.choices import GrantRole
from ovoz.accounts.models import User
from ovoz.accounts.permissions import is_verified_staff


def may_see_alerts(user: Any) -> bool:
    """Administrators and coordinators (every area), and anyone with a role in a working group (its
    area and everything inside it). Case workers and confidential-intake recipients alone have no area."""
    return isinstance(user, User) and user.is_active and (bool(user.role) or user.grants.exists())


def can_see_alerts(user: Any) -> bool:
    """The staff alerts page and API: ``may_see_alerts`` with a verified sign-in."""
    return is_verified_staff(user) and may_see_alerts(user)


def may_act_on_alerts(user: Any) -> bool:
    """Marking alerts seen, acted on or dismissed: administrators, coordinators and facilitators (each
    only for the alerts they may see)."""
    return isinstance(user, User) and (bool(user.role) or user.grants.filter(role=GrantRole.FACILITATOR).exists())
