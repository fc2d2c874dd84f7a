"""The real-shaped community safety form (tests/forms/community_safety.xlsx) answered whole by SMS,
and the staff page that sets a round's keyword and invites by message."""

from __future__ import annotations

from pathlib import Path

import pytest

from ovoz.channels.models import Conversation
from ovoz.core.models import AuditEntry
from ovoz.surveys.models import Answer, ChannelAnswering, Response, ResultCount, SurveyRound
from ovoz.surveys.services import survey_import, survey_round_open
from ovoz.surveys.tests.workbooks import workbook_bytes
from ovoz.testing.fakes import SMS_PHONE

pytestmark = pytest.mark.django_db
FORM = Path(__file__).parent / "forms" / "community_safety.xlsx"


def _reply(question: dict) -> str:
    """What a respondent types: the first choice (yes), a few of many, a valid number, date or place."""
    kind = question["type"]
    if kind == "select_multiple":
        return "1 3"
    return {
        "select_one": "1",
        "integer": "31",
        "date": "2026-10-01",
        "geopoint": "39.65 66.96",
        "text": "Street lights",
    }[kind]


def test_the_community_safety_survey_answered_whole_by_sms_in_russian(deliver, gateway):
    survey = survey_import(file=FORM.read_bytes(), publish=True)
    survey_round = survey_round_open(survey=survey, actor=None)
    SurveyRound.objects.filter(pk=survey_round.pk).update(keyword="mahalla")

    deliver("f0", "MAHALLA ru")
    texts = [message["text"] for message in gateway.received]
    assert any("Этот опрос посвящён безопасности" in text for text in texts)  # the note, sent as text
    assert "Вы согласны принять участие?" in texts[-1] and "1. Да" in texts[-1]
    asked = []
    refused_once = False
    for number in range(1, 80):
        state = ChannelAnswering.objects.filter().first()
        if state is None:
            break
        question = survey.questions[state.position]
        asked.append(question["name"])
        if question["name"] == "top_concerns" and not refused_once:
            refused_once = True
            deliver(f"f{number}x", "1 2 3 4")  # more than three: the form's message, and the question again
            again = gateway.received[-1]["text"]
            assert again.startswith("Выберите не более трёх.") and "самые серьёзные" in again
            assert ChannelAnswering.objects.get().position == state.position
        deliver(f"f{number}", _reply(question))
    assert not ChannelAnswering.objects.exists() and refused_once
    # Skip logic: police_response is asked after a yes; the "other" text only when "other" was chosen.
    assert "police_response" in asked and "top_concerns_other" not in asked
    assert "violence_forms" in asked and "conflict_date" in asked and len(asked) >= 25

    response = Response.objects.get()
    first_gender = next(question for question in survey.questions if question["name"] == "gender")["choices"][0]
    assert (response.channel, response.language, response.gender) == ("sms", "ru", first_gender["name"])
    assert response.respondent_hash is None
    answers = dict(Answer.objects.values_list("question", "value"))
    assert answers["consent"] == "yes" and answers["age"] == "31" and answers["is_youth"] == "no"
    assert "top_concerns_other" not in answers and len(answers["top_concerns"]) == 2
    counts = ResultCount.objects.filter(round=survey_round)
    assert sum(counts.filter(question="").values_list("count", flat=True)) == 1
    assert sum(counts.filter(question="consent", value="yes").values_list("count", flat=True)) == 1
    assert "Спасибо за ваши ответы." in "\n".join(message["text"] for message in gateway.received[-3:])
    assert SMS_PHONE not in str(list(Answer.objects.values_list("value", flat=True)))
    assert Conversation.objects.get().concern is None


def test_staff_set_the_keyword_and_invite_numbers_on_the_round_page(signed_in_client, sms_channel, gateway):
    survey = survey_import(file=workbook_bytes(), publish=True)
    survey_round = survey_round_open(survey=survey, actor=None)
    url = f"/staff/surveys/{survey.pk}/rounds/{survey_round.number}/channels/"
    assert f'href="{url}"' in signed_in_client.get(f"/staff/surveys/{survey.pk}/").content.decode()

    saved = signed_in_client.post(url, {"action": "keyword", "keyword": "Xavfsizlik"})
    assert saved.status_code == 302
    assert SurveyRound.objects.get(pk=survey_round.pk).keyword == "xavfsizlik"
    refused = signed_in_client.post(url, {"action": "keyword", "keyword": "STOP"})
    assert refused.status_code == 400 and SurveyRound.objects.get(pk=survey_round.pk).keyword == "xavfsizlik"

    invited = signed_in_client.post(
        url,
        {"action": "invite", "channel": str(sms_channel.pk), "addresses": f"{SMS_PHONE}\n12", "language": "en"},
        follow=True,
    )
    assert "Invited: 1." in invited.content.decode()
    assert ChannelAnswering.objects.count() == 1
    entry = AuditEntry.objects.filter(action="survey.invited").get()
    assert entry.data["invited"] == 1 and SMS_PHONE not in str(entry.data)
