"""An attacker for the results' suppression: take every figure the results show for a question (overall,
by each dimension, by each pair of dimensions), write each shown figure as an equation over the
respondents' full cross-classification (every line × gender × age band × area, "not given" included),
and try to work out each hidden figure by differencing: a hidden figure is recoverable exactly when it
is a linear combination of the shown ones. Exact arithmetic modulo a large prime (the equations are 0/1
sums, so a combination over the rationals is one modulo the prime but for a vanishing chance).

The attacker is given more than the pages show: a "not given" remainder (those who gave no gender, by
line; those who gave a gender but no age band...) is known to be 0 on every line when nobody at all
left that dimension out (a form whose gender question is required says so itself). A remainder of 1 to 4 must stay unknown, like a hidden figure;
one of 5 or more is neither known nor protected."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from ovoz.surveys import results, statistics

PRIME = 2**61 - 1
DIMENSIONS = ("gender", "age_band", "area")
# (line, gender, age band, area) -> count; "" is "not given"; line "" is who answered the question.
Cells = Mapping[tuple[str, str, str, str], int]


@dataclass
class Question:
    kind: str  # select_one or select_multiple
    choices: tuple[str, ...]
    sensitive: bool = False

    @property
    def definition(self) -> dict[str, Any]:
        return {
            "name": "q",
            "type": self.kind,
            "labels": {"en": "Q"},
            "mark": "sensitive" if self.sensitive else "",
            "choices": [{"name": choice, "labels": {"en": choice.upper()}} for choice in self.choices],
        }

    def survey(self) -> Any:
        return SimpleNamespace(questions=[self.definition], default_language="en")


def counts_for(cells: Cells, dims: tuple[str, ...]) -> results.Counts:
    """What ``results._fetch`` returns for these dimensions (plus the round's total, question "")."""
    counts: dict[tuple[str, ...], int] = {}
    for (line, *groups), count in cells.items():
        if not count:  # a rollup row exists only once someone is counted in it
            continue
        key = ("q", line, *(groups[DIMENSIONS.index(dimension)] for dimension in dims))
        counts[key] = counts.get(key, 0) + count
        if line == "":
            total = ("", "", *(groups[DIMENSIONS.index(dimension)] for dimension in dims))
            counts[total] = counts.get(total, 0) + count
    return counts


class Basis:
    """Row echelon basis modulo PRIME of sparse vectors (variable index -> coefficient)."""

    def __init__(self) -> None:
        self.rows: dict[int, dict[int, int]] = {}  # pivot -> row with 1 at the pivot

    def reduce(self, vector: Mapping[int, int]) -> dict[int, int]:
        row = {index: value % PRIME for index, value in vector.items() if value % PRIME}
        while row:
            pivot = max(row)
            if pivot not in self.rows:
                return row
            factor = row[pivot]
            for index, value in self.rows[pivot].items():
                row[index] = (row.get(index, 0) - factor * value) % PRIME
                if not row[index]:
                    del row[index]
        return row

    def add(self, vector: Mapping[int, int]) -> None:
        row = self.reduce(vector)
        if row:
            pivot = max(row)
            inverse = pow(row[pivot], PRIME - 2, PRIME)
            self.rows[pivot] = {index: value * inverse % PRIME for index, value in row.items()}

    def spans(self, vector: Mapping[int, int]) -> bool:
        return not self.reduce(vector)


@dataclass(frozen=True)
class Figure:
    name: str
    vector: dict[int, int]
    true_value: int


def _levels(cells: Cells) -> list[list[str]]:
    return [sorted({key[1 + index] for key in cells} | {""}) for index in range(3)]


class Attack:
    def __init__(self, question: Question, cells: Cells) -> None:
        self.question, self.cells = question, cells
        self.levels = _levels(cells)
        # Unknowns: each choice's cell (and, for select_multiple, who answered) per full combination.
        base_lines = list(question.choices) if question.kind == "select_one" else ["", *question.choices]
        combinations = list(itertools.product(*self.levels))
        self.index = {
            (line, *combination): number
            for number, (line, combination) in enumerate(itertools.product(base_lines, combinations))
        }

    def vector(self, line: str, fixed: Mapping[int, str]) -> dict[int, int]:
        """The sum over every combination matching ``fixed`` (dimension index -> value) of one line."""
        lines = self.question.choices if line == "" and self.question.kind == "select_one" else (line,)
        vector = {}
        for key, number in self.index.items():
            if key[0] in lines and all(key[1 + index] == value for index, value in fixed.items()):
                vector[number] = 1
        return vector

    def true_value(self, line: str, fixed: Mapping[int, str]) -> int:
        return sum(
            count
            for key, count in self.cells.items()
            if key[0] == line and all(key[1 + index] == value for index, value in fixed.items())
        )

    def shown(self, breakdown: str) -> Iterable[tuple[str, str, int | str]]:
        """(group, line, figure) for every figure of the question by ``breakdown``, as the results give it."""
        dims = results.dimensions(breakdown)
        survey = self.question.survey()
        (result,) = results.results_from_counts(survey, counts_for(self.cells, dims), dims, language="en")
        for column, group in enumerate(result.groups):
            yield group, "", result.respondents[group]
            for choice, (_label, cells) in zip(self.question.choices, result.rows, strict=True):
                yield group, choice, cells[column].count

    def figures(self) -> tuple[list[Figure], list[Figure]]:
        """(shown, hidden) figures of every breakdown of the question."""
        shown, hidden = [], []
        for breakdown in (*results.BREAKDOWNS, *results.CROSSINGS):
            dims = results.dimensions(breakdown)
            for group, line, figure in self.shown(breakdown):
                fixed = (
                    {}
                    if group == results.ALL
                    else dict(zip((DIMENSIONS.index(d) for d in dims), group.split(results.SEPARATOR), strict=True))
                )
                entry = Figure(
                    f"{breakdown or 'all'} {group!r} line {line!r}",
                    self.vector(line, fixed),
                    self.true_value(line, fixed),
                )
                if isinstance(figure, str):
                    hidden.append(entry)
                else:
                    assert figure == entry.true_value, entry.name
                    assert not statistics.is_suppressed(figure), entry.name
                    shown.append(entry)
        return shown, hidden

    def remainders(self) -> Iterable[tuple[Figure, tuple[int, ...]]]:
        """Every "not given" cell of one and of two dimensions, per line."""
        lines = ["", *self.question.choices]
        for size in (1, 2):
            for chosen in itertools.combinations(range(3), size):
                for missing in range(1, size + 1):
                    for blank in itertools.combinations(chosen, missing):
                        others = [index for index in chosen if index not in blank]
                        for values in itertools.product(*(self.levels[index] for index in others)):
                            if any(value == "" for value in values):
                                continue
                            fixed = dict.fromkeys(blank, "") | dict(zip(others, values, strict=True))
                            for line in lines:
                                figure = Figure(
                                    f"not given {fixed} line {line!r}",
                                    self.vector(line, fixed),
                                    self.true_value(line, fixed),
                                )
                                yield figure, blank

    def recoverable(self) -> list[Figure]:
        """The hidden figures (and small "not given" remainders) an attacker can work out."""
        shown, hidden = self.figures()
        basis = Basis()
        for figure in shown:
            basis.add(figure.vector)
        protected = list(hidden)
        everyone_gave = [self.true_value("", {index: ""}) == 0 for index in range(3)]
        for figure, blank in self.remainders():
            if any(everyone_gave[index] for index in blank):
                basis.add(figure.vector)
            elif figure.true_value and statistics.is_suppressed(figure.true_value):
                protected.append(figure)
        return [figure for figure in protected if figure.vector and basis.spans(figure.vector)]
