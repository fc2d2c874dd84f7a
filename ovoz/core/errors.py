"""One base for the refusals a user can act on, and how each interface reports them.

Services raise a subclass of :class:`DomainError` (``ConcernError``, ``GroupError``…) with a translated
``message`` that is safe to show, a stable ``code`` that clients and tests rely on, and optionally the
form ``field`` it is about. Interfaces translate it once: the API through the exception handler in
``ovoz.api`` (status from :meth:`DomainError.http_status`), forms through ``add_error``.
"""

from __future__ import annotations

from typing import ClassVar

from django.utils.functional import Promise


class DomainError(Exception):
    """A request the user can fix; ``message`` is translated and safe to show, ``code`` is stable."""

    # HTTP status for a code when it is not 400 (a subclass adds its own, e.g. a conflict is 409).
    status_by_code: ClassVar[dict[str, int]] = {"not_found": 404, "throttled": 429}

    def __init__(self, message: str | Promise, *, code: str, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.code = code
        self.field = field

    @property
    def http_status(self) -> int:
        for klass in type(self).__mro__:
            status = vars(klass).get("status_by_code", {}).get(self.code)
            if status is not None:
                return int(status)
        return 400
