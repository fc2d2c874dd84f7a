"""A round with known counts written straight into ResultCount (the results read nothing else):
60 responses, and three cells of exactly 3 that must never be shown — the canary of the
suppression tests: 3 said yes to the sensitive question, 3 answered the question asked after it,
and 3 respondents are in Jizzax (3 men)."""

from __future__ import annotations

from typing import Any

from ovoz.surveys.models import ResultCount, Survey, SurveyRound
from ovoz.surveys.services import survey_import, survey_round_open
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
    return survey, survey_round
