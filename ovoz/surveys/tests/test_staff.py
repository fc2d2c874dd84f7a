"""The staff survey pages: import with its problem list, the list, the preview in every language, rounds."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ovoz.accounts.choices import DeploymentRole
from ovoz.accounts.tests.factories import UserFactory
from ovoz.core.models import AuditEntry
from ovoz.surveys.models import Response, RoundState, Survey, SurveyRound
from ovoz.surveys.services import response_submit, survey_import, survey_round_open
from ovoz.surveys.tests.test_import import _refused_form
from ovoz.surveys.tests.workbooks import workbook_bytes
from ovoz.testing.web import sign_in

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _upload(content: bytes, name: str = "community_safety.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=XLSX)


def test_a_coordinator_imports_a_form_and_sees_it_in_the_list(signed_in_client, places):
    response = signed_in_client.post(
        "/staff/surveys/import/", {"file": _upload(workbook_bytes()), "area": "UZ-JI", "publish": "on"}
    )

    survey = Survey.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/staff/surveys/{survey.pk}/"
    assert survey.area == places["jizzakh"] and survey.is_published
    listing = signed_in_client.get("/staff/surveys/").content.decode()
    assert "Community safety" in listing and "community_safety" in listing


def test_a_refused_upload_lists_every_problem_with_its_place_and_stores_nothing(signed_in_client):
    response = signed_in_client.post("/staff/surveys/import/", {"file": _upload(_refused_form())})

    assert response.status_code == 400
    page = response.content.decode()
    assert page.count("<code>type_unsupported</code>") == 1
    for code in ("reference_unknown", "choices_missing", "expression_invalid", "choice_duplicate"):
        assert f"<code>{code}</code>" in page
    assert "<td>survey</td><td>9</td><td>type</td>" in page and "range" in page
    assert Survey.objects.count() == 0


def test_an_unknown_area_code_is_a_form_error(signed_in_client, places):
    response = signed_in_client.post("/staff/surveys/import/", {"file": _upload(workbook_bytes()), "area": "XX-NO"})

    assert response.status_code == 200 and "No area has this code." in response.content.decode()
    assert Survey.objects.count() == 0


@pytest.mark.parametrize(
    ("language", "label"),
    [("tg", "Шумо чандсолаед?"), ("ru", "Сколько вам лет?"), ("en", "How old are you?"), ("kk", "How old are you?")],
)
def test_the_preview_shows_the_form_in_each_language(signed_in_client, language, label):
    survey = survey_import(file=workbook_bytes())

    page = signed_in_client.get(f"/staff/surveys/{survey.pk}/?language={language}").content.decode()

    assert label in page
    assert ("not translated" in page) == (language == "kk")  # Kazakh falls back to the form's default language


def test_opening_and_closing_a_round_drops_the_respondent_hashes(signed_in_client):
    survey = survey_import(file=workbook_bytes())

    opened = signed_in_client.post(f"/staff/surveys/{survey.pk}/rounds/", {"one_answer_per_respondent": "on"})

    survey_round = SurveyRound.objects.get(survey=survey)
    assert opened.status_code == 302 and survey_round.state == RoundState.OPEN and survey_round.number == 1
    assert survey_round.one_answer_per_respondent
    Response.objects.create(
        round=survey_round,
        channel="sms",
        submission_key="m1",
        respondent_hash="h" * 64,
        started_at=survey_round.opens_at,
    )
    again = signed_in_client.post(f"/staff/surveys/{survey.pk}/rounds/", {}, follow=True)
    assert "already has an open round" in again.content.decode() and SurveyRound.objects.count() == 1

    closed = signed_in_client.post(f"/staff/surveys/{survey.pk}/rounds/1/close/")

    survey_round.refresh_from_db()
    assert closed.status_code == 302 and survey_round.state == RoundState.CLOSED
    assert Response.objects.get().respondent_hash is None
    actions = list(
        AuditEntry.objects.filter(action__startswith="survey.round").order_by("pk").values_list("action", flat=True)
    )
    assert actions == ["survey.round_opened", "survey.round_closed"]


@pytest.mark.parametrize(("role", "status"), [(DeploymentRole.ADMINISTRATOR, 200), (DeploymentRole.COORDINATOR, 200)])
def test_administrators_and_coordinators_reach_the_survey_pages(role, status, db):
    client = Client()
    sign_in(client, UserFactory(role=role))
    survey = survey_import(file=workbook_bytes())

    for url in ("/staff/surveys/", "/staff/surveys/import/", f"/staff/surveys/{survey.pk}/"):
        assert client.get(url).status_code == status, url


def test_staff_without_a_deployment_role_are_refused_and_change_nothing(world):
    member = Client()
    sign_in(member, world["users"]["facilitator"])
    survey = survey_import(file=workbook_bytes())

    assert member.get("/staff/surveys/").status_code == 403
    assert member.post("/staff/surveys/import/", {"file": _upload(workbook_bytes())}).status_code == 403
    assert member.post(f"/staff/surveys/{survey.pk}/rounds/", {}).status_code == 403
    assert Survey.objects.count() == 1 and SurveyRound.objects.count() == 0
    assert "Surveys" not in member.get("/staff/").content.decode()


def test_a_signed_out_visitor_goes_to_the_login_page(client, db):
    response = client.get("/staff/surveys/")

    assert response.status_code == 302 and response["Location"].startswith("/staff/login/")


def test_the_results_page_shows_shares_with_intervals_and_hides_small_counts(signed_in_client):
    survey = survey_import(file=workbook_bytes(), publish=True)
    survey_round = survey_round_open(survey=survey, actor=None)
    for number in range(12):
        answers: dict[str, object] = {
            "gender": "woman" if number < 7 else "man",
            "age": "30",
            "violence_home": "yes" if number < 7 else "no",
        }
        if number < 3:
            answers["unsafe_places"] = ["market"]
        response_submit(survey_round=survey_round, channel="web", submission_key=f"k{number}", answers=answers)

    overall = signed_in_client.get(f"/staff/surveys/{survey.pk}/rounds/1/results/").content.decode()
    by_gender = signed_in_client.get(f"/staff/surveys/{survey.pk}/rounds/1/results/?by=gender").content.decode()

    assert "Completed responses: 12." in overall

    def section(page, name):
        return page.split(f'data-question="{name}"')[1].split("</section>")[0]

    assert "<td>7 (58%; 32–81%)</td>" in section(overall, "violence_home")
    assert "<td>&lt;5</td>" in section(overall, "unsafe_places")  # three answered: counted, never shown
    gender = section(by_gender, "gender")
    assert '<th scope="col">All</th><th scope="col">a man</th><th scope="col">a woman</th>' in gender
    # Every man answered "a man": the zero beside it is small, so the 5 that would reveal it is hidden.
    assert '<th scope="row">a man</th><td>5 (42%; 19–68%)</td><td>hidden</td><td>&lt;5</td>' in gender
    assert '<th scope="col">woman</th>' not in section(by_gender, "violence_home")  # sensitive: overall only
