from datetime import datetime, timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import IntegrityError
from django.utils import timezone

from ovoz.core.failures import SanitisedFailure
from ovoz.groups import services, tasks
from ovoz.groups.models import SentDigest
from ovoz.operations.scheduler import DailyScheduler
from ovoz.testing.scenario import build_scenario

pytestmark = pytest.mark.django_db


@pytest.fixture
def reminders(world):
    """The scenario (an open round, an action of the member due in 14 days) plus a meeting in 3 days,
    an overdue action and an action far in the future."""
    s = build_scenario(world)
    facilitator = world["users"]["facilitator"]
    today = timezone.localdate()
    services.meeting_schedule(
        actor=facilitator, group=world["group"], starts_at=timezone.now() + timedelta(days=3), place="School no. 4"
    )
    services.meeting_schedule(
        actor=facilitator, group=world["group"], starts_at=timezone.now() + timedelta(days=30), place="Far away"
    )
    overdue = services.action_create(
        actor=facilitator,
        group=world["group"],
        title="Fix the pump",
        concerns=[s["prioritised_concern"]],
        owner=world["police"],
        responsible=world["users"]["member"],
        due_on=today - timedelta(days=2),
    )
    services.action_create(
        actor=facilitator,
        group=world["group"],
        title="Plant trees",
        concerns=[s["prioritised_concern"]],
        owner=world["police"],
        due_on=today + timedelta(days=5),
    )
    return {**s, "overdue": overdue, "today": today}


def _mail_to(username):
    return [message for message in mail.outbox if message.to == [f"{username}@example.org"]]


def test_each_member_gets_one_digest_with_meetings_rounds_and_due_actions(reminders):
    sent = services.digests_send(day=reminders["today"])

    assert sent == 3
    assert sorted(message.to[0] for message in mail.outbox) == [
        "dilnoza@example.org",
        "olim@example.org",
        "rustam@example.org",
    ]
    member = _mail_to("rustam")[0].body
    assert "School no. 4" in member and "Far away" not in member
    assert f"/staff/groups/zomin/meetings/{reminders['meeting'].pk}/scores/" in member
    assert "Fix the pump (Zomin district police department): overdue since" in member
    # Due in 14 days: not yet; another member's action: not theirs.
    assert "Repair the road" not in member and "Plant trees" not in member
    facilitator = _mail_to("dilnoza")[0].body
    assert "Fix the pump" in facilitator and "Plant trees" in facilitator
    observer = _mail_to("olim")[0].body
    assert "School no. 4" in observer and "/scores/" not in observer and "Fix the pump" not in observer


def test_the_digest_is_sent_once_even_if_the_task_runs_twice(reminders):
    day = reminders["today"].isoformat()
    tasks.send_daily_digests.enqueue(day=day)
    count = len(mail.outbox)
    result = tasks.send_daily_digests.enqueue(day=day)
    assert result.return_value == 0
    assert len(mail.outbox) == count and count > 0
    assert SentDigest.objects.filter(day=reminders["today"]).count() == count
    with pytest.raises(IntegrityError):
        SentDigest.objects.create(user=reminders["users"]["member"], day=reminders["today"])


def test_a_member_with_nothing_to_be_reminded_of_gets_no_email(world):
    assert services.digests_send(day=timezone.localdate()) == 0
    assert mail.outbox == [] and SentDigest.objects.count() == 0


def test_a_failed_send_is_tried_again_next_time(reminders):
    # The failure is retold without its text (ovoz.core.failures): a relay's answer names the address.
    with (
        mock.patch("ovoz.core.mail.send_mail", side_effect=ConnectionError("smtp down")),
        pytest.raises(SanitisedFailure, match=r"^mail_server_unreachable \(ConnectionError\)$"),
    ):
        services.digest_send(user=reminders["users"]["member"], day=reminders["today"])
    assert SentDigest.objects.count() == 0
    assert services.digest_send(user=reminders["users"]["member"], day=reminders["today"]) is True


def test_the_send_reminders_command_sends_for_a_given_day(reminders):
    output = StringIO()
    call_command("send_reminders", "--date", reminders["today"].isoformat(), stdout=output)
    assert f"Reminders for {reminders['today'].isoformat()}: 3 e-mails sent." in output.getvalue()
    call_command("send_reminders", "--date", reminders["today"].isoformat(), stdout=output)
    assert output.getvalue().endswith("0 e-mails sent.\n")


def test_the_daily_scheduler_enqueues_once_a_day_after_its_hour():
    days: list[object] = []
    scheduler = DailyScheduler(hour=7, jobs=[days.append])
    zone = timezone.get_current_timezone()
    early = datetime(2026, 12, 1, 6, 59, tzinfo=zone)
    assert scheduler.tick(early) is False
    assert scheduler.tick(early.replace(hour=7, minute=0)) is True
    assert scheduler.tick(early.replace(hour=18)) is False
    assert scheduler.tick(early + timedelta(days=1, hours=2)) is True
    assert [day.isoformat() for day in days] == ["2026-12-01", "2026-12-02"]


def test_a_member_links_telegram_with_a_one_time_code_and_gets_the_digest_there_too(
    reminders, django_capture_on_commit_callbacks
):
    """The member asks for a code on their account page, sends /link CODE to the bot; the digest then
    also reaches that chat, once."""
    import json
    import re

    from django.test import Client

    from ovoz.channels.choices import ChannelKind
    from ovoz.channels.models import Conversation, StaffChatLink
    from ovoz.channels.services import channel_create
    from ovoz.core.models import AuditEntry
    from ovoz.testing.fakes import TOKEN, FakeBotApi
    from ovoz.testing.web import sign_in

    bot_api = FakeBotApi()
    try:
        channel, secret = channel_create(
            actor=None, kind=ChannelKind.TELEGRAM, name="Bot", options={"token": TOKEN, "api_base": bot_api.base}
        )
        member = reminders["users"]["member"]
        browser = Client()
        sign_in(browser, member)
        page = browser.post("/staff/account/telegram/", {"action": "code"}).content.decode()
        code = re.search(r'data-testid="link-code">/link ([A-Z0-9-]+)<', page).group(1)

        def deliver(update_id, text):
            update = {"update_id": update_id, "message": {"chat": {"id": 5551, "type": "private"}, "text": text}}
            with django_capture_on_commit_callbacks(execute=True):
                return Client().post(
                    f"/channels/telegram/{channel.pk}/",
                    json.dumps(update),
                    content_type="application/json",
                    HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=secret,
                )

        deliver(1, "/link WRONG-CODE")
        assert "not valid" in bot_api.sent()[-1]["text"] and not StaffChatLink.objects.exists()
        deliver(2, f"/link {code}")
        assert "Linked" in bot_api.sent()[-1]["text"]
        assert StaffChatLink.objects.get().user == member
        assert b"5551" not in bytes(StaffChatLink.objects.get().chat_ciphertext)
        assert AuditEntry.objects.filter(action="account.telegram_linked").count() == 1
        # The bot's conversation with the chat is dated, so retention deletes its chat id in time.
        assert Conversation.objects.get().last_inbound_at is not None
        deliver(3, f"/link {code}")  # a code works once
        assert "not valid" in bot_api.sent()[-1]["text"]

        with django_capture_on_commit_callbacks(execute=True):
            services.digests_send(day=reminders["today"])
        to_chat = [message for message in bot_api.sent() if "Fix the pump" in message["text"]]
        assert len(to_chat) == 1 and to_chat[0]["chat_id"] == "5551"
        assert len(_mail_to("rustam")) == 1  # the e-mail still goes
        with django_capture_on_commit_callbacks(execute=True):
            services.digests_send(day=reminders["today"])
        assert len([message for message in bot_api.sent() if "Fix the pump" in message["text"]]) == 1

        browser.post("/staff/account/telegram/", {"action": "unlink"})
        assert not StaffChatLink.objects.exists()
    finally:
        bot_api.close()
