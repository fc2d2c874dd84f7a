"""Fault test: the task worker of `ovoz serve` is killed (SIGKILL) while an SMS gateway holds its request.

`ovoz serve` starts another worker, which runs the unfinished task again: the message that was being
handed over is marked uncertain and not sent again, and the next message goes out once.
"""

import json
import os
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction
from django.test import override_settings
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from ovoz.channels.choices import ChannelKind, OutboundState
from ovoz.channels.models import Conversation, OutboundMessage
from ovoz.channels.outbound import reply_queue
from ovoz.channels.services import channel_create
from ovoz.core.crypto import encrypt
from ovoz.core.models import AuditEntry
from ovoz.core.tests.servers import OvozServer, ovoz_environment
from ovoz.testing.fakes import serve_in_background

pytestmark = [pytest.mark.fault, pytest.mark.django_db(transaction=True)]

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


class HoldingGateway:
    """An SMS gateway on loopback that records every request and keeps the first one waiting."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.first_arrived = threading.Event()
        self.release = threading.Event()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                gateway.received.append(body)
                if len(gateway.received) == 1:
                    gateway.first_arrived.set()
                    gateway.release.wait(60)
                try:
                    self.send_response(200)
                    self.end_headers()
                except OSError:  # the worker that asked is gone
                    pass

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"
        serve_in_background(self.server)

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def wait_until(condition, *, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_a_worker_killed_while_handing_a_message_over_is_replaced_and_sends_nothing_twice(tmp_path):
    gateway = HoldingGateway()
    channel, _secret = channel_create(
        actor=None, kind=ChannelKind.GENERIC, name="SMS", options={"reply_url": gateway.url}
    )
    conversation = Conversation.objects.create(
        channel=channel, sender_hash="sender", sender_ciphertext=encrypt(b"+998901234567", purpose="channel-sender")
    )
    with override_settings(TASKS=DATABASE_TASKS), transaction.atomic():
        first = reply_queue(conversation, None, "Your concern no. 1 is received")
        second = reply_queue(conversation, None, "Your concern no. 1 is accepted")
    server = OvozServer(ovoz_environment(tmp_path), "--no-scheduler")
    try:
        with server:
            started = server.wait_for(r"Task worker started \(process (\d+), id (\S+)\)")
            first_worker, worker_id = int(started.group(1)), started.group(2)
            assert gateway.first_arrived.wait(60), "the worker never handed the first message over"
            assert OutboundMessage.objects.get(pk=first.pk).state == OutboundState.SENDING

            os.kill(first_worker, signal.SIGKILL)
            gateway.release.set()  # the gateway answers a worker that is no longer there

            restarted = server.wait_for(r"Task worker started \(process (\d+),", after=len(server.lines))
            assert int(restarted.group(1)) != first_worker
            wait_until(lambda: OutboundMessage.objects.get(pk=second.pk).state == OutboundState.SENT)
            wait_until(lambda: not DBTaskResult.objects.exclude(status=TaskResultStatus.SUCCESSFUL).exists())
    finally:
        server.stop()
        gateway.close()

    # Each message reached the gateway exactly once.
    assert [message["id"] for message in gateway.received] == [str(first.pk), str(second.pk)]
    # The interrupted one is not sent again: marked uncertain, its text and number wiped, audited.
    first.refresh_from_db()
    assert (first.state, first.attempts, first.recipient_ciphertext, first.text_ciphertext) == (
        OutboundState.UNCERTAIN,
        1,
        None,
        None,
    )
    assert AuditEntry.objects.filter(action="channel.outbound_uncertain", object_id=str(first.pk)).count() == 1
    # Its task was run again, by the worker that replaced the killed one.
    first_task = DBTaskResult.objects.get(args_kwargs__kwargs__message_id=first.pk)
    assert first_task.worker_ids == [worker_id] * 2  # the server's worker id, kept across its worker's restarts
