"""Background work for insights: thin tasks that take ids or plain values and call a function (CONVENTIONS)."""

from __future__ import annotations

from datetime import date

from django_tasks import task

from ovoz.core.failures import without_exception_text
from ovoz.insights import followup, proposals, suggestions


@task()
@without_exception_text("follow_up_received_failed")
def follow_up_received() -> int:
    """Theme suggestions and duplicate proposals for every concern intake received since the last run
    (one batch task instead of two tasks per concern, issue 13.5); returns how many were followed up."""
    return followup.received_concerns_follow_up()


# One concern at a time: intake no longer queues these, but a queue may still hold some from before.
@task()
@without_exception_text("propose_duplicates_failed")
def propose_duplicates(*, concern_id: int) -> int:
    """Propose to staff the recent concerns of its area that may be the same incident as this one."""
    return proposals.duplicates_propose(concern_id=concern_id)


@task()
@without_exception_text("suggest_themes_failed")
def suggest_themes(*, concern_id: int) -> int:
    """Suggest up to three themes for a new concern from its stored text; returns how many."""
    return len(suggestions.concern_themes_suggest(concern_id=concern_id))


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
