"""Worked-out results are kept until the next response: a reader after it sees it at once."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ovoz.surveys.choices import ResponseChannel
from ovoz.surveys.results import round_results
from ovoz.surveys.services import response_submit
from ovoz.surveys.tests.results_data import published_round

pytestmark = pytest.mark.django_db


def _women(survey_round) -> object:
    """Everyone's count of "a woman" to "Are you…"."""
    _total, results = round_results(survey_round, language="en", breakdown="gender")
    result = next(result for result in results if result.name == "gender")
    return dict(result.rows)["a woman"][0].count


def test_results_are_worked_out_once_then_read_from_the_cache(places):
    _survey, survey_round = published_round(places)
    round_results(survey_round, language="en", breakdown="gender,area")

    with CaptureQueriesContext(connection) as queries:
        round_results(survey_round, language="en", breakdown="gender,area")

    assert len(queries.captured_queries) == 1, queries.captured_queries  # the round's version, nothing more


def test_a_new_response_shows_in_the_next_reading(places):
    _survey, survey_round = published_round(places)
    before = _women(survey_round)

    response_submit(
        survey_round=survey_round,
        channel=ResponseChannel.WEB,
        submission_key="k" * 32,
        answers={"gender": "woman", "age": 30, "violence_home": "yes"},
    )

    assert before == 30
    assert _women(survey_round) == 31
