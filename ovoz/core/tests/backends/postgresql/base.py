"""Django's PostgreSQL backend, flushing past the audit log's triggers (see ovoz.core.tests.backends)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.backends.postgresql import base, operations

from ovoz.core.tests.backends import audit_triggers_lifted


class DatabaseOperations(operations.DatabaseOperations):
    def execute_sql_flush(self, sql_list: Iterable[str]) -> None:
        with audit_triggers_lifted(self.connection):
            super().execute_sql_flush(sql_list)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
