"""Answering a survey on the web without JavaScript: pages, skip logic, checks, resuming, one submit."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone, translation
from django.utils.translation import gettext

from ovoz.operations.retention import retention_apply
from ovoz.surveys.models import Answer, Response, ResultCount, SurveyDraft
from ovoz.surveys.services import survey_import, survey_round_close, survey_round_open
from ovoz.surveys.statistics import age_band
from ovoz.surveys.tests.workbooks import workbook_bytes

pytestmark = pytest.mark.django_db
URL = "/tg/surveys/community_safety/"


@pytest.fixture
def survey_round(db):
    survey = survey_import(file=workbook_bytes(), publish=True)
    return survey_round_open(survey=survey, actor=None)


def _counts(survey_round, question, value=""):
    return sum(
        ResultCount.objects.filter(round=survey_round, question=question, value=value).values_list("count", flat=True)
    )


def test_a_respondent_answers_page_by_page_in_tajik_and_is_counted_once(client, survey_round):
    first = client.get(URL)
    assert first.status_code == 200 and len(first.content) < 30_000  # the report page's budget, uncompressed
    page = first.content.decode()
    assert "Дар бораи шумо" in page and "Шумо чандсолаед?" in page and "Шумо…" in page

    assert client.post(URL, {"gender": "woman", "age": "34"}).status_code == 302
    second = client.get(URL).content.decode()
    assert "Оё шумо дар хона зӯроварӣ дидаед?" in second and "Кӯча" not in second  # asked only after a yes
    assert client.post(URL, {"violence_home": "yes"}).status_code == 302
    third = client.get(URL).content.decode()
    assert "Кӯча" in third and "Бозор" in third

    sent = client.post(URL, {"unsafe_places": ["market", "street"], "comment": "Чароғҳо нестанд"})

    assert sent.status_code == 302 and sent["Location"] == "/tg/surveys/community_safety/thanks/"
    response = Response.objects.get()
    assert response.channel == "web" and response.language == "tg" and response.completed_at is not None
    assert response.gender == "woman" and response.age_band == age_band(34) and response.respondent_hash is None
    answers = dict(Answer.objects.values_list("question", "value"))
    assert answers["unsafe_places"] == ["street", "market"] and answers["age"] == "34" and answers["adult"] == "true"
    assert _counts(survey_round, "") == 1 and _counts(survey_round, "unsafe_places", "market") == 1
    assert _counts(survey_round, "violence_home", "yes") == 1
    # The same browser cannot send it twice: the form says thank you, and nothing is counted again.
    again = client.post(URL, {"violence_home": "no"})
    assert again.status_code == 302 and again["Location"].endswith("/thanks/")
    assert Response.objects.count() == 1 and _counts(survey_round, "") == 1
    assert "Thank" in client.get("/en/surveys/community_safety/thanks/").content.decode()


def test_skip_logic_drops_questions_not_asked(client, survey_round):
    client.post(URL, {"gender": "man", "age": "70"})

    client.post(URL, {"violence_home": "no"})  # the places question is not asked: the comment's page follows
    page = client.get(URL).content.decode()
    assert "Кӯча" not in page and "Боз чизе?" in page
    client.post(URL, {"comment": ""})

    answers = dict(Answer.objects.values_list("question", "value"))
    assert answers["violence_home"] == "no" and "unsafe_places" not in answers


def test_required_and_constraint_are_checked_on_the_server_with_the_forms_message(client, survey_round):
    missing = client.post(URL, {"age": "12"})

    assert missing.status_code == 400
    page = missing.content.decode()
    assert "Аз 16 то 110" in page  # the form's own constraint message, in Tajik
    assert Response.objects.count() == 0
    not_a_number = client.post(URL, {"gender": "woman", "age": "сӣ"}).content.decode()
    assert "Шумо чандсолаед?" in not_a_number and Response.objects.count() == 0


def test_a_respondent_who_leaves_resumes_where_they_stopped_on_the_same_device(client, survey_round):
    client.post(URL, {"gender": "woman", "age": "40"})

    later = client.get(URL).content.decode()

    assert "Оё шумо дар хона зӯроварӣ дидаед?" in later
    back = client.post(URL, {"action": "back"})
    assert back.status_code == 302
    assert 'value="40"' in client.get(URL).content.decode()


def test_a_closed_round_or_an_unpublished_survey_takes_no_answers(client, survey_round):
    survey_round_close(survey_round=survey_round, actor=None)

    closed = client.get(URL)
    posted = client.post(URL, {"gender": "woman", "age": "40"})

    assert closed.status_code == 200 and posted.status_code == 200 and Response.objects.count() == 0
    survey_import(file=workbook_bytes(settings={"form_id": "draft_form", "form_title": "Draft"}))
    assert client.get("/tg/surveys/draft_form/").status_code == 404


def test_every_supported_type_is_answered_and_kept_as_the_form_says(client, db):
    form = Path(__file__).parent / "forms" / "every_type.xlsx"
    survey = survey_import(file=form.read_bytes(), file_name=form.name, publish=True)
    survey_round_open(survey=survey, actor=None)
    url = f"/en/surveys/{survey.slug}/"

    steps = [
        {},  # the introduction
        {"respondent_name": "Dilnoza", "household_size": "4", "monthly_income": "1 250,50"},
        {"has_phone": "yes"},
        {"channels": ["radio", "telegram"], "visit_date": "2026-11-30", "location": "39.6543 66.9597"},
        {"member_name": "Aziz", "member_age": "9"},
        {},  # thanks
    ]
    for number, step in enumerate(steps):
        answered = client.post(url, step)
        assert answered.status_code == 302, (number, answered.content.decode()[-2000:])

    answers = dict(Answer.objects.values_list("question", "value"))
    assert answers["household_size"] == "4" and answers["monthly_income"] == "1250.50"
    assert answers["income_per_person"] == "312.63"  # the calculation, worked out by the server
    assert answers["channels"] == ["radio", "telegram"] and answers["visit_date"] == "2026-11-30"
    assert answers["location"] == "39.65 66.96"  # kept coarse, about 1 km
    assert answers["member_age"] == "9"


def test_a_date_in_the_future_breaks_the_forms_constraint(client, db):
    form = Path(__file__).parent / "forms" / "every_type.xlsx"
    survey = survey_import(file=form.read_bytes(), file_name=form.name, publish=True)
    survey_round_open(survey=survey, actor=None)
    url = f"/en/surveys/{survey.slug}/"
    client.post(url, {})
    client.post(url, {"respondent_name": "D", "household_size": "2"})
    client.post(url, {"has_phone": "no"})

    refused = client.post(url, {"visit_date": "2999-01-01"})

    assert refused.status_code == 400 and Response.objects.count() == 0


def test_too_many_answers_from_one_client_are_refused_until_later(client, survey_round, settings):
    settings.OVOZ_SURVEY_LIMIT = 1
    client.post(URL, {"gender": "woman", "age": "34"})
    client.post(URL, {"violence_home": "no"})
    assert client.post(URL, {"comment": ""}).status_code == 302  # the first is sent
    other = type(client)()  # a new browser from the same address

    other.post(URL, {"gender": "man", "age": "50"})
    other.post(URL, {"violence_home": "no"})
    refused = other.post(URL, {"comment": ""})

    assert refused.status_code == 429 and Response.objects.count() == 1
    with translation.override("tg"):
        message = gettext("Too many answers from here in a short time. Please wait a few minutes and send again.")
    assert message != "Too many answers from here in a short time. Please wait a few minutes and send again."
    assert message in refused.content.decode()


def test_a_survey_left_half_answered_is_deleted_a_day_after_it_was_last_saved(client, survey_round):
    client.post(URL, {"gender": "woman", "age": "34"})
    assert SurveyDraft.objects.count() == 1 and Session.objects.count() == 0
    SurveyDraft.objects.update(updated_at=timezone.now() - timedelta(hours=24, minutes=1))

    report = retention_apply()

    assert report.survey_drafts == 1 and SurveyDraft.objects.count() == 0 and Response.objects.count() == 0
