"""Answering a survey by SMS and on Telegram: one question per message, on the conversation layer.

A respondent starts by sending a round's keyword (``SAFETY``, or ``SAFETY tg`` for the questions in
Tajik) or is invited by an organisation's message (``invitations``). Each question is one message in
the respondent's language (the form's labels for it, else the form's default language); choices are
numbered ("Reply 1, 2 or 3"), with Telegram buttons; notes are sent as text; ``relevant`` decides what
is asked; calculations are worked out at the end (``answering``). A wrong answer is answered with why
(the form's own constraint or required message) and the question again. STOP ends it.

Where the respondent is, and the answers so far (encrypted), live in a ``ChannelAnswering`` row next to
the channel's conversation (which holds the way back); the row goes when the response is stored, on
STOP, or after ANSWERING_HOURS untouched (the daily retention run). The response never learns the
number or chat id: with "one answer per respondent" it gets a keyed hash of the conversation's own
keyed hash, dropped when the round closes.

Everything here runs in the inbound message's transaction with the conversation locked, after the
gateway's id was stored (``channels.inbound_hooks``), so a message delivered twice advances once.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ovoz.channels.choices import ChannelKind
from ovoz.channels.inbound_hooks import Inbound, Outcome
from ovoz.channels.keywords import Keyword, keyword_split
from ovoz.channels.models import Conversation
from ovoz.conversations.messages import MessagePurpose, Route, message_send
from ovoz.core.crypto import decrypt, encrypt, keyed_hash
from ovoz.surveys import answering, services
from ovoz.surveys.choices import QuestionType, ResponseChannel, RoundState
from ovoz.surveys.errors import SurveyError
from ovoz.surveys.models import ChannelAnswering, Survey, SurveyRound

logger = logging.getLogger(__name__)

ANSWERING_HOURS = 24
BUTTON_PREFIX = "sv:"
SKIP = "-"
_SEPARATORS = re.compile(r"[\s,;.]+")
_STRUCTURE = (
    QuestionType.BEGIN_GROUP,
    QuestionType.END_GROUP,
    QuestionType.BEGIN_REPEAT,
    QuestionType.END_REPEAT,
    QuestionType.CALCULATE,
)
_CHOICES = (QuestionType.SELECT_ONE, QuestionType.SELECT_MULTIPLE)


def _normalised(word: str) -> str:
    return word.strip().casefold()


def keyword_round(text: str) -> tuple[SurveyRound | None, str]:
    """The open round of a published survey whose keyword ``text`` starts with, and the rest of it."""
    first, _space, rest = text.strip().partition(" ")
    if not first:
        return None, ""
    # Most messages are concerns, not keywords: the cheap look-up first (one open round per keyword).
    round_id = (
        SurveyRound.objects.filter(keyword=_normalised(first), state=RoundState.OPEN, survey__is_published=True)
        .values_list("pk", flat=True)
        .first()
    )
    if round_id is None:
        return None, ""
    return SurveyRound.objects.select_related("survey").get(pk=round_id), rest.strip()


def _is_telegram(conversation: Conversation) -> bool:
    return bool(conversation.channel.kind == ChannelKind.TELEGRAM)


def _language(survey: Survey, conversation: Conversation, asked: str = "") -> str:
    """The respondent's language: the one they asked for, their chat's, the channel's, or the form's."""
    offered = {code for code, _name in settings.LANGUAGES}
    for language in (asked.casefold(), conversation.language, conversation.channel.default_language):
        if language and language in offered:
            return language
    return survey.default_language if survey.default_language in offered else settings.LANGUAGE_CODE


def _answers(state: ChannelAnswering) -> dict[str, Any]:
    if state.answers_ciphertext is None:
        return {}
    data: dict[str, Any] = json.loads(decrypt(bytes(state.answers_ciphertext), purpose="survey-answering"))
    return data


def _answers_store(state: ChannelAnswering, stored: dict[str, Any]) -> None:
    state.answers_ciphertext = encrypt(json.dumps(stored).encode(), purpose="survey-answering")


def _send(state: ChannelAnswering, text: str, markup: dict[str, Any] | None = None) -> None:
    message_send(
        route=Route(conversation=state.conversation), text=text, purpose=MessagePurpose.QUESTION, markup=markup
    )


# --- asking ---------------------------------------------------------------------------------------------


def _choice_labels(survey: Survey, question: answering.Question, language: str) -> list[str]:
    return [
        answering.text_in(choice.get("labels", {}), language, survey.default_language) or choice["name"]
        for choice in question.get("choices", [])
    ]


def _reply_hint(question: answering.Question, count: int) -> str:
    if question["type"] == QuestionType.SELECT_MULTIPLE:
        example = " ".join(str(number) for number in range(1, min(count, 2) + 1))
        return _("Reply with one or more numbers, e.g. %(example)s.") % {"example": example}
    numbers = [str(number) for number in range(1, count + 1)]
    if len(numbers) == 1:
        return _("Reply %(number)s.") % {"number": numbers[0]}
    return _("Reply %(numbers)s or %(last)s.") % {"numbers": ", ".join(numbers[:-1]), "last": numbers[-1]}


def _buttons(state: ChannelAnswering, question: answering.Question, labels: list[str]) -> dict[str, Any]:
    rows = [
        [{"text": label[:60], "callback_data": f"{BUTTON_PREFIX}{state.position}:{number}"}]
        for number, label in enumerate(labels, start=1)
    ]
    if question["type"] == QuestionType.SELECT_MULTIPLE:
        rows.append([{"text": _("Done"), "callback_data": f"{BUTTON_PREFIX}{state.position}:done"}])
    return {"inline_keyboard": rows}


def _ask(state: ChannelAnswering, survey: Survey, question: answering.Question, prefix: str = "") -> None:
    """Send the waiting question (after ``prefix``, e.g. why the last answer was not accepted)."""
    language = state.language
    lines = [prefix] if prefix else []
    lines.append(answering.text_in(question.get("labels", {}), language, survey.default_language) or question["name"])
    hint = answering.text_in(question.get("hints", {}), language, survey.default_language)
    if hint:
        lines.append(hint)
    markup = None
    if question["type"] in _CHOICES:
        labels = _choice_labels(survey, question, language)
        lines += [f"{number}. {label}" for number, label in enumerate(labels, start=1)]
        if _is_telegram(state.conversation):
            markup = _buttons(state, question, labels)
            if question["type"] == QuestionType.SELECT_MULTIPLE:
                lines.append(_("Press every answer that fits, then Done."))
        else:
            lines.append(_reply_hint(question, len(labels)))
    if not question.get("required") and not question.get("required_source"):
        lines.append(_("Reply %(skip)s to skip this question.") % {"skip": SKIP})
    _send(state, "\n".join(lines), markup)


def _advance(state: ChannelAnswering, survey: Survey, stored: dict[str, Any], start: int) -> bool:
    """Ask the next question asked with these answers from ``start`` on, sending notes on the way;
    False when none is left (the response is complete)."""
    questions = survey.questions
    asked = answering.relevant_names(survey, answering.typed_answers(survey, stored))
    for position in range(start, len(questions)):
        question = questions[position]
        if question["type"] in _STRUCTURE or question["name"] not in asked:
            continue
        if question["type"] == QuestionType.NOTE:
            note = answering.text_in(question.get("labels", {}), state.language, survey.default_language)
            if note.strip():
                _send(state, note)
            continue
        state.position = position
        _ask(state, survey, question)
        return True
    return False


def _respondent_hash(survey_round: SurveyRound, conversation: Conversation) -> str | None:
    if not survey_round.one_answer_per_respondent:
        return None
    return keyed_hash(f"{survey_round.pk}:{conversation.sender_hash}", purpose="survey-respondent")


def _finish(state: ChannelAnswering, survey: Survey, stored: dict[str, Any]) -> None:
    """Store the response once (its submission key was made at the start) and forget the answering."""
    channel = ResponseChannel.TELEGRAM if _is_telegram(state.conversation) else ResponseChannel.SMS
    try:
        services.response_submit(
            survey_round=state.round,
            channel=channel,
            submission_key=state.submission_key,
            answers=answering.final_answers(survey, stored),
            language=state.language,
            started_at=state.started_at,
            respondent_hash=_respondent_hash(state.round, state.conversation),
        )
    except SurveyError as error:
        if error.code == "already_answered":
            text = _("You have already answered this survey: your first answers are kept.")
        else:
            text = _("This survey is closed now: your answers were not stored. Thank you all the same.")
    else:
        text = _("Thank you: your answers are stored. They are anonymous: your number or chat is not kept with them.")
    _send(state, text)  # queued with its own copy of the recipient, so the route can go now
    state.delete()
    _route_forget(state.conversation)


def _route_forget(conversation: Conversation) -> None:
    """The survey is over: a conversation that only served it forgets the number or chat id (one that
    also follows a concern keeps it for the concern's news). A later message sets it again."""
    if conversation.concern_id is None and conversation.sender_ciphertext is not None:
        conversation.sender_ciphertext = None
        conversation.save(update_fields=["sender_ciphertext"])


def answering_start(*, survey_round: SurveyRound, conversation: Conversation, language: str = "") -> bool:
    """Start (or start again) ``survey_round`` on ``conversation``, asking its first question.

    Runs with the conversation locked (the inbound transaction, or ``invitations``). False when the
    respondent already answered this round (one answer per respondent) and nothing was started.
    """
    survey = survey_round.survey
    hashed = _respondent_hash(survey_round, conversation)
    ChannelAnswering.objects.filter(conversation=conversation).delete()
    state = ChannelAnswering(
        conversation=conversation,
        round=survey_round,
        language=_language(survey, conversation, language),
        submission_key=secrets.token_hex(16),
        started_at=timezone.now(),
        updated_at=timezone.now(),
    )
    with translation.override(state.language):
        if hashed and survey_round.responses.filter(respondent_hash=hashed).exists():
            _send(state, _("You have already answered this survey: your first answers are kept."))
            return False
        title = survey.title(state.language)
        _send(state, _("Survey: %(title)s. Your answers are anonymous. Reply STOP to end.") % {"title": title})
        _answers_store(state, {})
        state.save()
        if not _advance(state, survey, {}, 0):
            _finish(state, survey, {})
            return True
        state.save()
    return True


# --- reading answers ----------------------------------------------------------------------------------------


def _choice_tokens(survey: Survey, question: answering.Question, text: str, language: str) -> list[str]:
    """Numbers (or choice names or labels) read as choice names; unknown tokens are kept as they are,
    so the form's check says "Choose from the list"."""
    choices = question.get("choices", [])
    labels = {
        _normalised(label): choice["name"]
        for choice, label in zip(choices, _choice_labels(survey, question, language), strict=True)
    }
    names = {_normalised(choice["name"]): choice["name"] for choice in choices}
    whole = _normalised(text)
    if whole in labels:
        return [labels[whole]]
    read = []
    for token in _SEPARATORS.split(text.strip()):
        if not token:
            continue
        if token.isdigit() and 1 <= int(token) <= len(choices):
            read.append(choices[int(token) - 1]["name"])
        else:
            read.append(names.get(_normalised(token), labels.get(_normalised(token), f"\x00{token}")))
    return read


def _answer(state: ChannelAnswering, survey: Survey, inbound: Inbound) -> None:
    stored = _answers(state)
    questions = survey.questions
    if state.position >= len(questions):
        _finish(state, survey, stored)
        return
    question = questions[state.position]
    name, kind = question["name"], question["type"]
    submitted: Any = inbound.text
    if inbound.button:
        position, _colon, choice = inbound.button.removeprefix(BUTTON_PREFIX).partition(":")
        if position != str(state.position) or kind not in _CHOICES:
            _ask(state, survey, question)  # a button under an earlier question
            return
        if kind == QuestionType.SELECT_MULTIPLE:
            pending = list(stored.get(f"\x00{name}", []))
            if choice != "done":
                chosen = _choice_tokens(survey, question, choice, state.language)
                pending = [value for value in pending if value not in chosen] + [
                    value for value in chosen if value not in pending
                ]
                stored[f"\x00{name}"] = pending
                _answers_store(state, stored)
                labels = dict(
                    zip(
                        [c["name"] for c in question.get("choices", [])],
                        _choice_labels(survey, question, state.language),
                        strict=True,
                    )
                )
                chosen_text = ", ".join(labels.get(value, value) for value in pending) or "—"
                _send(state, _("Chosen: %(choices)s. Press more, or Done.") % {"choices": chosen_text})
                return
            submitted = pending
        else:
            submitted = _choice_tokens(survey, question, choice, state.language)[:1]
            submitted = submitted[0] if submitted else ""
    elif kind in _CHOICES:
        if inbound.text.strip() == SKIP:
            submitted = [] if kind == QuestionType.SELECT_MULTIPLE else ""
        else:
            tokens = _choice_tokens(survey, question, inbound.text, state.language)
            if kind == QuestionType.SELECT_ONE and len(tokens) > 1:
                _ask(state, survey, question, prefix=_("Reply with one number only."))
                return
            submitted = tokens if kind == QuestionType.SELECT_MULTIPLE else (tokens[0] if tokens else "")
    elif inbound.text.strip() == SKIP:
        submitted = ""
    page = answering.Page(group=None, questions=[question])
    updated, errors = answering.page_read(survey, page, {name: submitted}, stored, state.language)
    if errors:
        _ask(state, survey, question, prefix=errors[name])
        return
    updated.pop(f"\x00{name}", None)
    _answers_store(state, updated)
    if not _advance(state, survey, updated, state.position + 1):
        _finish(state, survey, updated)


# --- the hooks channels calls ------------------------------------------------------------------------------


def inbound_handle(inbound: Inbound) -> Outcome:
    """Take an inbound message that starts a survey (its keyword) or answers the waiting question."""
    conversation = inbound.conversation
    state = (
        None
        if inbound.is_new_conversation
        else ChannelAnswering.objects.select_related("round__survey").filter(conversation=conversation).first()
    )
    if state is not None:
        state.conversation = conversation  # the channel's own instance, which it saves after us
    if state is not None and timezone.now() - state.updated_at > timedelta(hours=ANSWERING_HOURS):
        state.delete()  # abandoned: as if the retention run had come by already (the sender just wrote,
        # so the conversation keeps their number for the reply, as for any message)
        state = None
    if not inbound.command:
        survey_round, rest = keyword_round(inbound.text)
        if survey_round is not None:
            answering_start(survey_round=survey_round, conversation=conversation, language=rest)
            return Outcome.TAKEN
    if state is None or inbound.command:
        return Outcome.PASSED
    if inbound.button and not inbound.button.startswith(BUTTON_PREFIX):
        return Outcome.PASSED
    keyword = None if inbound.button else keyword_split(inbound.text)[0]
    if keyword == Keyword.STOP:
        return Outcome.STOP  # channels runs its STOP, which ends the survey (``stop_handle``)
    if keyword == Keyword.SECRET:
        # A confidential report, even in the middle of a survey: it ends the survey (its answers so far
        # with it) and goes to the channel, which seals it. Kept as an answer, its words would be plain.
        state.delete()
        return Outcome.PASSED
    if state.round.state != RoundState.OPEN:
        with translation.override(state.language):
            _send(state, _("This survey is closed now: your answers were not stored. Thank you all the same."))
        state.delete()
        _route_forget(conversation)
        return Outcome.TAKEN
    with translation.override(state.language):
        _answer(state, state.round.survey, inbound)
    if state.pk is not None:
        state.updated_at = timezone.now()
        state.save()
    return Outcome.TAKEN


def stop_handle(conversation: Conversation) -> None:
    """STOP: the survey being answered on this conversation ends, its answers so far with it."""
    ChannelAnswering.objects.filter(conversation=conversation).delete()


def answerings_expire(*, now: datetime) -> int:
    """Surveys left half-answered on a channel for ANSWERING_HOURS are forgotten, with the answers so
    far (retention). Returns how many."""
    due = ChannelAnswering.objects.filter(updated_at__lt=now - timedelta(hours=ANSWERING_HOURS))
    Conversation.objects.filter(pk__in=due.values("conversation_id"), concern__isnull=True).update(
        sender_ciphertext=None
    )
    deleted, _details = due.delete()
    return deleted
