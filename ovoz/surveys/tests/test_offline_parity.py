"""The offline page's evaluator (static/ovoz/xlsform.js, in Debian's Chromium) gives the same values as the
server's (expressions.py, xpath.py) for the same expressions and answers, and the same pages, skips and
errors as answering.py for the same form."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from ovoz.surveys import answering, offline
from ovoz.surveys.expressions import parse, tree_json
from ovoz.surveys.services import survey_import
from ovoz.surveys.tests.workbooks import SURVEY_HEADER, SURVEY_ROWS, workbook_bytes
from ovoz.surveys.xpath import to_string

pytestmark = [pytest.mark.browser, pytest.mark.slow]

XLSFORM_JS = Path(__file__).resolve().parents[2] / "static" / "ovoz" / "xlsform.js"
TODAY = datetime.date(2026, 12, 3)

ANSWERS: dict[str, object] = {
    "age": 19,
    "name": "Ali",
    "places": ["street", "market"],
    "born": datetime.date(1990, 5, 1),
    "phone": "+998901234567",
    "missing": None,
    "ratio": Decimal("2.5"),
    "flag": True,
}

# (expression, the current value "." stands for)
CASES: list[tuple[str, object]] = [
    ("1 + 2 * 3", None),
    ("7 div 2", None),
    ("7 mod 3", None),
    ("-7 mod 3", None),
    ("7.5 mod 0", None),
    ("1 div 0", None),
    ("-1 div 0", None),
    ("0 div 0", None),
    ("5 div -0", None),
    ("0.1 + 0.2", None),
    ("1 div 3", None),
    ("1 div 30000000", None),
    ("100000000000000000000 * 10", None),
    ("--3", None),
    ("${age} > 15", None),
    ("${age} = ''", None),
    ("${missing} = ''", None),
    ("${missing} > 3", None),
    ("${name} = 'Ali'", None),
    ("${places} = 'street market'", None),
    ("${ratio} * 2", None),
    ("${age} * 1.5", None),
    ("${flag} = true()", None),
    ("${flag} = 'x'", None),
    ("${age} < 'abc'", None),
    ("'abc' < 'abd'", None),
    ("'10' < '9'", None),
    ("'10' = 10", None),
    ("selected(${places}, 'market')", None),
    ("selected(${places}, ' street ')", None),
    ("selected(${places}, 'mar')", None),
    ("count-selected(${places})", None),
    ("count-selected(${missing})", None),
    ("selected-at(${places}, 1)", None),
    ("selected-at(${places}, 1.7)", None),
    ("selected-at(${places}, 5)", None),
    ("string-length(${name})", None),
    ("string-length(.)", "Дилноза"),
    ("string-length()", "abc"),
    ("concat(${name}, '-', ${age}, '-', ${born}, '-', 1 div 4)", None),
    ("int(7.9)", None),
    ("int(-7.9)", None),
    ("int('x')", None),
    ("number('12.5')", None),
    ("number(' 12 ')", None),
    ("number('abc')", None),
    ("number('1e3')", None),
    ("string(1 div 3)", None),
    ("string(0.00001)", None),
    ("round(2.675, 2)", None),
    ("round(-2.5)", None),
    ("round(2.5)", None),
    ("round(1234.5678, -2)", None),
    ("round(0.00001234, 6)", None),
    ("round(1 div 3, 3)", None),
    ("round(99.95, 1)", None),
    ("coalesce(${missing}, 'x')", None),
    ("coalesce(${name}, 'x')", None),
    ("contains(${name}, 'li')", None),
    ("starts-with(${name}, 'A')", None),
    ("ends-with(${name}, 'i')", None),
    ("ends-with(${name}, 'Alis')", None),
    ("today()", None),
    ("today() > ${born}", None),
    ("date('2024-02-29')", None),
    ("date('2023-02-29')", None),
    ("date(19000)", None),
    ("date(19000.7)", None),
    ("date('soon')", None),
    ("${born} < '2000-01-01'", None),
    ("${born} = '1990-05-01'", None),
    ("${born} + 1", None),
    ("date(${born} + 31)", None),
    ("${born} > today()", None),
    ("regex(${phone}, '^\\+?[0-9]{9,12}$')", None),
    ("regex(., '^[A-Z]')", "Bobur"),
    ("regex(., '^[A-Z]')", "bobur"),
    ("if(${age} >= 18, 'adult', 'minor')", None),
    ("not(${age} > 18) or ${name} != ''", None),
    ("true() and false()", None),
    ("boolean('0')", None),
    ("boolean(0)", None),
    ("boolean(${missing})", None),
    (". >= 16 and . <= 110", 19),
    (". >= 16 and . <= 110", 7),
    (". > 1.5", Decimal("1.75")),
    (". = 'yes'", "yes"),
]

RUN_CASES = """(cases) => {
  const X = window.OvozXlsform;
  const decode = (value) => value && typeof value === "object" && !Array.isArray(value) && "date" in value
    ? X.evaluate({f: "date", a: [{s: value.date}]}, {}) : value;
  const encode = (value) => value === null ? null : typeof value === "boolean" ? ["b", value]
    : typeof value === "number" ? ["n", X.toString(value)] : value instanceof X.XDate ? ["d", value.iso()] : ["s", value];
  const today = decode({date: cases.today});
  const answers = {};
  for (const [name, value] of Object.entries(cases.answers)) { answers[name] = decode(value); }
  return cases.trees.map(([tree, current]) => encode(X.evaluate(tree, answers, decode(current), today)));
}"""

RUN_FORM = """(input) => {
  const X = window.OvozXlsform;
  const form = input.form;
  return input.runs.map((run) => {
    const shown = X.shownPages(form, run.stored);
    const asked = Object.keys(X.relevantNames(form, X.typedAnswers(form, run.stored))).sort();
    const page = form.pages[shown[run.page]];
    const read = X.pageRead(form, page, run.submitted, run.stored, run.language, input.messages);
    return {shown, asked, errors: read.errors, after: X.shownPages(form, read.answers)};
  });
}"""


def _json_value(value: object) -> object:
    if isinstance(value, datetime.date):
        return {"date": value.isoformat()}
    if isinstance(value, Decimal):
        return float(value)
    return value


def _python_result(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, bool):
        return ["b", value]
    if isinstance(value, float):
        return ["n", to_string(value)]
    if isinstance(value, datetime.date):
        return ["d", value.isoformat()]
    return ["s", value]


@pytest.fixture
def evaluator_page(chromium):
    context = chromium.new_context()
    page = context.new_page()
    page.set_content("<!doctype html><title>parity</title>")
    page.add_script_tag(path=str(XLSFORM_JS))
    yield page
    context.close()


def test_the_browser_evaluates_every_expression_as_the_server_does(evaluator_page):
    expected = []
    for source, current in CASES:
        try:
            value = parse(source).evaluate(ANSWERS, current=current, today=TODAY)
        except (TypeError, ValueError, ArithmeticError):
            value = None
        expected.append(_python_result(value))
    trees = [[tree_json(parse(source).tree), _json_value(current)] for source, current in CASES]
    answers = {name: _json_value(value) for name, value in ANSWERS.items()}

    found = evaluator_page.evaluate(RUN_CASES, {"trees": trees, "answers": answers, "today": TODAY.isoformat()})

    differences = [
        (source, python, browser)
        for (source, _current), python, browser in zip(CASES, expected, found, strict=True)
        if python != browser
    ]
    assert differences == []


SKIP_ROWS = [
    *SURVEY_ROWS[:-1],
    {"type": "begin_group", "name": "extra", "label::English (en)": "More", "relevant": "${age} >= 60"},
    {"type": "date", "name": "since", "label::English (en)": "Since when?", "required": "yes"},
    {
        "type": "decimal",
        "name": "income",
        "label::English (en)": "Income",
        "constraint": ". > 0 and . < 1000000",
    },
    {"type": "end_group", "name": ""},
    SURVEY_ROWS[-1],
]

MESSAGES = {
    "required": "This question needs an answer.",
    "notAccepted": "This answer is not accepted.",
    "choose": "Choose from the list.",
    "whole": "Enter a whole number.",
    "number": "Enter a number.",
    "date": "Enter a date as year-month-day, e.g. 2027-03-08.",
    "geopoint": "Enter latitude and longitude, e.g. 39.65 66.96.",
}

RUNS: list[dict[str, Any]] = [
    {"stored": {}, "page": 0, "submitted": {"gender": "", "age": "7"}, "language": "en"},
    {"stored": {}, "page": 0, "submitted": {"gender": "woman", "age": "19"}, "language": "tg"},
    {"stored": {}, "page": 0, "submitted": {"gender": "cat", "age": "1 9"}, "language": "en"},
    {"stored": {}, "page": 0, "submitted": {"gender": "man", "age": "nineteen"}, "language": "en"},
    {"stored": {"gender": "man", "age": "61"}, "page": 1, "submitted": {"violence_home": "yes"}, "language": "en"},
    {
        "stored": {"gender": "man", "age": "61", "violence_home": "yes"},
        "page": 2,
        "submitted": {"unsafe_places": ["street", "moon"], "comment": "  x  "},
        "language": "en",
    },
    {
        "stored": {"gender": "man", "age": "61", "violence_home": "no"},
        "page": 2,
        "submitted": {"since": "2027-02-30", "income": "-5"},
        "language": "en",
    },
    {
        "stored": {"gender": "man", "age": "61", "violence_home": "no"},
        "page": 2,
        "submitted": {"since": "2027-02-28", "income": "1 500,5"},
        "language": "en",
    },
]


@pytest.mark.django_db
def test_the_browser_shows_skips_and_checks_the_form_as_the_server_does(evaluator_page):
    survey = survey_import(file=workbook_bytes(SKIP_ROWS, survey_header=SURVEY_HEADER), publish=True)
    form = offline.form_definition(survey)
    all_pages = answering.pages(survey)
    expected = []
    with translation.override("en"):
        for run in RUNS:
            shown = answering.shown_pages(survey, run["stored"])
            asked = sorted(answering.relevant_names(survey, answering.typed_answers(survey, run["stored"])))
            updated, errors = answering.page_read(
                survey, shown[run["page"]], run["submitted"], run["stored"], run["language"]
            )
            after = answering.shown_pages(survey, updated)
            expected.append(
                {
                    "shown": [all_pages.index(page) for page in shown],
                    "asked": asked,
                    "errors": errors,
                    "after": [all_pages.index(page) for page in after],
                }
            )

    found = evaluator_page.evaluate(RUN_FORM, {"form": form, "runs": RUNS, "messages": MESSAGES})

    assert found == expected
