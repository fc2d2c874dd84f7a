from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from ovoz.accounts.models import RecipientChange, User


def is_verified_staff(user: Any) -> bool:
    """Logged in with password and second factor."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_verified())


def can_use_staff_workspace(user: Any) -> bool:
    """A verified user with a deployment role or at least one working-group grant."""
    if not is_verified_staff(user) or not isinstance(user, User):
        return False
    return bool(user.role) or user.receives_confidential or user.grants.exists() or user.case_work.exists()


def can_administer(user: Any) -> bool:
    return is_verified_staff(user) and isinstance(user, User) and user.is_administrator


def may_decide_recipients(user: Any) -> bool:
    """Active administrators and current recipients of confidential concerns take part in deciding
    who receives them (the role alone: the views also require a verified sign-in)."""
    return isinstance(user, User) and user.is_active and (user.is_administrator or user.receives_confidential)


def can_see_confidential_recipients(user: Any) -> bool:
    """The recipients page: who receives confidential concerns, the changes proposed and made."""
    return is_verified_staff(user) and may_decide_recipients(user)


def can_propose_recipient_change(user: Any) -> bool:
    return isinstance(user, User) and user.is_active and user.is_administrator


def can_confirm_recipient_change(user: Any, change: RecipientChange) -> bool:
    """A different administrator, or a current recipient, than the one who proposed; never the person
    the change is about (nobody adds themselves)."""
    return may_decide_recipients(user) and user.pk not in (change.proposed_by_id, change.user_id)


def can_withdraw_recipient_change(user: Any, change: RecipientChange) -> bool:
    """Any administrator or current recipient may withdraw (refuse) a proposal: a second pair of eyes
    that says no stops it."""
    return may_decide_recipients(user)


def can_read_audit_log(user: Any) -> bool:
    return can_administer(user)


def can_export_restricted(user: Any) -> bool:
    """Exports with restricted concerns' original text: deployment-wide roles only (each is audited)."""
    return isinstance(user, User) and (user.is_administrator or user.is_coordinator)


def staff_user(request: HttpRequest) -> User:
    """The signed-in staff user of a request that a staff view already admitted."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user
