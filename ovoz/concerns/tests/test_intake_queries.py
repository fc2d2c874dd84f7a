"""What one intake costs the database (issue 13.5): pinned, so that work joining the request shows here.

Savepoints are left out of the counts: under the test's transaction intake's own transaction is one.
On PostgreSQL a concern that is a row and nothing else (no photos, not sealed, no reply route) is one
statement: the concern, its theme links and its rollup deltas in one INSERT with data-modifying WITH
clauses; on SQLite the same writes are separate statements in one transaction.
"""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ovoz.concerns.models import Concern, ConcernRollupDelta

pytestmark = pytest.mark.django_db

TEXT = "Electricity is cut every evening in our mahalla"


def _statements(queries: CaptureQueriesContext) -> list[str]:
    return [
        query["sql"]
        for query in queries.captured_queries
        if not query["sql"]
        .upper()
        .startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN", "COMMIT"))
    ]


def _is_one_statement() -> bool:
    return connection.vendor == "postgresql"


def _assert_concern_and_deltas(statements: list[str]) -> None:
    """The concern and its rollup deltas, and nothing else."""
    concerns, deltas = f'INSERT INTO "{Concern._meta.db_table}"', f'INSERT INTO "{ConcernRollupDelta._meta.db_table}"'
    if _is_one_statement():
        assert len(statements) == 1, statements
        assert statements[0].startswith(f"WITH new AS ({concerns}") and f"deltas AS ({deltas}" in statements[0]
    else:
        assert len(statements) == 2, statements
        assert statements[0].startswith(concerns) and statements[1].startswith(deltas)


def _names(callbacks: list) -> list[str]:
    return sorted(getattr(callback, "__name__", repr(callback)) for callback in callbacks)


def test_an_api_intake_writes_the_concern_and_its_rollup_deltas_and_reads_nothing(
    client, django_capture_on_commit_callbacks
):
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks() as callbacks:
        response = client.post("/api/v1/concerns", json.dumps({"text": TEXT}), content_type="application/json")

    assert response.status_code == 201
    _assert_concern_and_deltas(_statements(queries))
    # After commit: the throttled rollup drain and follow-up, and the metrics counter; no task per concern.
    assert _names(callbacks) == ["followup_soon", "inc", "rollups_drain_soon"]
    assert Concern.objects.get().is_followup_pending


def test_an_api_intake_with_an_idempotency_key_reads_only_when_it_is_a_retry(
    client, django_capture_on_commit_callbacks
):
    key = "k" * 32
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            "/api/v1/concerns",
            json.dumps({"text": TEXT}),
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=key,
        )
    assert response.status_code == 201
    # No look-up first: the unique submission hash finds a retry when the insert is refused.
    _assert_concern_and_deltas(_statements(queries))

    with CaptureQueriesContext(connection) as queries:
        again = client.post(
            "/api/v1/concerns", json.dumps({"text": TEXT}), content_type="application/json", HTTP_IDEMPOTENCY_KEY=key
        )
    assert again.json()["receipt"] == response.json()["receipt"]
    statements = _statements(queries)
    # The refused insert, then the first submission read back; nothing else written.
    assert len(statements) == 2, statements
    assert f'INSERT INTO "{Concern._meta.db_table}"' in statements[0]
    assert statements[1].startswith("SELECT")
    assert Concern.objects.count() == 1


def test_the_report_form_reads_the_regions_once_then_from_the_cache(client, places, django_capture_on_commit_callbacks):
    def report(number: int) -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            response = client.post(
                "/en/report/", {"text": f"{TEXT} {number}", "submission_token": f"draft-token-{number:020d}"}
            )
        assert response.status_code == 303
        return _statements(queries)

    first = report(1)
    second = report(2)

    assert any('"places_area"' in statement for statement in first)
    assert not any('"places_area"' in statement for statement in second)
    # The concern and its rollup deltas: no idempotency look-up, no session read or written.
    _assert_concern_and_deltas(second)
    assert not any('"django_session"' in statement for statement in first + second)
    assert Concern.objects.count() == 2


def test_a_region_renamed_shows_at_once_on_the_report_form(client, places):
    assert "Jizzakh Region" in client.get("/en/report/").content.decode()

    places["jizzakh"].name = "Jizzax Region"
    places["jizzakh"].save()

    page = client.get("/en/report/").content.decode()
    assert "Jizzax Region" in page and "Jizzakh Region" not in page
