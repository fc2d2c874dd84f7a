"""A reply is handed to its gateway at most once, even when an attempt died half-way."""

import pytest

from ovoz.channels.choices import OutboundState
from ovoz.channels.models import Conversation, OutboundMessage
from ovoz.channels.outbound import outbound_send, reply_queue
from ovoz.core.crypto import encrypt
from ovoz.core.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(sms_channel):
    return sms_channel


@pytest.fixture
def queued(channel, django_capture_on_commit_callbacks):
    """A reply in the queue whose task has not run yet."""
    conversation = Conversation.objects.create(
        channel=channel, sender_hash="sender", sender_ciphertext=encrypt(b"+998901234567", purpose="channel-sender")
    )
    with django_capture_on_commit_callbacks(execute=False):
        return reply_queue(conversation, None, "Your concern no. 7 is received")


def test_a_reply_whose_task_runs_twice_is_sent_once(queued, gateway):
    assert outbound_send(message_id=queued.pk) == OutboundState.SENT
    assert outbound_send(message_id=queued.pk) == OutboundState.SENT

    assert len(gateway.received) == 1
    queued.refresh_from_db()
    assert (queued.state, queued.attempts, queued.text_ciphertext) == (OutboundState.SENT, 1, None)


def test_a_reply_left_sending_by_a_dead_attempt_is_marked_uncertain_not_sent_again(queued, gateway):
    # An earlier attempt committed "sending", called the gateway and died before recording the answer.
    OutboundMessage.objects.filter(pk=queued.pk).update(state=OutboundState.SENDING, attempts=1)

    assert outbound_send(message_id=queued.pk) == OutboundState.UNCERTAIN

    assert gateway.received == []
    queued.refresh_from_db()
    assert (queued.state, queued.attempts) == (OutboundState.UNCERTAIN, 1)
    assert queued.recipient_ciphertext is None and queued.text_ciphertext is None
    assert AuditEntry.objects.filter(action="channel.outbound_uncertain", object_id=str(queued.pk)).count() == 1
    assert outbound_send(message_id=queued.pk) == OutboundState.UNCERTAIN  # and stays so
    assert gateway.received == []


def test_a_refused_attempt_goes_back_to_the_queue_and_the_retry_sends_it_once(queued, gateway):
    gateway.failures_left = 1  # a 503: the gateway certainly did not take it

    # This attempt puts it back in the queue; the tests' task backend runs the retry at once.
    assert outbound_send(message_id=queued.pk) == OutboundState.QUEUED

    assert len(gateway.received) == 1
    queued.refresh_from_db()
    assert (queued.state, queued.attempts) == (OutboundState.SENT, 2)
