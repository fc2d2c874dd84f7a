"""Answering a survey by SMS and on Telegram end to end: through the webhooks, out through the fake
gateway and Bot API, one question per message."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from ovoz.channels.models import Conversation, OutboundMessage
from ovoz.concerns.models import Concern
from ovoz.core.crypto import decrypt
from ovoz.operations.retention import retention_apply
from ovoz.surveys.choices import RoundState
from ovoz.surveys.errors import SurveyError
from ovoz.surveys.invitations import survey_invite, survey_round_keyword_set
from ovoz.surveys.models import Answer, ChannelAnswering, Response, ResultCount, SurveyRound
from ovoz.surveys.services import survey_import, survey_round_close, survey_round_open
from ovoz.surveys.statistics import age_band
from ovoz.surveys.tests.workbooks import workbook_bytes
from ovoz.testing.fakes import CHAT, SMS_PHONE

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey_round(db):
    survey = survey_import(file=workbook_bytes(), publish=True)
    survey_round = survey_round_open(survey=survey, actor=None)
    return survey_round_keyword_set(survey_round=survey_round, keyword="Safety", actor=None)


def _counts(survey_round, question, value=""):
    return sum(
        ResultCount.objects.filter(round=survey_round, question=question, value=value).values_list("count", flat=True)
    )


def sms_texts(gateway) -> list[str]:
    return [message["text"] for message in gateway.received]


def buttons(message: dict) -> list[tuple[str, str]]:
    return [
        (button["text"], button["callback_data"])
        for row in message["reply_markup"]["inline_keyboard"]
        for button in row
    ]


def _nothing_personal():
    """No number, chat id or conversation reachable from a response or its answers."""
    for response in Response.objects.all():
        assert response.respondent_hash is None
        fields = {field.name for field in Response._meta.get_fields()}
        assert not fields & {"conversation", "phone", "chat", "sender", "contact"}
    for value in Answer.objects.values_list("value", flat=True):
        assert SMS_PHONE not in str(value) and str(CHAT) not in str(value)


def test_a_survey_answered_by_sms_in_tajik_with_a_refused_answer_and_skip_logic(survey_round, deliver, gateway):
    assert deliver("m1", "safety tg").status_code == 200
    texts = sms_texts(gateway)
    assert "Community safety" in texts[0] and "ҚАТЪ" in texts[0]  # Tajik for STOP, which the SMS keywords know
    assert "Шумо…" in texts[1] and "1. зан" in texts[1] and "2. мард" in texts[1] and "1 ё 2" in texts[1]

    deliver("m2", "1")
    assert "Шумо чандсолаед?" in sms_texts(gateway)[-1]
    deliver("m3", "12")  # the form's constraint message, in Tajik, and the question again
    refused = sms_texts(gateway)[-1]
    assert refused.startswith("Аз 16 то 110") and "Шумо чандсолаед?" in refused
    deliver("m4", "many")
    assert "Адади бутунро ворид кунед." in sms_texts(gateway)[-1] and "Шумо чандсолаед?" in sms_texts(gateway)[-1]
    deliver("m5", "34")
    assert "Оё шумо дар хона зӯроварӣ дидаед?" in sms_texts(gateway)[-1]
    deliver("m6", "1")  # yes: where is asked
    assert "Кӯча" in sms_texts(gateway)[-1] and "Бозор" in sms_texts(gateway)[-1]
    deliver("m7", "2 1")
    assert "Боз чизе?" in sms_texts(gateway)[-1]
    assert Response.objects.count() == 0  # nothing stored until the last answer
    deliver("m8", "Чароғҳо нестанд")

    response = Response.objects.get()
    assert (response.channel, response.language, response.gender, response.age_band) == (
        "sms",
        "tg",
        "woman",
        age_band(34),
    )
    answers = dict(Answer.objects.values_list("question", "value"))
    assert answers == {
        "gender": "woman",
        "age": "34",
        "violence_home": "yes",
        "unsafe_places": ["street", "market"],
        "comment": "Чароғҳо нестанд",
        "adult": "true",
    }
    assert _counts(survey_round, "") == 1 and _counts(survey_round, "unsafe_places", "market") == 1
    assert _counts(survey_round, "violence_home", "yes") == 1
    thanks = sms_texts(gateway)[-1]
    assert "Ташаккур" in thanks and "беном" in thanks  # thanked in Tajik, told the answers are anonymous
    assert not ChannelAnswering.objects.exists()  # the way back and the answers so far are gone
    _nothing_personal()
    # The conversation is a channel's sender like any other, and no concern was made of the answers.
    assert Conversation.objects.get().concern is None


def test_a_no_skips_the_question_that_depends_on_it(survey_round, deliver, gateway):
    for number, text in enumerate(["SAFETY", "2", "40", "2"]):
        deliver(f"s{number}", text)
    assert "Anything else?" in sms_texts(gateway)[-1] and "Where do you feel unsafe?" not in "".join(sms_texts(gateway))
    deliver("s9", "-")  # optional: skipped
    answers = dict(Answer.objects.values_list("question", "value"))
    assert answers == {"gender": "man", "age": "40", "violence_home": "no", "adult": "true"}


def test_a_redelivered_answer_advances_once_and_stores_once(survey_round, deliver, gateway):
    for number, text in enumerate(["SAFETY", "1", "30", "2"]):
        deliver(f"r{number}", text)
    sent, position = len(gateway.received), ChannelAnswering.objects.get().position
    deliver("r3", "2")  # the gateway delivers the same message again
    assert len(gateway.received) == sent and ChannelAnswering.objects.get().position == position
    deliver("r4", "-")
    deliver("r4", "-")
    assert Response.objects.count() == 1 and _counts(survey_round, "") == 1


def test_stop_ends_the_survey_and_the_conversation(survey_round, deliver, gateway):
    deliver("t1", "SAFETY")
    deliver("t2", "1")
    deliver("t3", "STOP")
    assert not ChannelAnswering.objects.exists() and Response.objects.count() == 0
    conversation = Conversation.objects.get()
    assert conversation.is_stopped and conversation.sender_ciphertext is None
    sent = len(gateway.received)
    deliver("t4", "25")  # not an answer any more: the channel takes it as it would any message
    assert Response.objects.count() == 0 and not ChannelAnswering.objects.exists()
    assert all("How old" not in text for text in sms_texts(gateway)[sent:])


@pytest.mark.parametrize("answered", [["SAFETY", "1", "30", "2"], ["SAFETY", "1"]])  # at a text / a number
def test_secret_in_the_middle_of_a_survey_is_a_sealed_report_not_an_answer(survey_round, deliver, gateway, answered):
    for number, text in enumerate(answered):
        deliver(f"s{number}", text)

    deliver("s9", "SECRET my husband beats me, the police in Zomin do nothing")

    concern = Concern.objects.get()
    assert concern.is_sealed and "husband" not in concern.text
    assert not Answer.objects.filter(value__icontains="husband").exists()
    assert not ChannelAnswering.objects.exists() and Response.objects.count() == 0  # the survey ended


def test_a_survey_answered_on_telegram_with_buttons(survey_round, telegram, bot_api):
    telegram(text="SAFETY ru")
    question = bot_api.sent()[-1]
    assert "Вы…" in question["text"]
    assert [label for label, _data in buttons(question)] == ["женщина", "мужчина"]
    telegram(data=buttons(question)[1][1])
    assert "Сколько вам лет?" in bot_api.sent()[-1]["text"]
    telegram(text="200")  # the constraint has no Russian message: the form's default language's
    assert bot_api.sent()[-1]["text"].startswith("Between 16 and 110")
    telegram(text="19")
    yes_no = bot_api.sent()[-1]
    old_buttons = buttons(question)
    telegram(data=old_buttons[0][1])  # a button under an earlier question: that question stands
    assert "Сталкивались" in bot_api.sent()[-1]["text"]
    telegram(data=buttons(yes_no)[0][1])
    places = bot_api.sent()[-1]
    assert [label for label, _data in buttons(places)][:2] == ["Улица", "Рынок"]
    telegram(data=buttons(places)[1][1])
    assert "Рынок" in bot_api.sent()[-1]["text"]
    telegram(data=buttons(places)[-1][1])  # Done
    assert "Что-нибудь ещё?" in bot_api.sent()[-1]["text"]
    telegram(text="-")

    response = Response.objects.get()
    assert (response.channel, response.language, response.gender) == ("telegram", "ru", "man")
    assert dict(Answer.objects.values_list("question", "value"))["unsafe_places"] == ["market"]
    assert _counts(survey_round, "gender", "man") == 1
    assert not ChannelAnswering.objects.exists()
    _nothing_personal()


def test_an_invitation_sends_the_first_question_and_keeps_no_number(survey_round, sms_channel, gateway, deliver):
    report = survey_invite(
        survey_round=survey_round,
        channel=sms_channel,
        addresses=[SMS_PHONE, "not a number", SMS_PHONE],
        language="tg",
        actor=None,
    )
    assert (report.invited, report.refused) == (1, 1)
    outbound = OutboundMessage.objects.order_by("pk").last()
    assert "Шумо…" in decrypt(bytes(outbound.text_ciphertext), purpose="channel-outbound").decode()
    deliver("i1", "2")
    assert ChannelAnswering.objects.get().position > 0


def test_keywords_are_unique_among_open_rounds_and_not_the_services_own(survey_round):
    other = survey_round_open(survey=survey_import(file=workbook_bytes()), actor=None)
    with pytest.raises(SurveyError) as taken:
        survey_round_keyword_set(survey_round=other, keyword="SAFETY", actor=None)
    assert taken.value.code == "keyword_taken"
    with pytest.raises(SurveyError) as reserved:
        survey_round_keyword_set(survey_round=other, keyword="стоп", actor=None)
    assert reserved.value.code == "keyword_reserved"
    assert SurveyRound.objects.get(pk=other.pk).keyword == ""


def test_a_closed_round_stores_nothing_and_an_abandoned_survey_expires(survey_round, deliver, gateway):
    deliver("c1", "SAFETY")
    survey_round_close(survey_round=survey_round, actor=None)
    deliver("c2", "1")
    assert Response.objects.count() == 0 and not ChannelAnswering.objects.exists()
    assert SurveyRound.objects.get(pk=survey_round.pk).state == RoundState.CLOSED

    again = survey_round_open(survey=survey_round.survey, actor=None)
    survey_round_keyword_set(survey_round=again, keyword="safety", actor=None)
    deliver("c3", "SAFETY")
    ChannelAnswering.objects.update(updated_at=timezone.now() - timedelta(hours=25))
    report = retention_apply()
    assert report.survey_answerings == 1 and not ChannelAnswering.objects.exists()


@pytest.mark.parametrize("stop", [{"text": "STOP"}, {"text": "/stop"}])
def test_stop_on_telegram_ends_the_survey_and_the_chat(survey_round, telegram, bot_api, stop):
    telegram(text="SAFETY")
    telegram(data=buttons(bot_api.sent()[-1])[0][1])
    assert ChannelAnswering.objects.get().position > 0

    response = telegram(**stop)

    assert not ChannelAnswering.objects.exists() and Response.objects.count() == 0
    conversation = Conversation.objects.get()
    assert conversation.is_stopped and conversation.sender_ciphertext is None
    assert "will not write to you here any more" in response.json()["text"]


def test_a_telegram_button_pressed_twice_counts_once(survey_round, telegram, bot_api):
    telegram(text="SAFETY")
    choice = buttons(bot_api.sent()[-1])[0][1]
    telegram(update_id=77, data=choice)
    sent = len(bot_api.sent())
    telegram(update_id=77, data=choice)  # Telegram delivers the same update again
    assert len(bot_api.sent()) == sent and ChannelAnswering.objects.get().position == 2  # the age


def test_the_number_goes_with_the_survey_when_the_conversation_served_only_it(survey_round, deliver, gateway):
    for number, text in enumerate(["SAFETY", "1", "30", "2", "-"]):
        deliver(f"n{number}", text)
    assert Response.objects.count() == 1
    assert Conversation.objects.get().sender_ciphertext is None  # the thanks went out with its own copy
    assert "Thank you" in sms_texts(gateway)[-1]
