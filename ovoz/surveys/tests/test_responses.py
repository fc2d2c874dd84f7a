"""Storing a completed response: idempotent, counted once in the results, anonymous."""

from __future__ import annotations

import pytest

from ovoz.surveys.errors import SurveyError
from ovoz.surveys.models import Answer, Response, ResultCount
from ovoz.surveys.services import response_submit, survey_import, survey_round_close, survey_round_open
from ovoz.surveys.statistics import age_band
from ovoz.surveys.tests.workbooks import workbook_bytes

pytestmark = pytest.mark.django_db
ANSWERS = {"gender": "woman", "age": "19", "violence_home": "yes", "unsafe_places": ["street"], "adult": "true"}


@pytest.fixture
def survey_round(places):
    survey = survey_import(file=workbook_bytes(), publish=True, area=places["zomin"])
    return survey_round_open(survey=survey, actor=None)


def _counts():
    return {
        (row.question, row.value, row.gender, row.age_band, row.area_key): row.count
        for row in ResultCount.objects.all()
    }


def test_the_same_submission_twice_stores_and_counts_one_response(survey_round):
    first = response_submit(survey_round=survey_round, channel="sms", submission_key="msg-1", answers=ANSWERS)
    counts = _counts()

    second = response_submit(survey_round=survey_round, channel="sms", submission_key="msg-1", answers=ANSWERS)

    assert second.pk == first.pk and Response.objects.count() == 1 and Answer.objects.count() == 5
    assert _counts() == counts


def test_counts_are_kept_by_gender_age_band_and_area(survey_round, places):
    response_submit(survey_round=survey_round, channel="web", submission_key="a", answers=ANSWERS)
    response_submit(
        survey_round=survey_round,
        channel="web",
        submission_key="b",
        answers={**ANSWERS, "unsafe_places": ["street", "market"]},
    )

    zomin, band = places["zomin"].pk, age_band(19)
    counts = _counts()
    assert counts[("", "", "woman", band, zomin)] == 2
    assert counts[("unsafe_places", "street", "woman", band, zomin)] == 2
    assert counts[("unsafe_places", "market", "woman", band, zomin)] == 1
    assert counts[("unsafe_places", "", "woman", band, zomin)] == 2
    assert not any(key[0] == "comment" for key in counts)


def test_one_answer_per_respondent_refuses_a_second_and_the_hash_goes_with_the_round(places):
    survey = survey_import(file=workbook_bytes(), publish=True)
    survey_round = survey_round_open(survey=survey, actor=None, one_answer_per_respondent=True)
    response_submit(
        survey_round=survey_round, channel="sms", submission_key="m1", answers=ANSWERS, respondent_hash="h1"
    )

    with pytest.raises(SurveyError) as refusal:
        response_submit(
            survey_round=survey_round, channel="sms", submission_key="m2", answers=ANSWERS, respondent_hash="h1"
        )

    assert refusal.value.code == "already_answered" and Response.objects.count() == 1
    assert ResultCount.objects.get(question="", value="").count == 1
    survey_round_close(survey_round=survey_round, actor=None)
    assert Response.objects.get().respondent_hash is None


def test_a_closed_round_takes_no_response(survey_round):
    survey_round_close(survey_round=survey_round, actor=None)

    with pytest.raises(SurveyError) as refusal:
        response_submit(survey_round=survey_round, channel="web", submission_key="late", answers=ANSWERS)

    assert refusal.value.code == "round_not_open" and Response.objects.count() == 0 and ResultCount.objects.count() == 0
