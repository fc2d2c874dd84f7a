"""Suppression that differencing cannot undo (issue 16), attacked with linear algebra over every figure
the results show for a question: overall, by gender, age band and area, and by each pair of them."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ovoz.surveys.tests.attack import Attack, Question

LEVELS = (("woman", "man"), ("18-24", "25-34"), ("11", "12"))
CHOICES = ("yes", "no", "maybe")


@st.composite
def rounds(draw, kind: str | None = None) -> tuple[Question, dict[tuple[str, str, str, str], int]]:
    kind = kind or draw(st.sampled_from(["select_one", "select_multiple"]))
    choices = CHOICES[: draw(st.integers(2, len(CHOICES)))]
    question = Question(kind=kind, choices=choices)
    levels = []
    for values in LEVELS:
        given = values[: draw(st.integers(1, len(values)))]
        levels.append([*given, ""] if draw(st.booleans()) else list(given))
    big = draw(st.booleans())
    small = st.integers(0, 6)
    count = st.one_of(small, st.integers(5, 30)) if big else small
    cells: dict[tuple[str, str, str, str], int] = {}
    for combination in itertools.product(*levels):
        if kind == "select_one":
            answered = 0
            for choice in choices:
                cells[(choice, *combination)] = draw(count)
                answered += cells[(choice, *combination)]
        else:
            answered = draw(count)
            for choice in choices:
                cells[(choice, *combination)] = draw(st.integers(0, answered))
        cells[("", *combination)] = answered
    return question, cells


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rounds())
def test_no_hidden_figure_can_be_worked_out_from_the_shown_ones(drawn):
    question, cells = drawn

    leaks = Attack(question, cells).recoverable()

    if leaks:  # the whole round in the message, for the shrunk example
        raise AssertionError(repr(([leak.name for leak in leaks], question, {k: v for k, v in cells.items() if v})))


def test_a_hidden_cell_joining_two_blocks_of_hidden_cells_stays_hidden():
    # Hiding the next smallest of each line and column leaves area 13's "r2" (1) on no cycle of hidden
    # cells: the two blocks it joins each sum to a known figure, so it would be the total minus them.
    table = {"r1": [1, 6, 20, 20], "r2": [6, 1, 1, 20], "r3": [20, 20, 1, 6], "r4": [20, 20, 6, 1]}
    cells = {}
    for column, area in enumerate(["11", "12", "13", "14"]):
        for line, row in table.items():
            cells[(line, "woman", "18-24", area)] = row[column]
        cells[("", "woman", "18-24", area)] = sum(row[column] for row in table.values())

    attack = Attack(Question("select_one", tuple(table)), cells)

    assert attack.recoverable() == []
    assert "area '13' line 'r2'" in [figure.name for figure in attack.figures()[1]]
