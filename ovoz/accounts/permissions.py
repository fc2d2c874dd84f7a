from __future__ import annotations

from typing import Any

from ovoz.accounts.models import User


def is_verified_staff(user: Any) -> bool:
    """Logged in with password and second factor."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_verified())


def can_use_staff_workspace(user: Any) -> bool:
    """A verified user with a deployment role or at least one working-group grant."""
    if not is_verified_staff(user):
        return False
    assert isinstance(user, User)
    return bool(user.role) or user.grants.exists()


def can_administer(user: Any) -> bool:
    return is_verified_staff(user) and isinstance(user, User) and user.is_administrator


def can_read_audit_log(user: Any) -> bool:
    return can_administer(user)
