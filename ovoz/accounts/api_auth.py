"""Who the staff endpoints of the API admit: a staff member signed in with password and second factor
(the session of the staff workspace) who holds a role or a grant. Read-only endpoints use it; an
unsafe method through the session also needs the CSRF token (ninja's ``SessionAuth``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import SessionAuth

from ovoz.accounts.permissions import can_use_staff_workspace


class StaffSessionAuth(SessionAuth):
    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if callable(getattr(user, "is_verified", None)) and can_use_staff_workspace(user):
            return user
        return None


staff_session = StaffSessionAuth()
