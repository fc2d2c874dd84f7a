"""Each act of a facilitator on a concern leaves exactly one audit entry naming who and which concern."""

import pytest

from ovoz.accounts.choices import GrantRole
from ovoz.accounts.tests.factories import UserFactory
from ovoz.concerns import services
from ovoz.concerns.choices import Channel, Visibility
from ovoz.concerns.models import Concern, Theme
from ovoz.core.models import AuditEntry
from ovoz.groups.grants import grant_set
from ovoz.groups.models import WorkingGroup
from ovoz.places.models import Area
from ovoz.testing.web import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def facilitator(seeded, client):
    jizzakh = Area.objects.get(code="UZ-JI")
    group = WorkingGroup.objects.create(name="Jizzakh", slug="jizzakh", area=jizzakh)
    user = UserFactory(username="facilitator")
    grant_set(actor=None, user=user, working_group=group, role=GrantRole.FACILITATOR)
    assert sign_in(client, user)["Location"] == "/staff/"
    return client, user


def submitted(text: str = "Water from the tap is brown in Jizzakh") -> Concern:
    """A web concern as staff find it: its language detected by the task worker after intake."""
    concern = services.concern_submit(
        text=text, channel=Channel.WEB, area=Area.objects.get(code="UZ-JI"), visibility=Visibility.PUBLIC
    ).concern
    services.concern_languages_detect(concern_ids=[concern.pk])
    concern.refresh_from_db()
    return concern


def post_and_new_entries(client, concern: Concern, data: dict[str, object]) -> list[AuditEntry]:
    last = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    response = client.post(f"/staff/concerns/{concern.pk}/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return list(AuditEntry.objects.filter(pk__gt=last).order_by("pk"))


def assert_one_entry(entries: list[AuditEntry], *, action: str, actor, concern: Concern) -> None:
    assert [(entry.action, entry.actor_id, entry.object_type, entry.object_id) for entry in entries] == [
        (action, actor.pk, "concerns.concern", str(concern.pk))
    ]


def test_publishing_writes_one_audit_entry(facilitator):
    client, user = facilitator
    concern = submitted()
    entries = post_and_new_entries(client, concern, {"action": "publish", "public_text": "Brown tap water"})
    assert Concern.objects.get(pk=concern.pk).is_published
    assert_one_entry(entries, action="concern.published", actor=user, concern=concern)


def test_triage_writes_one_audit_entry(facilitator):
    client, user = facilitator
    concern = submitted()
    water = Theme.objects.get(slug="water")
    data = {
        "action": "triage",
        "region": Area.objects.get(code="UZ-JI").pk,
        "themes": [water.pk],
        "visibility": "restricted",
        "language": "en",
    }
    entries = post_and_new_entries(client, concern, data)
    assert Concern.objects.get(pk=concern.pk).visibility == "restricted"
    assert_one_entry(entries, action="concern.triaged", actor=user, concern=concern)
    assert entries[0].data == {"fields": ["themes", "visibility"]}  # the names only, never the values


def test_a_triage_save_without_a_change_writes_nothing_and_says_so(facilitator):
    client, user = facilitator
    concern = submitted()
    water = Theme.objects.get(slug="water")
    data = {
        "action": "triage",
        "region": Area.objects.get(code="UZ-JI").pk,
        "themes": [water.pk],
        "visibility": "restricted",
        "language": "en",
    }
    client.post(f"/staff/concerns/{concern.pk}/", data, follow=True)  # a first save, its message shown
    events = concern.events.count()
    updated_at = Concern.objects.get(pk=concern.pk).updated_at

    entries = post_and_new_entries(client, concern, data)

    assert entries == []
    assert concern.events.count() == events
    assert Concern.objects.get(pk=concern.pk).updated_at == updated_at
    page = client.get(f"/staff/concerns/{concern.pk}/").content.decode()
    assert "Nothing changed." in page and "Saved." not in page


def test_triage_to_confidential_writes_one_audit_entry(facilitator):
    client, user = facilitator
    concern = submitted()
    data = {"action": "triage", "region": Area.objects.get(code="UZ-JI").pk, "visibility": "confidential"}
    entries = post_and_new_entries(client, concern, {**data, "language": "en"})
    assert Concern.objects.get(pk=concern.pk).visibility == "confidential"
    assert_one_entry(entries, action="concern.triaged", actor=user, concern=concern)


def test_a_status_change_writes_one_audit_entry(facilitator):
    client, user = facilitator
    concern = submitted()
    entries = post_and_new_entries(client, concern, {"action": "status", "status": "accepted", "note": ""})
    assert Concern.objects.get(pk=concern.pk).status == "accepted"
    assert_one_entry(entries, action="concern.status_changed", actor=user, concern=concern)
    assert entries[0].data == {"to": "accepted"}


def test_messaging_the_reporter_writes_one_audit_entry(facilitator):
    client, user = facilitator
    concern = submitted()
    entries = post_and_new_entries(
        client, concern, {"action": "message", "kind": "question", "text": "Since when is the water brown?"}
    )
    assert concern.events.filter(kind="question").count() == 1
    assert_one_entry(entries, action="concern.messaged", actor=user, concern=concern)
    assert "brown" not in str(entries[0].data)


def test_merging_a_duplicate_writes_one_audit_entry(facilitator):
    client, user = facilitator
    original, duplicate = submitted(), submitted("The tap water in Jizzakh is brown again")
    entries = post_and_new_entries(client, duplicate, {"action": "duplicate", "original": original.pk})
    assert Concern.objects.get(pk=duplicate.pk).duplicate_of_id == original.pk
    assert_one_entry(entries, action="concern.merged", actor=user, concern=duplicate)
    assert entries[0].data == {"into": original.pk}
