from __future__ import annotations

from typing import ClassVar

from ovoz.core.errors import DomainError


class AlertError(DomainError):
    """An early-warning request the user can fix."""

    status_by_code: ClassVar[dict[str, int]] = {"forbidden": 403}
