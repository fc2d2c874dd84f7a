"""Reminders reach each member in the language they chose (issue 14: a Tajik-speaking facilitator's
digest came in English)."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone, translation

from ovoz.groups import services
from ovoz.groups.tests.scenario import build_scenario

pytestmark = pytest.mark.django_db

TAJIK_SUBJECT = "Ovoz: ёдрасиҳои гурӯҳи корӣ барои"
TAJIK_MEETINGS = "Ҷаласаҳо дар 7 рӯзи наздик:"


@pytest.fixture
def scenario(world):
    s = build_scenario(world)
    services.meeting_schedule(
        actor=world["users"]["facilitator"],
        group=world["group"],
        starts_at=timezone.now() + timedelta(days=3),
        place="School no. 4",
    )
    return s


def test_a_tajik_speaking_facilitators_digest_is_in_tajik_by_e_mail_and_telegram(world, scenario):
    facilitator, member = world["users"]["facilitator"], world["users"]["member"]
    facilitator.language = "tg"
    facilitator.save(update_fields=["language"])
    queued = {}

    def queue(*, user, text):
        queued[user.username] = text
        return True

    with translation.override("ru"), mock.patch.object(services, "staff_message_queue", side_effect=queue):
        services.digests_send(day=timezone.localdate())

    (tajik,) = [message for message in mail.outbox if message.to == [facilitator.email]]
    assert tajik.subject.startswith(TAJIK_SUBJECT)
    assert TAJIK_MEETINGS in tajik.body and "Meetings in the next 7 days:" not in tajik.body
    assert TAJIK_MEETINGS in queued[facilitator.username]
    (english,) = [message for message in mail.outbox if message.to == [member.email]]  # chose none: the default
    assert english.subject.startswith("Ovoz: your working-group reminders for")
    assert "Meetings in the next 7 days:" in english.body and TAJIK_MEETINGS not in queued[member.username]
