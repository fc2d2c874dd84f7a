"""Reminders reach each member in the language they chose (issue 14: a Tajik-speaking facilitator's
digest came in English)."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone, translation

from ovoz.groups import services
from ovoz.groups.services import reminders
from ovoz.testing.scenario import build_scenario

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

    with translation.override("ru"), mock.patch.object(reminders, "staff_message_queue", side_effect=queue):
        services.digests_send(day=timezone.localdate())

    (tajik,) = [message for message in mail.outbox if message.to == [facilitator.email]]
    assert tajik.subject.startswith(TAJIK_SUBJECT)
    assert TAJIK_MEETINGS in tajik.body and "Meetings in the next 7 days:" not in tajik.body
    assert TAJIK_MEETINGS in queued[facilitator.username]
    (english,) = [message for message in mail.outbox if message.to == [member.email]]  # chose none: the default
    assert english.subject.startswith("Ovoz: your working-group reminders for")
    assert "Meetings in the next 7 days:" in english.body and TAJIK_MEETINGS not in queued[member.username]


def test_the_bot_answers_a_tajik_speaking_member_who_links_telegram_in_tajik(world, django_capture_on_commit_callbacks):
    import json

    from django.test import Client

    from ovoz.channels.choices import ChannelKind
    from ovoz.channels.services import channel_create
    from ovoz.channels.staff_links import link_code_create
    from ovoz.testing.fakes import TOKEN, FakeBotApi

    member = world["users"]["member"]
    member.language = "tg"
    member.save(update_fields=["language"])
    bot_api = FakeBotApi()
    try:
        channel, secret = channel_create(
            actor=None, kind=ChannelKind.TELEGRAM, name="Bot", options={"token": TOKEN, "api_base": bot_api.base}
        )
        code = link_code_create(user=member)
        update = {"update_id": 1, "message": {"chat": {"id": 5551, "type": "private"}, "text": f"/link {code}"}}
        with django_capture_on_commit_callbacks(execute=True):
            Client().post(
                f"/channels/telegram/{channel.pk}/",
                json.dumps(update),
                content_type="application/json",
                HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=secret,
            )
        assert bot_api.sent()[-1]["text"] == "Пайваст шуд: ёдраскуниҳои гурӯҳи корӣ ба ин ҷо низ меоянд."
    finally:
        bot_api.close()
