"""Indicators followed across rounds: added from the staff page (audited), drawn on the staff page and
on the public results page, suppressed under 5."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import timezone

from ovoz.core.models import AuditEntry
from ovoz.groups.models import Meeting
from ovoz.operations.demo_surveys import DEMO_SURVEY_SLUG, demo_surveys_load
from ovoz.surveys.errors import SurveyError
from ovoz.surveys.indicators import indicator_add, survey_indicators
from ovoz.surveys.models import Indicator, MeetingResult, Survey
from ovoz.surveys.tests.results_data import published_round

pytestmark = pytest.mark.django_db


def test_the_demo_indicator_is_a_share_per_round_with_its_interval(world):
    demo_surveys_load(area=world["jizzakh"], group=world["group"])
    survey = Survey.objects.get(slug=DEMO_SURVEY_SLUG)

    (series,) = survey_indicators(survey, language="en")

    assert [point.number for point in series.points] == [1, 2, 3]  # staff follow the open round too
    for point, survey_round in zip(series.points, survey.rounds.order_by("number"), strict=True):
        counts = {row.value: 0 for row in survey_round.result_counts.filter(question="safe_night")}
        for row in survey_round.result_counts.filter(question="safe_night"):
            counts[row.value] += row.count
        assert point.share is not None and point.share.count == counts["yes"] and point.share.total == counts[""]
        assert point.share.low < point.share.share < point.share.high
        assert point.label.startswith("Jizzakh Region 20")  # the round's area and year
    assert len(series.path.split(" ")) == 3


def test_the_public_results_page_draws_the_indicator_in_russian_without_commas(world):
    demo_surveys_load(area=world["jizzakh"], group=world["group"])

    page = Client().get(f"/ru/surveys/{DEMO_SURVEY_SLUG}/results/").content.decode()

    assert 'data-testid="indicators"' in page
    (points,) = re.findall(r'<polyline points="([^"]+)"', page)
    # The closed rounds' points, with a point as decimal separator: two rounds, a trend.
    assert re.fullmatch(r"\d+\.\d,\d+\.\d \d+\.\d,\d+\.\d", points)
    assert re.search(r"\d+%</text>", page)
    # Under each point its round, short enough that two never overlap at phone width (the area and year,
    # "Джизакская область 2026" in the demo, did), and the list below names them in full.
    svg = page[page.index("<svg", page.index('data-testid="indicators"')) : page.index("</svg>")]
    assert re.findall(r">(раунд \d)</text>", svg) == ["раунд 1", "раунд 2"]
    assert re.search(r"<li>Jizzakh Region 20\d\d \(раунд 1\): \d+%", page)


# 3 said "yes" and 57 "no": "yes" is small, and the share of "no" would give the hidden 3 away (the
# results table hides both).
@pytest.mark.parametrize("value", ["yes", "no"])
def test_a_small_share_and_a_large_one_beside_it_are_not_shown(places, value):
    survey, _round = published_round(places)
    indicator_add(survey=survey, question="violence_home", value=value, label="", actor=None)

    (series,) = survey_indicators(survey, language="en")

    assert series.points[0].share is None and series.path == ""
    page = Client().get(f"/en/surveys/{survey.slug}/results/").content.decode()
    section = page[page.index('data-testid="indicators"') : page.index("</section>", page.index("indicators"))]
    assert "too few answers to show" in section and "%" not in section.split("<ul>")[1]


def test_a_coordinator_adds_an_indicator_and_it_is_audited(signed_in_client, places):
    survey, _round = published_round(places)

    response = signed_in_client.post(
        f"/staff/surveys/{survey.pk}/indicators/", {"answer": "gender=woman", "label": "Women"}
    )

    assert response.status_code == 302
    indicator = Indicator.objects.get()
    assert (indicator.question, indicator.value, indicator.label()) == ("gender", "woman", "Women")
    assert AuditEntry.objects.filter(action="survey.indicator_added").count() == 1
    page = signed_in_client.get(f"/staff/surveys/{survey.pk}/").content.decode()
    assert "Women" in page and "50%" in page


def test_an_indicator_needs_a_choice_of_a_select_question(places):
    survey, _round = published_round(places)

    for question, value in (("comment", "x"), ("gender", "other"), ("nope", "yes")):
        with pytest.raises(SurveyError):
            indicator_add(survey=survey, question=question, value=value, label="", actor=None)
    assert not Indicator.objects.exists()


def test_others_cannot_add_indicators(world, as_kind):
    survey, _round = published_round(world)

    response = as_kind("facilitator").post(f"/staff/surveys/{survey.pk}/indicators/", {"answer": "gender=woman"})

    assert response.status_code == 403 and not Indicator.objects.exists()


def test_a_coordinator_stops_following_an_indicator_after_confirming_and_it_is_audited(signed_in_client, places):
    survey, _round = published_round(places)
    indicator = indicator_add(survey=survey, question="gender", value="woman", label="Women", actor=None)
    url = f"/staff/surveys/{survey.pk}/indicators/{indicator.pk}/remove/"
    staff_page = signed_in_client.get(f"/staff/surveys/{survey.pk}/").content.decode()
    assert f'href="{url}"' in staff_page

    confirmation = signed_in_client.get(url)

    assert confirmation.status_code == 200 and Indicator.objects.filter(pk=indicator.pk).exists()
    assert "Stop following “Women”" in confirmation.content.decode()

    removed = signed_in_client.post(url)

    assert removed.status_code == 302 and removed["Location"] == f"/staff/surveys/{survey.pk}/"
    assert not Indicator.objects.exists()
    entry = AuditEntry.objects.get(action="survey.indicator_removed")
    assert entry.data == {"survey": survey.pk, "question": "gender", "value": "woman"}
    for page in (
        signed_in_client.get(f"/staff/surveys/{survey.pk}/").content.decode(),
        Client().get(f"/en/surveys/{survey.slug}/results/").content.decode(),
    ):
        assert 'data-testid="indicators"' not in page and "Women" not in page
    assert signed_in_client.post(url).status_code == 404  # gone: a second click is a 404, nothing more


def test_others_cannot_remove_an_indicator_and_another_surveys_id_is_a_404(world, as_kind, signed_in_client):
    survey, _round = published_round(world)
    indicator = indicator_add(survey=survey, question="gender", value="woman", label="", actor=None)
    other = Survey.objects.create(slug="other", source_xlsx=b"", definition={"questions": []}, default_language="en")

    refused = as_kind("facilitator").post(f"/staff/surveys/{survey.pk}/indicators/{indicator.pk}/remove/")
    foreign = signed_in_client.post(f"/staff/surveys/{other.pk}/indicators/{indicator.pk}/remove/")

    assert refused.status_code == 403 and foreign.status_code == 404
    assert Indicator.objects.filter(pk=indicator.pk).exists()
    assert not AuditEntry.objects.filter(action="survey.indicator_removed").exists()


def test_a_result_on_a_meeting_agenda_stays_when_the_indicator_on_the_same_answer_goes(world, as_kind):
    survey, survey_round = published_round(world)
    indicator = indicator_add(survey=survey, question="violence_home", value="no", label="", actor=None)
    meeting = Meeting.objects.create(working_group=world["group"], starts_at=timezone.now())
    MeetingResult.objects.create(meeting=meeting, round=survey_round, question="violence_home", value="no")
    client = as_kind("administrator")

    client.post(f"/staff/surveys/{survey.pk}/indicators/{indicator.pk}/remove/")

    assert not Indicator.objects.exists()
    page = client.get(f"/staff/groups/zomin/meetings/{meeting.pk}/")
    assert page.status_code == 200
    # Still on the agenda, its figure hidden as the results table hides it (3 said "yes", 57 "no").
    assert "given by fewer than 5 people" in page.content.decode() and MeetingResult.objects.count() == 1
