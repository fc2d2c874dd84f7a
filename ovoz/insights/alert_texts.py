"""What an alert says, in the reader's language: numbers, a theme and a place, never a concern's words."""

from __future__ import annotations

from django.utils import formats
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from ovoz.insights.models import WINDOW_DAYS, Alert


def expected_display(expected: float) -> str:
    """An expected count as people read it: whole above 10, one decimal below (at least 0.1)."""
    if expected >= 10:
        return formats.number_format(round(expected), 0)
    return formats.number_format(max(round(expected, 1), 0.1), 1)


def alert_explanation(alert: Alert, language: str | None = None) -> str:
    """ "14 concerns about fuel prices in Zhanaozen in 7 days, 2 expected", in the active language."""
    language = language or get_language() or "en"
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


def alert_period(alert: Alert) -> str:
    """The days of the episode, e.g. "since 2026-11-28" or "2026-11-20 to 2026-11-25"."""
    if alert.first_day == alert.last_day:
        return _("on %(day)s") % {"day": alert.first_day.isoformat()}
    return _("%(first)s to %(last)s") % {"first": alert.first_day.isoformat(), "last": alert.last_day.isoformat()}
