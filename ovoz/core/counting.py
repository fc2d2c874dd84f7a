"""Counts kept exact under concurrent writers: add to a row by its key, making it if missing, in one
statement per batch and without reading first."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models


def counts_add(model: type[models.Model], key_columns: list[str], rows: Sequence[tuple[tuple[Any, ...], int]]) -> None:
    """Add each row's count to ``model``'s row with that key (``key_columns``, which a unique constraint
    covers), made with that count if missing: one ``INSERT ... ON CONFLICT ... DO UPDATE``, a syntax
    PostgreSQL and SQLite (3.24+) share. The unique key settles writers that race; rows go in key order,
    so two transactions adding to the same rows lock them in the same order and never deadlock. A key
    given twice is added up first (one statement may not update a row twice)."""
    merged: dict[tuple[Any, ...], int] = {}
    for key, count in rows:
        merged[key] = merged.get(key, 0) + count
    if not merged:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(column) for column in [*key_columns, "count"])
    placeholders = ", ".join(["(" + ", ".join(["%s"] * (len(key_columns) + 1)) + ")"] * len(merged))
    parameters: list[Any] = []
    for key in sorted(merged):
        parameters += [*key, merged[key]]
    conflict = ", ".join(quote(column) for column in key_columns)
    counted = quote("count")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) VALUES {placeholders} "  # noqa: S608 (names from the model)
            f"ON CONFLICT ({conflict}) DO UPDATE SET {counted} = {table}.{counted} + EXCLUDED.{counted}",
            parameters,
        )
