"""The Twilio-compatible SMS channel: signed form webhooks in, Messages API out, against a fake API on loopback."""

import base64
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings

from ovoz.channels.choices import ChannelKind
from ovoz.channels.models import InboundMessage, OutboundMessage
from ovoz.channels.services import channel_create, twilio_signature
from ovoz.concerns.models import Concern
from ovoz.concerns.services import themes_seed
from ovoz.testing.fakes import serve_in_background

pytestmark = pytest.mark.django_db

ACCOUNT, TOKEN, FROM = "AC0123456789abcdef0123456789abcdef", "twilio-auth-token", "+996700000001"


class FakeTwilio:
    def __init__(self) -> None:
        self.messages: list[dict] = []
        self.authorizations: list[str] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                api.messages.append({"path": self.path, **dict(urllib.parse.parse_qsl(body))})
                api.authorizations.append(self.headers.get("Authorization", ""))
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"sid": "SM1", "status": "queued"}')

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        serve_in_background(self.server)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def twilio():
    fake = FakeTwilio()
    yield fake
    fake.close()


@pytest.fixture
def channel(db, twilio):
    themes_seed()
    channel, _secret = channel_create(
        actor=None,
        kind=ChannelKind.TWILIO,
        name="Osh Twilio",
        options={"account_sid": ACCOUNT, "auth_token": TOKEN, "from": FROM, "api_base": twilio.base},
    )
    return channel


def post(client, channel, params, *, token=TOKEN):
    path = f"/channels/sms/{channel.pk}/"
    signature = twilio_signature(auth_token=token, url=f"{settings.OVOZ_PUBLIC_URL}{path}", params=params)
    return client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)


def test_twilio_signature_matches_twilios_published_example():
    # The example in Twilio's security documentation (auth token 12345).
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+12349013030",
        "Digits": "1234",
        "From": "+12349013030",
        "To": "+18005551212",
    }
    assert (
        twilio_signature(auth_token="12345", url="https://mycompany.com/myapp.php?foo=1&bar=2", params=params)
        == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    )


def test_a_twilio_sms_becomes_a_concern_and_the_receipt_goes_out_through_the_messages_api(
    client, channel, twilio, django_capture_on_commit_callbacks
):
    params = {
        "MessageSid": "SM0001",
        "From": "+996 555 123 456",
        "To": FROM,
        "Body": "Суу жок, үч жумадан бери балдар ооруп жатат",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, channel, params)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/xml")
    concern = Concern.objects.get()
    assert (concern.channel, concern.language) == ("sms", "ky")
    assert len(twilio.messages) == 1
    sent = twilio.messages[0]
    assert sent["path"] == f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    assert (sent["To"], sent["From"]) == ("+996555123456", FROM)
    assert str(concern.pk) in sent["Body"] and "АБАЛ" in sent["Body"]  # in Kyrgyz, with its keywords
    assert twilio.authorizations[0] == "Basic " + base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()
    assert OutboundMessage.objects.get().state == "sent"


def test_a_twilio_redelivery_makes_nothing_new(client, channel, twilio):
    params = {"MessageSid": "SM0002", "From": "+996555123456", "Body": "Газ жок"}
    assert post(client, channel, params).status_code == 200
    assert post(client, channel, params).status_code == 200
    assert Concern.objects.count() == 1 and InboundMessage.objects.count() == 1


def test_a_wrong_twilio_signature_is_refused_and_nothing_stored(client, channel):
    params = {"MessageSid": "SM0003", "From": "+996555123456", "Body": "hello"}
    assert post(client, channel, params, token="someone-else").status_code == 403
    assert Concern.objects.count() == 0 and InboundMessage.objects.count() == 0


def test_a_twilio_channel_needs_its_credentials(db):
    from ovoz.channels.services import ChannelError

    with pytest.raises(ChannelError):
        channel_create(actor=None, kind=ChannelKind.TWILIO, name="x", options={"account_sid": ACCOUNT})
