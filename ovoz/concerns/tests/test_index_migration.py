"""concerns 0016 runs while intake writes (docs/deployment.md, "Migrations while Ovoz serves"): on
PostgreSQL its indexes build CONCURRENTLY, and a run a lock timeout or a crash interrupted can simply be
run again."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="CONCURRENTLY is PostgreSQL's"),
]

BEFORE, AFTER = ("concerns", "0015_concern_followup_pending"), ("concerns", "0016_concern_indexes_an_intake_writes")


def _migrate(target: tuple[str, str]) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([target])


def _indexes() -> list[tuple[str, str, bool]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid), i.indisvalid FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = 'concerns_concern'::regclass ORDER BY 1"
        )
        return [(name, definition, bool(valid)) for name, definition, valid in cursor.fetchall()]


def test_the_new_indexes_build_concurrently_and_an_interrupted_run_is_run_again():
    migrated = _indexes()
    _migrate(BEFORE)
    try:
        sql = io.StringIO()
        call_command("sqlmigrate", *AFTER, stdout=sql)
        statements = sql.getvalue()
        assert statements.count("CREATE INDEX CONCURRENTLY") == 4
        assert statements.count("CREATE UNIQUE INDEX CONCURRENTLY") == 2
        assert statements.count("UNIQUE USING INDEX") == 2
        assert "BEGIN" not in statements  # not one transaction: CONCURRENTLY cannot run in one

        # As a run stopped midway leaves it: one index built invalid, one unique index not yet a constraint.
        with connection.cursor() as cursor:
            cursor.execute("CREATE INDEX concern_closed_at ON concerns_concern (closed_at) WHERE closed_at IS NOT NULL")
            cursor.execute("UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'concern_closed_at'::regclass")
            cursor.execute("CREATE UNIQUE INDEX concern_receipt_hash_unique ON concerns_concern (receipt_hash)")
    finally:
        _migrate(AFTER)
    assert _indexes() == migrated  # every index valid, defined as a migration from nothing defines it
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'concerns_concern'::regclass AND contype = 'u' "
            "ORDER BY 1"
        )
        assert [row[0] for row in cursor.fetchall()] == [
            "concern_receipt_hash_unique",
            "concern_submission_hash_unique",
        ]
