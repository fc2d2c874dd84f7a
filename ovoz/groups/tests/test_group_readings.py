"""What the group sees of a concern together (issue 12, point 6): the published, redacted text or
only area, themes, date and status, whoever looks, on every page shown or printed for the group."""

from datetime import datetime, time, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from ovoz.concerns import services as concern_services
from ovoz.concerns.choices import Channel, Status, Visibility
from ovoz.concerns.contacts import Contact
from ovoz.groups import services
from ovoz.groups.choices import MeetingStatus
from ovoz.groups.models import Meeting
from ovoz.testing.web import client_for

pytestmark = pytest.mark.django_db

ORIGINALS = {
    "published": "The canal near school 4 is blocked, call me on +998 90 123-45-67",
    "unpublished": "The water truck never comes to Navoi street 12",
    "restricted": "Officer Karimov takes bribes at the bazaar",
    "confidential": "My neighbour beats his wife every night",
}
PUBLISHED_TEXT = "A canal near a school is blocked"
SECRETS = [*ORIGINALS.values(), "+998 90 123-45-67", "123-45-67", "Karimov takes", "beats his wife"]
NOT_PUBLISHED = "Not published: the group sees only its area, themes, date and status."


@pytest.fixture
def shared(world):
    """Four prioritised concerns of every kind on a meeting's agenda, in an open round and an action."""
    facilitator = world["users"]["facilitator"]
    visibilities = {
        "published": Visibility.PUBLIC,
        "unpublished": Visibility.PUBLIC,
        "restricted": Visibility.RESTRICTED,
        "confidential": Visibility.CONFIDENTIAL,
    }
    concerns = {}
    for name, text in ORIGINALS.items():
        concern = concern_services.concern_submit(
            text=text,
            channel=Channel.WEB,
            area=world["zomin"],
            visibility=visibilities[name],
            themes=[world["violence"] if name == "confidential" else world["water"]],
            contact=Contact(phone="+998901234567"),
        ).concern
        if name == "published":
            concern_services.concern_publish(actor=facilitator, concern=concern, public_text=PUBLISHED_TEXT)
        concern_services.concern_change_status(actor=facilitator, concern=concern, status=Status.ACCEPTED)
        concerns[name] = concern
    meeting = Meeting.objects.create(  # today, later on: in the reminders, and its round can be open
        working_group=world["group"],
        starts_at=timezone.make_aware(datetime.combine(timezone.localdate(), time(23, 59))),
        place="Mahalla centre",
    )
    services.meeting_agenda_add(actor=facilitator, meeting=meeting, concerns=list(concerns.values()))
    services.round_open(actor=facilitator, meeting=meeting)
    for concern in concerns.values():
        concern_services.concern_change_status(actor=facilitator, concern=concern, status=Status.PRIORITISED)
    action = services.action_create(
        actor=facilitator,
        group=world["group"],
        title="Clear the canal",
        concerns=list(concerns.values()),
        owner=world["khokimiyat"],
        responsible=world["users"]["member"],
        due_on=timezone.localdate() + timedelta(days=3),
    )
    return {**world, "concerns": concerns, "meeting": meeting, "action": action}


def _group_pages(shared):
    meeting, action = shared["meeting"], shared["action"]
    return {
        "meeting": f"/staff/groups/zomin/meetings/{meeting.pk}/",
        "print": f"/staff/groups/zomin/meetings/{meeting.pk}/print/",
        "scores": f"/staff/groups/zomin/meetings/{meeting.pk}/scores/",
        "action": f"/staff/groups/zomin/actions/{action.pk}/",
    }


@pytest.mark.parametrize("kind", ["facilitator", "member", "administrator"])
def test_pages_shown_or_printed_for_the_group_carry_only_the_published_text(shared, kind):
    client = client_for(shared, kind)
    for name, url in _group_pages(shared).items():
        response = client.get(url)
        assert response.status_code == 200, (name, kind)
        page = response.content.decode()
        for secret in SECRETS:
            assert secret not in page, (name, kind, secret)
        if name == "scores" and kind == "administrator":
            continue  # administrators do not score: the page lists no concern
        assert PUBLISHED_TEXT in page, (name, kind)
        assert page.count(NOT_PUBLISHED) == 3, (name, kind)  # unpublished, restricted, confidential


def test_the_print_page_shows_an_unpublished_concern_by_area_themes_date_and_status_only(shared):
    page = client_for(shared, "facilitator").get(_group_pages(shared)["print"]).content.decode()
    restricted = shared["concerns"]["restricted"]
    assert (
        f"No. {restricted.pk}</strong> · prioritised · {timezone.localdate():%Y-%m-%d} · Zomin district · Water" in page
    )
    # Nor does the page say which concern is restricted or confidential.
    assert "Restricted" not in page and "Confidential" not in page


def test_the_facilitator_still_reads_the_original_on_the_concern_page(shared):
    restricted = shared["concerns"]["restricted"]
    page = client_for(shared, "facilitator").get(f"/staff/concerns/{restricted.pk}/").content.decode()
    assert ORIGINALS["restricted"] in page


def test_reminder_e_mails_and_the_group_api_carry_no_reporter_words(shared):
    services.digest_send(user=shared["users"]["member"], day=timezone.localdate())
    assert len(mail.outbox) == 1
    texts = [f"{mail.outbox[0].subject}\n{mail.outbox[0].body}"]
    Meeting.objects.filter(pk=shared["meeting"].pk).update(
        status=MeetingStatus.HELD, starts_at=timezone.now() - timedelta(days=1)
    )
    client = client_for(shared, "anonymous")
    for url in ("/api/v1/groups/zomin/meetings", "/api/v1/groups/zomin/actions", "/en/groups/zomin/"):
        texts.append(client.get(url).content.decode())
    for text in texts:
        for secret in SECRETS:
            assert secret not in text, secret
