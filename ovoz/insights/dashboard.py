"""What the dashboards show, read from the rollups only (DESIGN §7): never a scan of the concerns.

Public numbers follow the rules of every public figure (``selectors.public_area_totals``, docs/data.md):
restricted and confidential concerns only in whole groups of completed months, counts under 5 as "<5".
Staff numbers are exact and, for users with per-group grants, limited to the areas of their groups.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Sum
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ovoz.concerns.choices import Channel, Status, Visibility
from ovoz.concerns.models import (
    ALL_AREAS,
    ALL_STATUSES,
    ALL_THEMES,
    ConcernMonthRollup,
    ConcernPublicMonthRollup,
    ConcernRollup,
    ConcernStepRollup,
    Theme,
)
from ovoz.concerns.services.rollups import rollups_drain
from ovoz.groups.choices import ActionStatus
from ovoz.groups.models import Action
from ovoz.insights.selectors import SUPPRESS_BELOW, area_counts, protected_groups, public_area_counts
from ovoz.places.choices import AreaKind
from ovoz.places.models import Area
from ovoz.places.selectors import areas_within

MONTHS = 12
CONFIDENTIAL_LINE = "confidential"  # the channel view's line for every confidential concern
TOP_THEMES = 5
TOP_AREAS = 10
# The path a concern takes, step by step; the last line is the whole way from received to resolved.
STEPS = [
    (Status.RECEIVED, Status.ACCEPTED),
    (Status.ACCEPTED, Status.PRIORITISED),
    (Status.PRIORITISED, Status.IN_ACTION),
    (Status.IN_ACTION, Status.RESOLVED),
    ("", Status.RESOLVED),
]


@dataclass(frozen=True)
class Series:
    label: str
    values: list[int]


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    display: str  # what a reader sees: the number, "<5", or a median in days


@dataclass(frozen=True)
class PromiseRecord:
    """How a working group or an institution keeps its public promises (dropped actions aside)."""

    name: str
    done_on_time: int
    done_late: int
    overdue: int
    open: int

    @property
    def share_on_time(self) -> int | None:
        """Of the actions done or past due, the share done by the due date, in percent."""
        due = self.done_on_time + self.done_late + self.overdue
        return round(100 * self.done_on_time / due) if due else None


@dataclass(frozen=True)
class Dashboard:
    months: list[date]
    by_theme: list[Series]
    top_areas: list[Bar]
    steps: list[Bar]
    by_channel: list[Series]
    is_exact: bool
    by_group: list[PromiseRecord] = field(default_factory=list)
    by_institution: list[PromiseRecord] = field(default_factory=list)
    has_channels: bool = False  # the view per channel: for those who may read the reporters' channel


def last_months(count: int = MONTHS) -> list[date]:
    """The first days of the last ``count`` months, oldest first, this month included."""
    today = timezone.localdate()
    index = today.year * 12 + today.month - 1
    return [date((index - back) // 12, (index - back) % 12 + 1, 1) for back in range(count - 1, -1, -1)]


def public_dashboard() -> Dashboard:
    """The public picture: public concerns, restricted and confidential ones in whole groups of completed
    months (``selectors.protected_groups``), small counts suppressed."""
    rollups_drain()  # the intakes' pending deltas first: the numbers are exact
    months = last_months()
    rows = ConcernPublicMonthRollup.objects.filter(
        area_key=ALL_AREAS, status=ALL_STATUSES, month__gte=months[0]
    ).exclude(theme_key=ALL_THEMES)
    per_theme: list[tuple[date, int, int]] = list(rows.values_list("month", "theme_key").annotate(total=Sum("count")))
    groups = protected_groups(theme_keys=None, since=months[0])
    per_theme += [(month, theme_key, count) for (theme_key, month, _area), count in groups.items()]
    by_theme = _theme_series(months, per_theme)
    top = public_area_counts(level=AreaKind.REGION, since=months[0])[:TOP_AREAS]
    # A bar's length must not tell what "<5" hides.
    top_areas = [
        Bar(str(item.area), item.count if item.count >= SUPPRESS_BELOW else 0, str(item.public_count)) for item in top
    ]
    by_group, by_institution = promise_records()
    return Dashboard(months, by_theme, top_areas, step_medians(since=months[0]), [], False, by_group, by_institution)


def staff_dashboard(*, areas: list[Area] | None, with_channels: bool = True) -> Dashboard:
    """Exact numbers for staff: everything for deployment-wide roles (``areas`` None), else the areas of
    their groups only, with a view per channel when ``with_channels`` (for those who may read the
    channel a reporter used: an exact count per channel tells it of a month's only SMS)."""
    rollups_drain()  # the intakes' pending deltas first: the numbers are exact
    months = last_months()
    monthly = ConcernMonthRollup.objects.filter(status=ALL_STATUSES, month__gte=months[0])
    daily = ConcernRollup.objects.filter(theme_key=ALL_THEMES, day__gte=months[0])
    if areas is None:
        monthly = monthly.filter(area_key=ALL_AREAS)
        top = area_counts(level=AreaKind.REGION, since=months[0])[:TOP_AREAS]
    else:
        area_ids = _area_ids_within(areas)
        # Monthly rows already count everything inside an area: read the outermost granted areas only,
        # or a district inside a granted region would be counted twice.
        outermost = {area.pk for area in areas if not any(o.pk != area.pk and o.contains(area) for o in areas)}
        monthly = monthly.filter(area_key__in=outermost)
        daily = daily.filter(area_key__in=area_ids)
        top = [item for item in area_counts(level=AreaKind.DISTRICT, since=months[0]) if item.area.pk in area_ids]
        top += [item for item in area_counts(level=AreaKind.REGION, since=months[0]) if item.area.pk in area_ids]
        top = sorted(top, key=lambda item: -item.count)[:TOP_AREAS]
    by_theme = _theme_series(
        months, monthly.exclude(theme_key=ALL_THEMES).values_list("month", "theme_key").annotate(total=Sum("count"))
    )
    top_areas = [Bar(str(item.area), item.count, str(item.count)) for item in top]
    # The channel a confidential concern came by is its recipients' to read (concerns.permissions): here
    # confidential concerns are one line of their own, whatever their channel, so no count tells it.
    per_channel: dict[str, Counter[date]] = defaultdict(Counter)
    rows = daily.values_list("day", "channel", "visibility").annotate(total=Sum("count"))
    for day, channel, visibility, total in rows:
        key = CONFIDENTIAL_LINE if visibility == Visibility.CONFIDENTIAL else channel
        per_channel[key][day.replace(day=1)] += total
    labels = {str(value): str(label) for value, label in Channel.choices}
    labels[CONFIDENTIAL_LINE] = _("confidential, any channel")
    by_channel = [
        Series(str(labels.get(channel, channel)), [per_channel[channel][month] for month in months])
        for channel in sorted(per_channel, key=lambda key: -sum(per_channel[key].values()))
        if with_channels
    ]
    by_group, by_institution = promise_records(areas=areas)
    # Steps are counted deployment-wide (no area key): exact only for deployment-wide roles, else as in public.
    steps = step_medians(since=months[0], exact=areas is None)
    return Dashboard(months, by_theme, top_areas, steps, by_channel, True, by_group, by_institution, with_channels)


def promise_records(*, areas: list[Area] | None = None) -> tuple[list[PromiseRecord], list[PromiseRecord]]:
    """Public actions done on time, done late, overdue and still open, per working group and per owner
    institution (the busiest first). Actions are few (one per promise), so they are read directly."""
    today = timezone.localdate()
    actions = Action.objects.filter(is_public=True, working_group__is_active=True).exclude(status=ActionStatus.DROPPED)
    if areas is not None:
        actions = actions.filter(working_group__area__in=_area_ids_within(areas))
    per_group: dict[str, Counter[str]] = defaultdict(Counter)
    per_institution: dict[str, Counter[str]] = defaultdict(Counter)
    for group, institution, status, due_on, completed_on in actions.values_list(
        "working_group__name", "owner__name", "status", "due_on", "completed_on"
    ):
        if status == ActionStatus.DONE:
            kind = "done_on_time" if completed_on is not None and completed_on <= due_on else "done_late"
        else:
            kind = "overdue" if due_on < today else "open"
        per_group[group][kind] += 1
        per_institution[institution][kind] += 1

    def records(counts: dict[str, Counter[str]]) -> list[PromiseRecord]:
        ranked = sorted(counts.items(), key=lambda item: (-sum(item[1].values()), item[0]))
        return [
            PromiseRecord(name, tally["done_on_time"], tally["done_late"], tally["overdue"], tally["open"])
            for name, tally in ranked[:TOP_AREAS]
        ]

    return records(per_group), records(per_institution)


def step_medians(*, since: date, exact: bool = False) -> list[Bar]:
    """Median whole days per step of the path since ``since``; in public, a step taken by fewer than 5
    concerns shows no median."""
    histograms: dict[tuple[str, str], Counter[int]] = defaultdict(Counter)
    rows = ConcernStepRollup.objects.filter(month__gte=since)
    for from_status, to_status, days, total in rows.values_list("from_status", "to_status", "days").annotate(
        total=Sum("count")
    ):
        histograms[(from_status, to_status)][days] += total
    labels = dict(Status.choices)
    bars = []
    for from_status, to_status in STEPS:
        histogram = histograms[(from_status, to_status)]
        count = sum(histogram.values())
        if from_status:
            label = _("%(from)s → %(to)s") % {"from": capfirst(labels[from_status]), "to": labels[to_status]}
        else:
            label = _("%(from)s → %(to)s, the whole way") % {
                "from": capfirst(labels[Status.RECEIVED]),
                "to": labels[to_status],
            }
        if count == 0 or (count < SUPPRESS_BELOW and not exact):
            bars.append(Bar(label, 0, "–"))
            continue
        median = _median(histogram, count)
        days = ngettext("%(days)s day", "%(days)s days", median) % {"days": median}
        concerns = ngettext("%(count)s concern", "%(count)s concerns", count) % {"count": count}
        # Translators: a bar's value on the chart of days per step, e.g. "4 days (12 concerns)".
        bars.append(Bar(label, median, _("%(days)s (%(concerns)s)") % {"days": days, "concerns": concerns}))
    return bars


def _median(histogram: Counter[int], count: int) -> int:
    """The median of counted whole days (the lower middle for an even count)."""
    middle, seen = (count + 1) // 2, 0
    for days in sorted(histogram):
        seen += histogram[days]
        if seen >= middle:
            return days
    return 0


def _theme_series(months: list[date], rows: object) -> list[Series]:
    """The busiest themes month by month; the rest as one line, and concerns without a theme with it."""
    per_theme: dict[int, Counter[date]] = defaultdict(Counter)
    for month, theme_key, total in rows:  # type: ignore[attr-defined]
        per_theme[theme_key][month] += total
    ranked = sorted((key for key in per_theme if key > 0), key=lambda key: (-sum(per_theme[key].values()), key))
    shown, rest = ranked[:TOP_THEMES], ranked[TOP_THEMES:] + ([0] if 0 in per_theme else [])
    names = {theme.pk: theme.label for theme in Theme.objects.filter(pk__in=shown)}
    series = [Series(names.get(key, str(key)), [per_theme[key][month] for month in months]) for key in shown]
    if rest:
        series.append(Series(_("Other themes"), [sum(per_theme[key][month] for key in rest) for month in months]))
    return series


def _area_ids_within(areas: list[Area]) -> set[int]:
    return set(areas_within(areas).values_list("pk", flat=True))
