"""Anonymous junk at the webhooks: made-up ids, missing or wrong signatures, absurd JSON, absurd dates.

The audit log is append-only, so what a refused call writes there must be bounded (docs/channels.md,
"Refused calls"); a malformed body is a 400 that stores nothing, never a 500.
"""

import hashlib
import hmac
import json
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from ovoz.channels import refusals
from ovoz.channels.choices import ChannelKind
from ovoz.channels.models import Conversation, InboundMessage
from ovoz.channels.services import channel_create, twilio_signature
from ovoz.channels.views.webhooks import MAX_BODY_BYTES
from ovoz.concerns.models import Concern
from ovoz.concerns.services import themes_seed
from ovoz.core.models import AuditEntry

pytestmark = pytest.mark.django_db

PHONE = "+998901234567"
TWILIO_TOKEN = "twilio-auth-token"
# Replies are queued after commit; these tests never run the queue, so nothing is sent anywhere.
UNUSED_URL = "http://127.0.0.1:9/send"


def make_channel(kind):
    themes_seed()
    options = {
        ChannelKind.GENERIC: {"reply_url": UNUSED_URL},
        ChannelKind.TWILIO: {"account_sid": "AC0123", "auth_token": TWILIO_TOKEN, "from": "+996700000001"},
        ChannelKind.RAPIDPRO: {"send_url": UNUSED_URL},
        ChannelKind.TELEGRAM: {"token": "123456:telegram-test-token", "api_base": UNUSED_URL},
    }[kind]
    channel, secret = channel_create(actor=None, kind=kind, name=f"{kind} channel", options=options)
    channel.test_secret = secret
    return channel


def signed(channel, body):
    return "sha256=" + hmac.new(channel.test_secret.encode(), body, hashlib.sha256).hexdigest()


def post_generic(client, channel, body, **headers):
    return client.post(f"/channels/sms/{channel.pk}/", body, content_type="application/json", **headers)


def post_telegram(client, channel, body, **headers):
    return client.post(f"/channels/telegram/{channel.pk}/", body, content_type="application/json", **headers)


def refused_entries():
    return list(AuditEntry.objects.filter(action="channel.refused").order_by("pk"))


def nothing_stored():
    return InboundMessage.objects.count() == 0 and Conversation.objects.count() == 0 and Concern.objects.count() == 0


# --- Made-up channel ids and refused calls ------------------------------------------------------


@pytest.mark.parametrize("webhook", ["sms", "telegram"])
def test_fifty_posts_to_made_up_channel_ids_answer_404_and_add_no_audit_entry(client, webhook):
    make_channel(ChannelKind.GENERIC)
    make_channel(ChannelKind.TELEGRAM)
    entries_before = AuditEntry.objects.count()
    for number in range(50):
        body = json.dumps({"id": f"junk-{number}", "from": PHONE, "text": "junk"}).encode()
        response = client.post(
            f"/channels/{webhook}/{uuid.uuid4()}/",
            body,
            content_type="application/json",
            HTTP_X_OVOZ_SIGNATURE="sha256=00",
            HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN="guess",
        )
        assert response.status_code == 404
        assert response.json() == {"detail": "unknown channel", "code": "unknown_channel"}
    assert AuditEntry.objects.count() == entries_before
    assert nothing_stored()


def test_fifty_bad_signatures_to_a_real_channel_leave_one_audit_entry_per_hour(client, monkeypatch):
    channel = make_channel(ChannelKind.GENERIC)
    body = json.dumps({"id": "gw-1", "from": PHONE, "text": "hello"}).encode()
    for _ in range(50):
        assert post_generic(client, channel, body, HTTP_X_OVOZ_SIGNATURE="sha256=" + "0" * 64).status_code == 403
    [entry] = refused_entries()
    assert (entry.object_type, entry.object_id) == ("channels.channel", str(channel.pk))
    assert entry.data == {"reason": "bad_signature", "window_seconds": 3600, "refused_previous_window": 0}
    # An hour later the next refusal is audited again, with the count of the hour before.
    later = refusals.time.time() + refusals.REFUSAL_WINDOW_SECONDS
    monkeypatch.setattr(refusals.time, "time", lambda: later)
    assert post_generic(client, channel, body, HTTP_X_OVOZ_SIGNATURE="sha256=" + "0" * 64).status_code == 403
    assert [entry.data["refused_previous_window"] for entry in refused_entries()] == [0, 50]
    assert nothing_stored()


def test_fifty_wrong_telegram_secrets_leave_one_audit_entry(client):
    channel = make_channel(ChannelKind.TELEGRAM)
    update = json.dumps({"update_id": 1, "message": {"message_id": 1, "chat": {"id": 5, "type": "private"}}})
    for _ in range(50):
        assert post_telegram(client, channel, update, HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN="guess").status_code == 403
    assert [entry.data["reason"] for entry in refused_entries()] == ["bad_secret_token"]
    assert nothing_stored()


def test_a_deactivated_channel_or_the_other_webhook_answers_like_a_made_up_id_and_is_counted_once(client):
    sms = make_channel(ChannelKind.GENERIC)
    bot = make_channel(ChannelKind.TELEGRAM)
    sms.is_active = False
    sms.save()
    for _ in range(10):
        for path in (f"/channels/sms/{sms.pk}/", f"/channels/sms/{bot.pk}/"):
            response = client.post(path, b"{}", content_type="application/json")
            assert response.status_code == 404 and response.json()["code"] == "unknown_channel"
    assert sorted((entry.object_id, entry.data["reason"]) for entry in refused_entries()) == sorted(
        [(str(sms.pk), "inactive_channel"), (str(bot.pk), "wrong_webhook")]
    )


# --- A missing signature ------------------------------------------------------------------------


def test_a_generic_sms_without_a_signature_header_is_refused_stored_nowhere_and_audited(client):
    channel = make_channel(ChannelKind.GENERIC)
    body = json.dumps({"id": "gw-1", "from": PHONE, "text": "The bridge is broken"}).encode()
    for _ in range(3):
        response = post_generic(client, channel, body)
        assert response.status_code == 403 and response.json()["code"] == "missing_signature"
    assert nothing_stored()
    [entry] = refused_entries()
    assert (entry.object_id, entry.data["reason"]) == (str(channel.pk), "missing_signature")
    # The same message, signed, is then taken: nothing of the refused calls stood in its way.
    assert post_generic(client, channel, body, HTTP_X_OVOZ_SIGNATURE=signed(channel, body)).json() == {
        "status": "accepted"
    }


def test_a_twilio_sms_without_a_signature_header_is_refused_stored_nowhere_and_audited(client):
    channel = make_channel(ChannelKind.TWILIO)
    params = {"MessageSid": "SM0001", "From": PHONE, "Body": "The bridge is broken"}
    path = f"/channels/sms/{channel.pk}/"
    response = client.post(path, params)
    assert response.status_code == 403 and response.json()["code"] == "missing_signature"
    assert nothing_stored()
    assert [entry.data["reason"] for entry in refused_entries()] == ["missing_signature"]
    signature = twilio_signature(auth_token=TWILIO_TOKEN, url=f"{settings.OVOZ_PUBLIC_URL}{path}", params=params)
    assert client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature).status_code == 200


def test_a_rapidpro_message_without_an_authorization_header_is_refused_stored_nowhere_and_audited(client):
    channel = make_channel(ChannelKind.RAPIDPRO)
    fields = {"id": "rp-1", "from": PHONE, "text": "The bridge is broken"}
    path = f"/channels/sms/{channel.pk}/"
    response = client.post(path, fields)
    assert response.status_code == 403 and response.json()["code"] == "missing_token"
    assert nothing_stored()
    assert [entry.data["reason"] for entry in refused_entries()] == ["missing_token"]
    assert client.post(path, fields, HTTP_AUTHORIZATION=f"Token {channel.test_secret}").status_code == 200


def test_a_telegram_update_without_the_secret_header_is_refused_stored_nowhere_and_audited(client):
    channel = make_channel(ChannelKind.TELEGRAM)
    update = json.dumps({"update_id": 1, "message": {"message_id": 1, "chat": {"id": 5, "type": "private"}}})
    response = post_telegram(client, channel, update)
    assert response.status_code == 403 and response.json()["code"] == "missing_secret_token"
    assert nothing_stored()
    assert [entry.data["reason"] for entry in refused_entries()] == ["missing_secret_token"]


# --- Absurd bodies ------------------------------------------------------------------------------

DEEP_ARRAY = b"[" * 100_000 + b"]" * 100_000
DEEP_IN_A_MESSAGE = b'{"id": "gw-1", "from": "+998901234567", "text": "hi", "extra": ' + DEEP_ARRAY + b"}"
DEEP_IN_AN_UPDATE = (
    b'{"update_id": 1, "message": {"message_id": 1, "chat": {"id": 5, "type": "private"}, "text": "hi", "x": '
    + DEEP_ARRAY
    + b"}}"
)


@pytest.mark.parametrize("body", [DEEP_ARRAY, DEEP_IN_A_MESSAGE], ids=["bare", "inside_a_message"])
def test_json_nested_a_hundred_thousand_deep_is_a_400_on_the_sms_webhook(client, body):
    channel = make_channel(ChannelKind.GENERIC)
    response = post_generic(client, channel, body, HTTP_X_OVOZ_SIGNATURE=signed(channel, body))
    assert response.status_code == 400 and response.json()["code"] == "invalid_json"
    assert nothing_stored()


@pytest.mark.parametrize("body", [DEEP_ARRAY, DEEP_IN_AN_UPDATE], ids=["bare", "inside_an_update"])
def test_json_nested_a_hundred_thousand_deep_is_a_400_on_the_telegram_webhook(client, body):
    channel = make_channel(ChannelKind.TELEGRAM)
    response = post_telegram(client, channel, body, HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=channel.test_secret)
    assert response.status_code == 400 and response.json()["code"] == "invalid_json"
    assert nothing_stored()


def test_json_nested_as_deep_as_a_real_update_is_still_taken(client):
    channel = make_channel(ChannelKind.GENERIC)
    nested: object = "deep"
    for _ in range(20):
        nested = {"level": [nested]}  # 20 objects each holding a list: 40 levels, past the limit of 32
    body = json.dumps({"id": "gw-1", "from": PHONE, "text": "hi", "extra": {"x": [1, {"y": [2]}]}}).encode()
    assert post_generic(client, channel, body, HTTP_X_OVOZ_SIGNATURE=signed(channel, body)).status_code == 200
    too_deep = json.dumps({"id": "gw-2", "from": PHONE, "text": "hi", "extra": nested}).encode()
    response = post_generic(client, channel, too_deep, HTTP_X_OVOZ_SIGNATURE=signed(channel, too_deep))
    assert response.status_code == 400 and InboundMessage.objects.count() == 1


@pytest.mark.parametrize("kind", [ChannelKind.GENERIC, ChannelKind.TELEGRAM])
def test_a_body_over_the_limit_is_a_413_and_stored_nowhere(client, kind):
    channel = make_channel(kind)
    text = "x" * (MAX_BODY_BYTES + 1)
    if kind == ChannelKind.GENERIC:
        body = json.dumps({"id": "gw-1", "from": PHONE, "text": text}).encode()
        response = post_generic(client, channel, body, HTTP_X_OVOZ_SIGNATURE=signed(channel, body))
    else:
        update = {"update_id": 1, "message": {"message_id": 1, "chat": {"id": 5, "type": "private"}, "text": text}}
        response = post_telegram(
            client, channel, json.dumps(update), HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=channel.test_secret
        )
    assert response.status_code == 413 and response.json()["code"] == "too_large"
    assert nothing_stored()


# --- The gateway's clock ------------------------------------------------------------------------


@pytest.mark.parametrize("gateway_time", ["1901-01-01T00:00:00+00:00", "three_hours_ago"])
def test_the_generic_gateways_time_never_dates_the_concern(client, gateway_time):
    channel = make_channel(ChannelKind.GENERIC)
    if gateway_time == "three_hours_ago":
        gateway_time = (timezone.now() - timedelta(hours=3)).isoformat()
    body = json.dumps({"id": "gw-1", "from": PHONE, "text": "The bridge is broken", "received_at": gateway_time})
    before = timezone.now()
    response = post_generic(client, channel, body.encode(), HTTP_X_OVOZ_SIGNATURE=signed(channel, body.encode()))
    after = timezone.now()
    assert response.json() == {"status": "accepted"}
    assert before <= Concern.objects.get().created_at <= after


def test_a_rapidpro_date_from_1901_is_taken_but_does_not_date_the_concern(client):
    channel = make_channel(ChannelKind.RAPIDPRO)
    fields = {"from": PHONE, "text": "The bridge is broken", "date": "1901-01-01T00:00:00+00:00"}
    before = timezone.now()
    response = client.post(f"/channels/sms/{channel.pk}/", fields, HTTP_AUTHORIZATION=f"Token {channel.test_secret}")
    after = timezone.now()
    assert response.json() == {"status": "accepted"}
    assert before <= Concern.objects.get().created_at <= after
    # The date still tells a redelivery apart.
    again = client.post(f"/channels/sms/{channel.pk}/", fields, HTTP_AUTHORIZATION=f"Token {channel.test_secret}")
    assert again.json() == {"status": "duplicate"} and Concern.objects.count() == 1
