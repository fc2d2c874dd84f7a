"""The demo's survey: three rounds in the demo group's area, with results by gender and age."""

from __future__ import annotations

import pytest

from ovoz.operations.demo_surveys import DEMO_SURVEY_SLUG, demo_surveys_load
from ovoz.surveys.models import Response, RoundState, Survey
from ovoz.surveys.results import round_results

pytestmark = pytest.mark.django_db


def test_the_demo_survey_has_two_closed_rounds_and_an_open_one_with_results_by_gender_and_age(world):
    made = demo_surveys_load(area=world["jizzakh"], group=world["group"])

    survey = Survey.objects.get(slug=DEMO_SURVEY_SLUG)
    assert made == Response.objects.count() == 310 and survey.is_published and survey.area == world["jizzakh"]
    assert list(survey.rounds.values_list("number", "state")) == [
        (1, RoundState.CLOSED),
        (2, RoundState.CLOSED),
        (3, RoundState.OPEN),
    ]
    total, by_gender = round_results(survey.rounds.get(number=2), language="uz", breakdown="gender")
    assert total == 140
    safe_night = next(result for result in by_gender if result.name == "safe_night")
    assert safe_night.groups == ["", "female", "male"] and safe_night.label.startswith("Qorong'ida")
    _total, by_age = round_results(survey.rounds.get(number=1), language="ru", breakdown="age_band")
    assert len(next(result for result in by_age if result.name == "trust_police").groups) > 3
    assert demo_surveys_load(area=world["jizzakh"], group=world["group"]) == 0  # run again: nothing changes
