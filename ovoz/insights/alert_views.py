"""The staff alerts pages: the alerts of the user's areas, and one alert with its chart, the concerns
behind it the user may see, and its state. Staff only, never a public page."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from ovoz.accounts.decorators import staff_required
from ovoz.accounts.permissions import staff_user
from ovoz.core.errors import DomainError
from ovoz.insights.alert_selectors import ALERT_CONCERNS_SHOWN, alert_can_act, alert_concerns, alert_get, alert_list
from ovoz.insights.alert_services import alert_mark
from ovoz.insights.alert_texts import alert_explanation, alert_period
from ovoz.insights.charts import LineChart, day_chart
from ovoz.insights.forms import AlertFilterForm, AlertStateForm
from ovoz.insights.models import Alert
from ovoz.insights.permissions import can_see_alerts

ALERTS_PER_PAGE = 200


@staff_required(permission=can_see_alerts)
def alerts_view(request: HttpRequest) -> HttpResponse:
    """Alerts of the user's areas, the latest first, each with its explanation."""
    user = staff_user(request)
    form = AlertFilterForm(request.GET or None)
    state = form.cleaned_data.get("state", "") if form.is_valid() else ""
    alerts = list(alert_list(user=user, state=state)[:ALERTS_PER_PAGE])
    rows = [
        {"alert": alert, "explanation": alert_explanation(alert), "period": alert_period(alert)} for alert in alerts
    ]
    return render(request, "insights/alerts.html", {"form": form, "rows": rows})


@staff_required(permission=can_see_alerts)
def alert_view(request: HttpRequest, alert_id: int) -> HttpResponse:
    """One alert: what rose, a chart of the series and what was expected, the concerns behind it that
    the user may open (numbers, dates and statuses only), and its state."""
    user = staff_user(request)
    alert = alert_get(user=user, alert_id=alert_id)
    can_act = alert_can_act(user=user, alert=alert)
    form = AlertStateForm(initial={"state": alert.state if alert.state != "new" else "seen"})
    if request.method == "POST" and can_act:
        form = AlertStateForm(request.POST)
        if form.is_valid():
            try:
                alert_mark(
                    actor=user, alert=alert, state=form.cleaned_data["state"], reason=form.cleaned_data["reason"]
                )
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, str(error.message))
            else:
                messages.success(request, _("Saved."))
                return redirect("staff:alert", alert_id=alert.pk)
    concerns = list(alert_concerns(user=user, alert=alert)[:ALERT_CONCERNS_SHOWN])
    return render(
        request,
        "insights/alert.html",
        {
            "alert": alert,
            "explanation": alert_explanation(alert),
            "period": alert_period(alert),
            "chart": _chart(alert),
            "chart_rows": _chart_rows(alert),
            "concerns": concerns,
            "concerns_capped": len(concerns) == ALERT_CONCERNS_SHOWN,
            "can_act": can_act,
            "form": form,
        },
    )


def _chart_days(alert: Alert) -> list[date]:
    count = len(alert.daily_counts)
    return [alert.last_day - timedelta(days=count - 1 - position) for position in range(count)]


def _chart(alert: Alert) -> LineChart:
    return day_chart(
        _chart_days(alert),
        [
            (_("Concerns per day"), [float(value) for value in alert.daily_counts]),
            (_("Expected per day"), [float(value) for value in alert.daily_expected]),
        ],
    )


def _chart_rows(alert: Alert) -> list[tuple[date, int, float]]:
    """The chart's numbers as a table, latest day first."""
    rows = list(zip(_chart_days(alert), alert.daily_counts, alert.daily_expected, strict=False))
    return rows[::-1]
