"""Who may pass a confidential concern on (CONVENTIONS: small named predicates)."""

from __future__ import annotations

from ovoz.accounts.models import User
from ovoz.concerns.models import Concern
from ovoz.concerns.permissions import can_act_on


def can_refer(user: User, concern: Concern) -> bool:
    """Ask consent, refer and revoke: only those a sealed concern was sealed to at intake (who hold its key)."""
    return concern.is_sealed and can_act_on(user, concern)


def can_add_case_worker(actor: User, user: User) -> bool:
    """Nobody makes themselves a case worker: future referrals to the service would be sealed to them."""
    return actor.pk != user.pk
