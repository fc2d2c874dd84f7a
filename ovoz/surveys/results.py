"""A round's results, read from ``ResultCount`` (never the answers): per question, each choice's count
and share of the question's respondents with its 95% Wilson interval, overall and by gender, age band
or area (by two of them at once: ``crossings``). Small counts are suppressed, with complements chosen so
that no hidden figure can be worked out from the shown ones (``disclosure``), and sensitive questions
are only ever shown overall."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, cast

from django.core.cache import cache
from django.db.models import Sum
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from ovoz.core.translated import pick
from ovoz.places.models import Area
from ovoz.surveys import disclosure, statistics
from ovoz.surveys.answering import text_in
from ovoz.surveys.choices import Mark, QuestionType
from ovoz.surveys.models import NO_AREA, ResultCount, Survey, SurveyRound

BREAKDOWNS = ("", "gender", "age_band", "area")
# Two dimensions at once (crossings.py): shown only where no figure of the question needs hiding.
CROSSINGS = ("gender,age_band", "gender,area", "age_band,area")
SEPARATOR = ","
ALL = ""
BREAKDOWN_OPTIONS = (
    ("", gettext_lazy("Overall")),
    ("gender", gettext_lazy("By gender")),
    ("age_band", gettext_lazy("By age band")),
    ("area", gettext_lazy("By area")),
    ("gender,age_band", gettext_lazy("By gender and age band")),
    ("gender,area", gettext_lazy("By gender and area")),
    ("age_band,area", gettext_lazy("By age band and area")),
)
# The ResultCount field each breakdown reads ("area" groups by the respondent's area's id).
BREAKDOWN_FIELDS = {"gender": "gender", "age_band": "age_band", "area": "area_key"}


# How long worked-out results are kept when no response comes (a new response changes the key at once).
RESULTS_CACHE_SECONDS = 3600


@dataclass(frozen=True)
class Cell:
    count: int | str  # "<5" when suppressed
    share: statistics.Share | None  # None when suppressed

    @property
    def percent(self) -> float | None:
        return None if self.share is None else 100 * self.share.share

    @property
    def low_percent(self) -> float | None:
        return None if self.share is None else 100 * self.share.low

    @property
    def high_percent(self) -> float | None:
        return None if self.share is None else 100 * self.share.high

    @property
    def text(self) -> str:
        """As a table shows it: "30 (50%; 38–62%)", or "<5" / "hidden"; never localized."""
        if self.share is None:
            return str(self.count)

        def whole(share: float) -> int:
            return int(100 * share + 0.5)  # half up, as floatformat

        share = self.share
        return f"{self.count} ({whole(share.share)}%; {whole(share.low)}–{whole(share.high)}%)"


@dataclass
class QuestionResult:
    name: str
    label: str
    is_sensitive: bool
    groups: list[str]  # column keys: ALL first, then the breakdown's values
    path: str = ""  # the Kobo column name: "group/question"
    respondents: dict[str, int | str] = field(default_factory=dict)
    rows: list[tuple[str, list[Cell]]] = field(default_factory=list)  # (choice label, a cell per group)
    # By two dimensions: the crossing may not be shown (too few answers), so only everyone's column is.
    withheld: bool = False


def _cells(counts: dict[str, int], total: int) -> dict[str, Cell]:
    cells = {}
    for key, count in counts.items():
        share = statistics.shown_share(counts, total, key)
        if share is None:
            # A cell hidden only so that a small one cannot be worked out from the total says so.
            shown = statistics.public_count(count) if statistics.is_suppressed(count) else _("hidden")
            cells[key] = Cell(count=shown, share=None)
        else:
            cells[key] = Cell(count=count, share=share)
    return cells


def _hide(per_group: dict[str, dict[str, Cell]], result: QuestionResult, group: str, key: str) -> None:
    if key == "":  # a whole group: its respondents, and so every cell of it
        result.respondents[group] = _("hidden")
        for choice_name in per_group[group]:
            if per_group[group][choice_name].share is not None:
                per_group[group][choice_name] = Cell(count=_("hidden"), share=None)
    else:
        per_group[group][key] = Cell(count=_("hidden"), share=None)


def _hide_across_groups(
    per_group: dict[str, dict[str, Cell]], raw: dict[tuple[str, str], int], result: QuestionResult
) -> None:
    """Complementary suppression across a breakdown's columns: the overall figure minus the shown
    groups must not give away a hidden one. Groups do not cover everyone (a respondent may not give a
    gender), so the not-given remainder counts as hidden when it is small. Repeated with the rule
    within each column until nothing changes."""
    groups = [group for group in result.groups if group != ALL]
    keys = ["", *per_group[ALL]]  # "" is the respondents' line
    for _round in range(10):
        changed = False
        for key in keys:
            overall_shown = (
                not isinstance(result.respondents[ALL], str) if key == "" else per_group[ALL][key].share is not None
            )
            if not overall_shown:
                continue

            def is_hidden(group: str, key: str = key) -> bool:
                return isinstance(result.respondents[group], str) if key == "" else per_group[group][key].share is None

            hidden = [group for group in groups if is_hidden(group)]
            remainder = raw[(key, ALL)] - sum(raw[(key, group)] for group in groups)
            if len(hidden) + (1 if remainder > 0 and statistics.is_suppressed(remainder) else 0) == 1:
                shown = sorted((raw[(key, group)], group) for group in groups if not is_hidden(group))
                if shown:
                    _hide(per_group, result, shown[0][1], key)
                    changed = True
        for group in groups:  # within a column: one hidden cell of a shown total needs a second
            if isinstance(result.respondents[group], str):
                continue
            cells = per_group[group]
            hidden_keys = [name for name, cell in cells.items() if cell.share is None]
            if len(hidden_keys) == 1 and len(cells) > 1:
                shown_cells = sorted((raw[(name, group)], name) for name in cells if name not in hidden_keys)
                _hide(per_group, result, group, shown_cells[0][1])
                changed = True
        if not changed:
            return


def _table_edges(
    is_select_one: bool, per_group: dict[str, dict[str, Cell]], raw: dict[tuple[str, str], int], result: QuestionResult
) -> list[disclosure.Edge]:
    """A question's table by one dimension as ``disclosure`` reads it: a node per line and per column (and
    one for those who gave none), an edge per figure. A select_multiple question's lines are separate
    sums (a respondent may choose several), so its edges all meet in one node that adds nothing up."""
    groups = [group for group in result.groups if group != ALL]
    choices = list(per_group[ALL])
    not_given = raw[("", ALL)] - sum(raw[("", group)] for group in groups)
    nobody_left_out = not_given == 0  # then every line's "not given" cell is known to be 0

    def small(count: int) -> bool:
        return count > 0 and statistics.is_suppressed(count)

    lines_total, groups_total, free = ("total", "lines"), ("total", "groups"), ("free", "")
    edges = []
    for key in ["", *choices]:
        line = ("line", key)
        overall_hidden = isinstance(result.respondents[ALL], str) if key == "" else per_group[ALL][key].share is None
        remainder = raw[(key, ALL)] - sum(raw[(key, group)] for group in groups)
        if key == "" and is_select_one:
            line = groups_total  # who answered: the sum of the columns' respondents
            edges.append(disclosure.Edge((lines_total, groups_total), None, overall_hidden, overall_hidden, None))
            edges.append(disclosure.Edge((("group", ""), line), None, not nobody_left_out, small(remainder), None))
        else:
            edges.append(
                disclosure.Edge(
                    (line, lines_total if is_select_one else free), None, overall_hidden, overall_hidden, None
                )
            )
            end = ("group", "") if is_select_one else free
            edges.append(disclosure.Edge((line, end), None, not nobody_left_out, small(remainder), None))
        for group in groups:
            hidden = isinstance(result.respondents[group], str) if key == "" else per_group[group][key].share is None
            end = ("group", group) if is_select_one else free
            edges.append(disclosure.Edge((line, end), (group, key), hidden, hidden, raw[(key, group)]))
    return edges


Counts = dict[tuple[str, ...], int]


def dimensions(breakdown: str) -> tuple[str, ...]:
    """The dimensions a breakdown reads: () overall, ("gender",) alone, ("gender", "age_band") crossed."""
    if breakdown in CROSSINGS:
        return tuple(breakdown.split(SEPARATOR))
    return (breakdown,) if breakdown in BREAKDOWNS and breakdown else ()


def _fetch(survey_round: SurveyRound, dims: tuple[str, ...]) -> Counts:
    """The round's counts summed by question, value and the given dimensions; a value not given (no
    gender, no age band, no area) is "" whatever the dimension."""
    columns = [BREAKDOWN_FIELDS[dimension] for dimension in dims]
    keys = ["question", "value", *columns]
    rows = (
        ResultCount.objects.filter(round=survey_round)
        .values(*keys)
        .annotate(total=Sum("count"))
        .values_list(*keys, "total")
        .order_by()
    )
    area_at = columns.index("area_key") + 2 if "area_key" in columns else -1
    counts: Counts = {}
    for row in rows:
        key = list(row[:-1])  # question, value, gender and age band are text already
        if area_at >= 0:
            key[area_at] = "" if key[area_at] == NO_AREA else str(key[area_at])
        counts[tuple(key)] = int(row[-1])
    return counts


def _single(counts: Counts, index: int | None) -> Counts:
    """(question, value, ALL) for everyone and (question, value, group) for each group given, from counts
    by several dimensions; ``index`` picks the dimension (None: everyone only)."""
    single: Counts = {}
    for key, count in counts.items():
        overall = (key[0], key[1], ALL)
        single[overall] = single.get(overall, 0) + count
        if index is not None and key[2 + index]:
            grouped = (key[0], key[1], key[2 + index])
            single[grouped] = single.get(grouped, 0) + count
    return single


def _groups_seen(counts: Counts) -> list[str]:
    return sorted({key[2] for key in counts if key[2] != ALL})


def question_result(
    survey: Survey, question: dict[str, Any], counts: Counts, groups_seen: list[str], *, language: str
) -> QuestionResult:
    """One choice question's result from single-dimension counts (``_single``): overall, and per group
    when ``groups_seen`` is given and the question is not sensitive, suppressed."""
    name = question["name"]
    is_sensitive = question.get("mark") == Mark.SENSITIVE
    groups = [ALL] if is_sensitive else [ALL, *groups_seen]
    result = QuestionResult(
        name=name,
        label=text_in(question.get("labels", {}), language, survey.default_language),
        is_sensitive=is_sensitive,
        groups=groups,
        path="/".join([*question.get("group", []), name]),
    )
    per_group: dict[str, dict[str, Cell]] = {}
    raw: dict[tuple[str, str], int] = {}
    for group in groups:
        respondents = counts.get((name, "", group), 0)
        result.respondents[group] = (
            statistics.public_count(respondents) if statistics.is_suppressed(respondents) else respondents
        )
        choice_counts = {
            choice["name"]: counts.get((name, choice["name"], group), 0) for choice in question.get("choices", [])
        }
        per_group[group] = _cells(choice_counts, respondents)
        raw.update({(choice_name, group): count for choice_name, count in choice_counts.items()})
        raw[("", group)] = respondents
    if len(groups) > 1:
        _hide_across_groups(per_group, raw, result)
        is_select_one = question["type"] == QuestionType.SELECT_ONE
        disclosure.protect(
            lambda: _table_edges(is_select_one, per_group, raw, result),
            lambda key: _hide(per_group, result, *cast(tuple[str, str], key)),
        )
    for choice in question.get("choices", []):
        label = text_in(choice.get("labels", {}), language, survey.default_language) or choice["name"]
        result.rows.append((label, [per_group[group][choice["name"]] for group in groups]))
    return result


def choice_questions(survey: Survey) -> list[dict[str, Any]]:
    return [q for q in survey.questions if q["type"] in (QuestionType.SELECT_ONE, QuestionType.SELECT_MULTIPLE)]


def round_results(
    survey_round: SurveyRound, *, language: str, breakdown: str = ALL
) -> tuple[int | str, list[QuestionResult]]:
    """The number of completed responses and the results of each select question, in the form's order:
    overall, by one dimension, or by two at once (``crossings.crossed_results``)."""
    dims = dimensions(breakdown)
    # Only crossings are worth it: a breakdown by one dimension is worked out in tens of milliseconds,
    # less than the cache's pickling of its results costs now and then (bench/surveys.py).
    is_kept = len(dims) == 2
    key = ""
    if is_kept:
        # Counts only ever grow, and every response adds one to ("", ""): their sum names this state of
        # the round's counts, so results worked out once serve every reader until the next response.
        version = ResultCount.objects.filter(round=survey_round, question="", value="").aggregate(total=Sum("count"))
        key = ":".join(
            [
                "ovoz:survey-results",
                str(survey_round.pk),
                str(version["total"] or 0),
                ",".join(dims),
                language,
                get_language() or "",  # "hidden" and "<5" are worded in the active language
            ]
        )
        cached = cache.get(key)
        if cached is not None:
            return cast(tuple[int | str, list[QuestionResult]], cached)
    survey = survey_round.survey
    counts = _fetch(survey_round, dims)
    total_responses = sum(count for parts, count in counts.items() if parts[0] == "" and parts[1] == "")
    shown_total: int | str = (
        total_responses if not statistics.is_suppressed(total_responses) else statistics.public_count(total_responses)
    )
    worked_out = (shown_total, results_from_counts(survey, counts, dims, language=language))
    if is_kept:
        cache.set(key, worked_out, RESULTS_CACHE_SECONDS)
    return worked_out


def results_from_counts(
    survey: Survey, counts: Counts, dims: tuple[str, ...], *, language: str
) -> list[QuestionResult]:
    """Every choice question's result from counts keyed (question, value, *one group per dimension)."""
    if len(dims) == 2:
        from ovoz.surveys.crossings import crossed_results

        return crossed_results(survey, counts, language=language)
    single = _single(counts, 0 if dims else None)
    groups_seen = _groups_seen(single) if dims else []
    return [
        question_result(survey, question, single, groups_seen, language=language)
        for question in choice_questions(survey)
    ]


def _gender_names(survey: Survey | None, language: str) -> dict[str, str]:
    """The gender question's choices by their labels in ``language`` ("женщина" for ``female``)."""
    if survey is None:
        return {}
    question = next((q for q in survey.questions if q.get("mark") == Mark.GENDER), None)
    if question is None:
        return {}
    return {
        choice["name"]: text_in(choice.get("labels", {}), language, survey.default_language) or choice["name"]
        for choice in question.get("choices", [])
    }


def group_labels(
    results: list[QuestionResult], *, breakdown: str, language: str, survey: Survey | None = None
) -> dict[str, str]:
    """What each column of a breakdown is called: an area by its name, a gender by the gender question's
    label for it (with ``survey``; else its value), an age band by its value, a crossing's column by both
    ("woman, Zomin")."""
    keys = {group for result in results for group in result.groups if group != ALL}
    dims = dimensions(breakdown)
    if not keys or not dims:
        return {key: key for key in keys}
    names: dict[str, str] = _gender_names(survey, language) if "gender" in dims else {}
    if "area" in dims:
        place = dims.index("area")
        ids = {int(part) for key in keys for part in key.split(SEPARATOR)[place : place + 1] if part.isdigit()}
        areas = Area.objects.filter(pk__in=ids).only("name", "names")
        areas_named = {str(area.pk): pick(area.names, language) or area.name for area in areas}
    else:
        areas_named = {}
    labels = {}
    for key in keys:
        parts = key.split(SEPARATOR)
        shown = [
            areas_named.get(part, part)
            if dimension == "area"
            else names.get(part, part)
            if dimension == "gender"
            else part
            for dimension, part in zip(dims, parts, strict=False)
        ]
        labels[key] = ", ".join(shown)
    return labels


def one_area(results: list[QuestionResult], *, breakdown: str, area_key: str) -> list[QuestionResult]:
    """A crossing with area cut down to one area's columns (everyone's column kept first). A crossed
    question is shown whole or not at all (``crossings``), so any slice of it shows nothing more."""
    place = dimensions(breakdown).index("area")
    sliced = []
    for result in results:
        keep = [
            index
            for index, group in enumerate(result.groups)
            if group == ALL or group.split(SEPARATOR)[place] == area_key
        ]
        if len(keep) == len(result.groups):
            sliced.append(result)
            continue
        groups = [result.groups[index] for index in keep]
        sliced.append(
            replace(
                result,
                groups=groups,
                respondents={group: result.respondents[group] for group in groups},
                rows=[(label, [cells[index] for index in keep]) for label, cells in result.rows],
            )
        )
    return sliced


@dataclass(frozen=True)
class CrossedArea:
    key: str  # the area's id, as in a column's key and the pages' ?area=
    name: str


def crossed_areas(results: list[QuestionResult], *, breakdown: str, language: str) -> list[CrossedArea]:
    """The areas a crossing with area has columns for, by name in ``language``."""
    place = dimensions(breakdown).index("area")
    ids = {
        int(part)
        for result in results
        for group in result.groups
        if group != ALL
        for part in group.split(SEPARATOR)[place : place + 1]
        if part.isdigit()
    }
    areas = [
        CrossedArea(key=str(area.pk), name=pick(area.names, language) or area.name)
        for area in Area.objects.filter(pk__in=ids).only("name", "names")
    ]
    return sorted(areas, key=lambda area: (area.name, int(area.key)))


def results_context(survey_round: SurveyRound, *, language: str, breakdown: str, area: str = "") -> dict[str, Any]:
    """What a results page shows. A crossing with area (70 columns for 7 age bands in 10 areas) is shown
    one area at a time: that of the id ``area``, or the first by name; ``areas`` lists them all to choose from."""
    breakdown = breakdown if breakdown in BREAKDOWNS or breakdown in CROSSINGS else ALL
    total, results = round_results(survey_round, language=language, breakdown=breakdown)
    areas: list[CrossedArea] = []
    shown: CrossedArea | None = None
    if breakdown in CROSSINGS and "area" in dimensions(breakdown):
        areas = crossed_areas(results, breakdown=breakdown, language=language)
        shown = next((item for item in areas if item.key == area), areas[0] if areas else None)
        if shown is not None:
            results = one_area(results, breakdown=breakdown, area_key=shown.key)
    labels = group_labels(results, breakdown=breakdown, language=language, survey=survey_round.survey)
    return {
        "total": total,
        "results": results,
        "breakdown": breakdown,
        "group_labels": labels,
        "breakdown_options": BREAKDOWN_OPTIONS,
        "areas": areas,
        "area": shown,
    }
