"""Answering a survey's form, whatever the channel: its pages, which questions are asked (``relevant``),
reading an answer as typed text, and the required and constraint checks with the form's own messages.

Answers are kept as JSON between steps (a sealed web draft, a channel conversation): a string, a list of
choice names (select_multiple), or None. ``typed_answers`` turns them into the values the expression
evaluator reads (int, Decimal, date, list), and calculations are worked out in the form's order.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from ovoz.concerns.services.intake import POINT_DECIMALS
from ovoz.surveys.choices import ANSWERED_TYPES, QuestionType
from ovoz.surveys.expressions import ExpressionError, is_true, parse
from ovoz.surveys.models import Survey

MAX_TEXT = 2000
_GROUP_TYPES = (QuestionType.BEGIN_GROUP, QuestionType.BEGIN_REPEAT)
_END_TYPES = (QuestionType.END_GROUP, QuestionType.END_REPEAT)
_NUMBER_SPACES = re.compile(r"[\s\u00a0\u202f']")

Question = dict[str, Any]


def text_in(texts: dict[str, str], language: str, default_language: str) -> str:
    """A translated text in ``language``, else the form's default language, else any."""
    return texts.get(language) or texts.get(default_language) or next(iter(texts.values()), "")


@dataclass
class Page:
    """One page of the web form: a top-level group (with everything inside it) or a run of questions
    outside any group."""

    group: Question | None
    questions: list[Question] = field(default_factory=list)


def _references(source: str) -> frozenset[str]:
    if not source:
        return frozenset()
    try:
        return parse(source).references
    except ExpressionError:
        return frozenset()


def pages(survey: Survey) -> list[Page]:
    """The pages, in order. Without JavaScript a page cannot show a question once another on it is
    answered, so a question (or nested group) whose ``relevant`` reads an answer on the same page
    starts a new page of the same group."""
    result: list[Page] = []
    depth = 0
    split_pending = False
    for question in survey.questions:
        kind = question["type"]
        if kind in _END_TYPES:
            depth -= 1
            continue
        if depth == 0:
            if kind in _GROUP_TYPES:
                result.append(Page(group=question))
                split_pending = False
            elif not result or result[-1].group is not None:
                result.append(Page(group=None))
        elif kind in _GROUP_TYPES:
            on_page = {entry["name"] for entry in result[-1].questions}
            split_pending = split_pending or bool(_references(question.get("relevant", "")) & on_page)
        if kind in _GROUP_TYPES:
            depth += 1
            continue
        on_page = {entry["name"] for entry in result[-1].questions}
        if result[-1].questions and (split_pending or _references(question.get("relevant", "")) & on_page):
            result.append(Page(group=result[-1].group))
        split_pending = False
        result[-1].questions.append(question)
    return result


def _evaluate(source: str, answers: dict[str, Any], current: object = None) -> object:
    try:
        return parse(source).evaluate(answers, current=current)
    except (ExpressionError, TypeError, ValueError, ArithmeticError):
        return None


def typed_value(question: Question, raw: object) -> object:
    """A stored answer as the value expressions read (None when unanswered)."""
    if raw is None or raw == "" or raw == []:
        return None
    kind = question["type"]
    try:
        if kind == QuestionType.INTEGER:
            return int(str(raw))
        if kind == QuestionType.DECIMAL:
            return Decimal(str(raw))
        if kind == QuestionType.DATE:
            return datetime.date.fromisoformat(str(raw))
    except (ValueError, InvalidOperation):
        return None
    if kind == QuestionType.SELECT_MULTIPLE:
        return list(raw) if isinstance(raw, list) else str(raw).split()
    return raw


def typed_answers(survey: Survey, stored: dict[str, Any]) -> dict[str, object]:
    """The answers as expressions read them, calculations worked out in the form's order."""
    answers: dict[str, object] = {}
    for question in survey.questions:
        name, kind = question["name"], question["type"]
        if kind == QuestionType.CALCULATE:
            value = _evaluate(question.get("calculation", ""), answers)
            answers[name] = value if not isinstance(value, float) else Decimal(str(value))
        elif kind in ANSWERED_TYPES and name in stored:
            answers[name] = typed_value(question, stored[name])
    return answers


def relevant_names(survey: Survey, answers: dict[str, object]) -> set[str]:
    """The names of the rows asked with these answers: a row is asked when its own ``relevant`` and
    every enclosing group's hold."""
    asked: set[str] = set()
    stack: list[bool] = []
    for question in survey.questions:
        kind = question["type"]
        if kind in _END_TYPES:
            if stack:
                stack.pop()
            continue
        enclosing = all(stack)
        source = question.get("relevant", "")
        is_asked = enclosing and (not source or is_true(_evaluate(source, answers)))
        if is_asked:
            asked.add(question["name"])
        if kind in _GROUP_TYPES:
            stack.append(is_asked)
    return asked


def page_is_shown(page: Page, asked: set[str]) -> bool:
    if page.group is not None and page.group["name"] not in asked:
        return False
    return any(question["name"] in asked and question["type"] != QuestionType.CALCULATE for question in page.questions)


def _read(question: Question, submitted: Any) -> tuple[object, str | None]:
    """``submitted`` (text, or a list of texts for select_multiple) as the stored answer, or an error."""
    kind = question["type"]
    choice_names = [choice["name"] for choice in question.get("choices", [])]
    if kind == QuestionType.SELECT_MULTIPLE:
        values = [value for value in (submitted or []) if value]
        if any(value not in choice_names for value in values):
            return None, _("Choose from the list.")
        return ([name for name in choice_names if name in values] or None), None
    text = str(submitted or "").strip()
    if not text:
        return None, None
    if kind == QuestionType.SELECT_ONE:
        return (text, None) if text in choice_names else (None, _("Choose from the list."))
    if kind == QuestionType.INTEGER:
        try:
            return str(int(_NUMBER_SPACES.sub("", text))), None
        except ValueError:
            return None, _("Enter a whole number.")
    if kind == QuestionType.DECIMAL:
        try:
            number = Decimal(_NUMBER_SPACES.sub("", text).replace(",", "."))
        except InvalidOperation:
            return None, _("Enter a number.")
        return (str(number), None) if number.is_finite() else (None, _("Enter a number."))
    if kind == QuestionType.DATE:
        try:
            return datetime.date.fromisoformat(text).isoformat(), None
        except ValueError:
            return None, _("Enter a date as year-month-day, e.g. 2027-03-08.")
    if kind == QuestionType.GEOPOINT:
        parts = text.replace(",", " ").split()
        try:
            latitude, longitude = (round(float(part), POINT_DECIMALS) for part in parts[:2])
        except ValueError:
            return None, _("Enter latitude and longitude, e.g. 39.65 66.96.")
        if len(parts) < 2 or not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            return None, _("Enter latitude and longitude, e.g. 39.65 66.96.")
        # Kept coarse, as a concern's point is (about 1 km).
        return f"{latitude} {longitude}", None
    return text[:MAX_TEXT], None


def page_read(
    survey: Survey, page: Page, submitted: dict[str, Any], stored: dict[str, Any], language: str
) -> tuple[dict[str, Any], dict[str, str]]:
    """The page's answers read from ``submitted`` (question name -> text or list) over ``stored``,
    and the errors by question name: type, required and constraint, in ``language``."""
    updated = dict(stored)
    errors: dict[str, str] = {}
    for question in page.questions:
        if question["type"] not in ANSWERED_TYPES or question["type"] == QuestionType.CALCULATE:
            continue
        value, error = _read(question, submitted.get(question["name"]))
        updated[question["name"]] = value
        if error:
            errors[question["name"]] = error
    answers = typed_answers(survey, updated)
    asked = relevant_names(survey, answers)
    for question in page.questions:
        name = question["name"]
        if name in errors or question["type"] in (QuestionType.NOTE, QuestionType.CALCULATE):
            continue
        if name not in asked:
            updated.pop(name, None)  # not asked: an answer given before the skip is dropped
            continue
        value = answers.get(name)
        required = question.get("required") or (
            question.get("required_source") and is_true(_evaluate(question["required_source"], answers))
        )
        if value is None:
            if required:
                errors[name] = text_in(question.get("required_messages", {}), language, survey.default_language) or _(
                    "This question needs an answer."
                )
            continue
        constraint = question.get("constraint", "")
        if constraint and not is_true(_evaluate(constraint, answers, current=value)):
            errors[name] = text_in(question.get("constraint_messages", {}), language, survey.default_language) or _(
                "This answer is not accepted."
            )
    return updated, errors


def final_answers(survey: Survey, stored: dict[str, Any]) -> dict[str, Any]:
    """The answers kept at the end: those of asked questions, and the calculations' values as text."""
    answers = typed_answers(survey, stored)
    asked = relevant_names(survey, answers)
    kept: dict[str, Any] = {}
    for question in survey.questions:
        name, kind = question["name"], question["type"]
        if name not in asked or kind not in ANSWERED_TYPES:
            continue
        if kind == QuestionType.CALCULATE:
            value = answers.get(name)
            if isinstance(value, bool):
                kept[name] = "true" if value else "false"
            elif isinstance(value, datetime.date):
                kept[name] = value.isoformat()
            else:
                kept[name] = None if value is None else str(value)
        elif stored.get(name) not in (None, "", []):
            kept[name] = stored[name]
    return kept


def shown_pages(survey: Survey, stored: dict[str, Any]) -> list[Page]:
    """The pages a respondent with these answers so far is shown (skip logic can hide a whole page)."""
    asked = relevant_names(survey, typed_answers(survey, stored))
    return [page for page in pages(survey) if page_is_shown(page, asked)]


@dataclass(frozen=True)
class Step:
    """What a page's POST leads to: the answers kept, the errors to show, the page to show next, and
    whether the last page was read without error (the response can be stored)."""

    answers: dict[str, Any]
    errors: dict[str, str]
    index: int
    is_complete: bool


def page_step(survey: Survey, shown: list[Page], index: int, post: Any, stored: dict[str, Any], language: str) -> Step:
    """Read the answers of page ``index`` from a form's POST and go back, forward or to the end: the one
    step the web page and the enumerator's page share."""
    page = shown[index]
    submitted = {
        question["name"]: (
            post.getlist(question["name"])
            if question["type"] == QuestionType.SELECT_MULTIPLE
            else post.get(question["name"], "")
        )
        for question in page.questions
    }
    stored, errors = page_read(survey, page, submitted, stored, language)
    going_back = post.get("action") == "back"
    if not going_back and errors:
        return Step(stored, errors, index, is_complete=False)
    shown = shown_pages(survey, stored)
    position = next(
        (
            number
            for number, candidate in enumerate(shown)
            if candidate.group == page.group and candidate.questions == page.questions
        ),
        index,
    )
    if going_back:
        return Step(stored, {}, max(position - 1, 0), is_complete=False)
    if position + 1 < len(shown):
        return Step(stored, {}, position + 1, is_complete=False)
    return Step(stored, {}, position, is_complete=True)
