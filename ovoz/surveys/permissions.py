"""Who may do what with surveys (CONVENTIONS: small named predicates)."""

from __future__ import annotations

from typing import Any

from ovoz.accounts.models import User
from ovoz.accounts.permissions import is_verified_staff


def can_manage_surveys(user: Any) -> bool:
    """Import surveys, preview them and open and close their rounds: deployment-wide roles only
    (administrators and coordinators), signed in with the second factor."""
    return is_verified_staff(user) and isinstance(user, User) and (user.is_administrator or user.is_coordinator)
