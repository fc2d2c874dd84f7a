from collections import Counter

from django.db import migrations
from django.utils import timezone

from ovoz.concerns.migrations import _rollup_recount
from ovoz.concerns.migrations._rollup_recount import concern_batches, counts_add

MONTHLY_KEY = ("month", "area_key", "theme_key", "status")


def month_rollup_rebuild(apps, schema_editor):
    """Recount the monthly rollup so that each concern counts under its area and every area above it.

    In batches of concerns (``_rollup_recount``): memory stays bounded at a million concerns (the
    areas' paths are read whole: there are thousands, not millions)."""
    Area = apps.get_model("places", "Area")
    Concern = apps.get_model("concerns", "Concern")
    ConcernMonthRollup = apps.get_model("concerns", "ConcernMonthRollup")
    paths = dict(Area.objects.values_list("pk", "path").iterator(chunk_size=5000))
    ConcernMonthRollup.objects.all().delete()
    fields = ("created_at", "area_id", "status")
    for rows, themes_by_concern in concern_batches(Concern, fields, batch_size=_rollup_recount.BATCH_SIZE):
        monthly: Counter = Counter()
        for pk, created_at, area_id, status in rows:
            month = timezone.localdate(created_at).replace(day=1)
            if area_id:
                enclosing = [*(int(part) for part in paths.get(area_id, "").split("/") if part), area_id, -1]
            else:
                enclosing = [0, -1]
            for theme_key in [*(themes_by_concern.get(pk) or [0]), -1]:
                for area_key in enclosing:
                    monthly[(month, area_key, theme_key, status)] += 1
                    monthly[(month, area_key, theme_key, "")] += 1
        counts_add(schema_editor, ConcernMonthRollup, MONTHLY_KEY, monthly)


class Migration(migrations.Migration):
    dependencies = [
        ("concerns", "0004_step_rollup_and_month_index"),
        ("places", "0001_initial"),
    ]

    operations = [migrations.RunPython(month_rollup_rebuild, migrations.RunPython.noop)]
