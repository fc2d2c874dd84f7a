"""The indexes every intake writes, trimmed (issue 13.5): partial where a new concern leaves the column empty,
no LIKE indexes on hashes. The new indexes and unique constraints come first, the old ones go after, so a
lookup or a uniqueness check never lacks its index.

It runs while Ovoz serves (docs/deployment.md, "Migrations while Ovoz serves"), on the table every intake
writes: on PostgreSQL the indexes and the unique constraints' indexes are built CONCURRENTLY (intake goes
on writing while they build; the constraint then takes its index in a moment), so the migration is not
atomic. Every step can run again: an index an interrupted build left invalid is dropped and built anew,
and what exists already is kept, so a migration stopped by a lock timeout is simply run again. Each
other step is a transaction of its own; on SQLite every step is, and an index or constraint that a run
interrupted after it had made is not made again.
"""

from abc import ABC, abstractmethod
from typing import Any

import django.db.models.deletion
from django.db import migrations, models, transaction


def _index_is_valid(schema_editor: Any, name: str) -> bool:
    """Whether a valid index of that name exists; one an interrupted CONCURRENTLY build left invalid is
    dropped first, so that it is built again."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE c.relname = %s AND pg_table_is_visible(c.oid)",
            [name],
        )
        row = cursor.fetchone()
    if row is not None and not row[0]:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {schema_editor.quote_name(name)}")
    return row is not None and bool(row[0])


class _BuiltWhileIntakeWrites(ABC):
    """What the two operations below share. Elsewhere than on PostgreSQL: Django's own operation, in a
    transaction of its own, left out when what it makes exists already (a run interrupted after it)."""

    @abstractmethod
    def _made_name(self) -> str:
        """The name of the index or constraint the operation makes."""

    @abstractmethod
    def _build_concurrently(self, model: Any, schema_editor: Any) -> None:
        """Make it on PostgreSQL without a lock that stops writes, unless it exists."""

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        connection = schema_editor.connection
        if connection.vendor == "postgresql":
            self._build_concurrently(to_state.apps.get_model(app_label, self.model_name), schema_editor)
            return
        table = to_state.apps.get_model(app_label, self.model_name)._meta.db_table
        with connection.cursor() as cursor:
            if self._made_name() in connection.introspection.get_constraints(cursor, table):
                return
        with transaction.atomic(using=connection.alias):
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        with transaction.atomic(using=schema_editor.connection.alias):
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class IndexBuiltConcurrently(_BuiltWhileIntakeWrites, migrations.AddIndex):
    """AddIndex, built with CREATE INDEX CONCURRENTLY on PostgreSQL (writes go on while it builds)."""

    def _made_name(self) -> str:
        return str(self.index.name)

    def _build_concurrently(self, model: Any, schema_editor: Any) -> None:
        if not _index_is_valid(schema_editor, self.index.name):
            schema_editor.add_index(model, self.index, concurrently=True)


class UniqueConstraintBuiltConcurrently(_BuiltWhileIntakeWrites, migrations.AddConstraint):
    """AddConstraint of a plain UniqueConstraint (fields only); on PostgreSQL its unique index is built
    CONCURRENTLY first and the constraint then made from it (ADD CONSTRAINT … USING INDEX: a moment's lock,
    no build under it)."""

    def __init__(self, model_name: str, constraint: models.UniqueConstraint) -> None:
        plain = models.UniqueConstraint(fields=constraint.fields, name=constraint.name)
        if constraint != plain:
            raise ValueError(f"{constraint.name}: only a unique constraint of plain fields is built this way")
        super().__init__(model_name, constraint)

    def _made_name(self) -> str:
        return str(self.constraint.name)

    def _build_concurrently(self, model: Any, schema_editor: Any) -> None:
        table, name, quote = model._meta.db_table, self.constraint.name, schema_editor.quote_name
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM pg_constraint WHERE conname = %s AND conrelid = to_regclass(%s)", [name, quote(table)]
            )
            if cursor.fetchone() is not None:
                return
        columns = ", ".join(quote(model._meta.get_field(field).column) for field in self.constraint.fields)
        if not _index_is_valid(schema_editor, name):
            schema_editor.execute(f"CREATE UNIQUE INDEX CONCURRENTLY {quote(name)} ON {quote(table)} ({columns})")
        schema_editor.execute(
            f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} UNIQUE USING INDEX {quote(name)}"
        )


class FieldAltered(migrations.AlterField):
    """AlterField in a transaction of its own (the migration is not atomic)."""

    atomic = True


class ForeignKeyIndexDropped(FieldAltered):
    """The foreign key's own index dropped, the key itself kept. Django's AlterField would drop the key and
    add it again on PostgreSQL, checking every row while writes wait; only the index has to go."""

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
            return
        model = from_state.apps.get_model(app_label, self.model_name)
        column = model._meta.get_field(self.name).column
        index = schema_editor._create_index_name(model._meta.db_table, [column])
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(index)}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("concerns", "0015_concern_followup_pending"),
        ("places", "0003_area_names_in_every_language"),
    ]

    operations = [
        IndexBuiltConcurrently(
            model_name="concern",
            index=models.Index(
                condition=models.Q(("closed_at__isnull", False)), fields=["closed_at"], name="concern_closed_at"
            ),
        ),
        IndexBuiltConcurrently(
            model_name="concern",
            index=models.Index(
                condition=models.Q(("duplicate_of__isnull", False)),
                fields=["duplicate_of"],
                name="concern_duplicate_of",
            ),
        ),
        IndexBuiltConcurrently(
            model_name="concern",
            index=models.Index(
                condition=models.Q(("contact_phone_hash", ""), _negated=True),
                fields=["contact_phone_hash"],
                name="concern_contact_phone",
            ),
        ),
        IndexBuiltConcurrently(
            model_name="concern",
            index=models.Index(
                condition=models.Q(("contact_email_hash", ""), _negated=True),
                fields=["contact_email_hash"],
                name="concern_contact_email",
            ),
        ),
        UniqueConstraintBuiltConcurrently(
            model_name="concern",
            constraint=models.UniqueConstraint(fields=("receipt_hash",), name="concern_receipt_hash_unique"),
        ),
        UniqueConstraintBuiltConcurrently(
            model_name="concern",
            constraint=models.UniqueConstraint(fields=("submission_hash",), name="concern_submission_hash_unique"),
        ),
        FieldAltered(
            model_name="concern",
            name="closed_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="closed"),
        ),
        FieldAltered(
            model_name="concern",
            name="contact_email_hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        FieldAltered(
            model_name="concern",
            name="contact_phone_hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        ForeignKeyIndexDropped(
            model_name="concern",
            name="duplicate_of",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="duplicates",
                to="concerns.concern",
                verbose_name="duplicate of",
            ),
        ),
        FieldAltered(
            model_name="concern",
            name="is_published",
            field=models.BooleanField(default=False, verbose_name="published"),
        ),
        FieldAltered(
            model_name="concern",
            name="receipt_hash",
            field=models.CharField(editable=False, max_length=64),
        ),
        FieldAltered(
            model_name="concern",
            name="submission_hash",
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
    ]
