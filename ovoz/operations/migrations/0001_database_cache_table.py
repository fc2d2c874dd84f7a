"""The table of the database cache (`ovoz_cache`), which production uses when there is no Redis.

Made whatever the settings say, so that a deployment that moves to production, or drops Redis,
finds it there; Django's own `createcachetable` only makes the tables of the caches configured now.
"""

from django.db import migrations

TABLE = "ovoz_cache"


def create_cache_table(apps, schema_editor):
    from django.core.management.commands.createcachetable import Command

    command = Command()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, TABLE, dry_run=False)


def drop_cache_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies: list[tuple[str, str]] = []

    operations = [migrations.RunPython(create_cache_table, drop_cache_table, elidable=False)]
