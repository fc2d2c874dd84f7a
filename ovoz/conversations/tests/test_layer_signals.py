"""Concerns tells the layers above it by signals (``ovoz.concerns.signals``) carrying ids only: the
reporter's notice is queued after commit, and a sealed concern's words leave queued replies in the
sealing transaction itself, so neither a rollback nor a task queue that is down can get it wrong."""

from unittest import mock

import pytest
from django.core import mail
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from ovoz.accounts.tests.factories import UserFactory
from ovoz.channels.models import OutboundMessage
from ovoz.concerns import services, signals
from ovoz.concerns.choices import Channel, EventKind, Status, Visibility
from ovoz.concerns.contacts import contact_parse
from ovoz.concerns.models import Concern, ConcernKey
from ovoz.conversations.messages import MessagePurpose, message_send, route_of_concern
from ovoz.core.crypto import decrypt
from ovoz.testing.canary import canary

pytestmark = pytest.mark.django_db


@pytest.fixture
def facilitator():
    return UserFactory(username="facilitator", with_totp=False)


@pytest.fixture
def web_concern(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return services.concern_submit(
        text="The water pipe burst", channel=Channel.WEB, contact=contact_parse(email="resident@example.org")
    ).concern


def test_the_reporter_is_told_only_once_the_change_is_committed(
    web_concern, facilitator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.concern_change_status(actor=facilitator, concern=web_concern, status=Status.ACCEPTED)
    # The notice waits for the commit (beside it, the rollups' drain is scheduled after commit too).
    notices = [callback for callback in callbacks if getattr(callback, "__name__", "") != "rollups_drain_soon"]
    assert len(notices) == 1 and mail.outbox == []  # nothing before commit

    notices[0]()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["resident@example.org"]


def test_a_change_that_is_rolled_back_tells_nobody(web_concern, facilitator, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.concern_message_reporter(
            actor=facilitator, concern=web_concern, text="Which street?", kind=EventKind.QUESTION
        )
        raise RuntimeError("the request failed after the message")

    assert callbacks == [] and mail.outbox == []


def test_the_notice_task_and_the_signals_carry_ids_only(
    web_concern, facilitator, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    sent = []

    def spy(**kwargs):
        sent.append(kwargs)

    signals.reporter_event_recorded.connect(spy)
    signals.concern_sealed.connect(spy)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            event = services.concern_message_reporter(
                actor=facilitator, concern=web_concern, text="Which street?", kind=EventKind.QUESTION
            )
            services.concern_triage(
                actor=facilitator,
                concern=web_concern,
                area=None,
                themes=[],
                visibility=Visibility.CONFIDENTIAL,
                language="en",
            )
    finally:
        signals.reporter_event_recorded.disconnect(spy)
        signals.concern_sealed.disconnect(spy)

    assert [{key: value for key, value in kwargs.items() if key != "signal"} for kwargs in sent] == [
        {"sender": type(event), "event_id": event.pk},
        {"sender": Concern, "concern_id": web_concern.pk},
    ]
    task = DBTaskResult.objects.exclude(task_path__endswith="drain_rollups").get()
    assert task.task_path == "ovoz.conversations.tasks.notify_reporter"
    assert task.args_kwargs == {"args": [], "kwargs": {"event_id": event.pk}}


def _queued_texts(concern: Concern) -> list[str]:
    return [
        decrypt(bytes(message.text_ciphertext), purpose="channel-outbound").decode()
        for message in OutboundMessage.objects.filter(concern=concern, state="queued")
    ]


def test_sealing_takes_the_words_out_of_queued_replies_before_anything_runs_after_commit(
    deliver,
    facilitator,
    django_capture_on_commit_callbacks,
):
    deliver("gw-1", "The police took my neighbour's son")
    concern = Concern.objects.get()
    question = canary("question")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:  # no worker, no task: the queue is down
        message_send(
            route=route_of_concern(concern=concern), text=f"Where? {question}", purpose=MessagePurpose.QUESTION
        )
        assert any(question in text for text in _queued_texts(concern))
        services.concern_triage(
            actor=facilitator, concern=concern, area=None, themes=[], visibility=Visibility.CONFIDENTIAL, language="en"
        )
        texts = _queued_texts(concern)

    assert texts and not any(question in text for text in texts)
    assert all(f"no. {concern.pk}" in text for text in texts)
    # Only the question's own send task, nothing for the sealing (the rollups' drain is scheduled too).
    assert len([callback for callback in callbacks if callback.__name__ != "rollups_drain_soon"]) == 1


def test_a_seal_step_that_fails_undoes_the_triage(web_concern, facilitator):
    with (
        mock.patch("ovoz.channels.receivers.concern_channel_seal", side_effect=RuntimeError("database gone")),
        pytest.raises(RuntimeError),
    ):
        services.concern_triage(
            actor=facilitator,
            concern=web_concern,
            area=None,
            themes=[],
            visibility=Visibility.CONFIDENTIAL,
            language="en",
        )

    web_concern.refresh_from_db()
    assert web_concern.visibility == Visibility.PUBLIC and not web_concern.is_sealed
    assert not ConcernKey.objects.filter(concern=web_concern).exists()
