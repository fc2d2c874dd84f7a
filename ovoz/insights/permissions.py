"""Who may see early-warning alerts (the query layer scopes them, and says who may act: ``alert_selectors``)."""

from __future__ import annotations

from typing import Any

from ovoz.accounts.models import User
from ovoz.accounts.permissions import is_verified_staff


def may_see_alerts(user: Any) -> bool:
    """Administrators and coordinators (every area), and anyone with a role in a working group (its
    area and everything inside it). Case workers and confidential-intake recipients alone have no area."""
    return isinstance(user, User) and user.is_active and (bool(user.role) or user.grants.exists())


def can_see_alerts(user: Any) -> bool:
    """The staff alerts page and API: ``may_see_alerts`` with a verified sign-in."""
    return is_verified_staff(user) and may_see_alerts(user)
