"""The Telegram bot end to end: updates in over the webhook, Bot API calls out to a fake Bot API on loopback."""

import io
import json
import re

import httpx
import pytest
from django.core.management import call_command
from PIL import Image

from ovoz.accounts.tests.factories import UserFactory
from ovoz.channels.models import Conversation, InboundMessage, OutboundMessage
from ovoz.concerns import services as concern_services
from ovoz.concerns.choices import EventKind, Status
from ovoz.concerns.models import Attachment, Concern
from ovoz.concerns.receipts import receipt_hash
from ovoz.core.models import AuditEntry
from ovoz.places.models import Area
from ovoz.testing.canary import captured_logs
from ovoz.testing.fakes import CHAT, TOKEN

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(telegram_channel):
    return telegram_channel


def buttons(message: dict) -> list[str]:
    return [button["callback_data"] for row in message["reply_markup"]["inline_keyboard"] for button in row]


def report(telegram, bot_api, text="Воды нет уже три недели", visibility="restricted"):
    telegram(text="/start")
    telegram(data="language:ru")
    jizzakh = Area.objects.get(code="UZ-JI")
    telegram(data=f"area:{jizzakh.pk}")
    telegram(data=f"visibility:{visibility}")
    response = telegram(text=text)
    return response if visibility == "confidential" else telegram(data="send")


def test_the_guided_report_ends_with_a_concern_and_its_receipt_in_the_chosen_language(telegram, bot_api):
    telegram(text="/start")
    languages = bot_api.sent()[-1]
    assert buttons(languages) == [f"language:{code}" for code in ("en", "ru", "uz", "tg", "ky", "kk", "kaa")]
    telegram(data="language:ru")
    # Where and who may see it come before the words (docs/adr/0007-sealed-channel-reports.md).
    regions = bot_api.sent()[-1]
    jizzakh = Area.objects.get(code="UZ-JI")
    assert f"area:{jizzakh.pk}" in buttons(regions) and len(buttons(regions)) == 14 + 2  # + somewhere, not saying
    telegram(data=f"area:{jizzakh.pk}")
    assert buttons(bot_api.sent()[-1]) == ["visibility:public", "visibility:restricted", "visibility:confidential"]
    telegram(data="visibility:restricted")
    assert "Опишите" in bot_api.sent()[-1]["text"]
    telegram(text="Воды нет уже три недели, дети болеют")
    assert buttons(bot_api.sent()[-1]) == ["send", "restart"]
    response = telegram(data="send")
    assert response.json() == {
        "method": "answerCallbackQuery",
        "callback_query_id": response.json()["callback_query_id"],
    }
    concern = Concern.objects.get()
    assert (concern.channel, concern.language, concern.area, concern.visibility) == (
        "telegram",
        "ru",
        jizzakh,
        "restricted",
    )
    assert concern.text == "Воды нет уже три недели, дети болеют"
    receipt_message = bot_api.sent()[-1]
    assert receipt_message["chat_id"] == str(CHAT)
    receipt = re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", receipt_message["text"]).group(0)
    assert concern.receipt_hash == receipt_hash(receipt)
    assert f"№ {concern.pk}" in receipt_message["text"] or str(concern.pk) in receipt_message["text"]


def test_the_guided_report_in_karakalpak_is_asked_and_answered_in_karakalpak(telegram, bot_api):
    telegram(text="/start")
    telegram(data="language:kaa")
    assert "Bul qay jerde?" in bot_api.sent()[-1]["text"]
    karakalpakstan = Area.objects.get(code="UZ-QR")
    telegram(data=f"area:{karakalpakstan.pk}")
    assert "Onı kim kóre aladı?" in bot_api.sent()[-1]["text"]
    telegram(data="visibility:restricted")
    telegram(text="Awılımızda suw joq, balalar awırıp atır")
    assert "Jiberemiz be?" in bot_api.sent()[-1]["text"]
    telegram(data="send")
    concern = Concern.objects.get()
    assert (concern.language, concern.is_language_chosen, concern.area) == ("kaa", True, karakalpakstan)
    assert f"Sizdiń {concern.pk}-sanlı múrájatıńız qabıl etildi" in bot_api.sent()[-1]["text"]


def test_a_first_message_without_start_is_kept_while_the_language_is_asked(telegram, bot_api):
    telegram(text="Gas is cut every evening")
    assert buttons(bot_api.sent()[-1])[0] == "language:en"
    telegram(data="language:en")
    assert "Where is it?" in bot_api.sent()[-1]["text"]
    telegram(data="here:")
    telegram(data="visibility:public")
    # The summary counts the words and never echoes them (a queued message is kept until sent).
    summary = bot_api.sent()[-1]["text"]
    assert "Gas is cut" not in summary and str(len("Gas is cut every evening")) in summary
    telegram(data="send")
    assert Concern.objects.get().text == "Gas is cut every evening"


def test_the_same_update_delivered_again_makes_one_concern_and_answers_2xx(telegram, bot_api):
    report(telegram, bot_api)
    replies_before = len(bot_api.sent())
    send_update_id = InboundMessage.objects.latest("pk").external_id
    for _ in range(5):
        assert telegram(update_id=int(send_update_id), data="send").status_code == 200
    assert Concern.objects.count() == 1
    assert len(bot_api.sent()) == replies_before


def test_a_wrong_secret_token_or_unknown_bot_is_refused_stored_nowhere_and_audited_unless_made_up(
    client, telegram, channel
):
    assert telegram(text="/start", secret="not-the-secret").status_code == 403
    unknown = client.post(
        "/channels/telegram/00000000-0000-0000-0000-000000000000/", b"{}", content_type="application/json"
    )
    assert unknown.status_code == 404
    # A Telegram channel is not an SMS webhook either.
    assert client.post(f"/channels/sms/{channel.pk}/", b"{}", content_type="application/json").status_code == 404
    assert InboundMessage.objects.count() == 0 and Conversation.objects.count() == 0
    reasons = sorted(entry.data["reason"] for entry in AuditEntry.objects.filter(action="channel.refused"))
    # A made-up id leaves nothing; a real channel at the wrong webhook is counted against it.
    assert reasons == ["bad_secret_token", "wrong_webhook"]


def test_a_photo_is_attached_without_its_metadata(telegram, bot_api):
    telegram(text="/start")
    telegram(data="language:en")
    telegram(data="here:")
    telegram(data="visibility:public")
    telegram(photo=[{"file_id": "small", "width": 10}, {"file_id": "large", "width": 64}], caption="Broken pipe")
    assert ("getFile", {"file_id": "large"}) in bot_api.calls
    telegram(data="send")
    attachment = Attachment.objects.get()
    assert attachment.concern.text == "Broken pipe"
    with attachment.file.open("rb") as handle:
        assert not Image.open(io.BytesIO(handle.read())).getexif()


def test_a_redelivered_photo_update_answers_200_without_fetching_the_photo_again(telegram, bot_api):
    telegram(text="/start")
    telegram(data="language:en")
    photo = {"photo": [{"file_id": "large", "width": 64}], "caption": "Broken pipe"}
    assert telegram(update_id=5000, **photo).status_code == 200
    fetched = ([method for method, _body in bot_api.calls].count("getFile"), bot_api.downloads)
    assert fetched == (1, 1)
    for _ in range(3):
        assert telegram(update_id=5000, **photo).status_code == 200
    assert ([method for method, _body in bot_api.calls].count("getFile"), bot_api.downloads) == fetched
    telegram(data="here:")
    telegram(data="visibility:public")
    telegram(data="send")
    assert Attachment.objects.count() == 1


def test_messages_after_the_report_join_it_and_a_facilitators_question_reaches_the_chat(
    telegram, bot_api, django_capture_on_commit_callbacks
):
    report(telegram, bot_api)
    concern = Concern.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        concern_services.concern_message_reporter(
            actor=UserFactory(username="facilitator"), concern=concern, text="Which street?", kind=EventKind.QUESTION
        )
    assert "Which street?" in bot_api.sent()[-1]["text"] and bot_api.sent()[-1]["chat_id"] == str(CHAT)
    telegram(text="Mustaqillik street, near the school")
    answer = concern.events.get(kind=EventKind.REPORTER_MESSAGE)
    assert answer.text == "Mustaqillik street, near the school"
    assert Concern.objects.count() == 1


def test_status_returns_the_status_and_latest_public_note(telegram, bot_api, django_capture_on_commit_callbacks):
    report(telegram, bot_api)
    concern = Concern.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        concern_services.concern_change_status(
            actor=UserFactory(username="facilitator"), concern=concern, status=Status.ACCEPTED, note="Водоканал извещён"
        )
    assert "Водоканал извещён" in bot_api.sent()[-1]["text"]  # the status change itself is sent once
    sent_before = len(bot_api.sent())
    telegram(text="/status")
    assert len(bot_api.sent()) == sent_before + 1
    assert "Водоканал извещён" in bot_api.sent()[-1]["text"] and str(concern.pk) in bot_api.sent()[-1]["text"]


def test_new_starts_another_report(telegram, bot_api):
    report(telegram, bot_api)
    telegram(text="/new")
    telegram(data="here:")
    telegram(data="visibility:public")
    telegram(text="Свет отключают каждый вечер")
    telegram(data="send")
    assert Concern.objects.count() == 2
    assert Concern.objects.latest("pk").text == "Свет отключают каждый вечер"


def test_stop_says_goodbye_forgets_the_chat_and_sends_nothing_more(
    telegram, bot_api, django_capture_on_commit_callbacks
):
    report(telegram, bot_api)
    response = telegram(text="/stop")
    assert response.json()["method"] == "sendMessage" and response.json()["chat_id"] == str(CHAT)
    conversation = Conversation.objects.get()
    assert conversation.is_stopped and conversation.sender_ciphertext is None
    sent_before = len(bot_api.sent())
    with django_capture_on_commit_callbacks(execute=True):
        concern_services.concern_change_status(
            actor=UserFactory(username="facilitator"), concern=Concern.objects.get(), status=Status.ACCEPTED, note="Ok"
        )
    assert len(bot_api.sent()) == sent_before


def test_chat_ids_and_texts_are_stored_only_encrypted(telegram, bot_api):
    report(telegram, bot_api, text="The checkpoint officers take money")
    rows = [*InboundMessage.objects.values(), *Conversation.objects.values(), *OutboundMessage.objects.values()]
    for row in rows:
        for value in row.values():
            text = bytes(value).decode("latin-1") if isinstance(value, bytes | memoryview) else str(value)
            assert str(CHAT) not in text and "checkpoint" not in text


def test_a_failing_bot_api_is_retried_and_a_refusal_is_not(telegram, bot_api):
    bot_api.failures = [502, 502]
    telegram(text="/start")
    message = OutboundMessage.objects.get()
    assert (message.state, message.attempts) == ("sent", 3)
    bot_api.failures = [403]  # the user blocked the bot: trying again cannot help
    telegram(data="language:en")
    failed = OutboundMessage.objects.exclude(pk=message.pk).get()
    assert (failed.state, failed.attempts) == ("failed", 1)
    assert "403" in failed.last_error and TOKEN not in failed.last_error


def test_a_refusal_is_stored_and_logged_without_telegrams_description_which_may_name_the_chat(
    telegram, bot_api, monkeypatch
):
    refusal = httpx.Response(400, json={"ok": False, "description": f"Bad Request: chat {CHAT} not found"})
    telegram(text="/start")
    monkeypatch.setattr(httpx, "post", lambda *args, **kwargs: refusal)
    with captured_logs() as logs:
        telegram(data="language:en")
    failed = OutboundMessage.objects.get(state="failed")
    assert failed.last_error == "Bot API answered 400 to sendMessage"
    assert "failed for good" in logs.text and str(CHAT) not in logs.text and TOKEN not in logs.text


def test_a_bot_api_call_that_fails_unexpectedly_leaves_no_token_in_a_log_or_the_message(telegram, bot_api, monkeypatch):
    def invalid_url(url, **kwargs):
        raise httpx.InvalidURL(f"Invalid non-printable ASCII character in URL: {url!r}")  # as httpx says it

    telegram(text="/start")
    monkeypatch.setattr(httpx, "post", invalid_url)
    with captured_logs() as logs:
        telegram(data="language:en")
    failed = OutboundMessage.objects.get(state="failed")
    assert (failed.attempts, failed.last_error) == (1, "could not hand over: InvalidURL")  # not sent twice
    assert TOKEN not in logs.text and str(CHAT) not in logs.text


def test_group_chats_and_edits_are_ignored_without_storing(client, channel):
    for update in (
        {"update_id": 5, "message": {"chat": {"id": -100, "type": "group"}, "text": "hello"}},
        {"update_id": 6, "edited_message": {"chat": {"id": CHAT, "type": "private"}, "text": "x"}},
    ):
        response = client.post(
            f"/channels/telegram/{channel.pk}/",
            json.dumps(update),
            content_type="application/json",
            HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=channel.test_secret,
        )
        assert response.status_code == 200
    assert InboundMessage.objects.count() == 0 and Conversation.objects.count() == 0


def test_telegram_webhook_command_sets_and_deletes_the_webhook(channel, bot_api, settings):
    settings.OVOZ_PUBLIC_URL = "https://ovoz.example.org"
    call_command("telegram_webhook", "set", str(channel.pk), stdout=io.StringIO())
    method, body = bot_api.calls[-1]
    assert method == "setWebhook"
    assert body["url"] == f"https://ovoz.example.org/channels/telegram/{channel.pk}/"
    assert body["secret_token"] == channel.test_secret
    call_command("telegram_webhook", "delete", "Ovoz bot", stdout=io.StringIO())
    assert bot_api.calls[-1][0] == "deleteWebhook"


def test_an_administrator_adds_a_telegram_bot_in_the_staff_admin_with_its_token_encrypted(db):
    from django.test import Client

    from ovoz.accounts.choices import DeploymentRole
    from ovoz.channels.models import Channel
    from ovoz.testing.web import sign_in

    client = Client()
    sign_in(client, UserFactory(username="admin", role=DeploymentRole.ADMINISTRATOR))
    response = client.post(
        "/staff/admin/channels/channel/add/",
        {
            "kind": "telegram",
            "name": "Osh bot",
            "default_language": "ky",
            "options": f"token={TOKEN}",
            "is_active": "on",
        },
        follow=True,
    )
    assert response.status_code == 200
    channel = Channel.objects.get(name="Osh bot")
    assert channel.credentials()["token"] == TOKEN and TOKEN.encode() not in bytes(channel.credentials_ciphertext)
    assert f"/channels/telegram/{channel.pk}/" in response.content.decode()


def test_a_region_with_districts_asks_for_the_district_and_a_shared_location_also_places_it(telegram, bot_api):
    jizzakh = Area.objects.get(code="UZ-JI")
    zomin = Area.objects.create(parent=jizzakh, kind="district", name="Zomin district", code="UZ-JI-ZO")
    telegram(text="/start")
    telegram(data="language:en")
    telegram(data=f"area:{jizzakh.pk}")
    assert buttons(bot_api.sent()[-1]) == [f"area:{zomin.pk}", f"here:{jizzakh.pk}", "here:"]
    telegram(data=f"area:{zomin.pk}")
    telegram(data="visibility:public")
    telegram(text="The road is washed out")
    telegram(data="send")
    assert Concern.objects.get().area == zomin
    telegram(text="/new")
    telegram(location={"latitude": 40.12, "longitude": 67.83})
    telegram(data="visibility:public")
    telegram(text="No water in the school")
    telegram(data="send")
    located = Concern.objects.latest("pk")
    assert located.latitude is not None and abs(located.latitude - 40.12) < 0.02


def test_the_regions_are_offered_in_the_alphabetical_order_of_the_chosen_language(telegram, bot_api):
    telegram(text="/start")
    telegram(data="language:kk")
    names = [button["text"] for row in bot_api.sent()[-1]["reply_markup"]["inline_keyboard"] for button in row][:14]
    assert names == [
        "Әндіжан облысы",
        "Бұхара облысы",
        "Жизақ облысы",
        "Қарақалпақстан Республикасы",
        "Қашқадария облысы",
        "Наманган облысы",
        "Науаи облысы",
        "Самарқанд облысы",
        "Сурхандария облысы",
        "Сырдария облысы",
        "Ташкент қаласы",
        "Ташкент облысы",
        "Ферғана облысы",
        "Хорезм облысы",
    ]
