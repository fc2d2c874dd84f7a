"""Batched recounting for the data migrations that rebuild rollups from the concerns (0003, 0005).

Not a migration (the loader skips modules whose name starts with ``_``), and frozen like one: the
migrations that use it must keep producing the same rows, so change nothing here that changes a count.
It takes historical models only and imports no app code.

Memory stays bounded whatever the number of concerns: the concerns are read in primary-key order,
``batch_size`` at a time (keyset pagination: ``pk > last``, so gaps in the ids cost nothing and no
OFFSET scan grows), with the themes of that id range only; each batch's counts are added to the
rollup table with one multi-row ``INSERT ... ON CONFLICT (key) DO UPDATE SET count = count +
excluded.count`` per ``WRITE_ROWS`` keys (PostgreSQL and SQLite 3.24+ share that syntax). A million
concerns is 200 batches of 5,000; at no point is more than one batch's concerns and counts in memory.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

BATCH_SIZE = 5000
WRITE_ROWS = 500


def concern_batches(
    concern_model: Any, fields: Sequence[str], *, batch_size: int = BATCH_SIZE
) -> Iterator[tuple[list[tuple[Any, ...]], dict[int, list[int]]]]:
    """Yield (rows, themes by concern id) per batch; each row is (pk, *fields)."""
    through = concern_model.themes.through
    last = None
    while True:
        concerns = concern_model.objects.order_by("pk")
        if last is not None:
            concerns = concerns.filter(pk__gt=last)
        rows = list(concerns.values_list("pk", *fields)[:batch_size])
        if not rows:
            return
        first, last = rows[0][0], rows[-1][0]
        themes: dict[int, list[int]] = {}
        links = through.objects.filter(concern_id__gte=first, concern_id__lte=last).order_by("pk")
        for concern_id, theme_id in links.values_list("concern_id", "theme_id"):
            themes.setdefault(concern_id, []).append(theme_id)
        yield rows, themes


def counts_add(schema_editor: Any, model: Any, key_fields: Sequence[str], counts: Counter) -> None:
    """Add ``counts`` (key tuple in ``key_fields`` order -> number) to ``model``'s rows, creating the
    missing ones; ``key_fields`` must be the fields of a unique constraint of the table."""
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = [model._meta.get_field(name).column for name in key_fields]
    date_positions = [
        i for i, name in enumerate(key_fields) if model._meta.get_field(name).get_internal_type() == "DateField"
    ]
    placeholder = "(" + ", ".join(["%s"] * (len(columns) + 1)) + ")"
    items = [(key, number) for key, number in counts.items() if number]
    with connection.cursor() as cursor:
        for start in range(0, len(items), WRITE_ROWS):
            chunk = items[start : start + WRITE_ROWS]
            params: list[Any] = []
            for key, number in chunk:
                values = list(key)
                for position in date_positions:
                    values[position] = connection.ops.adapt_datefield_value(values[position])
                params.extend([*values, number])
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(quote(c) for c in columns)}, {quote('count')}) "  # noqa: S608 (names from the models)
                f"VALUES {', '.join([placeholder] * len(chunk))} "
                f"ON CONFLICT ({', '.join(quote(c) for c in columns)}) "
                f"DO UPDATE SET {quote('count')} = {table}.{quote('count')} + EXCLUDED.{quote('count')}",
                params,
            )
