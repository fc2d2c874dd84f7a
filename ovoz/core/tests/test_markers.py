"""The markers that choose which tests run where: the fast suite (`-m 'not slow'`) and CI's SQLite pass."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from _pytest.mark.expression import Expression

from ovoz.testing.plugin import is_slow_by_kind

ROOT = Path(__file__).resolve().parents[3]


def _sqlite_pass_expression() -> str:
    """The `-m` expression .ci/run gives the SQLite pass."""
    match = re.search(r"""PYTEST_ARGS="-m '([^']+)' --database-tests-only""", (ROOT / ".ci" / "run").read_text())
    assert match, "the SQLite pass of .ci/run selects its tests with -m"
    return match.group(1)


@pytest.mark.parametrize(
    ("markers", "runs"),
    [
        ({"django_db"}, True),
        ({"django_db", "walk", "slow"}, True),  # a walk reads the database: run on both
        ({"django_db", "browser", "slow"}, False),  # pages drive the same whatever the database
        ({"django_db", "slow"}, False),  # a live server or a subprocess
        ({"django_db", "fault", "slow"}, False),  # run alone, on PostgreSQL
    ],
)
def test_cis_sqlite_pass_runs_the_walks_but_not_browsers_servers_or_faults(markers, runs):
    expression = Expression.compile(_sqlite_pass_expression())
    assert expression.evaluate(lambda name, **kwargs: name in markers) is runs


class _Item:
    """As much of a pytest item as the plugin's rule reads."""

    def __init__(self, *markers: str, fixtures: tuple[str, ...] = ()) -> None:
        self.markers, self.fixturenames = set(markers), fixtures

    def get_closest_marker(self, name: str) -> object:
        return name if name in self.markers else None


@pytest.mark.parametrize(
    ("item", "slow"),
    [
        (_Item("walk"), True),
        (_Item("browser"), True),
        (_Item(fixtures=("live_server",)), True),
        (_Item("django_db"), False),
        (_Item(fixtures=("db", "client")), False),
    ],
)
def test_walks_browsers_and_live_servers_are_left_out_of_the_fast_suite(item, slow):
    assert is_slow_by_kind(item) is slow
