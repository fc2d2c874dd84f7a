from __future__ import annotations

from django.utils.functional import Promise


class GroupError(Exception):
    """A working-group request the user can fix; ``message`` is translated, ``code`` stable."""

    def __init__(self, message: str | Promise, *, code: str, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.code = code
        self.field = field
