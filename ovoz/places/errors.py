from __future__ import annotations

from ovoz.core.errors import DomainError


class BoundaryImportError(DomainError):
    """A boundary file that cannot be imported; nothing was written."""
