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
    _single,
    choice_questions,
    question_result,
)


def is_whole(result: QuestionResult) -> bool:
    """Whether every figure of a question's table is shown (nothing "<5" or "hidden")."""
    return all(not isinstance(count, str) for count in result.respondents.values()) and all(
        cell.share is not None for _label, cells in result.rows for cell in cells
    )


def crossing_allowed(name: str, lines: list[str], counts: Counts, combinations: list[tuple[str, str]]) -> bool:
    """Every seen combination of two given values is at least 5 on every line, and every combination with
    a value not given (which the single breakdowns let anyone work out) is 0 or at least 5."""
    for line in lines:
        for first, second in combinations:
            if statistics.is_suppressed(counts.get((name, line, first, second), 0)):
                return False
    for key, count in counts.items():
        if key[0] == name and (key[2] == "" or key[3] == "") and count and statistics.is_suppressed(count):
            return False
    return True


def crossed_results(survey: Survey, counts: Counts, *, language: str) -> list[QuestionResult]:
    """Each choice question by two dimensions (``counts`` keyed (question, value, first, second)); a
    question whose crossing may not be shown has the overall column only and ``withheld`` set."""
    first, second = _single(counts, 0), _single(counts, 1)
    overall = _single(counts, None)
    first_groups, second_groups = _groups_seen(first), _groups_seen(second)
    combinations = sorted({(key[2], key[3]) for key in counts if key[2] and key[3]})
    results = []
    for question in choice_questions(survey):
        alone = question_result(survey, question, overall, [], language=language)
        if alone.is_sensitive or not combinations:
            results.append(alone)
            continue
        name = question["name"]
        choices: list[dict[str, Any]] = question.get("choices", [])
        lines = ["", *(choice["name"] for choice in choices)]
        allowed = (
            is_whole(alone)
            and is_whole(question_result(survey, question, first, first_groups, language=language))
            and is_whole(question_result(survey, question, second, second_groups, language=language))
            and crossing_allowed(name, lines, counts, combinations)
        )
        if not allowed:
            alone.withheld = True
            results.append(alone)
            continue
        keys = [f"{one}{SEPARATOR}{other}" for one, other in combinations]
        alone.groups = [ALL, *keys]
        for key, (one, other) in zip(keys, combinations, strict=True):
            alone.respondents[key] = counts[(name, "", one, other)]
        rows = []
        for choice, (label, cells) in zip(choices, alone.rows, strict=True):
            crossed = [
                Cell(
                    count=counts[(name, choice["name"], one, other)],
                    share=statistics.share_of(
                        counts[(name, choice["name"], one, other)], counts[(name, "", one, other)]
                    ),
                )
                for one, other in combinations
            ]
            rows.append((label, [cells[0], *crossed]))
        alone.rows = rows
        results.append(alone)
    return results
