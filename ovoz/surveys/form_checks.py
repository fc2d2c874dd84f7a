"""Whether Ovoz can run an XLSForm fully, and the definition it runs (``Survey.definition``).

``form_check(data)`` reads the workbook (``ovoz.surveys.forms``), has pyxform convert it as ODK would,
and adds Ovoz's own checks: supported types only, every expression parsed by Ovoz's evaluator with
its references known, choice lists present, languages mapped, marks known. It returns the definition,
or raises ``FormRefused`` with every problem found, each with its sheet, row and column.

Problem codes (stable): workbook_unreadable, sheet_missing, column_missing, type_missing,
type_unsupported, name_missing, name_invalid, name_duplicate, label_missing, choices_missing,
choice_name_missing, choice_duplicate, calculation_missing, expression_invalid, reference_unknown,
language_unknown, mark_unknown, mark_duplicate, group_unmatched, group_unclosed, column_unsupported,
xlsform_invalid (pyxform's own refusal).
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from io import BytesIO
from typing import Any

from django.utils.translation import gettext_lazy as _
from pyxform.errors import PyXFormError
from pyxform.xls2json_backends import get_xlsform
from pyxform.xls2xform import convert

from ovoz.concerns.language import language_detect
from ovoz.surveys import expressions
from ovoz.surveys.choices import ANSWERED_TYPES, Mark, QuestionType
from ovoz.surveys.errors import FormProblem, FormRefused
from ovoz.surveys.forms import (
    CHOICES_SHEET,
    MARK_COLUMN,
    SETTINGS_SHEET,
    SHEETS,
    SURVEY_SHEET,
    TRANSLATED_COLUMNS,
    Row,
    Sheet,
    WorkbookUnreadable,
    ovoz_language,
    workbook_read,
)

TYPE_ALIASES = {
    "text": QuestionType.TEXT,
    "string": QuestionType.TEXT,
    "integer": QuestionType.INTEGER,
    "int": QuestionType.INTEGER,
    "decimal": QuestionType.DECIMAL,
    "date": QuestionType.DATE,
    "geopoint": QuestionType.GEOPOINT,
    "note": QuestionType.NOTE,
    "calculate": QuestionType.CALCULATE,
    "begin group": QuestionType.BEGIN_GROUP,
    "begin_group": QuestionType.BEGIN_GROUP,
    "end group": QuestionType.END_GROUP,
    "end_group": QuestionType.END_GROUP,
    "begin repeat": QuestionType.BEGIN_REPEAT,
    "begin_repeat": QuestionType.BEGIN_REPEAT,
    "end repeat": QuestionType.END_REPEAT,
    "end_repeat": QuestionType.END_REPEAT,
}
_SELECT = re.compile(
    r"^(?P<kind>select_one|select one|select1|select_multiple|select all that apply)\s+(?P<list>\S+)$",
    re.IGNORECASE,
)
# KoboToolbox and ODK add these to record the submission itself; they ask the respondent nothing, and
# Ovoz records none of them (no device ids, no phone numbers).
METADATA_TYPES = frozenset(
    {
        "start",
        "end",
        "today",
        "deviceid",
        "imei",
        "username",
        "simserial",
        "subscriberid",
        "phonenumber",
        "email",
        "audit",
    }
)
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
_BOOLEAN_REQUIRED = {"yes": True, "true": True, "true()": True, "no": False, "false": False, "false()": False}
EXPRESSION_COLUMNS = ("relevant", "constraint", "calculation", "required")
UNSUPPORTED_COLUMNS = ("choice_filter",)
_PYXFORM_ROW = re.compile(r"\[row\s*:\s*(\d+)\]")
_PYXFORM_SHEET = re.compile(r"'(survey|choices|settings)' sheet", re.IGNORECASE)
_PYXFORM_COLUMN = re.compile(r"the '([^']+)' (?:value|column)", re.IGNORECASE)


class _Checker:
    def __init__(self, sheets: dict[str, Sheet]) -> None:
        self.sheets = sheets
        self.problems: list[FormProblem] = []
        self.languages: dict[str, str] = {}  # language tag as written -> Ovoz language
        self.default_language = ""

    def problem(self, sheet: Sheet | str, row: int | None, column: str | None, code: str, message: Any) -> None:
        name = sheet.name if isinstance(sheet, Sheet) else sheet
        self.problems.append(FormProblem(sheet=name, row=row, column=column, code=code, message=message))

    # Languages -------------------------------------------------------------------------------------

    def map_languages(self) -> None:
        for sheet in self.sheets.values():
            for column in sheet.columns:
                if column.key not in TRANSLATED_COLUMNS or not column.language_tag:
                    continue
                language = ovoz_language(column.language_tag)
                if language is None:
                    self.problem(
                        sheet,
                        1,
                        column.header,
                        "language_unknown",
                        _("“%(language)s” is not one of Ovoz's languages (ru, uz, tg, ky, kk, kaa, en).")
                        % {"language": column.language_tag},
                    )
                else:
                    self.languages[column.language_tag] = language
        settings_sheet = self.sheets.get(SETTINGS_SHEET)
        header = settings_sheet.header_for("default_language") if settings_sheet else None
        written = settings_sheet.rows[0].get(header) if settings_sheet and settings_sheet.rows and header else ""
        if written and settings_sheet is not None:
            language = ovoz_language(written)
            if language is None:
                self.problem(
                    settings_sheet,
                    settings_sheet.rows[0].number,
                    header,
                    "language_unknown",
                    _("“%(language)s” is not one of Ovoz's languages (ru, uz, tg, ky, kk, kaa, en).")
                    % {"language": written},
                )
            self.default_language = language or ""
        if not self.default_language:
            self.default_language = self._guess_default_language()

    def _guess_default_language(self) -> str:
        """The language of columns without a language tag: detected from their labels, else the
        form's first language, else English."""
        survey = self.sheets.get(SURVEY_SHEET)
        plain = survey.header_for("label") if survey else None
        if survey and plain and not any(c.header == plain and c.language_tag for c in survey.columns):
            text = " ".join(row.get(plain) for row in survey.rows)
            detected = language_detect(text)
            if detected:
                return detected
        return next(iter(self.languages.values()), "en")

    def translations(self, sheet: Sheet, row: Row, key: str) -> dict[str, str]:
        texts: dict[str, str] = {}
        for column in sheet.translated(key):
            text = row.get(column.header)
            language = self.languages.get(column.language_tag) if column.language_tag else self.default_language
            if text and language:
                texts.setdefault(language, text)
        return texts

    # Choices ---------------------------------------------------------------------------------------

    def read_choices(self) -> dict[str, list[dict[str, Any]]]:
        sheet = self.sheets.get(CHOICES_SHEET)
        lists: dict[str, list[dict[str, Any]]] = {}
        if sheet is None:
            return lists
        list_header, name_header = sheet.header_for("list_name"), sheet.header_for("name")
        for key, header in (("list_name", list_header), ("name", name_header)):
            if header is None:
                self.problem(
                    sheet,
                    1,
                    key,
                    "column_missing",
                    _("The choices sheet needs a “%(column)s” column.") % {"column": key},
                )
        if list_header is None or name_header is None:
            return lists
        seen: set[tuple[str, str]] = set()
        for row in sheet.rows:
            list_name, name = row.get(list_header), row.get(name_header)
            if not list_name and not name:
                continue  # a row of other columns only (media, filters) holds no choice
            if not list_name or not name:
                column = list_header if not list_name else name_header
                self.problem(
                    sheet, row.number, column, "choice_name_missing", _("This choice needs a list name and a name.")
                )
                continue
            if (list_name, name) in seen:
                self.problem(
                    sheet,
                    row.number,
                    name_header,
                    "choice_duplicate",
                    _("The list “%(list)s” already has a choice named “%(name)s”.") % {"list": list_name, "name": name},
                )
                continue
            seen.add((list_name, name))
            labels = self.translations(sheet, row, "label")
            if not labels:
                self.problem(
                    sheet, row.number, "label", "label_missing", _("This choice has no label in any language.")
                )
            lists.setdefault(list_name, []).append({"name": name, "labels": labels, "row": row.number})
        return lists

    # Survey ----------------------------------------------------------------------------------------

    def read_questions(self, lists: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
        sheet = self.sheets.get(SURVEY_SHEET)
        if sheet is None:
            self.problem(SURVEY_SHEET, None, None, "sheet_missing", _("The workbook has no “survey” sheet."))
            return []
        type_header, name_header = sheet.header_for("type"), sheet.header_for("name")
        for key, header in (("type", type_header), ("name", name_header)):
            if header is None:
                self.problem(
                    sheet,
                    1,
                    key,
                    "column_missing",
                    _("The survey sheet needs a “%(column)s” column.") % {"column": key},
                )
        if type_header is None or name_header is None:
            return []
        questions: list[dict[str, Any]] = []
        names: Counter[str] = Counter()
        stack: list[dict[str, Any]] = []
        marks: dict[str, int] = {}
        for row in sheet.rows:
            written_type = " ".join(row.get(type_header).split())
            if not written_type:
                self.problem(sheet, row.number, type_header, "type_missing", _("This row has no type."))
                continue
            if written_type.lower() in METADATA_TYPES:
                continue
            select = _SELECT.match(written_type)
            list_name = ""
            if select:
                kind = select["kind"].lower()
                question_type = (
                    QuestionType.SELECT_ONE
                    if kind in ("select_one", "select one", "select1")
                    else QuestionType.SELECT_MULTIPLE
                )
                list_name = select["list"]
                if list_name not in lists:
                    self.problem(
                        sheet,
                        row.number,
                        type_header,
                        "choices_missing",
                        _("The choices sheet has no list named “%(list)s”.") % {"list": list_name},
                    )
            elif written_type.lower() in TYPE_ALIASES:
                question_type = TYPE_ALIASES[written_type.lower()]
            else:
                self.problem(
                    sheet,
                    row.number,
                    type_header,
                    "type_unsupported",
                    _("Ovoz cannot ask questions of type “%(type)s”.") % {"type": written_type},
                )
                continue
            name = row.get(name_header)
            is_end = question_type in (QuestionType.END_GROUP, QuestionType.END_REPEAT)
            if is_end:
                opening = (
                    QuestionType.BEGIN_GROUP if question_type == QuestionType.END_GROUP else QuestionType.BEGIN_REPEAT
                )
                if not stack or stack[-1]["type"] != opening:
                    self.problem(
                        sheet,
                        row.number,
                        type_header,
                        "group_unmatched",
                        _("This row ends a group or repeat that was not begun."),
                    )
                else:
                    stack.pop()
                questions.append({"name": name, "type": question_type.value, "row": row.number})
                continue
            if not name:
                self.problem(sheet, row.number, name_header, "name_missing", _("This row has no name."))
            elif not _NAME.match(name):
                self.problem(
                    sheet,
                    row.number,
                    name_header,
                    "name_invalid",
                    _("“%(name)s” is not a valid name: start with a letter and use letters, digits and _ only.")
                    % {"name": name},
                )
            elif names[name]:
                self.problem(
                    sheet,
                    row.number,
                    name_header,
                    "name_duplicate",
                    _("Another row is also named “%(name)s”.") % {"name": name},
                )
            names[name] += 1
            labels = self.translations(sheet, row, "label")
            if not labels and question_type in (ANSWERED_TYPES | {QuestionType.NOTE}) - {QuestionType.CALCULATE}:
                self.problem(
                    sheet,
                    row.number,
                    sheet.header_for("label") or "label",
                    "label_missing",
                    _("This question has no label in any language."),
                )
            if question_type == QuestionType.CALCULATE and not row.get(sheet.header_for("calculation")):
                self.problem(
                    sheet,
                    row.number,
                    "calculation",
                    "calculation_missing",
                    _("A calculation needs a formula in the calculation column."),
                )
            for key in UNSUPPORTED_COLUMNS:
                header = sheet.header_for(key)
                if row.get(header):
                    self.problem(
                        sheet,
                        row.number,
                        header,
                        "column_unsupported",
                        _("Ovoz cannot run “%(column)s” yet.") % {"column": key},
                    )
            mark = row.get(sheet.header_for(MARK_COLUMN)).strip().lower()
            if mark and mark not in Mark.values:
                self.problem(
                    sheet,
                    row.number,
                    sheet.header_for(MARK_COLUMN),
                    "mark_unknown",
                    _("“%(mark)s” is not a mark: use gender, age, area or sensitive.") % {"mark": mark},
                )
                mark = ""
            elif mark and mark != Mark.SENSITIVE:
                if mark in marks:
                    self.problem(
                        sheet,
                        row.number,
                        sheet.header_for(MARK_COLUMN),
                        "mark_duplicate",
                        _("Row %(row)d is already marked “%(mark)s”.") % {"row": marks[mark], "mark": mark},
                    )
                marks[mark] = row.number
            required_text = row.get(sheet.header_for("required"))
            question: dict[str, Any] = {
                "name": name,
                "type": question_type.value,
                "row": row.number,
                "labels": labels,
                "hints": self.translations(sheet, row, "hint"),
                "list_name": list_name,
                "choices": [
                    {"name": choice["name"], "labels": choice["labels"]} for choice in lists.get(list_name, [])
                ],
                "required": _BOOLEAN_REQUIRED.get(required_text.lower(), bool(required_text)),
                "required_source": "" if required_text.lower() in _BOOLEAN_REQUIRED else required_text,
                "required_messages": self.translations(sheet, row, "required_message"),
                "relevant": row.get(sheet.header_for("relevant")),
                "constraint": row.get(sheet.header_for("constraint")),
                "constraint_messages": self.translations(sheet, row, "constraint_message"),
                "calculation": row.get(sheet.header_for("calculation")),
                "appearance": row.get(sheet.header_for("appearance")),
                "group": [entry["name"] for entry in stack],
                "in_repeat": any(entry["type"] == QuestionType.BEGIN_REPEAT for entry in stack),
                "mark": mark,
            }
            questions.append(question)
            if question_type in (QuestionType.BEGIN_GROUP, QuestionType.BEGIN_REPEAT):
                stack.append(question)
        for unclosed in stack:
            self.problem(
                sheet, unclosed["row"], type_header, "group_unclosed", _("This group or repeat is never ended.")
            )
        self.check_expressions(sheet, questions, set(names))
        return questions

    def check_expressions(self, sheet: Sheet, questions: list[dict[str, Any]], names: set[str]) -> None:
        for question in questions:
            for key in EXPRESSION_COLUMNS:
                source = question.get("required_source" if key == "required" else key, "")
                if not source:
                    continue
                header = sheet.header_for(key) or key
                try:
                    parsed = expressions.parse(source)
                except expressions.ExpressionError as error:
                    self.problem(
                        sheet,
                        question["row"],
                        header,
                        "expression_invalid",
                        _("Ovoz cannot read “%(expression)s” (at character %(position)s): %(reason)s")
                        % {"expression": source, "position": error.position + 1, "reason": error.message},
                    )
                    continue
                for reference in sorted(parsed.references - names):
                    self.problem(
                        sheet,
                        question["row"],
                        header,
                        "reference_unknown",
                        _("${%(name)s} names no question of this form.") % {"name": reference},
                    )

    def titles(self, fallback: str) -> tuple[dict[str, str], str, str]:
        sheet = self.sheets.get(SETTINGS_SHEET)
        if sheet is None or not sheet.rows:
            return {self.default_language: fallback}, "", ""
        row = sheet.rows[0]
        titles = self.translations(sheet, row, "form_title") or {
            self.default_language: row.get(sheet.header_for("form_id")) or fallback
        }
        return titles, row.get(sheet.header_for("form_id")), row.get(sheet.header_for("version"))


def pyxform_problems(data: bytes) -> list[FormProblem]:
    """pyxform's own refusal of the workbook (it stops at the first), as a problem with its row when
    the message names one."""
    try:
        workbook = get_xlsform(xlsform=BytesIO(data), file_type=".xlsx")
        # Ovoz's own column means nothing to ODK: pyxform would read it as a translation.
        for key in ("survey", "survey_header"):
            rows = getattr(workbook, key) or []
            setattr(workbook, key, [{k: v for k, v in row.items() if k.lower() != MARK_COLUMN} for row in rows])
        # Ovoz reads a title per language (form_title::Russian (ru)); pyxform takes one plain title only.
        for key in ("settings", "settings_header"):
            rows = getattr(workbook, key) or []
            setattr(workbook, key, [_plain_title(row) for row in rows])
        convert(xlsform=dataclasses.asdict(workbook))
    except PyXFormError as error:
        text = str(error)
        row = _PYXFORM_ROW.search(text)
        sheet = _PYXFORM_SHEET.search(text)
        column = _PYXFORM_COLUMN.search(text)
        return [
            FormProblem(
                sheet=sheet[1].lower() if sheet else SURVEY_SHEET,
                row=int(row[1]) if row else None,
                column=column[1] if column else None,
                code="xlsform_invalid",
                message=text,
            )
        ]
    except Exception as error:  # pyxform fails on some broken workbooks with plain errors
        return [FormProblem(sheet=SURVEY_SHEET, row=None, column=None, code="xlsform_invalid", message=str(error))]
    return []


def _plain_title(row: dict[str, Any]) -> dict[str, Any]:
    """The settings row with one plain title: pyxform cannot convert form_title::<language> columns."""
    translated = [value for key, value in row.items() if str(key).lower().startswith("form_title::")]
    plain = {key: value for key, value in row.items() if not str(key).lower().startswith("form_title::")}
    if translated and not plain.get("form_title"):
        plain["form_title"] = next((str(value) for value in translated if value), None)
    return plain


def form_check(data: bytes, *, fallback_title: str = "") -> dict[str, Any]:
    """The definition Ovoz runs for the workbook ``data``, or ``FormRefused`` with every problem."""
    try:
        sheets = workbook_read(data)
    except WorkbookUnreadable:
        problem = FormProblem(
            sheet="",
            row=None,
            column=None,
            code="workbook_unreadable",
            message=_("This file is not an .xlsx workbook."),
        )
        raise FormRefused([problem]) from None
    checker = _Checker(sheets)
    checker.map_languages()
    lists = checker.read_choices()
    questions = checker.read_questions(lists)
    titles, form_id, version = checker.titles(fallback_title or "survey")
    problems = checker.problems
    located = {(problem.sheet.lower(), problem.row) for problem in problems}
    # pyxform's refusal is left out when Ovoz already named a problem on the same row.
    problems += [
        problem
        for problem in pyxform_problems(data)
        if not problems or (problem.row is not None and (problem.sheet, problem.row) not in located)
    ]
    if problems:
        order = {name: index for index, name in enumerate(SHEETS)}
        problems.sort(key=lambda p: (order.get(p.sheet.lower(), -1), p.row or 0, p.column or ""))
        raise FormRefused(problems)
    languages = sorted(
        {checker.default_language, *checker.languages.values()},
        key=lambda code: (code != checker.default_language, code),
    )
    return {
        "form_id": form_id,
        "version": version,
        "titles": titles,
        "default_language": checker.default_language,
        "languages": languages,
        "questions": questions,
    }
