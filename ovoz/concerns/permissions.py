"""Who may do what with a concern, as small named predicates (CONVENTIONS).

Reaching a concern at all is decided by ``selectors.staff_concern_list`` (the user's areas); these
decide what a user who reaches it may read and do there:

- confidential concerns: only those they are sealed to at intake (ConcernKey), whatever their role;
  case workers read referred ones through the referrals app; nobody else, administrators included;
- administrators: public and restricted concerns;
- coordinators (deployment-wide, non-confidential): read and act on public and restricted concerns;
- facilitators: read and act on public and restricted concerns of their groups' areas;
- members: the concern's metadata and published text only, and no actions.
"""

from __future__ import annotations

from ovoz.accounts.choices import GrantRole
from ovoz.accounts.models import User
from ovoz.concerns.choices import Visibility
from ovoz.concerns.models import Concern, ConcernKey


def _facilitates_area_of(user: User, concern: Concern) -> bool:
    if concern.area is None:
        return False
    grants = user.grants.filter(role=GrantRole.FACILITATOR).select_related("working_group__area")
    return any(grant.working_group.area.contains(concern.area) for grant in grants)


def can_read_original(user: User, concern: Concern) -> bool:
    """The reporter's own words, photos and masked contact."""
    if concern.is_sealed:
        return ConcernKey.objects.filter(concern=concern, user=user, referral=None).exists()
    if concern.visibility == Visibility.CONFIDENTIAL:
        return user.is_administrator  # made confidential before it could be sealed
    return user.is_administrator or user.is_coordinator or _facilitates_area_of(user, concern)


def can_read_channels_in_own_areas(user: User) -> bool:
    """Whether the user may read the channel reporters used for every non-confidential concern of the
    areas they see (a per-channel count tells it of a month's only SMS): deployment-wide roles, and
    users whose grants are all facilitator ones; not members, observers or authorities."""
    if user.is_administrator or user.is_coordinator:
        return True
    roles = set(user.grants.values_list("role", flat=True))
    return roles == {GrantRole.FACILITATOR}


def can_act_on(user: User, concern: Concern) -> bool:
    """Triage, publish, change status, write to the reporter, merge."""
    return can_read_original(user, concern)
