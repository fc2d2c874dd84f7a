"""Staff pages of administrators and recipients say when the list of confidential recipients changed."""

from __future__ import annotations

from django.http import HttpRequest

from ovoz.accounts import selectors
from ovoz.accounts.permissions import can_see_confidential_recipients


def recipient_notice(request: HttpRequest) -> dict[str, object]:
    """For those who may see the recipients page (``sees_recipients``): ``recipient_notice`` is
    ``pending``, ``changed`` or empty."""
    user = getattr(request, "user", None)
    # A view that has just signed someone in renders with a user the OTP middleware never saw.
    if not request.path.startswith("/staff/") or not callable(getattr(user, "is_verified", None)):
        return {"sees_recipients": False, "recipient_notice": ""}
    if not can_see_confidential_recipients(user):
        return {"sees_recipients": False, "recipient_notice": ""}
    return {"sees_recipients": True, "recipient_notice": selectors.recipient_notice()}
