"""A round with known counts written straight into ResultCount (the results read nothing else):
60 responses, and three cells of exactly 3 that must never be shown — the canary of the
suppression tests: 3 said yes to the sensitive question, 3 answered the question asked after it,
and 3 respondents are in Jizzax (3 men)."""

from __future__ import annotations

import itertools
from typing import Any

from django.core.cache import cache

from ovoz.surveys.models import NO_AREA, ResultCount, Survey, SurveyRound
from ovoz.surveys.services import survey_import, survey_round_close, survey_round_open
from ovoz.surveys.tests.workbooks import workbook_bytes

SMALL = 3

# (gender, age band, area name) -> (respondents, violence_home yes, unsafe_places street)
COHORTS = {
    ("woman", "18-24", "zomin"): (30, 2, 2),
    ("man", "25-34", "zomin"): (27, 0, 0),
    ("man", "25-34", "jizzakh"): (3, 1, 1),
}


def published_round(places: dict[str, Any], *, results_published: bool = True) -> tuple[Survey, SurveyRound]:
    survey = survey_import(file=workbook_bytes(), publish=True, area=places["zomin"])
    survey.results_published = results_published
    survey.save(update_fields=["results_published"])
    survey_round = survey_round_open(survey=survey, actor=None)
    rows = []
    for (gender, band, area), (people, yes, street) in COHORTS.items():
        key = {"gender": gender, "age_band": band, "area_key": places[area].pk}
        for question, value, count in (
            ("", "", people),
            ("gender", "", people),
            ("gender", gender, people),
            ("violence_home", "", people),
            ("violence_home", "yes", yes),
            ("violence_home", "no", people - yes),
            ("unsafe_places", "", yes),
            ("unsafe_places", "street", street),
        ):
            if count:
                rows.append(ResultCount(round=survey_round, question=question, value=value, count=count, **key))
    ResultCount.objects.bulk_create(rows)
    # Closed: the public sees closed rounds only (publishing.published_rounds).
    return survey, survey_round_close(survey_round=survey_round, actor=None)


def store(survey_round, cells, area_ids: dict[str, int]) -> None:
    # Worked-out results are cached by the round's response total, which only ever grows in Ovoz; this
    # test writes other counts into the same round for every example, so it starts each one afresh.
    cache.clear()
    ResultCount.objects.filter(round=survey_round).delete()
    rows = []
    for (line, gender, band, area), count in cells.items():
        if count:
            key = {"gender": gender, "age_band": band, "area_key": area_ids.get(area, NO_AREA)}
            rows.append(ResultCount(round=survey_round, question="unsafe_places", value=line, count=count, **key))
            if line == "":
                rows.append(ResultCount(round=survey_round, question="", value="", count=count, **key))
    ResultCount.objects.bulk_create(rows)


def big_round(places) -> tuple[Any, Any]:
    """Every woman and man of both age bands in Zomin and Jizzakh: 10 each, 6 of them say "street"."""
    survey, survey_round = published_round(places)
    ResultCount.objects.filter(round=survey_round).delete()
    cells = {}
    for gender, band, area in itertools.product(("woman", "man"), ("18-24", "25-34"), ("zomin", "jizzakh")):
        cells[("", gender, band, area)] = 10
        cells[("street", gender, band, area)] = 6
        cells[("market", gender, band, area)] = 5
    store(survey_round, cells, {"zomin": places["zomin"].pk, "jizzakh": places["jizzakh"].pk})
    return survey, survey_round
