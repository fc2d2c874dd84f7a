"""Chain the audit log: every entry gets the hash of the one before it and its own (ovoz.core.audit).

Entries already written are chained in id order here. The hash function is a frozen copy of
``ovoz.core.audit.entry_digest`` version 1 (migrations do not import app code).
"""

import hashlib
import json
from datetime import UTC

import django.utils.timezone
from django.db import migrations, models

GENESIS_HASH = "0" * 64


def _digest(entry, previous_hash):
    encoded = json.dumps(
        {
            "previous": previous_hash,
            "at": entry.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "actor": entry.actor_id,
            "action": entry.action,
            "object_type": entry.object_type,
            "object_id": entry.object_id,
            "data": entry.data,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
        allow_nan=False,
    )
    return hashlib.sha256(b"ovoz-audit-v1\n" + encoded.encode("ascii")).hexdigest()


def chain_existing_entries(apps, schema_editor):
    AuditEntry = apps.get_model("core", "AuditEntry")
    previous_hash = GENESIS_HASH
    last_id = 0
    while True:
        batch = list(AuditEntry.objects.filter(pk__gt=last_id).order_by("pk")[:1000])
        if not batch:
            return
        for entry in batch:
            entry_hash = _digest(entry, previous_hash)
            AuditEntry.objects.filter(pk=entry.pk).update(previous_hash=previous_hash, entry_hash=entry_hash)
            previous_hash = entry_hash
        last_id = batch[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="auditentry",
            options={"ordering": ["-id"], "verbose_name": "audit entry", "verbose_name_plural": "audit entries"},
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="at",
            field=models.DateTimeField(
                db_index=True, default=django.utils.timezone.now, editable=False, verbose_name="at"
            ),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="previous_hash",
            field=models.CharField(
                default="", editable=False, max_length=64, verbose_name="hash of the previous entry"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditentry",
            name="entry_hash",
            field=models.CharField(default="", editable=False, max_length=64, verbose_name="hash"),
            preserve_default=False,
        ),
        migrations.RunPython(chain_existing_entries, migrations.RunPython.noop),
    ]
