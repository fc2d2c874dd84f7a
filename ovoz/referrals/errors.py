from __future__ import annotations

from ovoz.core.errors import DomainError


class ReferralError(DomainError):
    """A referral step that cannot be done."""
