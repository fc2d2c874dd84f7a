"""The thief test for confidential concerns raised by SMS and Telegram (issue 12, point 2).

A thief holds the database, every server secret (the data key above all) and a backup with its key.
In every state of the flow, with the task worker stopped (replies wait in the queue) and with the
gateway down (replies wait between retries), they must find neither the reporter's words nor a
receipt that opens them (docs/adr/0007-sealed-channel-reports.md).
"""

import hashlib
import hmac
import io
import json
import re
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings
from django.utils import timezone

from ovoz.accounts.tests.factories import UserFactory
from ovoz.channels.choices import ChannelKind, OutboundState, TelegramStep
from ovoz.channels.keywords import Keyword, keyword_split
from ovoz.channels.models import Conversation, OutboundMessage
from ovoz.channels.outbound import outbound_send
from ovoz.channels.services import DRAFT_HOURS, channel_create, twilio_signature
from ovoz.concerns import services as concern_services
from ovoz.concerns.choices import Visibility
from ovoz.concerns.confidential import open_for_reporter
from ovoz.concerns.models import Concern
from ovoz.conversations.messages import MessagePurpose, message_send, route_of_concern
from ovoz.core.tests.thief import backup_loot, receipts_opening, thief_loot
from ovoz.operations.backup_format import keypair_generate, private_key_parse, public_key_parse
from ovoz.operations.backups import backup_create
from ovoz.operations.retention import retention_apply
from ovoz.places.models import Area
from ovoz.places.services import areas_seed
from ovoz.testing.canary import canary
from ovoz.testing.fakes import serve_in_background

# The real embedded task backend: replies become task rows that wait for a worker that never comes.
WORKER_STOPPED = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
RECEIPT = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")
PHONE = "+998 90 123 45 67"
CHAT = 987654321


class DeadGateway:
    """A gateway (SMS or Bot API) on loopback that answers every call with 503: it is down."""

    def __init__(self) -> None:
        self.calls = 0
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                gateway.calls += 1
                self.send_response(503)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        serve_in_background(self.server)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def dead_gateway():
    gateway = DeadGateway()
    yield gateway
    gateway.close()


@pytest.fixture
def worker_stopped(settings, tmp_path):
    settings.TASKS = WORKER_STOPPED
    settings.MEDIA_ROOT = tmp_path / "media"


def assert_the_thief_finds_nothing(*words: str, receipt: str = "") -> None:
    """Neither the words nor the receipt in the database read with the data key, nor in a backup read
    with its key too; and no receipt-like string there opens a sealed concern."""
    generated = keypair_generate()
    output = io.BytesIO()
    backup_create(output=output, public_key=public_key_parse(generated.public))
    for loot in (thief_loot(), backup_loot(output.getvalue(), private_key_parse(generated.private))):
        for word in words:
            assert word not in loot
        if receipt:
            assert receipt not in loot and receipt.replace("-", "") not in loot
        assert receipts_opening(loot) == []


def run_queued_replies_once() -> None:
    """The worker comes back for one round while the gateway is down: each reply fails and waits again."""
    for message in OutboundMessage.objects.filter(state=OutboundState.QUEUED):
        outbound_send(message_id=message.pk)


# --- Telegram ---------------------------------------------------------------------------------


@pytest.fixture
def telegram_channel(transactional_db, dead_gateway, worker_stopped):
    areas_seed()
    channel, secret = channel_create(
        actor=None,
        kind=ChannelKind.TELEGRAM,
        name="Ovoz bot",
        options={"token": "123456:telegram-test-token", "api_base": dead_gateway.base},
        default_area=Area.objects.get(code="UZ"),
    )
    channel.test_secret = secret
    return channel


@pytest.fixture
def telegram(client, telegram_channel):
    counter = iter(range(1000, 10_000))

    def deliver(**message):
        update_id = next(counter)
        if "data" in message:
            update = {
                "update_id": update_id,
                "callback_query": {
                    "id": f"cb-{update_id}",
                    "data": message["data"],
                    "message": {"message_id": 1, "chat": {"id": CHAT, "type": "private"}},
                },
            }
        else:
            update = {"update_id": update_id, "message": {"message_id": 2, "chat": {"id": CHAT, "type": "private"}}}
            update["message"].update(message)
        response = client.post(
            f"/channels/telegram/{telegram_channel.pk}/",
            json.dumps(update),
            content_type="application/json",
            HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=telegram_channel.test_secret,
        )
        assert response.status_code == 200
        return response

    return deliver


def test_a_confidential_telegram_report_leaves_the_thief_nothing_in_any_state_with_worker_and_bot_api_down(
    telegram, dead_gateway
):
    words, more = canary("story"), canary("more")
    telegram(text="/start")
    telegram(data="language:en")
    telegram(data="here:")
    telegram(data="visibility:confidential")
    assert_the_thief_finds_nothing(words)
    response = telegram(text=f"He hits us every night {words}")
    # The receipt goes out only in the webhook's own answer: a Bot API call Telegram makes for Ovoz.
    answer = response.json()
    assert (answer["method"], answer["chat_id"]) == ("sendMessage", str(CHAT))
    receipt = RECEIPT.search(answer["text"]).group(0)
    concern = Concern.objects.get()
    assert concern.is_sealed and open_for_reporter(concern, receipt=receipt).text.endswith(words)
    assert words not in answer["text"]
    assert_the_thief_finds_nothing(words, receipt=receipt)
    telegram(text=f"And today again {more}")  # joins the sealed concern
    telegram(text="/status")
    assert_the_thief_finds_nothing(words, more, receipt=receipt)
    run_queued_replies_once()  # the Bot API is down: replies go back to the queue for a retry
    assert dead_gateway.calls > 0 and OutboundMessage.objects.filter(state=OutboundState.QUEUED).exists()
    assert_the_thief_finds_nothing(words, more, receipt=receipt)
    assert open_for_reporter(concern, receipt=receipt).event_texts  # what was added opens with the receipt


def test_words_written_before_choosing_confidential_are_sealed_when_it_is_chosen(telegram):
    words = canary("first")
    telegram(text=f"Help {words}")  # before /start: kept while the questions are asked
    telegram(data="language:en")
    telegram(data="here:")
    response = telegram(data="visibility:confidential")
    receipt = RECEIPT.search(response.json()["text"]).group(0)
    assert Concern.objects.get().is_sealed
    assert Conversation.objects.get().draft_ciphertext is None
    assert Conversation.objects.get().step == TelegramStep.FOLLOWING
    assert_the_thief_finds_nothing(words, receipt=receipt)


def test_words_written_while_the_place_is_asked_are_sealed_when_confidential_is_chosen(telegram):
    words = canary("early")
    telegram(text="/start")
    telegram(data="language:en")
    telegram(text=f"My brother was beaten at the station {words}")
    telegram(data="here:")
    response = telegram(data="visibility:confidential")
    receipt = RECEIPT.search(response.json()["text"]).group(0)
    concern = Concern.objects.get()
    assert open_for_reporter(concern, receipt=receipt).text.endswith(words)
    assert_the_thief_finds_nothing(words, receipt=receipt)


def test_sealing_words_kept_before_the_choice_empties_sqlites_write_ahead_log(telegram, monkeypatch):
    from ovoz.channels import telegram_bot

    emptied: list[None] = []
    original = telegram_bot._sqlite_log_truncate
    monkeypatch.setattr(telegram_bot, "_sqlite_log_truncate", lambda: emptied.append(original()))
    telegram(text="/start")
    telegram(data="language:en")
    telegram(data="here:")
    telegram(data="visibility:confidential")
    telegram(text="Words sealed on arrival never were in a draft")
    assert emptied == []
    telegram(text="/new")
    telegram(text=f"Words first {canary('wal')}")
    telegram(data="here:")
    telegram(data="visibility:confidential")
    assert len(emptied) == 1 and Concern.objects.filter(content_public_key__isnull=False).count() == 2


def test_words_of_a_draft_abandoned_before_the_choice_are_wiped_by_the_next_retention_run(telegram):
    words = canary("abandoned")
    telegram(text=f"I am afraid to say this {words}")  # then the reporter never answers the questions
    assert words in thief_loot()  # before the choice the words wait under the data key: the window
    retention_apply(now=timezone.now() + timedelta(hours=DRAFT_HOURS - 1))
    assert words in thief_loot()
    retention_apply(now=timezone.now() + timedelta(hours=DRAFT_HOURS + 1))
    assert Conversation.objects.get().draft_ciphertext is None
    assert_the_thief_finds_nothing(words)


# --- SMS ----------------------------------------------------------------------------------------


@pytest.fixture
def sms_channel(transactional_db, dead_gateway, worker_stopped):
    channel, secret = channel_create(
        actor=None, kind=ChannelKind.GENERIC, name="SMS", options={"reply_url": f"{dead_gateway.base}/send"}
    )
    channel.test_secret = secret
    return channel


@pytest.fixture
def sms(client, sms_channel):
    counter = iter(range(1000, 10_000))

    def deliver(text, channel=sms_channel):
        body = json.dumps({"id": f"gw-{next(counter)}", "from": PHONE, "text": text}).encode()
        signature = "sha256=" + hmac.new(channel.test_secret.encode(), body, hashlib.sha256).hexdigest()
        response = client.post(
            f"/channels/sms/{channel.pk}/", body, content_type="application/json", HTTP_X_OVOZ_SIGNATURE=signature
        )
        assert response.status_code == 200
        return response

    return deliver


def test_a_confidential_sms_report_leaves_the_thief_nothing_with_worker_and_gateway_down(sms, dead_gateway):
    words, more = canary("story"), canary("more")
    sms(f"SECRET my husband beats me {words}")
    concern = Concern.objects.get()
    assert concern.is_sealed and concern.visibility == Visibility.CONFIDENTIAL
    # The generic gateway cannot carry an answer in its response: the queued reply is wordless.
    assert_the_thief_finds_nothing(words)
    sms(f"He took my passport {more}")  # joins the sealed concern
    sms("STATUS")
    assert_the_thief_finds_nothing(words, more)
    run_queued_replies_once()
    assert dead_gateway.calls > 0
    assert_the_thief_finds_nothing(words, more)
    assert concern.events.get().text == ""


@pytest.mark.parametrize(
    "keyword",
    [
        "SECRET",
        "Confidential",
        "ТАЙНО",
        "MAXFIY",
        "махфий",
        "МАХФӢ",
        "КУПУЯ",
        "ҚҰПИЯ",
        "купия",
        "QUPIYA",
        "Qupıya",
        "ҚУПЫЯ",
    ],
)
def test_the_secret_keyword_is_understood_in_every_language(keyword):
    assert keyword_split(f"{keyword} words") == (Keyword.SECRET, "words")


@pytest.mark.parametrize(
    "text",
    [
        "SECRET\nmy husband beats me",
        "Махфий:эрим мени уради",
        "СЕКРЕТ,муж бьёт меня",
        "SECRET\u00a0my husband beats me",  # a phone's non-breaking space
        "secret\tmy husband beats me",
        "  Secret!  my husband beats me",
    ],
)
def test_secret_followed_by_any_space_or_punctuation_seals_the_report(sms, text):
    keyword, rest = keyword_split(text)
    assert keyword == Keyword.SECRET and rest and rest[0].isalpha()
    sms(text)
    concern = Concern.objects.get()
    assert concern.is_sealed and concern.visibility == Visibility.CONFIDENTIAL


def test_secret_alone_explains_how_and_stores_no_concern(sms):
    sms("SECRET")
    assert not Concern.objects.exists()
    assert OutboundMessage.objects.get().state == OutboundState.QUEUED


def test_a_hotline_channel_seals_every_report(client, sms, dead_gateway):
    hotline, secret = channel_create(
        actor=None,
        kind=ChannelKind.GENERIC,
        name="Hotline",
        options={"reply_url": f"{dead_gateway.base}/send", "confidential": "yes"},
    )
    hotline.test_secret = secret
    words = canary("hotline")
    sms(f"Someone threatens my daughter {words}", channel=hotline)
    assert Concern.objects.get().is_sealed
    assert_the_thief_finds_nothing(words)


def test_twilio_gives_a_sealed_concerns_receipt_only_in_its_twiml_answer(client, transactional_db, worker_stopped):
    token = "twilio-auth-token"
    channel, _secret = channel_create(
        actor=None,
        kind=ChannelKind.TWILIO,
        name="Twilio",
        options={"account_sid": "AC0", "auth_token": token, "from": "+996700000001", "api_base": "http://127.0.0.1:9"},
    )
    words = canary("twilio")
    params = {"MessageSid": "SM1", "From": PHONE, "Body": f"ҚҰПИЯ he hurts us {words}"}
    path = f"/channels/sms/{channel.pk}/"
    signature = twilio_signature(auth_token=token, url=f"{settings.OVOZ_PUBLIC_URL}{path}", params=params)
    response = client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)
    assert response["Content-Type"].startswith("text/xml")
    receipt = RECEIPT.search(response.content.decode()).group(0)
    concern = Concern.objects.get()
    assert open_for_reporter(concern, receipt=receipt) is not None
    assert words not in response.content.decode()
    assert not OutboundMessage.objects.exists()  # the confirmation was the answer itself
    assert_the_thief_finds_nothing(words, receipt=receipt)


def test_a_later_triage_to_confidential_takes_the_words_out_of_queued_replies(sms):
    words, question = canary("story"), canary("question")
    sms(f"The neighbour's son was taken by the police {words}")
    concern = Concern.objects.get()
    message_send(
        route=route_of_concern(concern=concern),
        text=f"Ovoz, concern no. {concern.pk}: where exactly? {question}",
        purpose=MessagePurpose.QUESTION,
    )
    assert question in thief_loot()  # the thief test can see a queued reply's words
    concern_services.concern_triage(
        actor=UserFactory(), concern=concern, area=None, themes=[], visibility=Visibility.CONFIDENTIAL, language="en"
    )
    assert OutboundMessage.objects.filter(state=OutboundState.QUEUED).count() == 2
    assert_the_thief_finds_nothing(words, question)
