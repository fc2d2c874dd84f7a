"""Sending a message to one person on the channel they used: the generic API of the conversation layer.

A ``Route`` is the way back to a person: their conversation on an SMS gateway or a Telegram bot, and
the concern the messages are about, if any. Reporter notices (``notices``) use it for news about a
concern; surveys will use it to ask their questions on the same conversation. Under it is channels'
outbox: the message is stored encrypted, handed to the gateway by a task after commit, at most once,
and never to someone who said STOP (``channels.outbound.reply_queue``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ovoz.channels import outbound
from ovoz.channels.choices import ChannelKind
from ovoz.channels.models import Conversation, OutboundMessage
from ovoz.concerns.models import Concern

logger = logging.getLogger(__name__)


class MessagePurpose(StrEnum):
    """Why a message goes out. Named in the log (never the text), and it decides what the route needs."""

    # News about the concern the route leads to: a status change, a note, a reply, a merge. Needs a
    # concern on the route, so that sealing the concern takes the words out of it while it waits.
    NEWS = "news"
    # A question the person answers on the same conversation: a facilitator's question about their
    # concern, or (later) a survey's question, which needs no concern.
    QUESTION = "question"


@dataclass(frozen=True)
class Route:
    """The way back to one person: their conversation, and the concern the messages are about (or None)."""

    conversation: Conversation
    concern: Concern | None = None

    @property
    def is_sms(self) -> bool:
        """Whether the route is an SMS gateway (texts go GSM-7 where possible, and are counted in parts)."""
        return ChannelKind(self.conversation.channel.kind).is_sms


def route_of_concern(*, concern: Concern) -> Route | None:
    """The SMS or Telegram conversation ``concern`` came from, unless its reporter said STOP there."""
    conversation = outbound.concern_conversation(concern=concern)
    return Route(conversation=conversation, concern=concern) if conversation is not None else None


def message_send(
    *, route: Route, text: str, purpose: MessagePurpose, markup: dict[str, Any] | None = None
) -> OutboundMessage | None:
    """Queue ``text`` to the person at the end of ``route``; it is handed to the gateway after commit.

    Returns the queued message, or None when the person said STOP (nothing is queued then). ``markup``
    is Telegram's buttons under the message (choices, never anything personal). The caller writes the
    text in the person's language; for a sealed concern it never carries the concern's words.
    """
    if not text.strip():
        raise ValueError("a message needs a text")
    if purpose == MessagePurpose.NEWS and route.concern is None:
        raise ValueError("news needs the concern it is about")
    message = outbound.reply_queue(route.conversation, route.concern, text, markup=markup)
    if message is None:
        logger.info("No %s message queued on conversation %s: its sender said STOP", purpose, route.conversation.pk)
    else:
        logger.info("Queued a %s message as outbound message %s", purpose, message.pk)
    return message
