"""The same gateway message delivered ten times at once, over real HTTP, makes one concern."""

import hashlib
import hmac
import json
import threading
import urllib.request

import pytest

from ovoz.channels.choices import ChannelKind
from ovoz.channels.models import InboundMessage
from ovoz.channels.services import channel_create
from ovoz.concerns.models import Concern
from ovoz.concerns.services import themes_seed
from ovoz.testing.fakes import FakeGateway

pytestmark = pytest.mark.django_db(transaction=True)


def deliver_ten_at_once(url: str, body: bytes, headers: dict[str, str]) -> list[int]:
    """POST the same body from ten threads released together; the status codes they got."""
    statuses: list[int] = []
    start = threading.Barrier(10)

    def deliver() -> None:
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        start.wait()
        with urllib.request.urlopen(request, timeout=60) as response:
            statuses.append(response.status)

    threads = [threading.Thread(target=deliver) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_ten_simultaneous_deliveries_of_one_message_make_one_concern_and_ten_2xx(live_server):
    themes_seed()
    gateway = FakeGateway()
    try:
        channel, secret = channel_create(
            actor=None, kind=ChannelKind.GENERIC, name="SMS", options={"reply_url": gateway.url}
        )
        body = json.dumps(
            {"id": "gw-burst", "from": "+998901234567", "text": "Gas pressure is too low at night"}
        ).encode()
        signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        statuses = deliver_ten_at_once(
            f"{live_server.url}/channels/sms/{channel.pk}/",
            body,
            {"Content-Type": "application/json", "X-Ovoz-Signature": signature},
        )
        assert statuses == [200] * 10
        assert Concern.objects.count() == 1
        assert InboundMessage.objects.count() == 1
        assert len(gateway.received) == 1  # one receipt reply
    finally:
        gateway.close()


def test_first_messages_from_one_new_number_at_once_make_one_conversation_and_lose_none(live_server):
    """Each first message makes the conversation; the ones that lose that race run again and join it."""
    from ovoz.channels.models import Conversation

    themes_seed()
    gateway = FakeGateway()
    try:
        channel, secret = channel_create(
            actor=None, kind=ChannelKind.GENERIC, name="SMS", options={"reply_url": gateway.url}
        )
        url = f"{live_server.url}/channels/sms/{channel.pk}/"
        statuses: list[int] = []
        start = threading.Barrier(6)

        def deliver(number: int) -> None:
            body = json.dumps({"id": f"gw-{number}", "from": "+998901234568", "text": f"Gas off, part {number}"})
            signature = "sha256=" + hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()
            request = urllib.request.Request(
                url,
                data=body.encode(),
                headers={"Content-Type": "application/json", "X-Ovoz-Signature": signature},
                method="POST",
            )
            start.wait()
            with urllib.request.urlopen(request, timeout=60) as response:
                statuses.append(response.status)

        threads = [threading.Thread(target=deliver, args=(number,)) for number in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert statuses == [200] * 6
        assert Conversation.objects.count() == 1
        assert InboundMessage.objects.count() == 6  # every message taken, none refused
        assert Concern.objects.count() == 1  # the first made the concern, the others joined it
    finally:
        gateway.close()


def test_ten_simultaneous_deliveries_of_one_telegram_update_are_taken_once(live_server):
    from ovoz.channels.models import Conversation, OutboundMessage
    from ovoz.testing.fakes import TOKEN, FakeBotApi

    themes_seed()
    bot_api = FakeBotApi()
    try:
        channel, secret = channel_create(
            actor=None, kind=ChannelKind.TELEGRAM, name="Bot", options={"token": TOKEN, "api_base": bot_api.base}
        )
        body = json.dumps(
            {"update_id": 77, "message": {"chat": {"id": 4242, "type": "private"}, "text": "Gas is off again"}}
        ).encode()
        statuses = deliver_ten_at_once(
            f"{live_server.url}/channels/telegram/{channel.pk}/",
            body,
            {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret},
        )
        assert statuses == [200] * 10
        assert InboundMessage.objects.count() == 1 and Conversation.objects.count() == 1
        assert OutboundMessage.objects.count() == 1  # one language question
    finally:
        bot_api.close()
