"""Surveys and working groups: a group opens a round for its area, and a round's result goes on a
meeting's agenda, shown on the meeting page and its print page; another group's facilitator can do neither."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from ovoz.core.models import AuditEntry
from ovoz.groups.models import Meeting
from ovoz.surveys.models import MeetingResult, RoundState, SurveyRound
from ovoz.surveys.services import response_submit, survey_import, survey_round_close
from ovoz.surveys.tests.workbooks import workbook_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey():
    return survey_import(file=workbook_bytes(), publish=True)


@pytest.fixture
def meeting(world):
    return Meeting.objects.create(working_group=world["group"], starts_at=timezone.now() + datetime.timedelta(days=3))


def _answered(survey_round, count, violence):
    for number in range(count):
        answers = {"gender": "woman", "age": "30", "violence_home": "yes" if number < violence else "no"}
        response_submit(
            survey_round=survey_round, channel="web", submission_key=f"{survey_round.pk}-{number}", answers=answers
        )


def test_a_facilitator_opens_a_round_for_the_group_area(world, as_kind, survey):
    client = as_kind("facilitator")

    response = client.post("/staff/surveys/groups/zomin/", {"action": "round_open", "survey": survey.pk})

    survey_round = SurveyRound.objects.get()
    assert response.status_code == 302
    assert survey_round.group == world["group"] and survey_round.area == world["group"].area
    assert survey_round.state == RoundState.OPEN


def test_a_facilitator_of_another_group_cannot_open_a_round_for_this_group(world, as_kind, survey):
    client = as_kind("member of another group")

    response = client.post("/staff/surveys/groups/zomin/", {"action": "round_open", "survey": survey.pk})

    assert response.status_code == 404  # the group is out of their scope
    assert SurveyRound.objects.count() == 0


def test_a_member_who_is_not_facilitator_cannot_open_a_round(world, as_kind, survey):
    response = as_kind("member").post("/staff/surveys/groups/zomin/", {"action": "round_open", "survey": survey.pk})

    assert response.status_code == 403 and SurveyRound.objects.count() == 0


def test_a_result_on_the_agenda_shows_its_share_interval_and_round_on_the_meeting_and_print_pages(
    world, as_kind, survey, meeting
):
    client = as_kind("facilitator")
    client.post("/staff/surveys/groups/zomin/", {"action": "round_open", "survey": survey.pk})
    survey_round = SurveyRound.objects.get()
    _answered(survey_round, 20, violence=12)
    survey_round_close(survey_round=survey_round, actor=None)
    page = client.get(f"/staff/surveys/groups/zomin/?meeting={meeting.pk}").content.decode()
    assert f'value="{survey_round.pk}:violence_home:yes"' in page

    added = client.post(
        "/staff/surveys/groups/zomin/",
        {"action": "agenda_add", "meeting": meeting.pk, "result": f"{survey_round.pk}:violence_home:yes"},
    )

    assert added.status_code == 302 and added["Location"] == f"/staff/groups/zomin/meetings/{meeting.pk}/"
    for url in (f"/staff/groups/zomin/meetings/{meeting.pk}/", f"/staff/groups/zomin/meetings/{meeting.pk}/print/"):
        shown = client.get(url).content.decode()
        assert "60% (95% interval 39–78%), 12 of 20 who answered" in shown, url
        assert "Round 1, Zomin" in shown or "Round 1" in shown
    assert AuditEntry.objects.filter(action="survey.result_on_agenda").count() == 1

    item = MeetingResult.objects.get()
    removed = client.post(
        f"/staff/groups/zomin/meetings/{meeting.pk}/",
        {"action": "agenda_part_remove", "part": f"survey_result:{item.pk}"},
    )
    assert removed.status_code == 302 and MeetingResult.objects.count() == 0


def test_a_small_result_is_not_shown_on_the_agenda(world, as_kind, survey, meeting):
    client = as_kind("facilitator")
    client.post("/staff/surveys/groups/zomin/", {"action": "round_open", "survey": survey.pk})
    survey_round = SurveyRound.objects.get()
    _answered(survey_round, 6, violence=3)
    client.post(
        "/staff/surveys/groups/zomin/",
        {"action": "agenda_add", "meeting": meeting.pk, "result": f"{survey_round.pk}:violence_home:yes"},
    )

    shown = client.get(f"/staff/groups/zomin/meetings/{meeting.pk}/").content.decode()

    assert "Too few answers to show" in shown and "3 of 6" not in shown


def test_a_facilitator_of_another_group_cannot_add_to_this_agenda_nor_take_off(world, as_kind, survey, meeting):
    facilitator = as_kind("facilitator")
    facilitator.post("/staff/surveys/groups/zomin/", {"action": "round_open", "survey": survey.pk})
    survey_round = SurveyRound.objects.get()
    other = as_kind("member of another group")
    data = {"action": "agenda_add", "meeting": meeting.pk, "result": f"{survey_round.pk}:violence_home:yes"}

    assert other.post("/staff/surveys/groups/zomin/", data).status_code == 404
    # Through their own group's page, this group's meeting and round are not theirs to choose.
    assert other.post("/staff/surveys/groups/samarkand/", data).status_code == 400
    assert MeetingResult.objects.count() == 0

    facilitator.post("/staff/surveys/groups/zomin/", data)
    item = MeetingResult.objects.get()
    other.post(
        f"/staff/groups/zomin/meetings/{meeting.pk}/",
        {"action": "agenda_part_remove", "part": f"survey_result:{item.pk}"},
    )
    assert MeetingResult.objects.count() == 1


def test_a_round_of_another_area_cannot_go_on_this_agenda(world, as_kind, survey, meeting, places):
    from ovoz.surveys.services import survey_round_open

    elsewhere = survey_round_open(survey=survey, actor=None, area=places["samarkand"])
    response = as_kind("facilitator").post(
        "/staff/surveys/groups/zomin/",
        {"action": "agenda_add", "meeting": meeting.pk, "result": f"{elsewhere.pk}:violence_home:yes"},
    )

    assert response.status_code == 400 and MeetingResult.objects.count() == 0


def test_a_large_answer_beside_a_small_one_is_not_shown_on_the_agenda_either(world, as_kind, survey, meeting):
    """17 of 20 said "no": shown, it would say that 3 said "yes", which the results table hides."""
    client = as_kind("facilitator")
    client.post("/staff/surveys/groups/zomin/", {"action": "round_open", "survey": survey.pk})
    survey_round = SurveyRound.objects.get()
    _answered(survey_round, 20, violence=3)
    survey_round_close(survey_round=survey_round, actor=None)
    client.post(
        "/staff/surveys/groups/zomin/",
        {"action": "agenda_add", "meeting": meeting.pk, "result": f"{survey_round.pk}:violence_home:no"},
    )

    for kind in ("facilitator", "observer"):
        for url in (f"/staff/groups/zomin/meetings/{meeting.pk}/", f"/staff/groups/zomin/meetings/{meeting.pk}/print/"):
            shown = as_kind(kind).get(url).content.decode()
            assert "another answer to this question was given by fewer than 5 people" in shown, (kind, url)
            assert "17 of 20" not in shown and "85%" not in shown, (kind, url)
