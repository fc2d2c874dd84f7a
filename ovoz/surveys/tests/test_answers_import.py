"""Importing KoboToolbox data (CSV, XLSX, the data API) into a round: round-trips to the same results,
idempotent by Kobo's _uuid, all or nothing with every problem listed."""

from __future__ import annotations

import csv
import io
import random
import uuid
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from openpyxl import Workbook

from ovoz.core.models import AuditEntry
from ovoz.surveys import answering
from ovoz.surveys.choices import QuestionType
from ovoz.surveys.imports import AnswersRefused, survey_answers_import
from ovoz.surveys.kobo import fetch_kobo_api, read_kobo_csv, read_kobo_xlsx
from ovoz.surveys.models import ASKED_TYPES, Response, ResultCount, Survey, SurveyRound
from ovoz.surveys.services import response_submit, survey_import, survey_round_close, survey_round_open
from ovoz.surveys.tests.test_kobo import TOKEN, FakeKobo, page
from ovoz.testing.fakes import serve_in_background
from ovoz.testing.web import sign_in

pytestmark = pytest.mark.django_db
FORM = Path(__file__).parent / "forms" / "community_safety.xlsx"
RESPONDENTS = 40


def _random_value(question: dict[str, Any], rng: random.Random) -> Any:
    kind = question["type"]
    choices = [choice["name"] for choice in question.get("choices", [])]
    if kind == QuestionType.SELECT_ONE:
        return rng.choice(choices)
    if kind == QuestionType.SELECT_MULTIPLE:
        picked = set(rng.sample(choices, rng.randint(1, min(3, len(choices)))))
        return [name for name in choices if name in picked]
    if kind == QuestionType.INTEGER:
        return str(rng.randint(15, 80))
    if kind == QuestionType.DECIMAL:
        return str(rng.randint(0, 999) / 4)
    if kind == QuestionType.DATE:
        return f"2026-{rng.randint(1, 9):02d}-{rng.randint(1, 28):02d}"
    if kind == QuestionType.GEOPOINT:
        return f"{round(rng.uniform(37, 42), 2)} {round(rng.uniform(66, 72), 2)}"
    return rng.choice(["Light the streets", "Более частые патрули", "Рӯшноӣ; пул", 'A "quoted", answer'])


def _respondent(survey: Survey, rng: random.Random) -> dict[str, Any]:
    """A valid set of answers, drawn in the form's order and following its skip logic."""
    stored: dict[str, Any] = {}
    for question in survey.questions:
        if question["type"] not in ASKED_TYPES:
            continue
        if question["name"] not in answering.relevant_names(survey, answering.typed_answers(survey, stored)):
            continue
        if question["name"] == "consent":
            stored["consent"] = "yes" if rng.random() < 0.9 else "no"
        elif question.get("required") or rng.random() < 0.85:
            stored[question["name"]] = _random_value(question, rng)
    return answering.final_answers(survey, stored)


@pytest.fixture(scope="module")
def collected_once(django_db_setup: Any, django_db_blocker: Any) -> Any:
    """The community safety form answered RESPONDENTS times on the web in round 1; round 2 open, empty.
    Built once for the module and committed, as test_search_oracle's world: each test runs in its own
    transaction on top of it (what a test changes is rolled back), and the module's end empties the
    database."""
    with django_db_blocker.unblock():
        try:
            survey = survey_import(file=FORM.read_bytes(), publish=True)
            first = survey_round_open(survey=survey, actor=None)
            rng = random.Random(16)
            for number in range(RESPONDENTS):
                response_submit(
                    survey_round=first, channel="web", submission_key=f"web-{number}", answers=_respondent(survey, rng)
                )
            survey_round_close(survey_round=first, actor=None)
            second = survey_round_open(survey=survey, actor=None)
            yield survey.pk, first.pk, second.pk
        finally:
            call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def collected(collected_once: Any) -> tuple[Survey, SurveyRound, SurveyRound]:
    """The module's survey and rounds, read afresh for each test (a test may change them in memory)."""
    cache.clear()  # results worked out in another test's transaction are not this one's
    survey_id, first_id, second_id = collected_once
    return Survey.objects.get(pk=survey_id), SurveyRound.objects.get(pk=first_id), SurveyRound.objects.get(pk=second_id)


def _kobo_rows(survey: Survey, survey_round: SurveyRound) -> tuple[list[str], list[list[str]]]:
    """The round's answers as KoboToolbox exports them with "XML values and headers": group paths,
    select_multiple as space-separated names and a 1/0 column per choice, geopoints with altitude and
    accuracy, the calculations' values, metadata and Kobo's own columns."""
    headers = ["start", "end"]
    columns: list[tuple[dict[str, Any], str | None]] = []
    for question in survey.questions:
        if question["type"] not in ASKED_TYPES:
            continue
        path = "/".join([*question["group"], question["name"]])
        headers.append(path)
        columns.append((question, None))
        if question["type"] == QuestionType.SELECT_MULTIPLE:
            for choice in question["choices"]:
                headers.append(f"{path}/{choice['name']}")
                columns.append((question, choice["name"]))
    headers += ["meta/instanceID", "_id", "_uuid", "_submission_time", "_validation_status", "_index"]
    rows = []
    for index, response in enumerate(survey_round.responses.order_by("pk"), start=1):
        answers = {answer.question: answer.value for answer in response.answers.all()}
        row = [response.started_at.isoformat(), response.completed_at.isoformat()]
        for question, choice in columns:
            value = answers.get(question["name"])
            if choice is not None:
                row.append("" if value is None else ("1" if choice in value else "0"))
            elif isinstance(value, list):
                row.append(" ".join(value))
            elif question["type"] == QuestionType.GEOPOINT and value:
                row.append(f"{value} 412.5 5.0")
            else:
                row.append("" if value is None else str(value))
        key = str(uuid.UUID(int=random.Random(response.pk).getrandbits(128)))
        row += [f"uuid:{key}", str(index), key, "2026-11-01T05:10:00", "", str(index)]
        rows.append(row)
    return headers, rows


def _kobo_csv(headers: list[str], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _kobo_xlsx(headers: list[str], rows: list[list[str]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append([int(cell) if cell.isdigit() else cell for cell in row])  # Kobo writes numbers as numbers
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _results(survey_round: SurveyRound) -> dict[tuple[str, str, str, str, int], int]:
    return {
        (row.question, row.value, row.gender, row.age_band, row.area_key): row.count
        for row in ResultCount.objects.filter(round=survey_round)
    }


def test_a_kobo_csv_export_round_trips_to_the_same_results_and_a_second_import_adds_nothing(collected, tmp_path):
    survey, first, second = collected
    path = tmp_path / "community_safety.csv"
    path.write_bytes(_kobo_csv(*_kobo_rows(survey, first)))

    out = io.StringIO()
    call_command("survey_import_answers", survey.slug, "2", str(path), stdout=out)

    assert out.getvalue().strip() == f'{{"stored": {RESPONDENTS}, "already": 0}}'
    assert len(_results(first)) > 100 and _results(second) == _results(first)
    assert set(second.responses.values_list("channel", flat=True)) == {"import"}
    counts = _results(second)

    again = io.StringIO()
    call_command("survey_import_answers", survey.slug, "2", str(path), stdout=again)

    assert again.getvalue().strip() == f'{{"stored": 0, "already": {RESPONDENTS}}}'
    assert _results(second) == counts and second.responses.count() == RESPONDENTS
    assert AuditEntry.objects.filter(action="survey.answers_imported").count() == 2


def test_a_kobo_xlsx_export_round_trips_to_the_same_results(collected):
    survey, first, second = collected
    submissions = read_kobo_xlsx(io.BytesIO(_kobo_xlsx(*_kobo_rows(survey, first))))

    result = survey_answers_import(survey_round=second, submissions=submissions, actor=None)

    assert result.stored == RESPONDENTS and _results(second) == _results(first)


@pytest.fixture
def kobo_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeKobo)
    thread = serve_in_background(server)
    FakeKobo.requests = []
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/v2/assets/aBc123/data/?format=json"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_the_kobo_data_api_round_trips_to_the_same_results_with_the_token_from_the_environment(
    collected, kobo_server, settings, capsys
):
    survey, first, second = collected
    headers, rows = _kobo_rows(survey, first)
    items = [
        {header: cell for header, cell in zip(headers, row, strict=True) if cell != "" and header.count("/") < 2}
        for row in rows
    ]
    FakeKobo.pages = {"0": page(items[:25], next_url=kobo_server + "&start=25"), "25": page(items[25:])}
    settings.OVOZ_KOBO_TOKEN = TOKEN

    call_command("survey_import_answers", survey.slug, "2", kobo_url=kobo_server)

    assert _results(second) == _results(first)
    assert {authorization for _path, authorization in FakeKobo.requests} == {f"Token {TOKEN}"}
    captured = capsys.readouterr()
    assert TOKEN not in captured.out + captured.err
    assert TOKEN not in str(list(AuditEntry.objects.values_list("data", flat=True)))
    assert fetch_kobo_api(kobo_server, TOKEN) == read_kobo_csv(io.BytesIO(_kobo_csv(headers, rows)))


def test_without_a_token_the_api_is_not_asked(collected, kobo_server, settings):
    survey, _first, second = collected
    settings.OVOZ_KOBO_TOKEN = ""

    with pytest.raises(CommandError, match="OVOZ_KOBO_TOKEN"):
        call_command("survey_import_answers", survey.slug, "2", kobo_url=kobo_server)

    assert FakeKobo.requests == [] and second.responses.count() == 0


def _small(text: str) -> list:
    return read_kobo_csv(io.StringIO(text))


def test_invalid_submissions_are_listed_with_row_and_reason_and_nothing_is_stored(collected):
    survey, _first, second = collected
    text = (
        "consent;respondent/gender;respondent/age;respondent/district;priorities/what_would_help;"
        "priorities/first_step;conflict/conflict_seen;conflict/conflict_date;_uuid\n"
        "yes;female;34;{district};;Lights;no;;ok-1\n"
        "yes;female;12;{district};;Lights;no;;bad-age\n"
        "yes;martian;30;{district};;Lights;no;;bad-choice\n"
        "yes;male;30;{district};;;no;;no-first-step\n"
        "yes;male;30;{district};;Lights;yes;next tuesday;bad-date\n"
        "yes;male;30;{district};jobs other_thing;Lights;no;;bad-multiple\n"
    )
    district = next(q for q in survey.questions if q["name"] == "district")["choices"][0]["name"]
    submissions = _small(text.format(district=district))

    with pytest.raises(AnswersRefused) as refused:
        survey_answers_import(survey_round=second, submissions=submissions, actor=None, language="en")

    problems = [(p.row, p.uuid, p.question) for p in refused.value.problems]
    assert problems == [
        (3, "bad-age", "age"),
        (4, "bad-choice", "gender"),
        (5, "no-first-step", "first_step"),
        (6, "bad-date", "conflict_date"),
        (7, "bad-multiple", "what_would_help"),
    ]
    assert str(refused.value.problems[0].message) == "Age must be between 15 and 110."
    assert Response.objects.filter(round=second).count() == 0 and not ResultCount.objects.filter(round=second).exists()

    fixed = _small("\n".join(text.format(district=district).splitlines()[:2]) + "\n")
    assert survey_answers_import(survey_round=second, submissions=fixed, actor=None).stored == 1


def test_the_command_lists_every_problem_and_exits_with_status_2(collected, tmp_path, capsys):
    survey, _first, second = collected
    path = tmp_path / "export.csv"
    path.write_text("consent;respondent/gender;_uuid\nyes;martian;u-1\n", encoding="utf-8")

    with pytest.raises(CommandError) as refused:
        call_command("survey_import_answers", survey.slug, "2", str(path))

    assert refused.value.returncode == 2
    err = capsys.readouterr().err
    assert "row 2 (uuid u-1), question gender:" in err and "question age:" in err
    assert second.responses.count() == 0


def test_an_export_with_labels_for_headers_is_refused(collected):
    survey, _first, second = collected
    submissions = _small("Do you agree to answer?;Are you…;_uuid\nYes;Woman;u-1\n")

    with pytest.raises(AnswersRefused) as refused:
        survey_answers_import(survey_round=second, submissions=submissions, actor=None)

    assert [p.code for p in refused.value.problems] == ["columns_unknown"]
    assert second.responses.count() == 0


def test_a_closed_round_takes_no_import(collected):
    survey, first, _second = collected
    submissions = _small("consent;_uuid\nno;u-1\n")

    with pytest.raises(Exception, match="not open"):
        survey_answers_import(survey_round=first, submissions=submissions, actor=None)

    assert first.responses.count() == RESPONDENTS


def _upload(content: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def test_a_coordinator_imports_an_export_on_the_round_page_and_again_stores_nothing(collected, signed_in_client):
    survey, first, second = collected
    content = _kobo_xlsx(*_kobo_rows(survey, first))
    url = f"/staff/surveys/{survey.pk}/rounds/2/import/"
    assert url in signed_in_client.get(f"/staff/surveys/{survey.pk}/").content.decode()

    response = signed_in_client.post(url, {"file": _upload(content, "export.xlsx")})

    assert response.status_code == 302 and _results(second) == _results(first)
    again = signed_in_client.post(url, {"file": _upload(content, "export.xlsx")}, follow=True)
    assert f"Imported 0 responses; {RESPONDENTS} were already in this round." in again.content.decode()
    assert second.responses.count() == RESPONDENTS


def test_a_refused_upload_lists_the_problems_by_row_and_stores_nothing(collected, signed_in_client):
    survey, _first, second = collected
    content = b"consent;respondent/gender;_uuid\nyes;martian;u-1\n"

    response = signed_in_client.post(
        f"/staff/surveys/{survey.pk}/rounds/2/import/", {"file": _upload(content, "export.csv")}
    )

    page = response.content.decode()
    assert response.status_code == 400 and "<td>2</td><td>u-1</td><td>gender</td>" in page
    assert second.responses.count() == 0


def test_staff_without_a_deployment_role_cannot_import_answers(collected, world):
    survey, first, second = collected
    member = Client()
    sign_in(member, world["users"]["facilitator"])

    response = member.post(
        f"/staff/surveys/{survey.pk}/rounds/2/import/",
        {"file": _upload(_kobo_csv(*_kobo_rows(survey, first)), "export.csv")},
    )

    assert response.status_code == 403 and second.responses.count() == 0
