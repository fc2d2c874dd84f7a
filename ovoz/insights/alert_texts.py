"""What an alert says, in the reader's language: numbers, a theme and a place, never a concern's words."""

from __future__ import annotations

from django.utils import formats
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from ovoz.insights.choices import AlertSignal
from ovoz.insights.models import WINDOW_DAYS, Alert


def expected_display(expected: float) -> str:
    """An expected count as people read it: whole above 10, one decimal below (at least 0.1)."""
    if expected >= 10:
        return formats.number_format(round(expected), 0)
    return formats.number_format(max(round(expected, 1), 0.1), 1)


def alert_explanation(alert: Alert, language: str | None = None) -> str:
    """ "14 concerns about fuel prices in Zhanaozen in 7 days, 2 expected", in the active language."""
    language = language or get_language() or "en"
    if alert.signal == AlertSignal.SHARE and alert.area_observed:
        return share_explanation(alert, language)
    return ngettext(
        "%(observed)d concern about %(theme)s in %(area)s in %(days)d days, %(expected)s expected",
        "%(observed)d concerns about %(theme)s in %(area)s in %(days)d days, %(expected)s expected",
        alert.observed,
    ) % {
        "observed": alert.observed,
        "theme": alert.theme.label,
        "area": alert.area.name_in(language),
        "days": WINDOW_DAYS,
        "expected": expected_display(alert.expected),
    }


def share_explanation(alert: Alert, language: str) -> str:
    """ "9 of 20 concerns in Zhanaozen in 7 days were about fuel prices (45%), usually 10%": the theme's
    share of all the area's concerns rose, whether or not the area's total did."""
    total = alert.area_observed or 0
    return ngettext(
        "%(observed)d of %(total)d concern in %(area)s in %(days)d days was about %(theme)s (%(share)d%%), "
        "usually %(usual)d%%",
        "%(observed)d of %(total)d concerns in %(area)s in %(days)d days were about %(theme)s (%(share)d%%), "
        "usually %(usual)d%%",
        total,
    ) % {
        "observed": alert.observed,
        "total": total,
        "area": alert.area.name_in(language),
        "days": WINDOW_DAYS,
        "theme": alert.theme.label,
        "share": round(100 * alert.observed / total) if total else 0,
        "usual": max(round(100 * (alert.expected_share or 0)), 1),
    }


def alert_period(alert: Alert) -> str:
    """The days of the episode, e.g. "since 2026-11-28" or "2026-11-20 to 2026-11-25"."""
    if alert.first_day == alert.last_day:
        return _("on %(day)s") % {"day": alert.first_day.isoformat()}
    return _("%(first)s to %(last)s") % {"first": alert.first_day.isoformat(), "last": alert.last_day.isoformat()}
