"""When a concern was resolved or closed: retention periods count from here (ovoz.operations.retention).

Concerns already resolved or closed take the time of their last event that moved them there (a
status change or a merge); the rare one without such an event takes its last update. One UPDATE
each, whatever the number of concerns.
"""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery

CLOSED_STATUSES = ("resolved", "closed")


def fill_closed_at(apps, schema_editor):
    Concern = apps.get_model("concerns", "Concern")
    ConcernEvent = apps.get_model("concerns", "ConcernEvent")
    last_move = (
        ConcernEvent.objects.filter(
            concern=OuterRef("pk"), kind__in=("status", "merged"), to_status__in=CLOSED_STATUSES
        )
        .order_by("-at", "-pk")
        .values("at")[:1]
    )
    Concern.objects.filter(status__in=CLOSED_STATUSES).update(closed_at=Subquery(last_move))
    Concern.objects.filter(status__in=CLOSED_STATUSES, closed_at__isnull=True).update(closed_at=models.F("updated_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("concerns", "0008_concern_keys_per_user_and_referral"),
    ]

    operations = [
        migrations.AddField(
            model_name="concern",
            name="closed_at",
            field=models.DateTimeField(blank=True, db_index=True, editable=False, null=True, verbose_name="closed"),
        ),
        migrations.RunPython(fill_closed_at, migrations.RunPython.noop),
    ]
