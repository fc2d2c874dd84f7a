"""Who may do what in a working group, as small named predicates (CONVENTIONS).

Reaching a group's staff pages at all is decided by ``selectors.staff_group_get`` (a 404 for anyone
who is not in the group); these decide what a user who reaches it may do there:

- administrators and coordinators (deployment-wide roles) manage every group;
- facilitators manage their own groups: members, institutions, meetings, rounds and actions;
- members (community, authority, civil society) read the group's pages, score priorities and post
  progress on the actions they are responsible for;
- observers read what members read and score nothing.
"""

from __future__ import annotations

from ovoz.accounts.choices import GrantRole
from ovoz.accounts.models import User
from ovoz.groups.models import Action, WorkingGroup


def group_role(user: User, group: WorkingGroup) -> GrantRole | None:
    """The user's role in this group, or None for a user without a grant in it."""
    role = user.grants.filter(working_group=group).values_list("role", flat=True).first()
    return GrantRole(role) if role else None


def has_deployment_role(user: User) -> bool:
    return user.is_administrator or user.is_coordinator


def can_see_group(user: User, group: WorkingGroup) -> bool:
    """The group's staff pages: its members and the deployment-wide roles."""
    return has_deployment_role(user) or group_role(user, group) is not None


def can_manage_group(user: User, group: WorkingGroup) -> bool:
    """Invite and change members, institutions, meetings, rounds and the action plan."""
    return has_deployment_role(user) or group_role(user, group) == GrantRole.FACILITATOR


def can_score(user: User, group: WorkingGroup) -> bool:
    """Score concerns in a prioritisation round: every member except observers."""
    role = group_role(user, group)
    return role is not None and role != GrantRole.OBSERVER


def can_report_on(user: User, action: Action) -> bool:
    """Post updates on an action and move its status: the group's managers and its responsible member."""
    if can_manage_group(user, action.working_group):
        return True
    return action.responsible_id == user.pk and group_role(user, action.working_group) is not None
