from __future__ import annotations

from ovoz.core.errors import DomainError


class AccountError(DomainError):
    """A login or account problem the user can act on."""
