"""Enumerators: survey-only staff who enter respondents' answers on a phone for an open round."""

from __future__ import annotations

import pytest
from django.test import Client

from ovoz.accounts.choices import DeploymentRole
from ovoz.accounts.tests.factories import UserFactory
from ovoz.surveys.models import Enumerator, Response, ResultCount
from ovoz.surveys.services import survey_import, survey_round_close, survey_round_open
from ovoz.surveys.tests.workbooks import workbook_bytes
from ovoz.testing.web import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey_round():
    survey = survey_import(file=workbook_bytes(), publish=True)
    return survey_round_open(survey=survey, actor=None)


@pytest.fixture
def enumerator():
    user = UserFactory(username="enumerator", role=DeploymentRole.NONE)
    Enumerator.objects.create(user=user)
    client = Client()
    response = sign_in(client, user)
    assert response.status_code == 302
    return client


def _answer_all(client: Client, url: str, answers: dict[str, object]) -> object:
    """Post the same answers on every page until the form is sent (each page reads its own questions)."""
    for _page in range(20):
        response = client.post(url, answers)
        assert response.status_code == 302, response.content.decode()[:2000]
        if "Saved." in client.get(url).content.decode():
            return response
    raise AssertionError("the form never ended")


def test_an_enumerator_enters_two_respondents_one_after_another(enumerator, survey_round):
    listing = enumerator.get("/staff/surveys/collect/").content.decode()
    url = f"/staff/surveys/collect/{survey_round.pk}/"
    assert url in listing

    answers = {"gender": "woman", "age": "19", "violence_home": "yes", "unsafe_places": ["street"]}
    _answer_all(enumerator, url, answers)
    _answer_all(enumerator, url, {**answers, "gender": "man"})

    responses = Response.objects.filter(round=survey_round)
    assert responses.count() == 2 and set(responses.values_list("channel", flat=True)) == {"enumerator"}
    assert sorted(responses.values_list("gender", flat=True)) == ["man", "woman"]
    assert ResultCount.objects.get(round=survey_round, question="", value="", gender="woman").count == 1


def test_an_invalid_answer_is_shown_again_and_nothing_is_stored(enumerator, survey_round):
    url = f"/staff/surveys/collect/{survey_round.pk}/"
    response = enumerator.post(url, {"gender": "", "age": "7"})

    assert response.status_code == 400 and Response.objects.count() == 0


@pytest.mark.parametrize(
    "url",
    [
        "/staff/",
        "/staff/concerns/",
        "/staff/groups/",
        "/staff/dashboard/",
        "/staff/areas/",
        "/staff/alerts/",
        "/staff/surveys/",
        "/staff/surveys/import/",
        "/staff/surveys/enumerators/",
        "/staff/audit/",
    ],
)
def test_an_enumerator_sees_nothing_else_in_the_staff_area(enumerator, url):
    assert enumerator.get(url).status_code == 403


def test_an_enumerator_cannot_answer_a_closed_round_nor_name_enumerators(enumerator, survey_round):
    survey_round_close(survey_round=survey_round, actor=None)

    assert enumerator.get(f"/staff/surveys/collect/{survey_round.pk}/").status_code == 404
    assert enumerator.post("/staff/surveys/enumerators/", {"username": "someone"}).status_code == 403


def test_staff_who_are_not_enumerators_cannot_collect(world, as_kind, survey_round):
    for kind in ("facilitator", "member", "member of another group"):
        assert as_kind(kind).get(f"/staff/surveys/collect/{survey_round.pk}/").status_code == 403, kind
    assert Response.objects.count() == 0


def test_a_coordinator_names_and_removes_an_enumerator(signed_in_client, survey_round):
    user = UserFactory(username="dilnoza", role=DeploymentRole.NONE)

    signed_in_client.post("/staff/surveys/enumerators/", {"username": "dilnoza"})
    assert Enumerator.objects.filter(user=user).exists()
    assert "dilnoza" in signed_in_client.get("/staff/surveys/enumerators/").content.decode()

    signed_in_client.post("/staff/surveys/enumerators/", {"username": "dilnoza", "action": "remove"})
    assert not Enumerator.objects.filter(user=user).exists()
    assert signed_in_client.get(f"/staff/surveys/collect/{survey_round.pk}/").status_code == 200
