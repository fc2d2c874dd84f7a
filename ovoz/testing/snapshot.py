"""Everything in the database, to prove that a refused request changed nothing.

``table_rows()`` reads every row of every table through the test's own connection, in raw SQL: a
refusal that updated a row (a concern's status, a grant's role) is caught as surely as one that added
or deleted a row, and reading a few hundred small rows costs less than the ORM's ``count()`` on every
model (the authorization matrix takes a snapshot before and after each of ~600 refused requests).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connections
from django.db.models import Model

__all__ = ["table_rows"]


def table_rows(*, skip: Iterable[type[Model]] = (), using: str = "default") -> dict[str, list[tuple[object, ...]]]:
    """Every table's rows (sorted, so the order the database returns them in does not matter), but
    the tables of the models in ``skip``: the audit log records refusals, sessions record visits."""
    connection = connections[using]
    skipped = {model._meta.db_table for model in skip}
    rows: dict[str, list[tuple[object, ...]]] = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            if table in skipped:
                continue
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 (names from introspection)
            rows[table] = sorted(cursor.fetchall(), key=repr)
    return rows
