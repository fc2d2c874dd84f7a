"""Early-warning alerts: the daily run, staff marking an alert, and the notices to staff.

None of these publishes anything, and none stores or sends a concern's words: an alert is an area,
a theme, days and numbers.
"""

from __future__ import annotations

import logging
import time as clock
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from ovoz.accounts.models import User
from ovoz.channels.staff_links import staff_message_queue
from ovoz.core.events import AuditAction
from ovoz.core.failures import SanitisedFailure
from ovoz.core.mail import mail_send
from ovoz.core.services import audit_record
from ovoz.insights import tasks
from ovoz.insights.alert_selectors import alert_can_act, alert_notice_recipients, alerts_to_notify
from ovoz.insights.alert_texts import alert_explanation, alert_period
from ovoz.insights.alerting import SeriesAlert, series_alerts
from ovoz.insights.choices import AlertState
from ovoz.insights.errors import AlertError
from ovoz.insights.models import Alert, AlertNotice

logger = logging.getLogger(__name__)

# A notice tells of alerts still running on the day of the run or the day before (a run after
# midnight looks at the day that just ended).
NOTICE_DAYS = 2
MAX_REASON_LENGTH = 1000


@dataclass(frozen=True)
class AlertRunReport:
    day: date
    series: int
    raised: int
    extended: int
    seconds: float

    def as_data(self) -> dict[str, object]:
        return {
            "day": self.day.isoformat(),
            "series": self.series,
            "raised": self.raised,
            "extended": self.extended,
            "seconds": round(self.seconds, 2),
        }


def alerts_run(*, day: date, notify: bool = True) -> AlertRunReport:
    """Run early warning over the rollups for ``day``: raise an alert for each series newly in alert,
    extend the alert of an episode that goes on. Idempotent: the same day again changes no count of
    alerts (an episode is one alert, found by its area, theme and days). Notices follow after commit."""
    started = clock.monotonic()
    series, found = series_alerts(day=day)
    raised = extended = 0
    with transaction.atomic():
        for series_alert in found:
            if _alert_record(series_alert, day=day):
                raised += 1
            else:
                extended += 1
        report = AlertRunReport(day, series, raised, extended, clock.monotonic() - started)
        audit_record(action=AuditAction.ALERTS_RUN, data=report.as_data())
        if notify and found:
            transaction.on_commit(lambda: tasks.send_alert_notices.enqueue(day=day.isoformat()))
    return report


def _alert_record(found: SeriesAlert, *, day: date) -> bool:
    """Store one series' alert for ``day``; True if a new alert was raised."""
    numbers = {
        "score": found.score,
        "observed": found.observed,
        "expected": found.expected,
        "daily_counts": found.daily_counts,
        "daily_expected": found.daily_expected,
        "signal": found.signal,
        "area_observed": found.area_observed,
        "expected_share": found.expected_share,
    }
    # The alert of this episode: it began no later than the day and ran up to the day before the
    # episode's first day or later (a re-run of an earlier day finds the alert it extended since).
    existing = (
        Alert.objects.select_for_update()
        .filter(
            area_id=found.area_id,
            theme_id=found.theme_id,
            first_day__lte=day,
            last_day__gte=found.first_day - timedelta(days=1),
        )
        .order_by("-last_day")
        .first()
    )
    if existing is not None:
        if day >= existing.last_day:
            for field, value in numbers.items():
                setattr(existing, field, value)
            existing.last_day = day
            existing.save(update_fields=[*numbers, "last_day", "updated_at"])
        return False
    try:
        with transaction.atomic():
            Alert.objects.create(
                area_id=found.area_id, theme_id=found.theme_id, first_day=found.first_day, last_day=day, **numbers
            )
    except IntegrityError:  # a parallel run raised it a moment ago
        return False
    return True


@transaction.atomic
def alert_mark(*, actor: User, alert: Alert, state: str, reason: str = "") -> Alert:
    """Mark an alert seen, being acted on, or dismissed (a reason is required to dismiss); audited."""
    if state not in {AlertState.SEEN, AlertState.ACTING, AlertState.DISMISSED}:
        raise AlertError(_("Choose seen, acting or dismissed."), code="invalid_state", field="state")
    if not alert_can_act(user=actor, alert=alert):
        raise AlertError(_("Only facilitators and coordinators of its area can change an alert."), code="forbidden")
    reason = reason.strip()
    if state == AlertState.DISMISSED and not reason:
        raise AlertError(_("Say why the alert is dismissed."), code="reason_required", field="reason")
    if len(reason) > MAX_REASON_LENGTH:
        raise AlertError(_("The reason is too long."), code="reason_too_long", field="reason")
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    previous = alert.state
    alert.state = state
    alert.state_reason = reason
    alert.state_changed_at = timezone.now()
    alert.state_changed_by = actor
    alert.save(update_fields=["state", "state_reason", "state_changed_at", "state_changed_by", "updated_at"])
    # The reason is staff's own words about a count, kept on the alert; the log keeps the change.
    audit_record(
        action=AuditAction.ALERT_STATE_CHANGED,
        actor=actor,
        target=alert,
        data={"from": previous, "to": state, "has_reason": bool(reason)},
    )
    return alert


def alert_notice_send(*, user: User, day: date) -> int:
    """Tell ``user`` of the new alerts of their areas they were not told of yet, in one e-mail and one
    Telegram message (when they linked a chat), in their language; returns how many alerts it named.

    The notice rows are written in the transaction that hands the message over: a second run sends
    nothing, and a failed e-mail rolls them back so the next run tries again."""
    alerts = list(alerts_to_notify(user=user, since_day=day - timedelta(days=NOTICE_DAYS - 1)))
    if not alerts:
        return 0
    try:
        with transaction.atomic():
            AlertNotice.objects.bulk_create([AlertNotice(alert=alert, user=user) for alert in alerts])
            with translation.override(user.message_language):
                language = user.message_language
                items = [
                    {
                        "explanation": alert_explanation(alert, language),
                        "period": alert_period(alert),
                        "url": settings.OVOZ_PUBLIC_URL + reverse("staff:alert", args=[alert.pk]),
                    }
                    for alert in alerts
                ]
                context = {"user": user, "items": items, "day": day}
                subject = " ".join(render_to_string("insights/email/alert_notice_subject.txt", context).split())
                body = render_to_string("insights/email/alert_notice_body.txt", context)
            sent_by_telegram = staff_message_queue(user=user, text=f"{subject}\n\n{body}")
            if not user.email and not sent_by_telegram:
                transaction.set_rollback(True)
                return 0
            if user.email:
                mail_send(subject=subject, body=body, recipient=user.email)
    except IntegrityError:  # told by a parallel run
        return 0
    return len(alerts)


def alert_notices_send(*, day: date) -> int:
    """Tell every coordinator and facilitator of the new alerts of their areas; returns how many
    staff members were told. One refused address stops nobody else's notice."""
    told = 0
    for user in alert_notice_recipients():
        try:
            told += alert_notice_send(user=user, day=day) > 0
        except SanitisedFailure as failure:
            logger.warning("Alert notice for user %s not sent: %s", user.pk, failure)
    return told
