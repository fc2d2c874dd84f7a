"""Worked-out results are kept until the next response: a reader after it sees it at once."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ovoz.surveys.choices import ResponseChannel
from ovoz.surveys.results import round_results
from ovoz.surveys.services import response_submit, survey_round_open
from ovoz.surveys.tests.results_data import published_round

pytestmark = pytest.mark.django_db


def test_results_are_worked_out_once_then_read_from_the_cache(places):
    _survey, survey_round = published_round(places)
    round_results(survey_round, language="en", breakdown="gender,area")

    with CaptureQueriesContext(connection) as queries:
        round_results(survey_round, language="en", breakdown="gender,area")

    assert len(queries.captured_queries) == 1, queries.captured_queries  # the round's version, nothing more


def test_a_new_response_shows_in_the_next_reading(places):
    survey, _closed = published_round(places)
    survey_round = survey_round_open(survey=survey, actor=None)  # round 2, as staff follow it
    for number in range(5):
        response_submit(
            survey_round=survey_round,
            channel=ResponseChannel.WEB,
            submission_key=f"{number}" * 32,
            answers={"gender": "woman", "age": 30, "violence_home": "yes"},
        )
    before, _results = round_results(survey_round, language="en", breakdown="gender")

    response_submit(
        survey_round=survey_round,
        channel=ResponseChannel.WEB,
        submission_key="k" * 32,
        answers={"gender": "woman", "age": 30, "violence_home": "yes"},
    )

    assert before == 5
    assert round_results(survey_round, language="en", breakdown="gender")[0] == 6
