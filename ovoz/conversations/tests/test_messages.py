"""The conversation layer's generic API: a message to one person on the channel they used, through
channels' outbox (encrypted while it waits, handed to the gateway after commit, never after STOP)."""

import pytest

from ovoz.channels.choices import OutboundState
from ovoz.channels.models import Conversation, OutboundMessage
from ovoz.concerns.choices import Channel as ConcernChannel
from ovoz.concerns.models import Concern
from ovoz.concerns.services import concern_submit
from ovoz.conversations.messages import MessagePurpose, Route, message_send, route_of_concern
from ovoz.core.crypto import encrypt
from ovoz.testing.canary import canary, captured_logs, database_dump_text
from ovoz.testing.fakes import SMS_PHONE as PHONE

pytestmark = pytest.mark.django_db


def test_news_goes_to_the_reporter_on_the_conversation_their_concern_came_from(
    deliver,
    gateway,
    django_capture_on_commit_callbacks,
):
    deliver("gw-1", "The bridge on our street is broken")
    concern = Concern.objects.get()
    route = route_of_concern(concern=concern)
    assert route is not None and route.concern == concern and route.is_sms

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = message_send(route=route, text="Ovoz: the bridge is on the agenda.", purpose=MessagePurpose.NEWS)

    assert len(callbacks) == 1  # handed over by a task after commit, not in the caller's transaction
    assert gateway.received[-1]["to"] == "+998901234567"
    assert gateway.received[-1]["text"] == "Ovoz: the bridge is on the agenda."
    message.refresh_from_db()
    assert (message.state, message.concern_id, message.text_ciphertext) == (OutboundState.SENT, concern.pk, None)


def test_a_message_waits_encrypted_and_its_words_are_in_no_log(deliver, django_capture_on_commit_callbacks):
    deliver("gw-1", "The bridge on our street is broken")
    route = route_of_concern(concern=Concern.objects.get())
    words = canary("question")
    with captured_logs() as logs, django_capture_on_commit_callbacks(execute=False):
        message = message_send(route=route, text=f"Which bridge? {words}", purpose=MessagePurpose.QUESTION)

    assert message is not None and message.state == OutboundState.QUEUED
    assert words not in database_dump_text()
    assert "question" in logs.text and words not in logs.text


def test_nothing_is_queued_for_someone_who_said_stop(deliver, gateway):
    deliver("gw-1", "The bridge on our street is broken")
    concern = Concern.objects.get()
    route = route_of_concern(concern=concern)
    deliver("gw-2", "STOP")
    queued = OutboundMessage.objects.count()

    assert route_of_concern(concern=concern) is None  # the way back is gone
    stale = Route(conversation=Conversation.objects.get(pk=route.conversation.pk), concern=concern)
    assert message_send(route=stale, text="Ovoz: news.", purpose=MessagePurpose.NEWS) is None
    assert OutboundMessage.objects.count() == queued


def test_a_concern_that_came_by_web_has_no_route():
    concern = concern_submit(text="The street lights are out", channel=ConcernChannel.WEB).concern
    assert route_of_concern(concern=concern) is None


def test_a_question_needs_no_concern_but_news_does(channel, django_capture_on_commit_callbacks):
    # A survey's respondent: a conversation on the channel, about no concern.
    conversation = Conversation.objects.create(
        channel=channel, sender_hash="respondent", sender_ciphertext=encrypt(PHONE.encode(), purpose="channel-sender")
    )
    route = Route(conversation=conversation)
    with django_capture_on_commit_callbacks(execute=False):
        with pytest.raises(ValueError, match="news needs the concern"):
            message_send(route=route, text="Ovoz: news.", purpose=MessagePurpose.NEWS)
        with pytest.raises(ValueError, match="needs a text"):
            message_send(route=route, text="  ", purpose=MessagePurpose.QUESTION)
        assert not OutboundMessage.objects.exists()

        question = message_send(route=route, text="Do you feel safe at night? Reply 1-5.", purpose="question")

    assert question is not None and question.concern_id is None and question.conversation_id == conversation.pk
