"""One rule for a meeting's date: what happens at a meeting is recorded from its date on (in the
deployment's time zone), at any hour of that day, and never before."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from ovoz.accounts.choices import DeploymentRole
from ovoz.accounts.tests.factories import UserFactory
from ovoz.concerns import services as concern_services
from ovoz.concerns.choices import Channel, Status
from ovoz.concerns.services import themes_seed
from ovoz.core.models import AuditEntry
from ovoz.groups import services
from ovoz.groups.choices import MeetingStatus, RoundStatus
from ovoz.groups.errors import GroupError
from ovoz.groups.models import AttendanceCount, Meeting, PrioritisationRound, Score, WorkingGroup
from ovoz.operations.demo_groups import demo_groups_load
from ovoz.places.services import areas_seed
from ovoz.testing.web import client_for

pytestmark = pytest.mark.django_db


def _at(day, hour, minute=0):
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@pytest.fixture
def tomorrow_meeting(world):
    meeting = Meeting.objects.create(
        working_group=world["group"], starts_at=_at(timezone.localdate() + timedelta(days=1), 9), place="Mahalla"
    )
    concern = concern_services.concern_submit(text="Canal blocked", channel=Channel.WEB, area=world["zomin"]).concern
    concern_services.concern_change_status(actor=world["users"]["facilitator"], concern=concern, status=Status.ACCEPTED)
    services.meeting_agenda_add(actor=world["users"]["facilitator"], meeting=meeting, concerns=[concern])
    return meeting


@pytest.fixture
def tonight_meeting(world):
    """Today, at the last minute of the day: its date has come, its hour has not."""
    return Meeting.objects.create(
        working_group=world["group"], starts_at=_at(timezone.localdate(), 23, 59), place="Mahalla"
    )


def test_before_its_date_a_meeting_records_no_attendance_minutes_round_or_held_status(world, tomorrow_meeting):
    facilitator = world["users"]["facilitator"]
    audited = AuditEntry.objects.count()
    refused = [
        lambda: services.meeting_record_attendance(actor=facilitator, meeting=tomorrow_meeting, counts={}),
        lambda: services.meeting_record_minutes(
            actor=facilitator, meeting=tomorrow_meeting, minutes="Minutes", decisions="Decided"
        ),
        lambda: services.round_open(actor=facilitator, meeting=tomorrow_meeting),
    ]
    for attempt in refused:
        with pytest.raises(GroupError) as error:
            attempt()
        assert error.value.code == "meeting_not_yet"
    with pytest.raises(GroupError) as error:
        services.meeting_update(
            actor=facilitator,
            meeting=tomorrow_meeting,
            starts_at=tomorrow_meeting.starts_at,
            place="Mahalla",
            online_link="",
            status=MeetingStatus.HELD,
        )
    assert error.value.code == "held_in_future"
    tomorrow_meeting.refresh_from_db()
    assert (tomorrow_meeting.status, tomorrow_meeting.minutes, tomorrow_meeting.decisions) == ("scheduled", "", "")
    assert not PrioritisationRound.objects.exists()
    assert AuditEntry.objects.count() == audited


def test_a_round_of_a_meeting_moved_to_a_later_day_takes_no_scores_closing_or_decision(world, tomorrow_meeting):
    facilitator = world["users"]["facilitator"]
    day = timezone.localdate()
    Meeting.objects.filter(pk=tomorrow_meeting.pk).update(starts_at=_at(day, 9))
    tomorrow_meeting.refresh_from_db()
    round_ = services.round_open(actor=facilitator, meeting=tomorrow_meeting)
    concern_id = tomorrow_meeting.agenda_items.get().concern_id
    criterion = world["group"].criteria.first()
    Meeting.objects.filter(pk=tomorrow_meeting.pk).update(starts_at=_at(day + timedelta(days=1), 9))

    with pytest.raises(GroupError) as error:
        services.scores_submit(user=facilitator, round=round_, scores={(concern_id, criterion.pk): 4})
    assert error.value.code == "meeting_not_yet"
    with pytest.raises(GroupError) as error:
        services.round_close(actor=facilitator, round=round_)
    assert error.value.code == "meeting_not_yet"
    assert not Score.objects.exists()
    round_.refresh_from_db()
    assert round_.status == RoundStatus.OPEN


def test_the_page_of_a_future_meeting_says_when_and_offers_no_recording(world, tomorrow_meeting):
    facilitator = client_for(world, "facilitator")
    url = f"/staff/groups/zomin/meetings/{tomorrow_meeting.pk}/"
    page = facilitator.get(url).content.decode()
    day = tomorrow_meeting.day.isoformat()
    assert 'data-testid="meeting-not-yet"' in page and day in page
    assert 'value="attendance"' not in page and 'value="minutes"' not in page and 'value="round_open"' not in page
    assert '<option value="held"' not in page and '<option value="cancelled"' in page
    assert 'value="agenda_add"' in page or "No accepted concerns match." in page  # the agenda is built before

    response = facilitator.post(url, {"action": "attendance", "members_present": []})
    assert response.status_code == 400
    assert f"This meeting is on {day}" in response.content.decode()
    assert not AttendanceCount.objects.exists()


def test_on_its_day_a_meeting_is_held_and_recorded_before_its_hour(world, tonight_meeting):
    facilitator = client_for(world, "facilitator")
    url = f"/staff/groups/zomin/meetings/{tonight_meeting.pk}/"
    page = facilitator.get(url).content.decode()
    assert 'data-testid="meeting-not-yet"' not in page
    assert 'value="attendance"' in page and '<option value="held"' in page

    response = facilitator.post(url, {"action": "minutes", "minutes": "We met.", "decisions": "Fix the canal."})
    assert response.status_code == 302
    response = facilitator.post(
        url,
        {
            "action": "update",
            "starts_at": timezone.localtime(tonight_meeting.starts_at).strftime("%Y-%m-%dT%H:%M"),
            "place": "Mahalla",
            "status": "held",
        },
    )
    assert response.status_code == 302
    tonight_meeting.refresh_from_db()
    assert (tonight_meeting.status, tonight_meeting.decisions) == ("held", "Fix the canal.")


def test_the_group_overview_lists_a_meeting_of_today_whose_hour_has_passed(world):
    meeting = Meeting.objects.create(
        working_group=world["group"], starts_at=_at(timezone.localdate(), 0, 1), place="Morning meeting room"
    )
    page = client_for(world, "facilitator").get("/staff/groups/zomin/").content.decode()
    assert f"/staff/groups/zomin/meetings/{meeting.pk}/" in page


def test_a_facilitator_runs_the_demo_meeting_of_today_without_changing_its_date():
    areas_seed()
    themes_seed()
    facilitator = UserFactory(username="facilitator", role=DeploymentRole.NONE)
    member = UserFactory(username="member", role=DeploymentRole.NONE)
    demo_groups_load(facilitator=facilitator, member=member)
    group = WorkingGroup.objects.get(slug="zomin-district")
    today = timezone.localdate()
    held, current, upcoming = group.meetings.order_by("starts_at")
    assert held.status == MeetingStatus.HELD and held.day < today
    assert current.status == MeetingStatus.SCHEDULED and current.day == today and current.agenda_items.exists()
    assert upcoming.status == MeetingStatus.SCHEDULED and upcoming.day > today and not upcoming.has_come

    services.meeting_record_attendance(actor=facilitator, meeting=current, counts={("women", "18_29"): 3})
    round_ = services.round_open(actor=facilitator, meeting=current)
    agenda = [item.concern for item in current.agenda_items.select_related("concern")]
    services.scores_submit(
        user=facilitator,
        round=round_,
        scores={(concern.pk, criterion.pk): 3 for concern in agenda for criterion in group.criteria.all()},
    )
    round_ = services.round_close(actor=facilitator, round=round_)
    services.round_decide(actor=facilitator, round=round_, concerns=agenda[:1])
    services.meeting_record_minutes(actor=facilitator, meeting=current, minutes="Met.", decisions="Agreed.")
    services.meeting_update(
        actor=facilitator,
        meeting=current,
        starts_at=current.starts_at,
        place=current.place,
        online_link="",
        status=MeetingStatus.HELD,
    )
    current.refresh_from_db()
    assert current.status == MeetingStatus.HELD and current.day == today
    with pytest.raises(GroupError):
        services.round_open(actor=facilitator, meeting=upcoming)
