"""Results by two dimensions at once (gender within an area, age band by gender...), read from the same
``ResultCount`` rollups as the single breakdowns (issue 16).

A crossed table is shown whole or not at all, per question. It is shown only when

- the question is not sensitive;
- nothing is hidden in the figures shown next to it: the question's overall column and its single
  breakdown by each of the two dimensions (the very tables ``results.question_result`` shows on their
  own pages, with their own suppression);
- every cell of the crossing, on every line (who answered, and each choice), is at least 5; and
- every cell an attacker can work out from it is 0 or at least 5: those who gave one dimension but not
  the other (a group's total minus its shown cells), and those who gave neither.

So a crossing never has a hidden cell to recover, and what it adds cannot help recover a hidden cell
elsewhere: it only says things about the two dimensions it crosses, whose own tables are then shown
whole, and a hidden figure of the third dimension is a sum across both of them, which only the overall
figures (already shown with that dimension) touch. ADR 0014 writes the argument out; the tests attack
every figure of every page with linear algebra.
"""

from __future__ import annotations

from typing import Any

from ovoz.surveys import statistics
from ovoz.surveys.models import Survey
from ovoz.surveys.results import (
    ALL,
    SEPARATOR,
    Cell,
    Counts,
    QuestionResult,
    _groups_seen,
    choice_questions,
    question_result,
)


def is_whole(result: QuestionResult) -> bool:
    """Whether every figure of a question's table is shown (nothing "<5" or "hidden")."""
    return all(not isinstance(count, str) for count in result.respondents.values()) and all(
        cell.share is not None for _label, cells in result.rows for cell in cells
    )


def crossing_allowed(
    lines: list[str], cells: dict[tuple[str, str, str], int], combinations: list[tuple[str, str]]
) -> bool:
    """Every seen combination of two given values is at least 5 on every line, and every combination with
    a value not given (which the single breakdowns let anyone work out) is 0 or at least 5. ``cells`` are
    one question's counts keyed (value, first, second)."""
    for line in lines:
        for first, second in combinations:
            if statistics.is_suppressed(cells.get((line, first, second), 0)):
                return False
    for (_line, first, second), count in cells.items():
        if (first == "" or second == "") and count and statistics.is_suppressed(count):
            return False
    return True


def _margins(counts: Counts) -> tuple[Counts, Counts, Counts, dict[str, dict[tuple[str, str, str], int]]]:
    """In one pass (a large round by age band and area is tens of thousands of rows): the counts overall,
    by the first and by the second dimension (as ``results._single``), and each question's crossed cells."""
    overall: Counts = {}
    first: Counts = {}
    second: Counts = {}
    by_question: dict[str, dict[tuple[str, str, str], int]] = {}
    for (question, value, one, other), count in counts.items():
        key = (question, value, ALL)
        overall[key] = overall.get(key, 0) + count
        if one:
            key = (question, value, one)
            first[key] = first.get(key, 0) + count
        if other:
            key = (question, value, other)
            second[key] = second.get(key, 0) + count
        by_question.setdefault(question, {})[(value, one, other)] = count
    return overall, {**overall, **first}, {**overall, **second}, by_question


def crossed_results(survey: Survey, counts: Counts, *, language: str) -> list[QuestionResult]:
    """Each choice question by two dimensions (``counts`` keyed (question, value, first, second)); a
    question whose crossing may not be shown has the overall column only and ``withheld`` set."""
    overall, first, second, by_question = _margins(counts)
    first_groups, second_groups = _groups_seen(first), _groups_seen(second)
    combinations = sorted({(key[2], key[3]) for key in counts if key[2] and key[3]})
    keys = [f"{one}{SEPARATOR}{other}" for one, other in combinations]
    results = []
    for question in choice_questions(survey):
        alone = question_result(survey, question, overall, [], language=language)
        if alone.is_sensitive or not combinations:
            results.append(alone)
            continue
        cells = by_question.get(question["name"], {})
        choices: list[dict[str, Any]] = question.get("choices", [])
        lines = ["", *(choice["name"] for choice in choices)]
        allowed = (
            is_whole(alone)
            and crossing_allowed(lines, cells, combinations)
            and is_whole(question_result(survey, question, first, first_groups, language=language))
            and is_whole(question_result(survey, question, second, second_groups, language=language))
        )
        if not allowed:
            alone.withheld = True
            results.append(alone)
            continue
        alone.groups = [ALL, *keys]
        respondents = [cells[("", one, other)] for one, other in combinations]
        alone.respondents.update(zip(keys, respondents, strict=True))
        rows = []
        for choice, (label, overall_cells) in zip(choices, alone.rows, strict=True):
            crossed = [
                Cell(count=count, share=statistics.share_of(count, total))
                for count, total in zip(
                    (cells[(choice["name"], one, other)] for one, other in combinations), respondents, strict=True
                )
            ]
            rows.append((label, [overall_cells[0], *crossed]))
        alone.rows = rows
        results.append(alone)
    return results
