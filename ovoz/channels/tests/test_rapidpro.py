"""The RapidPro/TextIt external-channel SMS format: form posts in with a token, the send format out."""

import re
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ovoz.channels.choices import ChannelKind
from ovoz.channels.models import InboundMessage
from ovoz.channels.services import ChannelError, channel_create
from ovoz.concerns.models import Concern
from ovoz.concerns.receipts import receipt_hash
from ovoz.concerns.services import themes_seed
from ovoz.core.models import AuditEntry
from ovoz.testing.fakes import serve_in_background

pytestmark = pytest.mark.django_db


class FakeSendUrl:
    """The external channel's send URL, recording the form fields and Authorization header."""

    def __init__(self) -> None:
        self.sent: list[dict] = []
        self.authorizations: list[str] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                fake.sent.append(dict(urllib.parse.parse_qsl(body)))
                fake.authorizations.append(self.headers.get("Authorization", ""))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"
        serve_in_background(self.server)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def send_url():
    fake = FakeSendUrl()
    yield fake
    fake.close()


@pytest.fixture
def channel(db, send_url):
    themes_seed()
    channel, secret = channel_create(
        actor=None,
        kind=ChannelKind.RAPIDPRO,
        name="U-Report relay",
        options={"send_url": send_url.url, "address": "+996555000111", "send_authorization": "Token gateway-key"},
    )
    channel.test_secret = secret
    return channel


@pytest.fixture
def deliver(client, channel, django_capture_on_commit_callbacks):
    def send(fields, *, token=None):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                f"/channels/sms/{channel.pk}/", fields, HTTP_AUTHORIZATION=f"Token {token or channel.test_secret}"
            )

    return send


def test_a_message_in_the_external_channel_format_creates_a_concern_and_the_reply_uses_the_send_format(
    deliver, send_url, channel
):
    response = deliver({"id": "rp-1", "from": "+996 555 123 456", "text": "Суу жок, үч жумадан бери"})
    assert response.status_code == 200 and response.json() == {"status": "accepted"}
    concern = Concern.objects.get()
    assert concern.channel == "sms"
    reply = send_url.sent[0]
    assert (reply["to"], reply["to_no_plus"], reply["from"], reply["from_no_plus"], reply["channel"]) == (
        "+996555123456",
        "996555123456",
        "+996555000111",
        "996555000111",
        str(channel.pk),
    )
    receipt = re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", reply["text"]).group(0)
    assert concern.receipt_hash == receipt_hash(receipt)
    assert send_url.authorizations == ["Token gateway-key"]


def test_a_redelivered_message_is_recognised_by_its_id_or_by_sender_date_and_text(deliver, send_url):
    for _ in range(3):
        deliver({"id": "rp-9", "from": "+996555123456", "text": "Bread is too expensive"})
    fields = {"from": "+996555123456", "text": "And flour too", "date": "2026-11-30T10:00:00+06:00"}
    answers = [deliver(fields).json()["status"] for _ in range(3)]
    assert answers == ["accepted", "duplicate", "duplicate"]
    assert InboundMessage.objects.count() == 2
    assert Concern.objects.count() == 1  # the second message joined the first concern
    assert len(send_url.sent) == 1


def test_without_the_channel_token_nothing_is_stored(deliver):
    response = deliver({"id": "rp-1", "from": "+996555123456", "text": "hello"}, token="wrong")
    assert response.status_code == 403
    assert InboundMessage.objects.count() == 0 and Concern.objects.count() == 0
    assert AuditEntry.objects.get(action="channel.refused").data["reason"] == "bad_token"


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"from": "+996555123456", "text": "no id and no date"}, "invalid_id"),
        ({"id": "x", "from": "+996555123456", "text": ""}, "invalid"),
        ({"from": "+996555123456", "text": "bad date", "date": "yesterday"}, "invalid_date"),
        ({"id": "x", "from": "12", "text": "not a number"}, "invalid_phone"),
    ],
)
def test_malformed_messages_are_a_400_with_a_code_and_stored_nowhere(deliver, fields, code):
    response = deliver(fields)
    assert response.status_code == 400 and response.json()["code"] == code
    assert InboundMessage.objects.count() == 0


def test_a_rapidpro_channel_needs_a_send_url(db):
    with pytest.raises(ChannelError) as refused:
        channel_create(actor=None, kind=ChannelKind.RAPIDPRO, name="x", options={"send_url": "ftp://relay"})
    assert refused.value.code == "invalid_url"
