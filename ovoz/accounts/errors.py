from __future__ import annotations

from django.utils.functional import Promise


class AccountError(Exception):
    """A login or account problem the user can act on; ``message`` is translated."""

    def __init__(self, message: str | Promise, *, code: str) -> None:
        super().__init__(str(message))
        self.message = message
        self.code = code
