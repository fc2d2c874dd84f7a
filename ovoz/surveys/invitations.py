"""Starting a survey on SMS and Telegram: a round's keyword, and an organisation's invitation.

Staff set the keyword on the round page; a respondent who sends it gets the first question
(``conversation``). Staff can also invite numbers or chat ids: each gets the first question through
the conversation layer, and the addresses are kept only as the channel keeps any sender's (encrypted on
its conversation, for the replies): never with the answers, never in the audit log.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from ovoz.accounts.models import User
from ovoz.channels.keywords import keyword_split
from ovoz.channels.models import Channel
from ovoz.channels.recipients import conversation_for_recipient
from ovoz.core.events import AuditAction
from ovoz.core.services import audit_record
from ovoz.surveys.choices import RoundState
from ovoz.surveys.conversation import answering_start
from ovoz.surveys.errors import SurveyError
from ovoz.surveys.models import SurveyRound

MAX_INVITATIONS = 500
_KEYWORD = re.compile(r"^\w{2,32}$")


@transaction.atomic
def survey_round_keyword_set(*, survey_round: SurveyRound, keyword: str, actor: User | None) -> SurveyRound:
    """Set (or with "" remove) the word that starts ``survey_round`` by SMS or Telegram.

    One word of letters and digits, not one of the channels' own keywords (STOP, STATUS, NEW, SECRET in
    every language), and not the keyword of another open round; kept casefolded.
    """
    word = unicodedata.normalize("NFKC", keyword).strip().casefold()
    if word and not _KEYWORD.match(word):
        raise SurveyError(_("A keyword is one word of 2 to 32 letters or digits."), code="keyword_invalid")
    if word and keyword_split(word)[0] is not None:
        raise SurveyError(_("This word is already a keyword of the SMS service."), code="keyword_reserved")
    survey_round = SurveyRound.objects.select_for_update().get(pk=survey_round.pk)
    if word and survey_round.state == RoundState.OPEN:
        taken = SurveyRound.objects.filter(keyword=word, state=RoundState.OPEN).exclude(pk=survey_round.pk).exists()
        if taken:
            raise SurveyError(_("Another open round already uses this keyword."), code="keyword_taken")
    survey_round.keyword = word
    try:
        with transaction.atomic():
            survey_round.save(update_fields=["keyword", "updated_at"])
    except IntegrityError:
        raise SurveyError(_("Another open round already uses this keyword."), code="keyword_taken") from None
    audit_record(
        action=AuditAction.SURVEY_ROUND_KEYWORD_SET,
        actor=actor,
        target=survey_round,
        data={"survey": survey_round.survey_id, "number": survey_round.number, "keyword": word},
    )
    return survey_round


@dataclass(frozen=True)
class InvitationReport:
    invited: int  # the first question was queued
    refused: int  # not a number or chat id for this channel, or the person said STOP there
    already_answered: int  # one answer per respondent, and they have answered


@transaction.atomic
def survey_invite(
    *, survey_round: SurveyRound, channel: Channel, addresses: list[str], language: str, actor: User | None
) -> InvitationReport:
    """Send the first question of ``survey_round`` to each address (phone numbers for an SMS channel,
    chat ids for a Telegram bot), in ``language`` (the form's default where it lacks one)."""
    if survey_round.state != RoundState.OPEN or not survey_round.survey.is_published:
        raise SurveyError(_("This survey is not open for answers at the moment."), code="round_not_open")
    if not channel.is_active:
        raise SurveyError(_("This channel is not active."), code="channel_inactive")
    unique = list(dict.fromkeys(address.strip() for address in addresses if address.strip()))
    if len(unique) > MAX_INVITATIONS:
        raise SurveyError(
            _("At most %(count)d invitations at a time.") % {"count": MAX_INVITATIONS}, code="too_many_invitations"
        )
    invited = refused = answered = 0
    for address in unique:
        conversation = conversation_for_recipient(channel=channel, address=address)
        if conversation is None:
            refused += 1
        elif answering_start(survey_round=survey_round, conversation=conversation, language=language):
            invited += 1
        else:
            answered += 1
    audit_record(
        action=AuditAction.SURVEY_INVITED,
        actor=actor,
        target=survey_round,
        data={"channel": str(channel.pk), "invited": invited, "refused": refused, "already_answered": answered},
    )
    return InvitationReport(invited=invited, refused=refused, already_answered=answered)
