from __future__ import annotations

from ovoz.core.errors import DomainError


class ConcernError(DomainError):
    """A problem with a concern that the user can fix."""

    status_by_code = {"idempotency_conflict": 409}
