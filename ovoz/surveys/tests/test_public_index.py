"""`/<lang>/surveys/`: where a resident finds the surveys open for answers and the published results,
and nothing of a survey the organisation has not published."""

from __future__ import annotations

import pytest
from django.test import Client

from ovoz.surveys.services import survey_round_open
from ovoz.surveys.tests.results_data import published_round

pytestmark = pytest.mark.django_db


def test_an_open_published_survey_is_listed_with_its_title_in_the_readers_language(places):
    survey, _round = published_round(places, results_published=False)
    survey_round_open(survey=survey, actor=None)  # round 2, open for answers

    page = Client().get("/ru/surveys/").content.decode()

    assert f'href="/ru/surveys/{survey.slug}/"' in page
    assert survey.title("ru") in page
    assert f"/ru/surveys/{survey.slug}/results/" not in page  # its results are not published
    assert 'href="/ru/surveys/"' in Client().get("/ru/").content.decode()  # in every page's menu


def test_a_closed_round_leaves_only_the_published_results(places):
    survey, _round = published_round(places)  # its one round closed

    page = Client().get("/en/surveys/").content.decode()

    assert f'href="/en/surveys/{survey.slug}/"' not in page
    assert f'href="/en/surveys/{survey.slug}/results/"' in page
    assert "No survey is open for answers at the moment." in page


def test_an_unpublished_survey_is_not_named_at_all(places):
    survey, _round = published_round(places, results_published=False)
    survey.is_published = False
    survey.save(update_fields=["is_published"])

    page = Client().get("/en/surveys/").content.decode()

    assert survey.slug not in page and survey.title("en") not in page
    assert "No survey is open for answers at the moment." in page
