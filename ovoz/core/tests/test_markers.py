"""The markers that choose which tests run where: the fast suite (`-m 'not slow'`) and CI's SQLite pass."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from _pytest.mark.expression import Expression

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


def test_every_walk_is_left_out_of_the_fast_suite(request):
    walks = [item for item in request.session.items if item.get_closest_marker("walk")]
    assert all(item.get_closest_marker("slow") for item in walks)
