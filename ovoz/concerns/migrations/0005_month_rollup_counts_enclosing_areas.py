from collections import Counter

from django.db import migrations
from django.utils import timezone


def month_rollup_rebuild(apps, schema_editor):
    """Recount the monthly rollup so that each concern counts under its area and every area above it."""
    Area = apps.get_model("places", "Area")
    Concern = apps.get_model("concerns", "Concern")
    ConcernMonthRollup = apps.get_model("concerns", "ConcernMonthRollup")
    paths = dict(Area.objects.values_list("pk", "path").iterator(chunk_size=5000))
    themes_by_concern: dict = {}
    through = Concern.themes.through.objects.values_list("concern_id", "theme_id").iterator(chunk_size=5000)
    for concern_id, theme_id in through:
        themes_by_concern.setdefault(concern_id, []).append(theme_id)
    monthly: Counter = Counter()
    fields = ("pk", "created_at", "area_id", "status")
    for pk, created_at, area_id, status in Concern.objects.values_list(*fields).iterator(chunk_size=5000):
        month = timezone.localdate(created_at).replace(day=1)
        if area_id:
            enclosing = [*(int(part) for part in paths.get(area_id, "").split("/") if part), area_id, -1]
        else:
            enclosing = [0, -1]
        for theme_key in [*(themes_by_concern.get(pk) or [0]), -1]:
            for area_key in enclosing:
                monthly[(month, area_key, theme_key, status)] += 1
                monthly[(month, area_key, theme_key, "")] += 1
    ConcernMonthRollup.objects.all().delete()
    ConcernMonthRollup.objects.bulk_create(
        (
            ConcernMonthRollup(month=k[0], area_key=k[1], theme_key=k[2], status=k[3], count=n)
            for k, n in monthly.items()
        ),
        batch_size=2000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("concerns", "0004_step_rollup_and_month_index"),
        ("places", "0001_initial"),
    ]

    operations = [migrations.RunPython(month_rollup_rebuild, migrations.RunPython.noop)]
