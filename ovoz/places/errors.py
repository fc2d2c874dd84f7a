from __future__ import annotations


class BoundaryImportError(Exception):
    """A boundary file that cannot be imported; nothing was written."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
