from datetime import timedelta

import pytest
from django.utils import timezone

from ovoz.accounts.models import Grant
from ovoz.concerns import services as concern_services
from ovoz.concerns.choices import Channel, Status, Visibility
from ovoz.groups.choices import MeetingStatus
from ovoz.groups.minutes import markdown_html
from ovoz.groups.models import Action, AgendaItem, AttendanceCount, Meeting
from ovoz.testing.scenario import build_scenario
from ovoz.testing.web import client_for

pytestmark = pytest.mark.django_db


def _local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def concerns(world):
    facilitator = world["users"]["facilitator"]

    def submit(text, visibility=Visibility.PUBLIC, area=None, status=Status.ACCEPTED, public_text="", themes=()):
        concern = concern_services.concern_submit(
            text=text, channel=Channel.WEB, area=area or world["zomin"], visibility=visibility, themes=list(themes)
        ).concern
        if public_text:
            concern_services.concern_publish(actor=facilitator, concern=concern, public_text=public_text)
        if status != Status.RECEIVED:
            concern_services.concern_change_status(actor=facilitator, concern=concern, status=status)
        return concern

    return {
        "published": submit(
            "Canal blocked near Farkhod's house", public_text="A canal is blocked", themes=[world["water"]]
        ),
        "unpublished": submit("Water truck never comes to our street", themes=[world["water"]]),
        "restricted": submit("Police officer takes bribes at the bazaar", visibility=Visibility.RESTRICTED),
        "confidential": submit(
            "My neighbour beats his wife", visibility=Visibility.CONFIDENTIAL, themes=[world["violence"]]
        ),
        "received": submit("Not yet triaged", status=Status.RECEIVED),
        "elsewhere": submit("Samarkand bazaar prices", area=world["samarkand"]),
    }


@pytest.fixture
def meeting(world):
    return Meeting.objects.create(
        working_group=world["group"], starts_at=timezone.now() - timedelta(days=1), place="Mahalla centre"
    )


def test_a_facilitator_schedules_a_meeting_in_a_place_or_online(world):
    facilitator = client_for(world, "facilitator")
    starts = timezone.now() + timedelta(days=7)
    response = facilitator.post(
        "/staff/groups/zomin/meetings/", {"starts_at": _local(starts), "online_link": "meet.example.org/zomin"}
    )
    meeting = Meeting.objects.get()
    assert response["Location"] == f"/staff/groups/zomin/meetings/{meeting.pk}/"
    assert (meeting.status, meeting.place, meeting.online_link) == ("scheduled", "", "https://meet.example.org/zomin")
    assert meeting.starts_at.replace(second=0, microsecond=0) == starts.replace(second=0, microsecond=0)


def test_a_meeting_needs_a_place_or_a_link(world):
    facilitator = client_for(world, "facilitator")
    response = facilitator.post("/staff/groups/zomin/meetings/", {"starts_at": _local(timezone.now())})
    assert response.status_code == 400
    assert "Give a place or an online link." in response.content.decode()
    assert Meeting.objects.count() == 0


def test_the_agenda_is_built_from_accepted_concerns_of_the_group_area_with_search(world, concerns, meeting):
    facilitator = client_for(world, "facilitator")
    url = f"/staff/groups/zomin/meetings/{meeting.pk}/"
    page = facilitator.get(url, {"search": "canal"}).content.decode()
    assert f'name="concerns" value="{concerns["published"].pk}"' in page
    assert f'name="concerns" value="{concerns["unpublished"].pk}"' not in page
    page = facilitator.get(url).content.decode()
    for name in ("published", "unpublished", "restricted", "confidential"):
        assert f'name="concerns" value="{concerns[name].pk}"' in page
    for name in ("received", "elsewhere"):
        assert f'name="concerns" value="{concerns[name].pk}"' not in page

    chosen = [concerns[name].pk for name in ("published", "restricted", "confidential")]
    response = facilitator.post(url, {"action": "agenda_add", "concerns": chosen})

    assert response.status_code == 302
    assert list(AgendaItem.objects.filter(meeting=meeting).values_list("concern_id", flat=True)) == sorted(chosen)


def test_a_concern_that_is_not_accepted_cannot_be_put_on_the_agenda(world, concerns, meeting):
    facilitator = client_for(world, "facilitator")
    url = f"/staff/groups/zomin/meetings/{meeting.pk}/"
    response = facilitator.post(
        url, {"action": "agenda_add", "concerns": [concerns["published"].pk, concerns["received"].pk]}
    )
    assert response.status_code == 400
    assert "Only accepted concerns" in response.content.decode()
    assert AgendaItem.objects.count() == 0


def test_a_concern_of_another_area_is_ignored_like_one_that_does_not_exist(world, concerns, meeting):
    facilitator = client_for(world, "facilitator")
    url = f"/staff/groups/zomin/meetings/{meeting.pk}/"
    alone = facilitator.post(url, {"action": "agenda_add", "concerns": [concerns["elsewhere"].pk]})
    assert alone.status_code == 400
    facilitator.post(url, {"action": "agenda_add", "concerns": [concerns["published"].pk, concerns["elsewhere"].pk]})
    assert list(AgendaItem.objects.values_list("concern_id", flat=True)) == [concerns["published"].pk]


def test_attendance_is_counted_by_gender_and_age_band_and_shown_in_public(world, meeting, client):
    facilitator = client_for(world, "facilitator")
    data: dict[str, object] = {
        "action": "attendance",
        "members_present": [world["users"]["member"].pk, world["users"]["observer"].pk],
    }
    for gender in ("women", "men", "other"):
        for band in ("under_18", "18_29", "30_59", "60_plus"):
            data[f"attendance_{gender}_{band}"] = 0
    data.update(
        {
            "attendance_women_18_29": 3,
            "attendance_women_60_plus": 1,
            "attendance_men_30_59": 2,
            "attendance_other_under_18": 1,
        }
    )
    assert facilitator.post(f"/staff/groups/zomin/meetings/{meeting.pk}/", data).status_code == 302
    assert sum(AttendanceCount.objects.filter(meeting=meeting).values_list("count", flat=True)) == 7
    assert set(meeting.members_present.all()) == {world["users"]["member"], world["users"]["observer"]}

    Meeting.objects.filter(pk=meeting.pk).update(status=MeetingStatus.HELD)
    Grant.objects.filter(user=world["users"]["member"]).update(is_named_publicly=True)
    html = client.get(f"/en/groups/zomin/meetings/{meeting.pk}/").content.decode()
    assert "7 participants" in html
    assert "women 4, men 2, other or not said 1" in html
    assert "under 18 1, 18–29 3, 30–59 2, 60 and over 1" in html
    assert "Rustam Karimov (local authority, Zomin district khokimiyat), 1 other member" in html
    assert "Olim" not in html


def test_negative_attendance_is_refused_and_nothing_is_saved(world, meeting):
    facilitator = client_for(world, "facilitator")
    data: dict[str, object] = {"action": "attendance"}
    for gender in ("women", "men", "other"):
        for band in ("under_18", "18_29", "30_59", "60_plus"):
            data[f"attendance_{gender}_{band}"] = 1
    data["attendance_men_18_29"] = -2
    assert facilitator.post(f"/staff/groups/zomin/meetings/{meeting.pk}/", data).status_code == 400
    assert AttendanceCount.objects.count() == 0


def test_minutes_are_markdown_rendered_and_sanitised_on_the_print_page(world, meeting):
    facilitator = client_for(world, "facilitator")
    minutes = "## Water\n\n**Agreed**: the khokimiyat calls the utility.\n\n<script>alert(1)</script>\n\n[bad](javascript:alert(2)) [ok](https://example.org)"
    response = facilitator.post(
        f"/staff/groups/zomin/meetings/{meeting.pk}/",
        {"action": "minutes", "minutes": minutes, "decisions": "- Clean the canal"},
    )
    assert response.status_code == 302
    html = client_for(world, "member").get(f"/staff/groups/zomin/meetings/{meeting.pk}/print/").content.decode()
    assert "<h2>Water</h2>" in html and "<strong>Agreed</strong>" in html
    assert "<script>alert(1)" not in html and "javascript:" not in html
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow">ok</a>' in html
    assert "<li>Clean the canal</li>" in html


def test_markdown_keeps_no_attributes_that_could_run_code():
    html = markdown_html('<img src=x onerror="alert(1)"><p style="color:red" onclick="x()">hi</p>')
    assert "onerror" not in html and "onclick" not in html and "style" not in html and "<img" not in html
    assert "hi" in html


def test_only_held_meetings_have_a_public_summary(world, meeting, client):
    assert client.get(f"/en/groups/zomin/meetings/{meeting.pk}/").status_code == 404
    Meeting.objects.filter(pk=meeting.pk).update(status=MeetingStatus.HELD)
    assert client.get(f"/en/groups/zomin/meetings/{meeting.pk}/").status_code == 200
    assert client.get(f"/en/groups/samarkand/meetings/{meeting.pk}/").status_code == 404


def test_public_agenda_topics_show_published_public_text_themes_of_public_ones_and_nothing_of_protected_ones(
    world, concerns, meeting, client
):
    for position, name in enumerate(("published", "unpublished", "restricted", "confidential")):
        AgendaItem.objects.create(meeting=meeting, concern=concerns[name], position=position)
    Meeting.objects.filter(pk=meeting.pk).update(status=MeetingStatus.HELD, minutes="Secret minutes: Farkhod spoke")
    pages = [
        client.get(f"/en/groups/zomin/meetings/{meeting.pk}/").content.decode(),
        client.get("/en/groups/zomin/").content.decode(),
        str(client.get("/api/v1/groups/zomin/meetings").json()),
    ]
    for page in pages:
        assert "A canal is blocked" in page
        assert "Water" in page  # the unpublished public concern, by its theme
        # A confidential concern is not even named by its theme: its existence on a district's agenda
        # is told to no one outside.
        assert "Domestic violence" not in page
        for secret in ("Farkhod", "Water truck never comes", "bribes", "beats his wife", "Secret minutes"):
            assert secret not in page


def test_api_lists_held_meetings_with_topics_and_participants(world, concerns, meeting, client):
    AgendaItem.objects.create(meeting=meeting, concern=concerns["published"], position=0)
    AttendanceCount.objects.create(meeting=meeting, gender="women", age_band="30_59", count=5)
    Meeting.objects.create(working_group=world["group"], starts_at=timezone.now() + timedelta(days=3), place="Later")
    Meeting.objects.filter(pk=meeting.pk).update(status=MeetingStatus.HELD, decisions="Clean the canal")
    body = client.get("/api/v1/groups/zomin/meetings").json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item["id"] == meeting.pk and item["date"] == str(timezone.localdate(meeting.starts_at))
    assert item["topics"] == ["A canal is blocked"]
    assert item["participants"]["total"] == 5
    assert {"key": "women", "count": 5} in item["participants"]["by_gender"]
    assert {"key": "30_59", "count": 5} in item["participants"]["by_age_band"]
    assert item["decisions"] == "Clean the canal" and "minutes" not in item


def test_a_meeting_of_another_group_is_not_found_through_this_group(world):
    foreign = Meeting.objects.create(working_group=world["other_group"], starts_at=timezone.now(), place="Samarkand")
    facilitator = client_for(world, "facilitator")
    assert facilitator.get(f"/staff/groups/zomin/meetings/{foreign.pk}/").status_code == 404
    response = facilitator.post(f"/staff/groups/zomin/meetings/{foreign.pk}/", {"action": "minutes", "minutes": "x"})
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.minutes == ""


def test_a_meeting_cannot_be_marked_held_before_its_date(world):
    meeting = Meeting.objects.create(
        working_group=world["group"], starts_at=timezone.now() + timedelta(days=2), place="Hall"
    )
    facilitator = client_for(world, "facilitator")
    response = facilitator.post(
        f"/staff/groups/zomin/meetings/{meeting.pk}/",
        {"action": "update", "starts_at": _local(meeting.starts_at), "place": "Hall", "status": "held"},
    )
    assert response.status_code == 400
    meeting.refresh_from_db()
    assert meeting.status == "scheduled"


def test_the_overview_shows_upcoming_meetings_open_rounds_and_overdue_actions(world):
    s = build_scenario(world)
    upcoming = Meeting.objects.create(
        working_group=world["group"], starts_at=timezone.now() + timedelta(days=2), place="School no. 4"
    )
    Action.objects.filter(pk=s["action"].pk).update(due_on=timezone.localdate() - timedelta(days=1))
    html = client_for(world, "observer").get("/staff/groups/zomin/").content.decode()
    overview = html[html.index('data-testid="overview"') :]
    assert f"/staff/groups/zomin/meetings/{upcoming.pk}/" in overview and "School no. 4" in overview
    assert f"/staff/groups/zomin/meetings/{s['meeting'].pk}/" in overview
    assert "Repair the road</a> · overdue since" in overview
    assert "1 open action" in overview
