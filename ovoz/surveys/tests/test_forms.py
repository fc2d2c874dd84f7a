"""The three test XLSForms: committed as build_forms.py writes them, accepted or refused by pyxform as
ODK would, and every expression in the runnable two inside Ovoz's subset."""

import importlib
import json
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from ovoz.surveys.expressions import is_true, parse
from ovoz.surveys.tests.forms import build_forms

# Imported by name: pyxform ships no type hints, and this keeps mypy quiet with or without the project's
# ignore_missing_imports entry for it.
PyXFormError = importlib.import_module("pyxform.errors").PyXFormError
convert = importlib.import_module("pyxform.xls2xform").convert
FORMS = Path(build_forms.__file__).parent
RUNNABLE = {"community_safety": build_forms.community_safety, "every_type": build_forms.every_type}
EXPRESSION_COLUMNS = ("relevant", "constraint", "calculation")


def sheet_rows(path, title):
    sheet = load_workbook(path, read_only=True)[title]
    rows = [["" if cell is None else cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    return [row for row in rows if any(cell != "" for cell in row)]


def as_records(rows):
    header, *body = rows
    return [dict(zip(header, row, strict=False)) for row in body]


def padded(rows):
    width = max(len(row) for row in rows)
    return [[("" if cell is None else cell) for cell in row] + [""] * (width - len(row)) for row in rows]


@pytest.mark.parametrize(
    ("name", "sheets"),
    [(name, build()) for name, build in RUNNABLE.items()] + [("refused", build_forms.refused()[0])],
)
def test_committed_workbooks_are_what_the_script_writes(name, sheets):
    for title, rows in sheets.items():
        assert padded(sheet_rows(FORMS / f"{name}.xlsx", title)) == padded(rows), (name, title)


def test_committed_expected_problems_are_what_the_script_writes():
    expected = json.loads((FORMS / "refused.expected.json").read_text(encoding="utf-8"))
    assert expected == build_forms.refused()[1]
    assert {problem["code"] for problem in expected} == {
        "type_unsupported",
        "choices_missing",
        "expression_invalid",
        "reference_unknown",
        "choice_name_missing",
    }
    assert {problem["sheet"] for problem in expected} == {"survey", "choices"}


@pytest.mark.parametrize("name", sorted(RUNNABLE))
def test_runnable_forms_convert_with_pyxform(name):
    result = convert(xlsform=str(FORMS / f"{name}.xlsx"))
    assert "<h:html" in result.xform
    assert result.warnings == []


def test_refused_form_is_refused_by_pyxform_too():
    with pytest.raises(PyXFormError):
        convert(xlsform=str(FORMS / "refused.xlsx"))


@pytest.mark.parametrize("name", sorted(RUNNABLE))
def test_every_expression_of_the_runnable_forms_is_in_the_subset_and_names_its_questions(name):
    questions = as_records(sheet_rows(FORMS / f"{name}.xlsx", "survey"))
    names = {question["name"] for question in questions if question["name"]}
    seen = 0
    for question in questions:
        for column in EXPRESSION_COLUMNS:
            if question.get(column):
                assert parse(question[column]).references <= names, (question["name"], column)
                seen += 1
    assert seen >= 6


def test_refused_form_holds_expressions_outside_the_subset_and_unknown_references():
    questions = as_records(sheet_rows(FORMS / "refused.xlsx", "survey"))
    names = {question["name"] for question in questions}
    outcomes = []
    for question in questions:
        for column in EXPRESSION_COLUMNS:
            if question.get(column):
                try:
                    outcomes.append(sorted(parse(question[column]).references - names))
                except ValueError as refused:
                    outcomes.append(refused.code)
    assert outcomes == [[], "function", ["minimum_age"], "function"]


def test_community_safety_survey_is_real_shaped():
    rows = sheet_rows(FORMS / "community_safety.xlsx", "survey")
    header = rows[0]
    for language in ("English (en)", "Russian (ru)", "Uzbek (uz)", "Tajik (tg)", "Kyrgyz (ky)", "Kazakh (kk)"):
        assert f"label::{language}" in header
        assert f"hint::{language}" in header
        assert f"constraint_message::{language}" in header
    questions = as_records(rows)
    types = [question["type"].split()[0] for question in questions]
    answered = [kind for kind in types if kind not in ("note", "begin_group", "end_group")]
    assert 28 <= len(answered) <= 34
    assert {"select_one", "select_multiple", "integer", "text", "date", "geopoint", "calculate"} <= set(types)
    assert types.count("begin_group") == types.count("end_group") >= 5
    marks = {question["name"]: question["ovoz::mark"] for question in questions if question["ovoz::mark"]}
    assert [name for name, mark in marks.items() if mark != "sensitive"] == ["gender", "age", "district"]
    assert {name for name, mark in marks.items() if mark == "sensitive"} >= {"violence_experienced", "violence_forms"}
    by_name = {question["name"]: question for question in questions}
    assert by_name["age"]["constraint"] == ". >= 15 and . <= 110"
    assert by_name["age"]["constraint_message::Tajik (tg)"]
    assert by_name["first_step"]["type"] == "text" and by_name["first_step"]["required"] == "yes"
    for question in questions:  # every question and note reads in every language
        if question["type"] not in ("end_group", "calculate"):
            assert all(question[column] for column in header if column.startswith("label::")), question["name"]
    settings = as_records(sheet_rows(FORMS / "community_safety.xlsx", "settings"))[0]
    assert settings["default_language"] == "English (en)" and settings["form_id"] and settings["version"]


def test_community_safety_choices_are_translated_and_named_plainly():
    choices = as_records(sheet_rows(FORMS / "community_safety.xlsx", "choices"))
    assert len(choices) > 60
    for choice in choices:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", choice["name"]), choice
        assert all(choice[key] for key in choice if key.startswith("label::")), choice


def test_community_safety_skip_logic_asks_follow_ups_only_after_yes():
    questions = {
        question["name"]: question for question in as_records(sheet_rows(FORMS / "community_safety.xlsx", "survey"))
    }

    def asked(name, answers):
        return is_true(parse(questions[name]["relevant"]).evaluate(answers))

    assert asked("violence_forms", {"violence_experienced": "yes"})
    assert not asked("violence_forms", {"violence_experienced": "refuse"})
    assert not asked("violence_forms", {})
    assert asked("top_concerns_other", {"top_concerns": ["theft", "other"]})
    assert not asked("top_concerns_other", {"top_concerns": ["theft"]})
    assert not asked("respondent", {"consent": "no"})
    at_most_three = parse(questions["what_would_help"]["constraint"])
    assert at_most_three.evaluate({}, current=["jobs", "dialogue", "other"]) is True
    assert at_most_three.evaluate({}, current=["jobs", "dialogue", "other", "water_sharing"]) is False


def test_every_type_form_has_each_supported_type_once_at_least():
    questions = as_records(sheet_rows(FORMS / "every_type.xlsx", "survey"))
    types = {question["type"].split()[0] for question in questions}
    assert types == {
        "text",
        "integer",
        "decimal",
        "select_one",
        "select_multiple",
        "date",
        "geopoint",
        "note",
        "calculate",
        "begin_group",
        "end_group",
        "begin_repeat",
        "end_repeat",
    }
    assert any(question["required"] for question in questions)
    assert any(question["relevant"] for question in questions)
    assert all(
        question["constraint_message::English (en)"] and question["constraint_message::Russian (ru)"]
        for question in questions
        if question["constraint"]
    )
