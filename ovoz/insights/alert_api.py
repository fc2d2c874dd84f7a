"""``GET /api/v1/alerts`` and ``GET /api/v1/alerts/{id}``: early-warning alerts of the caller's areas,
for staff only (never public). Numbers, an area, a theme and days: no concern's words."""

from datetime import date
from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from ovoz.accounts.api_auth import staff_session
from ovoz.accounts.models import User
from ovoz.core.api_schemas import ApiError
from ovoz.core.pagination import Pagination
from ovoz.insights.alert_selectors import alert_get, alert_list
from ovoz.insights.alert_texts import alert_explanation
from ovoz.insights.models import WINDOW_DAYS, Alert
from ovoz.insights.permissions import may_see_alerts

router = Router(tags=["alerts"], auth=[staff_session])


class AlertOut(Schema):
    id: int
    area: int = Field(description="Area id (GET /areas).")
    area_code: str | None = Field(description="The area's ISO 3166-2 code, when it has one.")
    theme: str = Field(description="Theme slug.")
    first_day: date = Field(description="The first day of the episode.")
    last_day: date = Field(description="The latest day in alert so far.")
    score: float = Field(
        description="The detector's statistic over its threshold, the highest of the episode so far (1 or more)."
    )
    window_days: int = Field(description="The days that observed and expected cover, ending on last_day.")
    observed: int = Field(description="Concerns of every visibility in the window.")
    expected: float = Field(
        description="Concerns the detector expected in the window (for a share alert: given the area's total)."
    )
    signal: Literal["count", "share"] = Field(
        description="count: the theme's concerns rose; share: its share of all the area's concerns rose."
    )
    area_observed: int | None = Field(description="Share alerts: all concerns in the area in the window.")
    expected_share: float | None = Field(description="Share alerts: the theme's usual share of them (0–1).")
    state: Literal["new", "seen", "acting", "dismissed"]
    state_reason: str
    explanation: str = Field(description="One sentence in the request's language.")

    @staticmethod
    def resolve_id(alert: Alert) -> int:
        return alert.pk

    @staticmethod
    def resolve_area(alert: Alert) -> int:
        return alert.area_id

    @staticmethod
    def resolve_area_code(alert: Alert) -> str | None:
        return alert.area.code

    @staticmethod
    def resolve_theme(alert: Alert) -> str:
        return alert.theme.slug

    @staticmethod
    def resolve_window_days(alert: Alert) -> int:
        return WINDOW_DAYS

    @staticmethod
    def resolve_explanation(alert: Alert) -> str:
        return alert_explanation(alert)


class AlertDetailOut(AlertOut):
    daily_counts: list[int] = Field(description="Concerns per day, the last day at the end.")
    daily_expected: list[float] = Field(description="What the detector expected on each of those days.")


class AlertFilters(Schema):
    state: Literal["new", "seen", "acting", "dismissed"] | None = None


def _user(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    if not isinstance(user, User) or not may_see_alerts(user):
        # Signed in to the workspace without an area (a case worker): no alerts to show.
        raise ApiError(403, _("Alerts are for the staff of an area."), "forbidden")
    return user


@router.get("alerts", response=list[AlertOut], summary="Early-warning alerts (staff)")
@paginate(Pagination)
def list_alerts(request: HttpRequest, filters: Query[AlertFilters]) -> object:
    """The alerts of the caller's areas, the latest first: every area for administrators and
    coordinators, the areas of their working groups (and inside them) for everyone else."""
    user = _user(request)
    return alert_list(user=user, state=filters.state or "")


@router.get("alerts/{alert_id}", response=AlertDetailOut, summary="One early-warning alert (staff)")
def get_alert(request: HttpRequest, alert_id: int) -> object:
    """One alert with its daily series; an alert outside the caller's areas is a 404."""
    return alert_get(user=_user(request), alert_id=alert_id)
