"""The database itself refuses to change or remove audit entries: triggers on PostgreSQL and SQLite.

PostgreSQL refuses UPDATE and DELETE of any row and TRUNCATE of the table (also a TRUNCATE ... CASCADE
from the users table); SQLite refuses UPDATE and DELETE (it has no TRUNCATE). Nothing in the
triggers lets a session through: the test suite, whose flush between transactional tests must empty
every table, uses its own database backends (ovoz/core/tests/backends) that lift the triggers for
the flush only. On SQLite, a later migration that alters this table rebuilds it and loses the
triggers: such a migration must create them again (test_the_audit_triggers_are_in_place says so).
"""

from django.db import migrations, models

POSTGRESQL_CREATE = [
    """
    CREATE OR REPLACE FUNCTION core_auditentry_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION USING
            MESSAGE = 'audit entries are append-only: ' || TG_OP || ' refused',
            ERRCODE = 'restrict_violation';
    END;
    $$
    """,
    """
    CREATE TRIGGER core_auditentry_refuse_update_delete BEFORE UPDATE OR DELETE ON core_auditentry
    FOR EACH ROW EXECUTE FUNCTION core_auditentry_refuse_change()
    """,
    """
    CREATE TRIGGER core_auditentry_refuse_truncate BEFORE TRUNCATE ON core_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION core_auditentry_refuse_change()
    """,
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS core_auditentry_refuse_truncate ON core_auditentry",
    "DROP TRIGGER IF EXISTS core_auditentry_refuse_update_delete ON core_auditentry",
    "DROP FUNCTION IF EXISTS core_auditentry_refuse_change()",
]
SQLITE_CREATE = [
    """
    CREATE TRIGGER core_auditentry_refuse_update BEFORE UPDATE ON core_auditentry
    BEGIN SELECT RAISE(ABORT, 'audit entries are append-only: UPDATE refused'); END
    """,
    """
    CREATE TRIGGER core_auditentry_refuse_delete BEFORE DELETE ON core_auditentry
    BEGIN SELECT RAISE(ABORT, 'audit entries are append-only: DELETE refused'); END
    """,
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS core_auditentry_refuse_update",
    "DROP TRIGGER IF EXISTS core_auditentry_refuse_delete",
]


def _run(schema_editor, statements_by_vendor):
    statements = statements_by_vendor.get(schema_editor.connection.vendor)
    if statements is None:
        raise RuntimeError(f"Ovoz runs on PostgreSQL or SQLite, not {schema_editor.connection.vendor}.")
    for statement in statements:
        schema_editor.execute(statement, params=None)


def create_triggers(apps, schema_editor):
    _run(schema_editor, {"postgresql": POSTGRESQL_CREATE, "sqlite": SQLITE_CREATE})


def drop_triggers(apps, schema_editor):
    _run(schema_editor, {"postgresql": POSTGRESQL_DROP, "sqlite": SQLITE_DROP})


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_audit_hash_chain"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="auditentry",
            constraint=models.UniqueConstraint(fields=("previous_hash",), name="audit_chain_one_successor"),
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
