"""Every change of a staff user's role is an audit entry: deployment roles, and working-group grants given,
changed or taken away, from the groups' member pages and from the admin alike."""

import re
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client

from ovoz.accounts.choices import GrantRole
from ovoz.accounts.models import Grant, User
from ovoz.core.models import AuditEntry
from ovoz.groups.models import Institution, WorkingGroup
from ovoz.groups.tests.factories import InstitutionFactory, MemberFactory
from ovoz.testing.web import client_for

pytestmark = pytest.mark.django_db

PASSWORD = "a long passphrase for the new member"


def _only_new(before, action):
    entries = list(AuditEntry.objects.filter(action=action).exclude(pk__in=before))
    assert len(entries) == 1, [(entry.action, entry.data) for entry in entries]
    return entries[0]


def _ids():
    return set(AuditEntry.objects.values_list("pk", flat=True))


def test_a_facilitator_changing_a_members_role_is_audited(world):
    grant = Grant.objects.get(user=world["users"]["observer"])
    before = _ids()
    response = client_for(world, "facilitator").post(
        "/staff/groups/zomin/members/", {"action": "update", "grant": grant.pk, "role": "community", "institution": ""}
    )
    assert response.status_code == 302
    entry = _only_new(before, "role.changed")
    assert (entry.actor, entry.object_type, entry.object_id) == (
        world["users"]["facilitator"],
        "accounts.user",
        str(grant.user_id),
    )
    assert entry.data == {"working_group": world["group"].pk, "from": "observer", "to": "community"}


def test_a_facilitator_removing_a_member_is_audited(world):
    grant = Grant.objects.get(user=world["users"]["observer"])
    before = _ids()
    client_for(world, "facilitator").post("/staff/groups/zomin/members/", {"action": "remove", "grant": grant.pk})
    assert not Grant.objects.filter(pk=grant.pk).exists()
    entry = _only_new(before, "grant.removed")
    assert (entry.actor, entry.object_id, entry.data) == (
        world["users"]["facilitator"],
        str(grant.user_id),
        {"working_group": world["group"].pk},
    )


def test_accepting_an_invitation_is_audited_as_a_grant(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(world, "facilitator").post(
            "/staff/groups/zomin/members/", {"action": "invite", "email": "aziza@example.org", "role": "authority"}
        )
    link = re.search(r"(/staff/invitation/[\w-]+/)", mail.outbox[-1].body).group(1)
    before = _ids()
    Client().post(link, {"username": "aziza", "password": PASSWORD, "password_again": PASSWORD})
    user = User.objects.get(username="aziza")
    entry = _only_new(before, "grant.added")
    assert (entry.actor, entry.object_id, entry.data) == (
        user,
        str(user.pk),
        {"working_group": world["group"].pk, "role": "authority"},
    )


def test_an_administrator_changing_a_grants_role_in_the_admin_is_audited(world):
    grant = Grant.objects.get(user=world["users"]["member"])
    before = _ids()
    response = client_for(world, "administrator").post(
        f"/staff/admin/accounts/grant/{grant.pk}/change/", {"role": "observer", "institution": grant.institution_id}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = _only_new(before, "role.changed")
    assert (entry.actor, entry.data) == (
        world["users"]["administrator"],
        {"working_group": world["group"].pk, "from": "authority", "to": "observer"},
    )


def test_the_user_page_of_the_admin_shows_grants_without_a_way_around_the_audit(world):
    user = world["users"]["member"]
    grant = Grant.objects.get(user=user)
    page = client_for(world, "administrator").get(f"/staff/admin/accounts/user/{user.pk}/change/").content.decode()
    assert "Zomin working group" in page
    # No grant field is a form input there: role, institution and naming change only through the services.
    for field in ("role", "institution", "is_named_publicly", "working_group"):
        assert f'name="grants-0-{field}"' not in page, field
    assert grant.role == "authority"


def test_deleting_a_working_group_in_the_admin_audits_each_members_role_as_removed(world):
    group = world["other_group"]
    members = [grant.user for grant in Grant.objects.filter(working_group=group)]
    members.append(MemberFactory(working_group=group, role=GrantRole.COMMUNITY).user)
    before = _ids()
    response = client_for(world, "administrator").post(
        f"/staff/admin/groups/workinggroup/{group.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    removed = AuditEntry.objects.filter(action="grant.removed").exclude(pk__in=before)
    assert sorted(int(entry.object_id) for entry in removed) == sorted(user.pk for user in members)
    assert {entry.data["working_group"] for entry in removed} == {group.pk}


def test_a_deployment_role_given_at_creation_is_audited(monkeypatch):
    monkeypatch.setattr("sys.stdin", StringIO(PASSWORD + "\n"))
    call_command("create_staff", "nodira", "--role", "coordinator", "--password-stdin", stdout=StringIO())
    user = User.objects.get(username="nodira")
    entry = AuditEntry.objects.get(action="role.changed", object_id=str(user.pk))
    assert (entry.actor, entry.data) == (None, {"from": "", "to": "coordinator"})


def _all_new(before):
    return [
        (entry.action, entry.actor, entry.object_type, entry.object_id, entry.data)
        for entry in AuditEntry.objects.exclude(pk__in=before).order_by("pk")
    ]


def test_changing_a_grants_role_and_institution_in_the_admin_writes_exactly_one_entry(world):
    grant = Grant.objects.get(user=world["users"]["member"])
    admin = client_for(world, "administrator")
    before = _ids()
    response = admin.post(
        f"/staff/admin/accounts/grant/{grant.pk}/change/", {"role": "observer", "institution": world["police"].pk}
    )
    assert response.status_code == 302
    grant.refresh_from_db()
    assert (grant.role, grant.institution) == ("observer", world["police"])
    assert _all_new(before) == [
        (
            "role.changed",
            world["users"]["administrator"],
            "accounts.user",
            str(grant.user_id),
            {
                "working_group": world["group"].pk,
                "from": "authority",
                "to": "observer",
                "institution": world["police"].pk,
            },
        )
    ]


def test_changing_only_a_grants_institution_in_the_admin_writes_exactly_one_entry(world):
    grant = Grant.objects.get(user=world["users"]["member"])
    admin = client_for(world, "administrator")
    before = _ids()
    admin.post(
        f"/staff/admin/accounts/grant/{grant.pk}/change/", {"role": "authority", "institution": world["police"].pk}
    )
    assert _all_new(before) == [
        (
            "member.updated",
            world["users"]["administrator"],
            "accounts.user",
            str(grant.user_id),
            {"working_group": world["group"].pk, "institution": world["police"].pk},
        )
    ]


def test_adding_a_grant_in_the_admin_writes_exactly_one_entry(world):
    newcomer = MemberFactory(working_group=world["other_group"], role=GrantRole.COMMUNITY).user
    admin = client_for(world, "administrator")
    before = _ids()
    response = admin.post(
        "/staff/admin/accounts/grant/add/",
        {
            "user": newcomer.pk,
            "working_group": world["group"].pk,
            "role": "civil_society",
            "institution": world["khokimiyat"].pk,
        },
    )
    assert response.status_code == 302
    assert Grant.objects.filter(user=newcomer, working_group=world["group"], role="civil_society").exists()
    assert _all_new(before) == [
        (
            "grant.added",
            world["users"]["administrator"],
            "accounts.user",
            str(newcomer.pk),
            {"working_group": world["group"].pk, "role": "civil_society", "institution": world["khokimiyat"].pk},
        )
    ]


def test_the_grant_admin_refuses_an_institution_of_another_area_and_stores_nothing(world):
    elsewhere = InstitutionFactory(name="Samarkand police", area=world["samarkand"])
    grant = Grant.objects.get(user=world["users"]["member"])
    admin = client_for(world, "administrator")
    before = _ids()
    response = admin.post(
        f"/staff/admin/accounts/grant/{grant.pk}/change/", {"role": "authority", "institution": elsewhere.pk}
    )
    assert response.status_code == 200
    grant.refresh_from_db()
    assert grant.institution == world["khokimiyat"]
    assert _all_new(before) == []


def test_creating_and_changing_a_working_group_in_the_admin_write_one_entry_each(world):
    admin = client_for(world, "administrator")
    administrator = world["users"]["administrator"]
    data = {"name": "Forish group", "slug": "forish", "area": world["zomin"].pk, "description": "", "is_active": "on"}
    before = _ids()
    assert admin.post("/staff/admin/groups/workinggroup/add/", data).status_code == 302
    group = WorkingGroup.objects.get(slug="forish")
    assert _all_new(before) == [
        (
            "working_group.created",
            administrator,
            "groups.workinggroup",
            str(group.pk),
            {"fields": ["area", "name", "slug"]},
        )
    ]
    before = _ids()
    changed = {**data, "name": "Forish district group", "is_active": ""}
    assert admin.post(f"/staff/admin/groups/workinggroup/{group.pk}/change/", changed).status_code == 302
    assert _all_new(before) == [
        (
            "working_group.updated",
            administrator,
            "groups.workinggroup",
            str(group.pk),
            {"fields": ["is_active", "name"]},
        )
    ]


def test_creating_and_changing_an_institution_in_the_admin_write_one_entry_each(world):
    admin = client_for(world, "administrator")
    administrator = world["users"]["administrator"]
    before = _ids()
    data = {"name": "Zomin water utility", "area": world["zomin"].pk, "is_active": "on"}
    assert admin.post("/staff/admin/groups/institution/add/", data).status_code == 302
    institution = Institution.objects.get(name="Zomin water utility")
    assert _all_new(before) == [("institution.created", administrator, "groups.institution", str(institution.pk), {})]
    before = _ids()
    response = admin.post(f"/staff/admin/groups/institution/{institution.pk}/change/", {**data, "is_active": ""})
    assert response.status_code == 302
    assert _all_new(before) == [
        ("institution.updated", administrator, "groups.institution", str(institution.pk), {"fields": ["is_active"]})
    ]
    assert admin.post(f"/staff/admin/groups/institution/{institution.pk}/delete/", {"post": "yes"}).status_code == 403


def test_deleting_a_working_group_in_the_admin_audits_the_group_itself_once(world):
    group = world["other_group"]
    admin = client_for(world, "administrator")
    before = _ids()
    admin.post(f"/staff/admin/groups/workinggroup/{group.pk}/delete/", {"post": "yes"})
    deleted = [entry for entry in _all_new(before) if entry[0] == "working_group.deleted"]
    assert deleted == [
        (
            "working_group.deleted",
            world["users"]["administrator"],
            "groups.workinggroup",
            str(group.pk),
            {"slug": "samarkand"},
        )
    ]
