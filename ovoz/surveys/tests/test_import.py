"""Importing XLSForms: `ovoz survey-import` and the import service (issue 16, DESIGN §9)."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from ovoz.core.models import AuditEntry
from ovoz.surveys.errors import FormRefused
from ovoz.surveys.form_checks import pyxform_problems
from ovoz.surveys.models import Survey
from ovoz.surveys.services import survey_import
from ovoz.surveys.tests.workbooks import CHOICE_ROWS, SURVEY_ROWS, workbook_bytes

pytestmark = pytest.mark.django_db


def _import_command(path: Path, *arguments: str) -> tuple[str, str]:
    stdout, stderr = StringIO(), StringIO()
    call_command("survey_import", str(path), *arguments, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def _refused_form() -> bytes:
    survey = [dict(row) for row in SURVEY_ROWS]
    survey[3]["relevant"] = "${nobody} = 1"  # row 5: a reference to no question
    survey[6]["type"] = "select_one colours"  # row 8: a list the choices sheet lacks
    survey[7]["type"] = "range"  # row 9: a type Ovoz cannot ask
    survey[8]["relevant"] = "count-selected(${unsafe_places} > 1"  # row 10: unbalanced
    choices = [*CHOICE_ROWS, dict(CHOICE_ROWS[0])]  # row 8 of choices: the same choice twice
    return workbook_bytes(survey=survey, choices=choices)


def test_survey_import_prints_the_survey_as_json_on_its_last_line(tmp_path, places):
    path = tmp_path / "community_safety.xlsx"
    path.write_bytes(workbook_bytes())

    stdout, _stderr = _import_command(path, "--area", "UZ-JI", "--publish")

    printed = json.loads(stdout.strip().splitlines()[-1])
    survey = Survey.objects.get()
    assert printed == {"id": survey.pk, "slug": "community_safety", "title": "Community safety", "questions": 5}
    assert survey.area == places["jizzakh"] and survey.is_published
    assert bytes(survey.source_xlsx) == path.read_bytes()
    assert survey.languages == ["en", "ru", "tg"]
    assert AuditEntry.objects.filter(action="survey.imported", object_id=str(survey.pk)).exists()


def test_the_definition_keeps_translations_skip_logic_groups_and_marks(db):
    survey = survey_import(file=workbook_bytes(), file_name="form.xlsx")

    questions = {question["name"]: question for question in survey.questions}
    assert "start" not in questions  # KoboToolbox's metadata rows ask nothing and are not kept
    age = questions["age"]
    assert age["labels"] == {"en": "How old are you?", "tg": "Шумо чандсолаед?", "ru": "Сколько вам лет?"}
    assert age["constraint"] == ". >= 16 and . <= 110"
    assert age["constraint_messages"] == {"en": "Between 16 and 110", "tg": "Аз 16 то 110"}
    assert age["required"] is True and age["group"] == ["about"] and age["mark"] == "age"
    assert questions["unsafe_places"]["relevant"] == "${violence_home} = 'yes'"
    assert [choice["name"] for choice in questions["unsafe_places"]["choices"]] == ["street", "market"]
    assert questions["violence_home"]["mark"] == "sensitive"
    assert survey.question_named("gender") == "gender"


def test_a_refused_form_lists_every_problem_and_stores_nothing(tmp_path, db):
    path = tmp_path / "refused.xlsx"
    path.write_bytes(_refused_form())
    audit_entries = AuditEntry.objects.count()

    with pytest.raises(CommandError) as refusal:
        _import_command(path)

    assert refusal.value.returncode == 2
    assert Survey.objects.count() == 0 and AuditEntry.objects.count() == audit_entries
    with pytest.raises(FormRefused) as raised:
        survey_import(file=path.read_bytes())
    found = {(problem.sheet, problem.row, problem.column, problem.code) for problem in raised.value.problems}
    assert found == {
        ("survey", 5, "relevant", "reference_unknown"),
        ("survey", 8, "type", "choices_missing"),
        ("survey", 9, "type", "type_unsupported"),
        ("survey", 10, "relevant", "expression_invalid"),
        ("choices", 8, "name", "choice_duplicate"),
    }


def test_the_command_writes_each_problem_with_sheet_row_and_column_to_stderr(tmp_path, db):
    path = tmp_path / "refused.xlsx"
    path.write_bytes(_refused_form())
    stdout, stderr = StringIO(), StringIO()

    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("survey_import", str(path), stdout=stdout, stderr=stderr)

    lines = stderr.getvalue().splitlines()
    assert "survey sheet, row 9, column type: Ovoz cannot ask questions of type “range”. [type_unsupported]" in lines
    assert any(line.startswith("choices sheet, row 8, column name:") for line in lines)
    assert len(lines) == 5 and stdout.getvalue() == ""


def test_an_unknown_area_is_refused_and_nothing_is_stored(tmp_path, places):
    path = tmp_path / "form.xlsx"
    path.write_bytes(workbook_bytes())

    with pytest.raises(CommandError, match="No area") as refusal:
        _import_command(path, "--area", "XX-NOPE")

    assert refusal.value.returncode == 2
    assert Survey.objects.count() == 0


def test_a_file_that_is_not_a_workbook_is_refused(db):
    with pytest.raises(FormRefused) as refusal:
        survey_import(file=b"type,name\ntext,q1\n", file_name="form.csv")

    assert [problem.code for problem in refusal.value.problems] == ["workbook_unreadable"]
    assert Survey.objects.count() == 0


def test_language_columns_named_in_the_language_itself_or_by_another_code_are_mapped(db):
    header = ["type", "name", "label::Тоҷикӣ", "label::Kazakh (kz)", "label::O'zbekcha"]
    survey = [
        {
            "type": "text",
            "name": "q",
            "label::Тоҷикӣ": "Савол",
            "label::Kazakh (kz)": "Сұрақ",
            "label::O'zbekcha": "Savol",
        }
    ]

    imported = survey_import(file=workbook_bytes(survey=survey, choices=[], settings={}, survey_header=header))

    assert imported.questions[0]["labels"] == {"tg": "Савол", "kk": "Сұрақ", "uz": "Savol"}


def test_a_language_ovoz_does_not_know_is_a_problem_with_its_column(db):
    header = ["type", "name", "label::English (en)", "label::Klingon (tlh)"]
    survey = [{"type": "text", "name": "q", "label::English (en)": "Q", "label::Klingon (tlh)": "Q?"}]

    with pytest.raises(FormRefused) as refusal:
        survey_import(file=workbook_bytes(survey=survey, choices=[], settings={}, survey_header=header))

    assert [(p.sheet, p.row, p.column, p.code) for p in refusal.value.problems] == [
        ("survey", 1, "label::Klingon (tlh)", "language_unknown")
    ]


def test_pyxforms_own_refusal_is_a_problem_with_its_sheet_row_and_column():
    survey = [{"type": "text", "name": "a", "label::English (en)": "Q", "relevant": "${zz} = 1"}]

    problems = pyxform_problems(workbook_bytes(survey=survey, choices=[], settings={}))

    assert [(p.sheet, p.row, p.column, p.code) for p in problems] == [("survey", 2, "relevant", "xlsform_invalid")]
    assert "zz" in str(problems[0].message)


FORMS = Path(__file__).parent / "forms"


def test_the_community_safety_form_imports_with_its_six_languages_and_marks(tmp_path, db):
    stdout, _stderr = _import_command(FORMS / "community_safety.xlsx")

    printed = json.loads(stdout.strip().splitlines()[-1])
    survey = Survey.objects.get(pk=printed["id"])
    assert printed["slug"] == "community_safety_2026" and printed["title"] == "Community safety perception survey"
    assert printed["questions"] == survey.question_count == 29  # notes and the calculation left out
    assert survey.languages == ["en", "kk", "ky", "ru", "tg", "uz"]
    assert [survey.question_named(mark) for mark in ("gender", "age", "area")] == ["gender", "age", "district"]
    sensitive = [question["name"] for question in survey.questions if question.get("mark") == "sensitive"]
    assert sensitive[:2] == ["violence_known", "violence_experienced"] and len(sensitive) == 5
    consent = next(question for question in survey.questions if question["name"] == "consent")
    assert consent["labels"]["tg"] == "Шумо ба иштирок розӣ ҳастед?" and consent["required"] is True
    forms = next(question for question in survey.questions if question["name"] == "violence_forms")
    assert forms["relevant"] == "${violence_experienced} = 'yes'" and forms["group"] == ["home"]


def test_the_form_with_every_supported_type_imports(db):
    survey = survey_import(file=(FORMS / "every_type.xlsx").read_bytes(), file_name="every_type.xlsx")

    types = {question["type"] for question in survey.questions}
    assert {
        "text",
        "integer",
        "decimal",
        "select_one",
        "select_multiple",
        "date",
        "geopoint",
        "note",
        "calculate",
    } <= types
    assert {"begin_group", "end_group", "begin_repeat", "end_repeat"} <= types


def test_the_refused_form_is_refused_with_exactly_its_expected_problems(tmp_path, db):
    expected = json.loads((FORMS / "refused.expected.json").read_text(encoding="utf-8"))
    stderr = StringIO()

    with pytest.raises(CommandError) as refusal:
        call_command("survey_import", str(FORMS / "refused.xlsx"), stdout=StringIO(), stderr=stderr)

    assert refusal.value.returncode == 2 and Survey.objects.count() == 0
    with pytest.raises(FormRefused) as raised:
        survey_import(file=(FORMS / "refused.xlsx").read_bytes())
    found = [
        {key: problem.as_dict()[key] for key in ("sheet", "row", "column", "code")} for problem in raised.value.problems
    ]
    assert found == expected
    assert len(stderr.getvalue().splitlines()) == len(expected)


def test_a_kobotoolbox_export_with_its_own_columns_and_metadata_rows_imports(db):
    header = [
        "type",
        "$kuid",
        "name",
        "label::English (en)",
        "label::Русский (ru)",
        "required",
        "$autoname",
        "relevant",
    ]
    survey = [
        {"type": "start", "name": "start", "$kuid": "a1"},
        {"type": "end", "name": "end", "$kuid": "a2"},
        {"type": "deviceid", "name": "deviceid", "$kuid": "a3"},
        {
            "type": "select_one yn",
            "name": "q1",
            "label::English (en)": "Q1",
            "label::Русский (ru)": "В1",
            "required": "true",
            "$kuid": "b1",
            "$autoname": "q1",
        },
        {
            "type": "text",
            "name": "q2",
            "label::English (en)": "Q2",
            "label::Русский (ru)": "В2",
            "required": "false",
            "relevant": "${q1}='yes'",
            "$kuid": "b2",
        },
    ]
    choices = [
        {"list_name": "yn", "name": "yes", "label::English (en)": "Yes", "label::Русский (ru)": "Да"},
        {"list_name": "yn", "name": "no", "label::English (en)": "No", "label::Русский (ru)": "Нет"},
    ]

    imported = survey_import(
        file=workbook_bytes(
            survey=survey,
            choices=choices,
            settings={},
            survey_header=header,
            choices_header=["list_name", "name", "label::English (en)", "label::Русский (ru)"],
        )
    )

    assert [(q["name"], q["required"]) for q in imported.questions] == [("q1", True), ("q2", False)]
    assert imported.languages == ["en", "ru"] and imported.questions[0]["labels"] == {"en": "Q1", "ru": "В1"}


def test_a_title_in_each_language_is_kept_and_pyxform_still_checks_the_form(db):
    from ovoz.operations.demo_surveys import demo_survey_workbook

    survey = survey_import(file=demo_survey_workbook(), file_name="demo.xlsx", publish=True)

    assert survey.titles["ru"] == "Джизак: безопасность сообщества (демо)"
    assert survey.titles["tg"] == "Ҷиззах: амнияти ҷамоат (намуна)"
    assert pyxform_problems(demo_survey_workbook()) == []
