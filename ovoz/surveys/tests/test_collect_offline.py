"""Enumerators collecting without signal: the offline page, the key for the phone, and the sync of the
interviews kept offline (idempotent, every answer read again on the server, open rounds only)."""

from __future__ import annotations

import json
import uuid

import pytest
from django.test import Client

from ovoz.accounts.choices import DeploymentRole
from ovoz.accounts.tests.factories import UserFactory
from ovoz.surveys.models import Answer, Enumerator, Response, ResultCount
from ovoz.surveys.services import survey_import, survey_round_close, survey_round_open
from ovoz.surveys.tests.workbooks import workbook_bytes
from ovoz.testing.web import sign_in

pytestmark = pytest.mark.django_db

SYNC = "/staff/surveys/collect/sync/"
KEY = "/staff/surveys/collect/key/"
GOOD = {"gender": "woman", "age": "19", "violence_home": "yes", "unsafe_places": ["street"], "comment": ""}


@pytest.fixture
def survey_round():
    survey = survey_import(file=workbook_bytes(), publish=True)
    return survey_round_open(survey=survey, actor=None)


def _signed_in(username: str, *, enumerator: bool = True, role: str = DeploymentRole.NONE) -> Client:
    user = UserFactory(username=username, role=role)
    if enumerator:
        Enumerator.objects.create(user=user)
    client = Client()
    assert sign_in(client, user).status_code == 302
    client.handler.enforce_csrf_checks = True  # the sync is checked as a browser's would be
    return client


@pytest.fixture
def enumerator():
    return _signed_in("enumerator")


def _interview(survey_round, answers=None, **overrides):
    return {
        "id": str(uuid.uuid4()),
        "round": survey_round.pk,
        "language": "en",
        "started_at": "2026-12-01T09:30:00+05:00",
        "answers": GOOD if answers is None else answers,
        **overrides,
    }


def _sync(client: Client, interviews: list[dict]) -> object:
    csrf = client.get(KEY).json()["csrf"]
    return client.post(
        SYNC, json.dumps({"interviews": interviews}), content_type="application/json", HTTP_X_CSRFTOKEN=csrf
    )


def test_a_batch_sent_twice_stores_each_interview_once(enumerator, survey_round):
    batch = [_interview(survey_round), _interview(survey_round, {**GOOD, "gender": "man", "age": "40"})]

    first = _sync(enumerator, batch)
    again = _sync(enumerator, batch)

    assert first.status_code == 200 and again.status_code == 200
    assert [result["status"] for result in first.json()["results"]] == ["stored", "stored"]
    assert [result["status"] for result in again.json()["results"]] == ["duplicate", "duplicate"]
    assert [result["id"] for result in again.json()["results"]] == [item["id"] for item in batch]
    responses = Response.objects.filter(round=survey_round)
    assert responses.count() == 2 and set(responses.values_list("channel", flat=True)) == {"enumerator"}
    assert ResultCount.objects.get(round=survey_round, question="", value="", gender="woman").count == 1
    stored = responses.get(gender="woman")
    assert dict(stored.answers.values_list("question", "value")) == {
        "gender": "woman",
        "age": "19",
        "violence_home": "yes",
        "unsafe_places": ["street"],
        "adult": "true",
    }
    assert stored.started_at.isoformat() == "2026-12-01T04:30:00+00:00"


def test_the_same_interview_id_from_another_enumerator_is_another_interview(enumerator, survey_round):
    interview = _interview(survey_round)
    other = _signed_in("other-enumerator")

    assert _sync(enumerator, [interview]).json()["results"][0]["status"] == "stored"
    assert _sync(other, [interview]).json()["results"][0]["status"] == "stored"
    assert Response.objects.filter(round=survey_round).count() == 2


def test_invalid_answers_are_refused_with_the_reasons_and_nothing_is_stored(enumerator, survey_round):
    too_young = _interview(survey_round, {**GOOD, "age": "7"})
    no_gender = _interview(survey_round, {**GOOD, "gender": ""})
    not_a_choice = _interview(survey_round, {**GOOD, "unsafe_places": ["moon"]})
    good = _interview(survey_round)

    results = _sync(enumerator, [too_young, no_gender, not_a_choice, good]).json()["results"]

    assert [result["status"] for result in results] == ["refused", "refused", "refused", "stored"]
    assert results[0]["errors"] == {"age": "Between 16 and 110"}
    assert results[1]["errors"] == {"gender": "This question needs an answer."}
    assert results[2]["errors"] == {"unsafe_places": "Choose from the list."}
    assert Response.objects.filter(round=survey_round).count() == 1


def test_the_reasons_are_in_the_enumerators_language(enumerator, survey_round):
    enumerator.cookies["ovoz_language"] = "ru"
    interview = _interview(survey_round, {**GOOD, "gender": ""}, language="tg")

    result = _sync(enumerator, [interview]).json()["results"][0]

    assert result["status"] == "refused" and result["errors"]["gender"] != "This question needs an answer."


def test_an_answer_to_a_skipped_question_is_dropped_not_stored(enumerator, survey_round):
    interview = _interview(survey_round, {**GOOD, "violence_home": "no", "unsafe_places": ["street"]})

    assert _sync(enumerator, [interview]).json()["results"][0]["status"] == "stored"
    assert not Answer.objects.filter(question="unsafe_places").exists()


@pytest.mark.parametrize(
    "broken",
    [
        {"id": "not-a-uuid"},
        {"answers": "gender=woman"},
        {"answers": {"gender": {"nested": "woman"}}},
        {"round": True},
        {"round": "1"},
    ],
)
def test_a_malformed_interview_is_refused(enumerator, survey_round, broken):
    result = _sync(enumerator, [_interview(survey_round, **broken)]).json()["results"][0]

    assert result["status"] == "refused" and result["message"]
    assert Response.objects.count() == 0


def test_a_closed_round_is_refused(enumerator, survey_round):
    interview = _interview(survey_round)
    survey_round_close(survey_round=survey_round, actor=None)

    result = _sync(enumerator, [interview]).json()["results"][0]

    assert result == {
        "id": interview["id"],
        "status": "refused",
        "message": "This survey is not open for answers at the moment.",
        "errors": {},
    }
    assert Response.objects.count() == 0
    assert enumerator.get(f"/staff/surveys/collect/{survey_round.pk}/offline/").status_code == 404


def test_an_unpublished_survey_is_refused(enumerator):
    survey = survey_import(file=workbook_bytes(), file_name="draft.xlsx")
    draft_round = survey_round_open(survey=survey, actor=None)

    result = _sync(enumerator, [_interview(draft_round)]).json()["results"][0]

    assert result["status"] == "refused" and Response.objects.count() == 0


def test_a_sync_without_the_csrf_token_is_refused(enumerator, survey_round):
    body = json.dumps({"interviews": [_interview(survey_round)]})

    assert enumerator.post(SYNC, body, content_type="application/json").status_code == 403
    assert Response.objects.count() == 0


def test_a_body_that_is_not_a_batch_is_a_bad_request(enumerator, survey_round):
    csrf = enumerator.get(KEY).json()["csrf"]
    for body in ("not json", json.dumps([1, 2]), json.dumps({"interviews": [{}] * 51})):
        response = enumerator.post(SYNC, body, content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
        assert response.status_code == 400, body
    assert Response.objects.count() == 0


def test_anonymous_visitors_and_staff_who_are_not_enumerators_cannot_sync_nor_get_a_key(world, as_kind, survey_round):
    anonymous = Client()
    body = json.dumps({"interviews": [_interview(survey_round)]})
    pages = (KEY, f"/staff/surveys/collect/{survey_round.pk}/offline/", "/staff/surveys/collect/worker.js")
    for url in pages:
        assert anonymous.get(url)["Location"].startswith("/staff/login/"), url
    assert anonymous.post(SYNC, body, content_type="application/json")["Location"].startswith("/staff/login/")
    for kind in ("facilitator", "member", "member of another group"):
        client = as_kind(kind)
        for url in pages:
            assert client.get(url).status_code == 403, (kind, url)
        assert client.post(SYNC, body, content_type="application/json").status_code == 403, kind
    assert Response.objects.count() == 0


def test_a_coordinator_collects_offline_too(signed_in_client, survey_round):
    signed_in_client.handler.enforce_csrf_checks = True

    result = _sync(signed_in_client, [_interview(survey_round)]).json()["results"][0]

    assert result["status"] == "stored" and Response.objects.filter(round=survey_round).count() == 1


def test_the_key_is_the_users_own_and_the_same_at_every_visit(enumerator, survey_round):
    other = _signed_in("other-enumerator")

    first, again, theirs = enumerator.get(KEY).json(), enumerator.get(KEY).json(), other.get(KEY).json()

    assert len(first["key"]) == 64 and first["key"] == again["key"] and first["key_id"] == again["key_id"]
    assert theirs["key"] != first["key"] and theirs["key_id"] != first["key_id"]
    assert "no-store" in enumerator.get(KEY)["Cache-Control"]


def test_the_offline_page_holds_the_form_but_nothing_about_the_user(enumerator, survey_round):
    listing = enumerator.get("/staff/surveys/collect/").content.decode()
    url = f"/staff/surveys/collect/{survey_round.pk}/offline/"
    assert url in listing

    page = enumerator.get(url + "?language=tg")
    html = page.content.decode()

    assert page.status_code == 200
    assert "csrfmiddlewaretoken" not in html and "enumerator" not in html.replace("survey_collect", "")
    form = json.loads(html.split('id="collect-form-definition" type="application/json">')[1].split("</script>")[0])
    assert [question["name"] for question in form["questions"]][:3] == ["about", "gender", "age"]
    age = form["questions"][2]
    assert age["trees"]["constraint"]["rest"][0][0] == "and"
    assert 'data-language="tg"' in html


def test_the_service_worker_is_served_for_the_collect_pages(enumerator):
    response = enumerator.get("/staff/surveys/collect/worker.js")

    assert response.status_code == 200 and response["Content-Type"].startswith("text/javascript")
    source = response.content.decode()
    assert "function keepPage(" in source and "ovoz-collect-v1" in source
