"""The indexes every intake writes, trimmed (issue 13.5): partial where a new concern leaves the column empty,
no LIKE indexes on hashes. The new indexes and unique constraints come first, the old ones go after, so a
lookup or a uniqueness check never lacks its index."""

from typing import Any

import django.db.models.deletion
from django.db import migrations, models


class ForeignKeyIndexDropped(migrations.AlterField):
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
    dependencies = [
        ("concerns", "0015_concern_followup_pending"),
        ("places", "0003_area_names_in_every_language"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="concern",
            index=models.Index(
                condition=models.Q(("closed_at__isnull", False)), fields=["closed_at"], name="concern_closed_at"
            ),
        ),
        migrations.AddIndex(
            model_name="concern",
            index=models.Index(
                condition=models.Q(("duplicate_of__isnull", False)),
                fields=["duplicate_of"],
                name="concern_duplicate_of",
            ),
        ),
        migrations.AddIndex(
            model_name="concern",
            index=models.Index(
                condition=models.Q(("contact_phone_hash", ""), _negated=True),
                fields=["contact_phone_hash"],
                name="concern_contact_phone",
            ),
        ),
        migrations.AddIndex(
            model_name="concern",
            index=models.Index(
                condition=models.Q(("contact_email_hash", ""), _negated=True),
                fields=["contact_email_hash"],
                name="concern_contact_email",
            ),
        ),
        migrations.AddConstraint(
            model_name="concern",
            constraint=models.UniqueConstraint(fields=("receipt_hash",), name="concern_receipt_hash_unique"),
        ),
        migrations.AddConstraint(
            model_name="concern",
            constraint=models.UniqueConstraint(fields=("submission_hash",), name="concern_submission_hash_unique"),
        ),
        migrations.AlterField(
            model_name="concern",
            name="closed_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="closed"),
        ),
        migrations.AlterField(
            model_name="concern",
            name="contact_email_hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AlterField(
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
        migrations.AlterField(
            model_name="concern",
            name="is_published",
            field=models.BooleanField(default=False, verbose_name="published"),
        ),
        migrations.AlterField(
            model_name="concern",
            name="receipt_hash",
            field=models.CharField(editable=False, max_length=64),
        ),
        migrations.AlterField(
            model_name="concern",
            name="submission_hash",
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
    ]
