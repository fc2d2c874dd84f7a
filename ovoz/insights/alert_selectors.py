"""Reads of early-warning alerts, scoped by the user's areas (DESIGN §5: a foreign alert is a 404)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from ovoz.accounts.choices import DeploymentRole, GrantRole
from ovoz.accounts.models import Grant, User
from ovoz.concerns.models import Concern
from ovoz.concerns.selectors import staff_concern_list
from ovoz.core.scoping import scoped_get
from ovoz.insights.choices import AlertState
from ovoz.insights.models import WINDOW_DAYS, Alert
from ovoz.places.models import Area
from ovoz.places.selectors import areas_within

# At most this many concerns are listed under an alert (the inbox has the rest).
ALERT_CONCERNS_SHOWN = 100


def _areas_scope(areas: Iterable[Area]) -> Q:
    return Q(area__in=areas_within(areas).values("pk"))


def alert_scope(user: User) -> Q | None:
    """Which alerts ``user`` may see, as a filter; None means all (administrators and coordinators).

    Others see the alerts of the areas of their working groups and of every area inside them, never
    an alert of an area above (a region's alert counts concerns of districts that are not theirs)."""
    if user.role:
        return None
    return _grants_scope(user, roles=None)


def _grants_scope(user: User, *, roles: Iterable[str] | None) -> Q:
    """Alerts of the areas (and inside) of the user's working groups; with ``roles``, of those roles only."""
    grants = user.grants.select_related("working_group__area")
    if roles is not None:
        grants = grants.filter(role__in=list(roles))
    return _areas_scope(grant.working_group.area for grant in grants)


def alert_list(*, user: User, state: str = "") -> QuerySet[Alert]:
    """The alerts ``user`` may see, the latest first; ``state`` narrows them."""
    alerts = Alert.objects.select_related("area", "theme").order_by("-last_day", "-score", "pk")
    scope = alert_scope(user)
    if scope is not None:
        alerts = alerts.filter(scope)
    if state:
        alerts = alerts.filter(state=state)
    return alerts


def alert_get(*, user: User, alert_id: int) -> Alert:
    """One alert of the user's areas; a 404 otherwise (audited by the caller's interface)."""
    return scoped_get(alert_list(user=user), pk=alert_id)


def alert_can_act(*, user: User, alert: Alert) -> bool:
    """Whether ``user`` may mark this alert (which they may see) seen, acted on or dismissed."""
    if user.role:
        return True
    return Alert.objects.filter(_grants_scope(user, roles=[GrantRole.FACILITATOR]), pk=alert.pk).exists()


def alert_concerns(*, user: User, alert: Alert) -> QuerySet[Concern]:
    """The concerns behind an alert that ``user`` may see: its area (and inside), its theme, received
    in the window before its last day or during the episode."""
    first = min(alert.first_day, alert.last_day - timedelta(days=WINDOW_DAYS - 1))
    zone = timezone.get_current_timezone()
    since = datetime.combine(first, time.min, tzinfo=zone)
    until = datetime.combine(alert.last_day + timedelta(days=1), time.min, tzinfo=zone)
    return (
        staff_concern_list(user=user)
        .filter(_areas_scope([alert.area]), themes=alert.theme, created_at__gte=since, created_at__lt=until)
        .distinct()
    )


def alert_notice_recipients() -> QuerySet[User]:
    """Who is told of new alerts: active coordinators, and active facilitators of a working group."""
    facilitators = Grant.objects.filter(role=GrantRole.FACILITATOR).values("user_id")
    return User.objects.filter(Q(role=DeploymentRole.COORDINATOR) | Q(pk__in=facilitators), is_active=True).order_by(
        "pk"
    )


def alerts_to_notify(*, user: User, since_day: date) -> QuerySet[Alert]:
    """New alerts still running on or after ``since_day`` that ``user`` may see as a coordinator or
    facilitator and has not been told of."""
    alerts = Alert.objects.filter(state=AlertState.NEW, last_day__gte=since_day).exclude(notices__user=user)
    if not user.is_coordinator:
        alerts = alerts.filter(_grants_scope(user, roles=[GrantRole.FACILITATOR]))
    return alerts.select_related("area", "theme").order_by("-score", "pk")
