"""Reaching for an object outside one's scope is a 404 like a missing one, and an audit entry that names
the URL and the object, nothing from the request (DESIGN §5)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ovoz.accounts.models import Grant
from ovoz.concerns import services as concern_services
from ovoz.concerns.choices import Channel, Status
from ovoz.core.images import image_clean
from ovoz.core.models import AuditEntry
from ovoz.groups import services
from ovoz.groups.models import Action
from ovoz.testing.media import jpeg_with_gps
from ovoz.testing.scenario import build_scenario
from ovoz.testing.web import client_for

pytestmark = pytest.mark.django_db

CANARY = "canary-7d41f0"


@pytest.fixture
def scene(world):
    """The Zomin group's scenario, plus objects of the Samarkand group and of other Zomin records."""
    s = build_scenario(world)
    administrator = world["users"]["administrator"]
    other_meeting = services.meeting_schedule(
        actor=administrator, group=world["other_group"], starts_at=timezone.now() + timedelta(days=3), place="Hall"
    )
    other_action = Action.objects.create(
        working_group=world["other_group"],
        title="Fix the pump",
        owner=world["khokimiyat"],
        due_on=timezone.localdate() + timedelta(days=9),
    )
    second_action = services.action_create(
        actor=world["users"]["facilitator"],
        group=world["group"],
        title="Light the street",
        concerns=[s["prioritised_concern"]],
        owner=world["police"],
        due_on=timezone.localdate() + timedelta(days=20),
    )
    samarkand_concern = concern_services.concern_submit(
        text="Bread prices doubled", channel=Channel.WEB, area=world["samarkand"]
    ).concern
    concern_services.concern_change_status(actor=administrator, concern=samarkand_concern, status=Status.ACCEPTED)
    with_photo = concern_services.concern_submit(
        text="A bridge is cracked",
        channel=Channel.WEB,
        area=world["samarkand"],
        photos=[image_clean(jpeg_with_gps())],
    ).concern
    return {
        **s,
        "other_meeting": other_meeting,
        "other_action": other_action,
        "second_action": second_action,
        "other_grant": Grant.objects.get(working_group=world["other_group"]),
        "samarkand_concern": samarkand_concern,
        "other_attachment": with_photo.attachments.get(),
    }


def _reaches(s):
    """(method, url, data, URL name, the object out of scope) for each kind of object."""
    zomin = "/staff/groups/zomin"
    return [
        ("get", "/staff/groups/samarkand/", None, "staff:group", s["other_group"]),
        ("get", "/staff/groups/samarkand/meetings/", None, "staff:group_meetings", s["other_group"]),
        ("get", f"{zomin}/meetings/{s['other_meeting'].pk}/", None, "staff:group_meeting", s["other_meeting"]),
        (
            "get",
            f"{zomin}/meetings/{s['other_meeting'].pk}/print/",
            None,
            "staff:group_meeting_print",
            s["other_meeting"],
        ),
        ("get", f"{zomin}/actions/{s['other_action'].pk}/", None, "staff:group_action", s["other_action"]),
        (
            "get",
            f"{zomin}/actions/{s['second_action'].pk}/photos/{s['photo'].pk}/",
            None,
            "staff:group_action_photo",
            s["photo"],
        ),
        (
            "post",
            f"{zomin}/members/",
            {"action": "update", "grant": s["other_grant"].pk, "role": "observer", "institution": ""},
            "staff:group_members",
            s["other_grant"],
        ),
        (
            "post",
            f"{zomin}/actions/",
            {"action": "resolve", "concern": s["samarkand_concern"].pk},
            "staff:group_actions",
            s["samarkand_concern"],
        ),
        ("get", f"/staff/concerns/{s['samarkand_concern'].pk}/", None, "staff:concern", s["samarkand_concern"]),
        (
            "get",
            f"/staff/concerns/{s['public_concern'].pk}/photos/{s['other_attachment'].pk}/",
            None,
            "staff:concern_photo",
            s["other_attachment"],
        ),
    ]


def test_reaching_outside_ones_scope_is_a_404_audited_with_the_url_name_and_object(scene):
    facilitator = scene["users"]["facilitator"]
    client = client_for(scene, "facilitator")
    for method, url, data, url_name, target in _reaches(scene):
        before = set(AuditEntry.objects.values_list("pk", flat=True))
        query = f"?note={CANARY}"
        response = client.get(url + query) if method == "get" else client.post(url + query, data)
        assert response.status_code == 404, (url, response.status_code)
        new = list(AuditEntry.objects.exclude(pk__in=before))
        assert [(entry.action, entry.actor_id) for entry in new] == [("access.denied", facilitator.pk)], url
        entry = new[0]
        assert (entry.object_type, entry.object_id) == (target._meta.label_lower, str(target.pk)), url
        assert entry.data == {"url_name": url_name, "method": method.upper()}, url
        assert CANARY not in str(entry.data)


def test_a_missing_object_is_the_same_404_and_no_entry(scene):
    client = client_for(scene, "facilitator")
    before = AuditEntry.objects.count()
    for url in (
        "/staff/groups/nowhere/",
        "/staff/groups/zomin/meetings/999999/",
        "/staff/groups/zomin/actions/999999/",
        "/staff/concerns/999999/",
        f"/staff/concerns/{scene['public_concern'].pk}/photos/999999/",
    ):
        assert client.get(url).status_code == 404, url
    assert AuditEntry.objects.count() == before
    foreign = client.get(f"/staff/groups/zomin/meetings/{scene['other_meeting'].pk}/")
    missing = client.get("/staff/groups/zomin/meetings/999999/")
    assert foreign.content == missing.content


def test_a_deployment_role_reaches_every_group_but_not_another_groups_records_through_a_wrong_url(scene):
    client = client_for(scene, "administrator")
    assert client.get("/staff/groups/samarkand/").status_code == 200
    response = client.get(f"/staff/groups/zomin/actions/{scene['other_action'].pk}/")
    assert response.status_code == 404
    entry = AuditEntry.objects.filter(action="access.denied").get()
    assert (entry.object_type, entry.object_id) == ("groups.action", str(scene["other_action"].pk))


def test_the_api_answers_an_object_out_of_scope_as_a_missing_one_and_audits_it(rf, scene):
    from django.http import Http404

    from ovoz.api import api, on_out_of_scope
    from ovoz.core.scoping import OutOfScope

    request = rf.get(f"/api/v1/anything?note={CANARY}")
    request.user = scene["users"]["member"]
    refused = on_out_of_scope(request, OutOfScope(scene["other_action"]))
    missing = api.on_exception(request, Http404())
    assert (refused.status_code, refused.content) == (missing.status_code, missing.content) == (404, missing.content)
    entry = AuditEntry.objects.get(action="access.denied")
    assert (entry.actor, entry.object_type, entry.object_id) == (
        scene["users"]["member"],
        "groups.action",
        str(scene["other_action"].pk),
    )
    assert CANARY not in str(entry.data)
