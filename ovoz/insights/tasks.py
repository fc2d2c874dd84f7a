"""Background work for early warning: thin tasks that take plain values and call the services."""

from __future__ import annotations

from datetime import date

from django_tasks import task

from ovoz.core.failures import without_exception_text


@task()
@without_exception_text("alerts_run_failed")
def run_alerts(*, day: str) -> dict[str, object]:
    """Run early warning for ``day`` (ISO date); idempotent, an episode stays one alert."""
    from ovoz.insights.alert_services import alerts_run

    return alerts_run(day=date.fromisoformat(day)).as_data()


@task()
@without_exception_text("alert_notices_failed")
def send_alert_notices(*, day: str) -> int:
    """Tell coordinators and facilitators of the new alerts of their areas; at most once per alert each."""
    from ovoz.insights.alert_services import alert_notices_send

    return alert_notices_send(day=date.fromisoformat(day))
