"""Staff pages link to the alerts for those who may see them (``sees_alerts``)."""

from __future__ import annotations

from django.http import HttpRequest

from ovoz.insights.permissions import can_see_alerts


def alerts_link(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    # A view that has just signed someone in renders with a user the OTP middleware never saw.
    if not request.path.startswith("/staff/") or not callable(getattr(user, "is_verified", None)):
        return {"sees_alerts": False}
    return {"sees_alerts": can_see_alerts(user)}
