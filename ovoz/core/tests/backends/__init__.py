"""Database backends for the test suite only: Django's own, with one change to the flush.

Between transactional tests (``transactional_db``, ``live_server``) Django empties every table:
SQLite with DELETE, PostgreSQL with TRUNCATE. The audit log's triggers (migration core.0003) refuse
both, as they must in production. These backends lift the triggers for the flush and put them back
in the same transaction, so a failed flush leaves them in place. ``ovoz.test_settings`` selects them;
production settings cannot, and no trigger has a bypass a production session could switch on.

Tests that tamper with the audit log on purpose (to prove ``ovoz audit-verify`` notices) use
``audit_triggers_lifted`` inside their own transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper

AUDIT_TABLE = "core_auditentry"


@contextmanager
def audit_triggers_lifted(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Within one transaction: the audit table's triggers off, then on again (as they were)."""
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # ALTER TABLE refuses while deferred foreign-key checks are pending (rows written earlier in
            # a test's transaction): run them now. Django's constraints are all INITIALLY DEFERRED again after.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {AUDIT_TABLE} DISABLE TRIGGER USER")
            yield
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {AUDIT_TABLE} ENABLE TRIGGER USER")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            # SQLite cannot switch a trigger off: keep each one's own SQL, drop it, create it again.
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [AUDIT_TABLE]
            )
            triggers = cursor.fetchall()
            for name, _sql in triggers:
                cursor.execute(f'DROP TRIGGER "{name}"')
            yield
            for _name, sql in triggers:
                cursor.execute(sql)
