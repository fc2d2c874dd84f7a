"""The generic SMS channel, end to end: signed webhooks in, replies out to a fake gateway on loopback."""

import hashlib
import hmac
import io
import json
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from ovoz.accounts.tests.factories import UserFactory
from ovoz.channels import outbound
from ovoz.channels.choices import OutboundState
from ovoz.channels.models import Conversation, InboundMessage, OutboundMessage
from ovoz.channels.services import conversation_stop
from ovoz.concerns import services as concern_services
from ovoz.concerns.choices import EventKind, Status
from ovoz.concerns.models import Concern
from ovoz.concerns.receipts import receipt_hash
from ovoz.core.models import AuditEntry

pytestmark = pytest.mark.django_db

PHONE = "+998 90 123 45 67"


@pytest.fixture
def channel(sms_channel):
    return sms_channel


def test_a_first_sms_creates_a_concern_and_the_reply_carries_its_receipt(deliver, gateway, channel):
    response = deliver("gw-1", "Воды нет уже третью неделю, дети болеют")
    assert response.status_code == 200 and response.json() == {"status": "accepted"}
    concern = Concern.objects.get()
    assert (concern.channel, concern.language) == ("sms", "ru")
    assert len(gateway.received) == 1
    reply = gateway.received[0]
    assert reply["to"] == "+998901234567"
    receipt = re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", reply["text"]).group(0)
    assert concern.receipt_hash == receipt_hash(receipt)
    assert "СТАТУС" in reply["text"] or "STATUS" in reply["text"]
    expected = "sha256=" + hmac.new(channel.test_secret.encode(), reply["body"], hashlib.sha256).hexdigest()
    assert gateway.signatures[0] == expected
    # Once handed over, nothing readable is kept of the reply.
    sent = OutboundMessage.objects.get()
    assert (sent.state, sent.recipient_ciphertext, sent.text_ciphertext) == ("sent", None, None)


def test_the_same_message_delivered_again_makes_one_concern_and_one_reply(deliver, gateway):
    answers = [deliver("gw-7", "Gas cut in our street").json()["status"] for _ in range(10)]
    assert answers == ["accepted"] + ["duplicate"] * 9
    assert Concern.objects.count() == 1 and InboundMessage.objects.count() == 1
    assert len(gateway.received) == 1


def test_a_bad_signature_or_unknown_channel_is_refused_stored_nowhere_and_the_signature_audited(
    client, deliver, channel
):
    assert deliver("gw-1", "hello", secret="not-the-secret").status_code == 403
    unknown = client.post("/channels/sms/00000000-0000-0000-0000-000000000000/", b"{}", content_type="application/json")
    assert unknown.status_code == 404
    assert Concern.objects.count() == 0 and InboundMessage.objects.count() == 0
    # A made-up id leaves no audit entry (docs/channels.md, "Refused calls"); the bad signature does.
    reasons = sorted(entry.data["reason"] for entry in AuditEntry.objects.filter(action="channel.refused"))
    assert reasons == ["bad_signature"]


@pytest.mark.parametrize("header", ["HTTP_X_OVOZ_SIGNATURE", "HTTP_AUTHORIZATION"])
def test_a_signature_or_token_outside_ascii_is_refused_like_any_wrong_one(client, channel, header):
    client.raise_request_exception = False
    value = "sha256=\u00e9" if header == "HTTP_X_OVOZ_SIGNATURE" else "Token \u00e9t\u00e9"
    body = json.dumps({"id": "gw-1", "from": "+998901234567", "text": "hi"}).encode()
    refused = client.post(f"/channels/sms/{channel.pk}/", body, content_type="application/json", **{header: value})
    assert refused.status_code in (401, 403) and Concern.objects.count() == 0


def test_messages_within_a_week_join_the_concern_and_new_starts_another(deliver, gateway):
    deliver("gw-1", "Road to the school is washed out")
    deliver("gw-2", "It is the road from Zomin to Duoba")
    concern = Concern.objects.get()
    assert concern.events.get(kind=EventKind.REPORTER_MESSAGE).text == "It is the road from Zomin to Duoba"
    deliver("gw-3", "NEW The bridge near the bazaar is broken too")
    assert Concern.objects.count() == 2
    assert Concern.objects.latest("pk").text == "The bridge near the bazaar is broken too"
    assert len(gateway.received) == 2  # a receipt for each concern, nothing for the addition


def test_after_a_week_a_message_starts_a_new_concern(deliver):
    deliver("gw-1", "No electricity since Monday")
    Conversation.objects.update(last_inbound_at=timezone.now() - timedelta(days=8))
    deliver("gw-2", "Now the gas is off as well")
    assert Concern.objects.count() == 2


@pytest.mark.parametrize("keyword", ["STATUS", "статус", "Holat", "ҲОЛАТ", "JAǴDAY", "jagday"])
def test_status_in_any_language_returns_the_status_and_latest_note(deliver, gateway, keyword):
    deliver("gw-1", "Suv yoʻq, uch haftadan beri bolalar kasal")
    concern = Concern.objects.get()
    concern_services.concern_change_status(
        actor=UserFactory(username="facilitator"),
        concern=concern,
        status=Status.ACCEPTED,
        note="Suv idorasiga xabar berildi",
    )
    gateway.received.clear()
    deliver("gw-2", keyword)
    assert len(gateway.received) == 1
    assert "Suv idorasiga xabar berildi" in gateway.received[0]["text"]
    assert f"{concern.pk}" in gateway.received[0]["text"]


def test_a_karakalpak_sms_is_answered_in_karakalpak(deliver, gateway):
    deliver("gw-1", "Awılımızda úsh hápteden beri suw joq, balalar awırıp atır")
    concern = Concern.objects.get()
    assert concern.language == "kaa"
    assert "múrájatıńız qabıl etildi" in gateway.received[0]["text"]
    gateway.received.clear()
    deliver("gw-2", "JAǴDAY")
    assert f"{concern.pk}-sanlı múrájat" in gateway.received[0]["text"]


def test_stop_ends_replies_and_forgets_the_number(deliver, gateway, django_capture_on_commit_callbacks):
    deliver("gw-1", "Bread prices doubled")
    deliver("gw-2", "STOP")
    concern = Concern.objects.get()
    assert concern.contact_ciphertext is None and concern.contact_phone_hash == ""
    gateway.received.clear()
    with django_capture_on_commit_callbacks(execute=True):
        concern_services.concern_change_status(
            actor=UserFactory(username="facilitator"), concern=concern, status=Status.ACCEPTED, note="Noted"
        )
    assert gateway.received == []


@pytest.mark.parametrize(
    "text",
    ["Stop sign at the school crossing was stolen", "Бас дәрігер пара алады", "Stop. Police took my brother"],
)
def test_a_report_that_begins_with_a_stop_word_is_a_report_and_forgets_nothing(deliver, gateway, text):
    deliver("gw-1", "Bread prices doubled")
    deliver("gw-2", text)

    first = Concern.objects.get()
    assert InboundMessage.objects.filter(concern=first).count() == 2  # it went to the concern, as words
    assert first.contact_ciphertext is not None and first.contact_phone_hash != ""
    assert not Conversation.objects.get().is_stopped and Conversation.objects.get().concern == first


@pytest.mark.parametrize("text", ["STOP", " stop. ", "Стоп!", "ТОҚТАТ"])
def test_stop_alone_in_any_case_and_punctuation_is_stop(deliver, gateway, text):
    deliver("gw-1", "Bread prices doubled")
    deliver("gw-2", text)
    assert Conversation.objects.get().is_stopped


def test_after_stop_the_conversation_leads_to_no_concern_and_writing_again_starts_over(deliver, gateway):
    deliver("gw-1", "Bread prices doubled")
    deliver("gw-2", "STOP")
    conversation = Conversation.objects.get()
    assert conversation.concern_id is None and conversation.sender_ciphertext is None

    deliver("gw-3", "The bus has stopped running")

    assert Concern.objects.count() == 2  # a new concern, not a note on the first one
    assert Conversation.objects.get().concern == Concern.objects.get(text="The bus has stopped running")


def test_a_facilitators_question_reaches_the_reporter_by_sms(deliver, gateway, django_capture_on_commit_callbacks):
    deliver("gw-1", "The clinic has no doctor")
    gateway.received.clear()
    with django_capture_on_commit_callbacks(execute=True):
        concern_services.concern_message_reporter(
            actor=UserFactory(username="facilitator"),
            concern=Concern.objects.get(),
            text="Which village?",
            kind=EventKind.QUESTION,
        )
    assert len(gateway.received) == 1 and "Which village?" in gateway.received[0]["text"]


def test_a_failing_gateway_is_retried_and_a_dead_one_is_reported(deliver, gateway):
    gateway.failures_left = 2
    deliver("gw-1", "Water is dirty")
    message = OutboundMessage.objects.get()
    assert (message.state, message.attempts) == ("sent", 3)
    gateway.failures_left = 100
    deliver("gw-2", "NEW Another problem: the bus stopped running")
    failed = OutboundMessage.objects.exclude(pk=message.pk).get()
    assert (failed.state, failed.attempts) == ("failed", 5)
    assert "503" in failed.last_error
    assert AuditEntry.objects.filter(action="channel.outbound_failed", object_id=str(failed.pk)).exists()


def test_a_number_that_is_not_a_phone_is_a_400_and_stored_nowhere(deliver):
    assert deliver("gw-1", "hello", sender="12").status_code == 400
    assert InboundMessage.objects.count() == 0 and Concern.objects.count() == 0


def test_channel_create_prints_id_webhook_and_secret(db, gateway):
    output = io.StringIO()
    call_command(
        "channel_create",
        "--kind",
        "generic",
        "--name",
        "Osh SMS",
        "--option",
        f"reply_url={gateway.url}",
        "--json",
        stdout=output,
    )
    data = json.loads(output.getvalue())
    assert set(data) == {"id", "webhook_url", "secret"}
    assert data["webhook_url"].endswith(f"/channels/sms/{data['id']}/")
    from ovoz.channels.models import Channel

    stored = Channel.objects.get(pk=data["id"])
    assert data["secret"].encode() not in bytes(stored.credentials_ciphertext)
    assert stored.credentials()["secret"] == data["secret"]


def test_inbound_and_conversation_rows_hold_no_phone_number_or_text(deliver):
    deliver("gw-1", "Police took money at the checkpoint")
    rows = [*InboundMessage.objects.values(), *Conversation.objects.values(), *OutboundMessage.objects.values()]
    assert rows
    for row in rows:
        for value in row.values():
            text = bytes(value).decode("latin-1") if isinstance(value, bytes | memoryview) else str(value)
            assert "901234567" not in text and "checkpoint" not in text


def test_text_no_database_can_store_is_a_400_not_a_500(client, channel):
    body = b'{"id": "gw-x", "from": "+998901234567", "text": "bad \\ud800 text"}'
    signature = "sha256=" + hmac.new(channel.test_secret.encode(), body, hashlib.sha256).hexdigest()
    response = client.post(
        f"/channels/sms/{channel.pk}/", body, content_type="application/json", HTTP_X_OVOZ_SIGNATURE=signature
    )
    assert response.status_code == 400
    assert InboundMessage.objects.count() == 0 and Concern.objects.count() == 0


def test_stop_while_a_reply_is_being_handed_over_leaves_it_failed_not_retried(deliver, gateway, monkeypatch):
    """The reporter's STOP lands while the gateway is being called and answers 503: no retry reaches them."""
    real = outbound._hand_over
    calls: list[int] = []

    def stopped_meanwhile(message, *, recipient, text):
        calls.append(message.pk)
        if len(calls) == 1:
            conversation_stop(Conversation.objects.get())
            return "gateway answered 503", True
        return real(message, recipient=recipient, text=text)

    monkeypatch.setattr(outbound, "_hand_over", stopped_meanwhile)
    deliver("gw-1", "Bread prices doubled")

    assert Conversation.objects.get().is_stopped and gateway.received == []
    reply = OutboundMessage.objects.get()
    assert reply.state == OutboundState.FAILED and reply.recipient_ciphertext is None and len(calls) == 1
