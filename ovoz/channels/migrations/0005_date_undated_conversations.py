"""Conversations whose first messages made no concern (an SMS STATUS, a lone SECRET, an empty NEW, a
Telegram /link) were stored without ``last_inbound_at``, and retention, which deletes quiet
conversations by that date, never deleted them or the number they hold. They are dated now: they go one
retention period from today, unless the sender writes again."""

from django.db import migrations
from django.utils import timezone


def date_undated(apps, schema_editor):
    Conversation = apps.get_model("channels", "Conversation")
    Conversation.objects.filter(last_inbound_at__isnull=True, sender_ciphertext__isnull=False).update(
        last_inbound_at=timezone.now()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("channels", "0004_outbound_sending_and_uncertain_states"),
    ]

    operations = [migrations.RunPython(date_undated, migrations.RunPython.noop, elidable=True)]
