import re
from datetime import datetime

import pytest
from django.test import Client
from django.utils import timezone

from ovoz.accounts.choices import DeploymentRole, GrantRole
from ovoz.accounts.tests.factories import UserFactory
from ovoz.channels.choices import OutboundState
from ovoz.channels.models import OutboundMessage
from ovoz.concerns import services
from ovoz.concerns.choices import Channel, Status, Visibility
from ovoz.concerns.models import Concern, ConcernEvent, ConcernRollup, Theme
from ovoz.core.models import AuditEntry
from ovoz.groups.grants import grant_set
from ovoz.groups.models import WorkingGroup
from ovoz.places.models import Area
from ovoz.testing.web import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(seeded):
    jizzakh, samarkand = Area.objects.get(code="UZ-JI"), Area.objects.get(code="UZ-SA")
    zomin = Area.objects.create(parent=jizzakh, kind="district", name="Zomin district", names={"en": "Zomin district"})
    group = WorkingGroup.objects.create(name="Jizzakh", slug="jizzakh", area=jizzakh)
    other_group = WorkingGroup.objects.create(name="Samarkand", slug="samarkand", area=samarkand)
    in_zomin = services.concern_submit(
        text="Mudflow in Zomin, call +998 90 123 45 67", channel=Channel.WEB, area=zomin
    ).concern
    in_samarkand = services.concern_submit(
        text="Bazaar prices in Samarkand", channel=Channel.WEB, area=samarkand
    ).concern
    confidential = services.concern_submit(
        text="My husband hits me", channel=Channel.WEB, area=jizzakh, visibility=Visibility.CONFIDENTIAL
    ).concern
    return {
        "group": group,
        "other_group": other_group,
        "in_zomin": in_zomin,
        "in_samarkand": in_samarkand,
        "confidential": confidential,
        "zomin": zomin,
    }


def staff_client(kind, world):
    client = Client()
    if kind == "anonymous":
        return client, None
    roles = {"administrator": DeploymentRole.ADMINISTRATOR, "coordinator": DeploymentRole.COORDINATOR}
    user = UserFactory(username=kind.replace(" ", "-"), role=roles.get(kind, DeploymentRole.NONE))
    if kind in ("facilitator", "member"):
        role = GrantRole.FACILITATOR if kind == "facilitator" else GrantRole.COMMUNITY
        grant_set(actor=None, user=user, working_group=world["group"], role=role)
    if kind == "member of another group":
        grant_set(actor=None, user=user, working_group=world["other_group"], role=GrantRole.COMMUNITY)
    assert sign_in(client, user)["Location"] == "/staff/"
    return client, user


# Which of the three concerns each kind of user reaches (200) and which are 404 to them.
MATRIX = {
    "anonymous": {"in_zomin": 302, "in_samarkand": 302, "confidential": 302},
    "member of another group": {"in_zomin": 404, "in_samarkand": 200, "confidential": 404},
    "member": {"in_zomin": 200, "in_samarkand": 404, "confidential": 200},  # reached, but see below
    "facilitator": {"in_zomin": 200, "in_samarkand": 404, "confidential": 200},
    "coordinator": {"in_zomin": 200, "in_samarkand": 200, "confidential": 200},
    "administrator": {"in_zomin": 200, "in_samarkand": 200, "confidential": 200},
}


@pytest.mark.parametrize("kind", list(MATRIX))
def test_staff_reach_only_the_concerns_of_their_areas(world, kind):
    client, _user = staff_client(kind, world)
    for name, status in MATRIX[kind].items():
        assert client.get(f"/staff/concerns/{world[name].pk}/").status_code == status, name
        # Acting on a foreign concern is refused the same way and changes nothing.
        before = ConcernEvent.objects.count()
        response = client.post(f"/staff/concerns/{world[name].pk}/", {"action": "status", "status": "accepted"})
        if status == 404:
            assert response.status_code == 404
            assert ConcernEvent.objects.count() == before


def test_the_inbox_lists_only_the_users_areas_with_counts(world):
    client, _user = staff_client("facilitator", world)
    html = client.get("/staff/concerns/").content.decode()
    assert "Mudflow in Zomin" in html and "Bazaar prices" not in html
    assert "received</a>: <strong>2</strong>" in html


def test_confidential_text_is_shown_neither_to_facilitators_nor_to_administrators_without_a_key(world):
    """Recipients with keys read it: ovoz/referrals/tests/test_confidential.py."""
    facilitator, _ = staff_client("facilitator", world)
    administrator, admin_user = staff_client("administrator", world)
    url = f"/staff/concerns/{world['confidential'].pk}/"
    assert "My husband hits me" not in facilitator.get(url).content.decode()
    assert "My husband hits me" not in facilitator.get("/staff/concerns/").content.decode()
    page = administrator.get(url).content.decode()
    assert "My husband hits me" not in page and "This concern is confidential." in page
    assert not AuditEntry.objects.filter(action="concern.read_confidential").exists()


def test_the_public_text_starts_redacted_and_publishing_shows_it(world, client):
    staff, _user = staff_client("facilitator", world)
    url = f"/staff/concerns/{world['in_zomin'].pk}/"
    html = staff.get(url).content.decode()
    assert "Mudflow in Zomin, call ███" in html
    staff.post(url, {"action": "publish", "public_text": "Mudflow in Zomin blocked the road"})
    assert "Mudflow in Zomin blocked the road" in client.get("/en/concerns/").content.decode()
    assert "+998" not in client.get("/en/concerns/").content.decode()


def test_triage_sets_area_themes_visibility_and_moves_the_counts(world):
    staff, _user = staff_client("coordinator", world)
    concern = world["in_samarkand"]
    prices = Theme.objects.get(slug="prices")
    response = staff.post(
        f"/staff/concerns/{concern.pk}/",
        {
            "action": "triage",
            "region": Area.objects.get(code="UZ-JI").pk,
            "district": world["zomin"].pk,
            "themes": [prices.pk],
            "visibility": "restricted",
            "language": "en",
        },
    )
    assert response.status_code == 302
    concern.refresh_from_db()
    assert concern.area == world["zomin"] and concern.visibility == "restricted"
    assert list(concern.themes.all()) == [prices]
    services.rollups_drain()
    assert (
        ConcernRollup.objects.get(area_key=world["zomin"].pk, theme_key=prices.pk, visibility="restricted").count == 1
    )
    # Taken out of its first area (its intake and its move cancel out in one drain: no row at all).
    assert not ConcernRollup.objects.filter(
        area_key=Area.objects.get(code="UZ-SA").pk, theme_key=0, count__gt=0
    ).exists()


def test_status_change_with_a_note_reaches_the_reporter_by_email(
    world, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    submitted = services.concern_submit(
        text="Воды нет",
        channel=Channel.WEB,
        area=world["zomin"],
        language="ru",
        contact=services_contact("me@example.org"),
    )
    staff, _user = staff_client("facilitator", world)
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(
            f"/staff/concerns/{submitted.concern.pk}/",
            {"action": "status", "status": "accepted", "note": "Обсудим на встрече"},
        )
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["me@example.org"]
    assert "Обсудим на встрече" in message.body
    assert submitted.receipt not in message.body


def services_contact(email):
    from ovoz.concerns.contacts import contact_parse

    return contact_parse(email=email)


def test_closing_needs_a_reason(world):
    staff, _user = staff_client("facilitator", world)
    response = staff.post(f"/staff/concerns/{world['in_zomin'].pk}/", {"action": "status", "status": "closed"})
    assert response.status_code == 400
    assert Concern.objects.get(pk=world["in_zomin"].pk).status == "received"


def test_a_question_appears_on_the_follow_page(world, client):
    submitted = services.concern_submit(text="Road broken", channel=Channel.WEB, area=world["zomin"])
    staff, _user = staff_client("facilitator", world)
    staff.post(
        f"/staff/concerns/{submitted.concern.pk}/", {"action": "message", "kind": "question", "text": "Which road?"}
    )
    assert "Which road?" in client.post("/en/follow/", {"receipt": submitted.receipt}, follow=True).content.decode()


def test_bulk_status_change_touches_only_concerns_the_user_may_see(world):
    staff, _user = staff_client("facilitator", world)
    ids = [world["in_zomin"].pk, world["in_samarkand"].pk]
    staff.post("/staff/concerns/status/", {"concerns": ids, "status": "accepted"})
    assert Concern.objects.get(pk=world["in_zomin"].pk).status == "accepted"
    assert Concern.objects.get(pk=world["in_samarkand"].pk).status == "received"


def test_marking_a_duplicate_from_the_detail_page(world):
    staff, _user = staff_client("coordinator", world)
    staff.post(
        f"/staff/concerns/{world['in_samarkand'].pk}/", {"action": "duplicate", "original": world["in_zomin"].pk}
    )
    duplicate = Concern.objects.get(pk=world["in_samarkand"].pk)
    assert (duplicate.status, duplicate.close_reason, duplicate.duplicate_of_id) == (
        "closed",
        "duplicate",
        world["in_zomin"].pk,
    )


def test_the_contact_is_shown_masked(world):
    from ovoz.concerns.contacts import contact_parse

    submitted = services.concern_submit(
        text="Gas", channel=Channel.WEB, area=world["zomin"], contact=contact_parse(phone="+998 90 123 45 67")
    )
    staff, _user = staff_client("facilitator", world)
    html = staff.get(f"/staff/concerns/{submitted.concern.pk}/").content.decode()
    assert "+998 90 *** ** 67" in html
    assert "123 45" not in html and "1234567" not in html  # not the digits alone: an id may hold "123"


def test_photos_are_served_to_staff_of_the_area_only(world, client):
    from ovoz.core.images import image_clean
    from ovoz.testing.media import jpeg_with_gps

    concern = services.concern_submit(
        text="Collapsed wall", channel=Channel.WEB, area=world["zomin"], photos=[image_clean(jpeg_with_gps())]
    ).concern
    attachment = concern.attachments.get()
    url = f"/staff/concerns/{concern.pk}/photos/{attachment.pk}/"
    staff, _user = staff_client("facilitator", world)
    response = staff.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response.content.startswith(b"\xff\xd8")
    other, _ = staff_client("member of another group", world)
    assert other.get(url).status_code == 404
    assert client.get(url).status_code == 302
    assert client.get(attachment.file.url).status_code == 404  # media is never public


def test_members_see_metadata_but_not_the_reporters_words_and_cannot_act(world):
    member, _user = staff_client("member", world)
    concern = world["in_zomin"]
    html = member.get(f"/staff/concerns/{concern.pk}/").content.decode()
    assert "Mudflow in Zomin" not in html and "+998" not in html
    assert "Mudflow in Zomin" not in member.get("/staff/concerns/").content.decode()
    before = ConcernEvent.objects.count()
    for action in (
        {"action": "status", "status": "accepted"},
        {"action": "publish", "public_text": "x"},
        {"action": "message", "kind": "question", "text": "?"},
    ):
        assert member.post(f"/staff/concerns/{concern.pk}/", action).status_code == 403
    member.post(
        "/staff/concerns/status/", {"concerns": [concern.pk], "status": "closed", "close_reason": "out_of_scope"}
    )
    assert ConcernEvent.objects.count() == before
    assert Concern.objects.get(pk=concern.pk).status == "received"
    assert AuditEntry.objects.filter(action="access.denied", object_id=str(concern.pk)).count() == 3


def test_members_see_the_day_a_concern_came_not_the_minute_nor_the_replies_sent_to_its_reporter(world, sms_channel):
    """The minute an SMS came in (or a reply went out) can point at who sent it: days only, for those who
    may not read the reporter's words."""
    concern = world["in_zomin"]
    Concern.objects.filter(pk=concern.pk).update(
        created_at=datetime(2026, 11, 30, 23, 47, tzinfo=timezone.get_current_timezone())
    )
    facilitator, facilitator_user = staff_client("facilitator", world)
    services.concern_change_status(actor=facilitator_user, concern=concern, status=Status.ACCEPTED)
    OutboundMessage.objects.create(channel=sms_channel, concern=concern, state=OutboundState.SENT)
    member, _user = staff_client("member", world)

    member_html = member.get(f"/staff/concerns/{concern.pk}/").content.decode()
    facilitator_html = facilitator.get(f"/staff/concerns/{concern.pk}/").content.decode()

    assert "2026-11-30" in member_html and "23:47" not in member_html
    assert not re.search(r"<time>\d{4}-\d\d-\d\d \d\d:\d\d</time>", member_html)
    assert "Messages sent to the reporter" not in member_html
    assert "2026-11-30 23:47" in facilitator_html and "Messages sent to the reporter" in facilitator_html


def test_reaching_a_foreign_concern_is_audited(world):
    other, user = staff_client("member of another group", world)
    assert other.get(f"/staff/concerns/{world['in_zomin'].pk}/").status_code == 404
    assert AuditEntry.objects.filter(action="access.denied", actor=user).exists()


def test_staff_cannot_loosen_the_visibility_the_reporter_chose(world, client):
    staff, _user = staff_client("administrator", world)
    concern = services.concern_submit(
        text="Water is cut off", channel=Channel.WEB, area=world["zomin"], visibility=Visibility.RESTRICTED
    ).concern
    response = staff.post(
        f"/staff/concerns/{concern.pk}/", {"action": "triage", "visibility": "public", "language": "en"}
    )
    assert response.status_code == 400
    assert Concern.objects.get(pk=concern.pk).visibility == "restricted"
    stricter = staff.post(
        f"/staff/concerns/{world['in_zomin'].pk}/",
        {
            "action": "triage",
            "region": world["zomin"].parent_id,
            "district": world["zomin"].pk,
            "visibility": "restricted",
            "language": "en",
        },
    )
    assert stricter.status_code == 302
    assert Concern.objects.get(pk=world["in_zomin"].pk).visibility == "restricted"


def test_a_facilitator_cannot_read_or_act_on_a_confidential_concern(world):
    staff, _user = staff_client("facilitator", world)
    concern = world["confidential"]
    html = staff.get(f"/staff/concerns/{concern.pk}/").content.decode()
    assert "My husband hits me" not in html and "Triage" not in html
    assert (
        staff.post(f"/staff/concerns/{concern.pk}/", {"action": "triage", "visibility": "confidential"}).status_code
        == 403
    )


def test_a_withdrawn_concern_cannot_be_published(world):
    services.concern_withdraw(concern=world["in_zomin"])
    staff, _user = staff_client("coordinator", world)
    staff.post(f"/staff/concerns/{world['in_zomin'].pk}/", {"action": "publish", "public_text": "Mudflow"})
    assert Concern.objects.get(pk=world["in_zomin"].pk).is_published is False


def test_concerns_of_different_visibility_cannot_be_joined(world):
    staff, _user = staff_client("administrator", world)
    staff.post(
        f"/staff/concerns/{world['in_zomin'].pk}/", {"action": "duplicate", "original": world["confidential"].pk}
    )
    assert Concern.objects.get(pk=world["in_zomin"].pk).duplicate_of_id is None


def test_a_duplicate_outside_the_users_areas_cannot_be_the_original(world):
    staff, _user = staff_client("facilitator", world)
    response = staff.post(
        f"/staff/concerns/{world['in_zomin'].pk}/", {"action": "duplicate", "original": world["in_samarkand"].pk}
    )
    assert response.status_code == 404
    assert Concern.objects.get(pk=world["in_zomin"].pk).duplicate_of_id is None


@pytest.mark.parametrize("search", ["²", "9" * 40, "-1"])
def test_odd_numbers_in_filters_are_ignored_not_crashed_on(world, search):
    staff, _user = staff_client("coordinator", world)
    assert staff.get(f"/staff/concerns/?search={search}&region={search}").status_code == 200
    assert staff.post("/staff/concerns/status/", {"concerns": [search], "status": "accepted"}).status_code == 302
