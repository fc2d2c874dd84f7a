from __future__ import annotations

from django.utils.functional import Promise


class ReferralError(Exception):
    """A referral step that cannot be done; ``message`` is translated and safe to show, ``code`` stable."""

    def __init__(self, message: str | Promise, *, code: str) -> None:
        super().__init__(str(message))
        self.message = message
        self.code = code
