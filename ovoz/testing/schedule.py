"""The order test files are handed to parallel workers: the longest first.

`make pytest` runs with pytest-xdist's ``--dist loadfile --no-loadscope-reorder``: a file's tests stay in
one process (so data a module builds once is built once), and files go to the workers in the order they
are collected (xdist's own order, by number of tests, puts a file of one long test last). In
alphabetical order the heaviest files (the accessibility walk, the detector's calibration, the wheel
install) could start last and run alone while the other workers sit idle. Handing the longest out first
(longest-processing-time scheduling) keeps every worker busy to the end.

``SECONDS`` is what each file of 8 s or more took in one `make pytest` on the 2-core development machine
(2 workers, SQLite, December 2026); a file not listed counts by its number of tests. It needs no care to
stay exact: a stale number only makes the order a little less good, never a test fail or be left out.
"""

from __future__ import annotations

from collections import Counter

import pytest

PER_TEST_SECONDS = 0.15  # about what a test of a file not in SECONDS takes
SECONDS = {
    "ovoz/core/tests/test_accessibility.py": 69,
    "ovoz/insights/tests/test_early_warning.py": 25,
    "ovoz/core/tests/test_search_oracle.py": 22,
    "ovoz/core/tests/test_core.py": 15,
    "ovoz/concerns/tests/test_tasks_on_redis.py": 15,
    "ovoz/core/tests/test_authorization_matrix.py": 14,
    "ovoz/core/tests/test_serve_slow_clients.py": 12,
    "ovoz/insights/tests/test_share_signal.py": 12,
    "ovoz/operations/tests/test_wheel.py": 11,
    "ovoz/core/tests/test_replica_cluster.py": 11,
    "ovoz/core/tests/test_browser.py": 10,
    "ovoz/groups/tests/test_browser.py": 9,
    "ovoz/core/tests/test_junk_parameters.py": 9,
    "ovoz/concerns/tests/test_browser.py": 9,
}


def file_of(item: pytest.Item) -> str:
    """The item's file relative to the repository, with forward slashes (the keys of SECONDS)."""
    return item.nodeid.split("::", 1)[0]


def longest_first(items: list[pytest.Item]) -> None:
    """Reorder ``items`` in place: files by SECONDS (a file not listed by its number of tests, at
    PER_TEST_SECONDS each), longest first, each file's tests together and in their own order."""
    tests = Counter(file_of(item) for item in items)
    items.sort(key=lambda item: -SECONDS.get(file_of(item), PER_TEST_SECONDS * tests[file_of(item)]))
