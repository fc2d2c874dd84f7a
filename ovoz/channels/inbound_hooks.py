"""Handlers that apps above channels put in front of its inbound messages, without channels importing them.

Surveys sits above channels (docs/adr/0012-surveys-layer.md): a respondent answers a survey's question
on the same SMS or Telegram conversation that reports concerns. So channels offers each inbound message
to the handlers registered here before its own keyword handling and the Telegram bot: a handler that
takes the message answers through the conversation layer and channels does nothing more with it. And
when a sender says STOP, channels tells every registered stop handler, so what they kept for that
conversation goes with it.

Handlers run inside the inbound message's transaction, with the conversation row locked, after the
gateway's id was stored: a message delivered again never reaches them twice. Registration happens once
per process, in the upper app's ``AppConfig.ready()``; nothing here changes at run time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from ovoz.channels.models import Channel, Conversation


class Outcome(StrEnum):
    PASSED = "passed"  # not the handler's: channels goes on as usual
    TAKEN = "taken"  # answered by the handler; channels does nothing more
    STOP = "stop"  # the handler read a STOP: channels runs its own STOP (which tells the stop handlers)


@dataclass(frozen=True)
class Inbound:
    """One inbound message as a handler sees it: never the sender's number or chat id (the conversation
    holds them encrypted, and ``conversations.messages.Route`` replies through it)."""

    channel: Channel
    conversation: Conversation
    text: str
    # Telegram: the pressed button's data, and the command (/start …) the text began with.
    button: str = ""
    command: str = ""
    # The conversation was made by this message: nothing can be waiting on it yet.
    is_new_conversation: bool = False


InboundHandler = Callable[[Inbound], Outcome]
StopHandler = Callable[[Conversation], None]

_inbound: list[InboundHandler] = []
_stop: list[StopHandler] = []


def inbound_handler_add(handler: InboundHandler) -> None:
    """Offer every inbound message (but STOP) to ``handler``, in the order handlers were added."""
    if handler not in _inbound:
        _inbound.append(handler)


def stop_handler_add(handler: StopHandler) -> None:
    """Call ``handler`` with the conversation whenever its sender says STOP."""
    if handler not in _stop:
        _stop.append(handler)


def inbound_offer(inbound: Inbound) -> Outcome:
    """The first outcome that is not PASSED, or PASSED."""
    for handler in _inbound:
        outcome = handler(inbound)
        if outcome != Outcome.PASSED:
            return outcome
    return Outcome.PASSED


def conversation_stopped(conversation: Conversation) -> None:
    for handler in _stop:
        handler(conversation)
