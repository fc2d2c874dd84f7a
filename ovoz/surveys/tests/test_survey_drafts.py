"""Half-answered surveys are sealed under a secret only the respondent's device holds (issue 16, "Protect")."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.utils import timezone

from ovoz.accounts.choices import DeploymentRole
from ovoz.accounts.tests.factories import UserFactory
from ovoz.operations.retention import retention_apply
from ovoz.surveys import drafts
from ovoz.surveys.models import Answer, Enumerator, Response, SurveyDraft
from ovoz.surveys.services import survey_import, survey_round_close, survey_round_open
from ovoz.surveys.tests.workbooks import workbook_bytes
from ovoz.surveys.views import draft_cookies
from ovoz.testing.web import sign_in

pytestmark = pytest.mark.django_db
URL = "/en/surveys/community_safety/"
PLANTED = "Planted-answer: violence at home, Zarina 7f3a9c"
LOST = "Your earlier answers were deleted a day after you last saved a page. Please start again."


@pytest.fixture
def survey_round(db):
    survey = survey_import(file=workbook_bytes(), publish=True)
    return survey_round_open(survey=survey, actor=None)


def _cookie(survey_round, prefix="ovoz_survey_draft"):
    return f"{prefix}_{survey_round.pk}"


def _to_last_page_and_back_with(client: Client, url: str, comment: str) -> None:
    """Answer the first two pages, type ``comment`` on the last and go back: "Back" keeps what was typed."""
    assert client.post(url, {"gender": "woman", "age": "34"}).status_code == 302
    assert client.post(url, {"violence_home": "yes"}).status_code == 302
    assert client.post(url, {"unsafe_places": ["market"], "comment": comment, "action": "back"}).status_code == 302


def _bytes_of(value: object) -> bytes:
    if isinstance(value, memoryview | bytes | bytearray):
        return bytes(value)
    return str(value).encode()


def _every_stored_byte() -> bytes:
    """Every value of every row of every table, as bytes (what a seized database shows)."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 (names from the schema)
            for row in cursor.fetchall():
                chunks += [_bytes_of(value) for value in row]
    return b"\x00".join(chunks)


def test_a_half_answered_survey_is_stored_nowhere_in_the_clear(client, survey_round):
    _to_last_page_and_back_with(client, URL, PLANTED)

    draft = SurveyDraft.objects.get()
    assert draft.round_id == survey_round.pk and draft.user_id is None
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM surveys_surveydraft")
        (row,) = cursor.fetchall()
    assert all(PLANTED.encode() not in _bytes_of(value) for value in row)
    assert b"Zarina" not in _every_stored_byte() and b"7f3a9c" not in _every_stored_byte()
    # The device's secret is not stored either: only a keyed hash of it finds the row.
    secret = client.cookies[_cookie(survey_round)].value
    assert drafts.is_secret(secret) and secret.encode() not in _every_stored_byte()
    # With the cookie the answers come back (the back button kept the comment).
    assert drafts.draft_open(survey_round=survey_round, secret=secret).state["answers"]["comment"] == PLANTED
    client.post(URL, {"action": "next"})
    assert PLANTED in client.get(URL).content.decode()


def test_without_the_cookie_a_draft_can_be_neither_read_nor_continued(client, survey_round):
    _to_last_page_and_back_with(client, URL, PLANTED)
    draft_before = SurveyDraft.objects.values().get()

    other = Client()  # the same server, another device
    page = other.get(URL).content.decode()
    guessed = Client()
    guessed.cookies[_cookie(survey_round)] = drafts.secret_new()
    guessed_page = guessed.get(URL).content.decode()

    assert "Page 1 of" in page and PLANTED not in page and 'value="34"' not in page
    assert "Page 1 of" in guessed_page and PLANTED not in guessed_page
    assert drafts.draft_open(survey_round=survey_round, secret=drafts.secret_new()).state is None
    assert SurveyDraft.objects.values().get() == draft_before
    assert Response.objects.count() == 0


def test_answering_anonymously_writes_no_session(client, survey_round):
    client.get(URL)
    _to_last_page_and_back_with(client, URL, "A comment")
    client.post(URL, {"action": "next"})
    sent = client.post(URL, {"unsafe_places": ["street"], "comment": "A comment"})
    client.get(sent["Location"])

    assert sent.status_code == 302 and sent["Location"].endswith("/thanks/")
    assert Response.objects.count() == 1 and Answer.objects.filter(question="comment", value="A comment").exists()
    assert Session.objects.count() == 0 and "sessionid" not in client.cookies
    assert SurveyDraft.objects.count() == 0  # deleted on submit
    # The device is told it has answered; nothing is counted again.
    assert client.cookies[_cookie(survey_round)].value == draft_cookies.SENT_MARK
    assert client.get(URL)["Location"].endswith("/thanks/")


def test_the_draft_cookie_is_httponly_samesite_lax_and_a_host_cookie_in_production(client, survey_round, settings):
    client.post(URL, {"gender": "woman", "age": "34"})
    cookie = client.cookies[_cookie(survey_round)]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/" and not cookie["domain"]

    settings.IS_PRODUCTION = True
    response = HttpResponse()
    name = draft_cookies.cookie_name("ovoz_survey_draft", survey_round.pk)
    draft_cookies.cookie_write(response, name, drafts.secret_new())
    production = response.cookies[f"__Host-ovoz_survey_draft_{survey_round.pk}"]
    assert production["secure"] and production["httponly"] and production["path"] == "/"


def test_retention_deletes_a_draft_untouched_for_a_day_and_the_respondent_is_told(client, survey_round):
    client.post(URL, {"gender": "woman", "age": "34"})
    kept = Client()
    kept.post(URL, {"gender": "man", "age": "50"})
    SurveyDraft.objects.exclude(pk=SurveyDraft.objects.order_by("-pk").first().pk).update(
        updated_at=timezone.now() - timedelta(hours=25)
    )

    report = retention_apply()

    assert report.survey_drafts == 1 and SurveyDraft.objects.count() == 1
    told = client.get(URL).content.decode()
    assert LOST in told and "Page 1 of" in told and 'value="34"' not in told
    assert LOST not in client.get(URL).content.decode()  # told once: the cookie went with the message
    assert LOST not in kept.get(URL).content.decode()  # a recent draft stays
    assert "Оё шумо" in kept.get("/tg/surveys/community_safety/").content.decode()  # and resumes


def test_a_page_posted_after_its_draft_was_deleted_stores_nothing_and_says_so(client, survey_round):
    client.post(URL, {"gender": "woman", "age": "34"})
    SurveyDraft.objects.update(updated_at=timezone.now() - timedelta(days=2))
    retention_apply()

    late = client.post(URL, {"violence_home": "yes"})

    assert late.status_code == 302 and SurveyDraft.objects.count() == 0
    assert LOST in client.get(late["Location"]).content.decode()


def test_closing_the_round_deletes_its_drafts(client, survey_round):
    client.post(URL, {"gender": "woman", "age": "34"})
    assert SurveyDraft.objects.count() == 1

    survey_round_close(survey_round=survey_round, actor=None)

    assert SurveyDraft.objects.count() == 0 and Response.objects.count() == 0


# --- The enumerators' online form ----------------------------------------------------------------------


def _enumerator(client: Client, username: str):
    user = UserFactory(username=username, role=DeploymentRole.NONE)
    Enumerator.objects.create(user=user)
    assert sign_in(client, user).status_code == 302
    return user


def test_an_enumerators_draft_is_sealed_bound_to_them_and_out_of_the_session(survey_round):
    phone = Client()
    first = _enumerator(phone, "first")
    url = f"/staff/surveys/collect/{survey_round.pk}/"
    _to_last_page_and_back_with(phone, url, PLANTED)

    draft = SurveyDraft.objects.get()
    assert draft.user_id == first.pk and b"Zarina" not in _every_stored_byte()
    secret = phone.cookies[_cookie(survey_round, "ovoz_collect_draft")].value
    assert drafts.draft_open(survey_round=survey_round, secret=secret, user=first).state is not None

    phone.post("/staff/logout/")
    second = _enumerator(phone, "second")  # the same phone, the cookie still on it
    page = phone.get(url).content.decode()

    assert "Page 1 of" in page and PLANTED not in page and 'value="34"' not in page
    assert drafts.draft_open(survey_round=survey_round, secret=secret, user=second).state is None
    assert drafts.draft_open(survey_round=survey_round, secret=secret, user=None).state is None
    phone.post(url, {"gender": "man", "age": "60"})  # the second enumerator's own draft, apart
    assert set(SurveyDraft.objects.values_list("user_id", flat=True)) == {first.pk, second.pk}
    assert Response.objects.count() == 0


def test_an_enumerator_resumes_and_sends_and_the_draft_goes(survey_round):
    phone = Client()
    _enumerator(phone, "enumerator")
    url = f"/staff/surveys/collect/{survey_round.pk}/?language=ru"
    phone.get(url)
    phone.post(url, {"gender": "woman", "age": "34"})
    assert "Сталкивались ли вы с насилием дома?" in phone.get(url.split("?")[0]).content.decode()  # kept

    phone.post(url, {"violence_home": "no"})
    phone.post(url, {"comment": ""})

    assert Response.objects.get().language == "ru" and SurveyDraft.objects.count() == 0
    assert _cookie(survey_round, "ovoz_collect_draft") not in phone.cookies or not (
        phone.cookies[_cookie(survey_round, "ovoz_collect_draft")].value
    )
    assert "Saved." in phone.get(url).content.decode()
