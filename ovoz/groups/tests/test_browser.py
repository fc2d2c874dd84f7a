"""The facilitator's and a member's journeys through a working group, in Debian's Chromium."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ovoz.accounts.tests.factories import PASSWORD, current_code
from ovoz.concerns.models import Concern
from ovoz.groups import services
from ovoz.groups.models import Action, Meeting, PrioritisationRound, Score
from ovoz.testing.scenario import build_scenario

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, base_url, user):
    page.goto(f"{base_url}/staff/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Code from your authenticator app, or a recovery code").fill(current_code(user))
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Welcome").wait_for()


def test_the_facilitator_runs_a_meeting_from_agenda_to_action_without_javascript(
    live_server, page_without_javascript, world
):
    s = build_scenario(world)
    page = page_without_javascript
    base = live_server.url
    _sign_in(page, base, world["users"]["facilitator"])

    # Invite a member.
    page.get_by_role("link", name="Zomin working group").click()
    page.get_by_role("navigation", name="Working group").get_by_role("link", name="Members").click()
    page.get_by_label("E-mail address").fill("aziza@example.org")
    page.get_by_label("Role").last.select_option("civil_society")
    page.get_by_role("button", name="Send the invitation").click()
    assert "Invitation sent to aziza@example.org" in page.content()

    # Schedule yesterday's meeting and build its agenda from the accepted concerns.
    page.get_by_role("navigation", name="Working group").get_by_role("link", name="Meetings").click()
    yesterday = timezone.localtime(timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    page.locator("#id_starts_at").fill(yesterday)
    page.get_by_label("Place").fill("School no. 4")
    page.get_by_role("button", name="Schedule").click()
    meeting = Meeting.objects.get(place="School no. 4")
    page.get_by_label("Number or words").fill("canal")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("checkbox", name=f"No. {s['public_concern'].pk}").check()
    page.get_by_role("button", name="Add to the agenda").click()
    assert list(meeting.agenda.all()) == [s["public_concern"]]

    # Attendance, minutes and decisions.
    page.get_by_label("women, 18–29", exact=True).fill("5")
    page.get_by_label("men, 60 and over", exact=True).fill("2")
    page.get_by_role("checkbox", name="Rustam Karimov").check()
    page.get_by_role("button", name="Save attendance").click()
    page.get_by_label("Minutes", exact=True).fill("## Canal\n\nThe utility will clean it.")
    page.get_by_label("Decisions", exact=True).fill("Clean the canal before spring.")
    page.get_by_role("button", name="Save minutes and decisions").click()

    # A prioritisation round: open, score, close, decide.
    page.get_by_role("button", name="Open a prioritisation round").click()
    page.get_by_role("link", name="Score the concerns").click()
    for label in ("Severity", "People affected", "Urgency", "Feasibility", "Within the group's reach"):
        page.get_by_label(label).select_option("4")
    page.get_by_role("button", name="Save my scores").click()
    assert Score.objects.filter(user=world["users"]["facilitator"]).count() == 5
    page.get_by_role("button", name="Close the round and show the ranking").click()
    assert "4.00" in page.get_by_test_id("ranking").inner_text()
    page.get_by_role("checkbox", name=f"No. {s['public_concern'].pk} (rank 1)").check()
    page.get_by_label("Decision (shown on the public page)").fill("The canal comes first.")
    page.get_by_role("button", name="Record the decision").click()
    assert Concern.objects.get(pk=s["public_concern"].pk).status == "prioritised"
    assert PrioritisationRound.objects.get(meeting=meeting).status == "decided"
    page.get_by_label("Status").last.select_option("held")
    page.locator("form:has(input[value=update]) button").click()
    assert page.get_by_test_id("meeting-status").inner_text() == "held"

    # An action for the prioritised concern, started.
    page.get_by_role("navigation", name="Working group").get_by_role("link", name="Action plan").click()
    page.get_by_label("What will be done").fill("Clean the canal")
    page.get_by_role("checkbox", name=f"No. {s['public_concern'].pk} · Water").check()
    page.get_by_label("Owner institution").select_option(label="Zomin district khokimiyat")
    page.get_by_label("Responsible member").select_option(label="Rustam Karimov")
    page.get_by_label("Due date").fill((timezone.localdate() + timedelta(days=30)).isoformat())
    page.get_by_role("button", name="Add the action").click()
    page.get_by_label("New status").select_option("in_progress")
    page.get_by_role("button", name="Save the status").click()
    assert page.get_by_test_id("action-status").inner_text() == "in progress"
    assert Concern.objects.get(pk=s["public_concern"].pk).status == "in_action"

    # Residents see the meeting and the plan, never the reporter's words.
    page.goto(f"{base}/en/groups/zomin/")
    public = page.content()
    assert "Clean the canal" in public and "The canal comes first." in public and "A canal is blocked" in public
    assert "The canal in Zomin is blocked" not in public and "Police take money" not in public


def test_a_member_scores_on_a_phone_chooses_to_be_named_and_posts_progress(live_server, chromium, world):
    s = build_scenario(world)
    phone = chromium.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    page = phone.new_page()
    base = live_server.url
    _sign_in(page, base, world["users"]["member"])

    page.goto(f"{base}/staff/groups/zomin/")
    page.get_by_label("Show my name, role and institution on the group's public pages").check()
    page.get_by_role("button", name="Save").click()

    page.goto(f"{base}/staff/groups/zomin/meetings/{s['meeting'].pk}/")
    page.get_by_role("link", name="Score the concerns").click()
    for fieldset, value in ((0, "5"), (1, "2")):
        group = page.locator("form.scores fieldset").nth(fieldset)
        for select in group.locator("select").all():
            select.select_option(value)
    page.get_by_role("button", name="Save my scores").click()
    assert "Your scores are saved" in page.content()
    assert Score.objects.filter(user=world["users"]["member"], value=5).count() == 5
    assert Score.objects.filter(user=world["users"]["member"], value=2).count() == 5

    # The member is responsible for the scenario's action and reports progress.
    page.goto(f"{base}/staff/groups/zomin/actions/{s['action'].pk}/")
    page.get_by_label("What happened").fill("The road crew came on Monday.")
    page.get_by_label("Progress (%)").fill("60")
    page.get_by_role("button", name="Post the update").click()
    assert Action.objects.get(pk=s["action"].pk).progress == 60

    services.meeting_update(
        actor=world["users"]["facilitator"],
        meeting=s["meeting"],
        starts_at=s["meeting"].starts_at,
        place=s["meeting"].place,
        online_link="",
        status="held",
    )
    page.goto(f"{base}/en/groups/zomin/")
    public = page.content()
    assert "Rustam Karimov · local authority · Zomin district khokimiyat" in public
    assert "The road crew came on Monday." in public and "60 %" in public
    assert "Dilnoza" not in public
    phone.close()
