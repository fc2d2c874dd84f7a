from __future__ import annotations

from ovoz.core.errors import DomainError


class GroupError(DomainError):
    """A working-group request the user can fix."""
