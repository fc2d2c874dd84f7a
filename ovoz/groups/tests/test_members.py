import importlib
import re
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.core import mail
from django.test import Client
from django.utils import timezone

from ovoz.accounts.choices import GrantRole
from ovoz.accounts.models import Grant, User
from ovoz.concerns import services as concern_services
from ovoz.concerns.choices import Channel, Status, Visibility
from ovoz.concerns.contacts import Contact
from ovoz.core.models import AuditEntry
from ovoz.groups.models import Institution, Invitation
from ovoz.places.models import Area
from ovoz.testing.web import client_for

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a long passphrase for the new member"


@pytest.fixture
def invite(world, django_capture_on_commit_callbacks):
    def invite(email="aziza@example.org", role="civil_society", institution=None):
        facilitator = client_for(world, "facilitator")
        data = {"action": "invite", "email": email, "role": role, "institution": institution.pk if institution else ""}
        with django_capture_on_commit_callbacks(execute=True):
            response = facilitator.post("/staff/groups/zomin/members/", data)
        assert response.status_code == 302, response.content.decode()[:2000]
        return re.search(r"(/staff/invitation/[\w-]+/)", mail.outbox[-1].body).group(1)

    return invite


def test_an_invitee_chooses_a_username_and_password_then_enrols_a_second_factor_at_first_sign_in(world, invite):
    link = invite(institution=world["police"])
    assert mail.outbox[-1].to == ["aziza@example.org"]
    invitee = Client()
    assert "Zomin working group" in invitee.get(link).content.decode()

    response = invitee.post(
        link,
        {
            "username": "aziza",
            "first_name": "Aziza",
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
            "is_named_publicly": "on",
        },
    )

    assert response.status_code == 302 and response["Location"] == "/staff/login/"
    grant = Grant.objects.get(user__username="aziza")
    assert (grant.working_group, grant.role, grant.institution) == (world["group"], "civil_society", world["police"])
    assert grant.is_named_publicly and grant.user.email == "aziza@example.org"
    # The usual staff sign-in follows: password, then the second factor is enrolled.
    login = invitee.post("/staff/login/", {"username": "aziza", "password": NEW_PASSWORD})
    assert login["Location"] == "/staff/login/enrol/"
    assert AuditEntry.objects.filter(action="member.invitation_accepted", actor=grant.user).count() == 1


def test_an_invitation_link_works_once(world, invite):
    link = invite()
    data = {"username": "aziza", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    assert Client().post(link, data).status_code == 302
    again = Client().post(link, {**data, "username": "aziza2"})
    assert again.status_code == 404
    assert not User.objects.filter(username="aziza2").exists()


def test_an_expired_invitation_link_is_refused(world, invite):
    link = invite()
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = Client().post(link, {"username": "late", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert response.status_code == 404
    assert not User.objects.filter(username="late").exists()


def test_the_invitation_token_is_stored_only_as_a_keyed_hash(world, invite):
    link = invite()
    token = link.rstrip("/").rsplit("/", 1)[1]
    invitation = Invitation.objects.get()
    assert token not in invitation.token_hash and len(invitation.token_hash) == 64
    assert not Invitation.objects.filter(token_hash=token).exists()


def test_a_weak_password_or_a_taken_username_creates_nothing(world, invite):
    link = invite()
    weak = Client().post(link, {"username": "aziza", "password": "123", "password_again": "123"})
    taken = Client().post(link, {"username": "rustam", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert weak.status_code == taken.status_code == 400
    assert "This username is taken" in taken.content.decode()
    assert not User.objects.filter(username="aziza").exists()
    assert Invitation.objects.get().accepted_at is None


def test_a_member_cannot_invite_and_nothing_changes(world):
    member = client_for(world, "member")
    response = member.post(
        "/staff/groups/zomin/members/", {"action": "invite", "email": "x@example.org", "role": "community"}
    )
    assert response.status_code == 403
    assert Invitation.objects.count() == 0 and len(mail.outbox) == 0
    assert AuditEntry.objects.filter(action="access.denied", actor=world["users"]["member"]).exists()


def test_an_institution_of_another_area_cannot_be_given_to_a_member(world):
    elsewhere = Institution.objects.create(name="Samarkand water utility", area=world["samarkand"])
    facilitator = client_for(world, "facilitator")
    grant = Grant.objects.get(user=world["users"]["member"])
    response = facilitator.post(
        "/staff/groups/zomin/members/",
        {"action": "update", "grant": grant.pk, "role": "authority", "institution": elsewhere.pk},
    )
    assert response.status_code == 400
    grant.refresh_from_db()
    assert grant.institution == world["khokimiyat"]


def test_a_facilitator_changes_a_members_role_and_institution(world):
    facilitator = client_for(world, "facilitator")
    grant = Grant.objects.get(user=world["users"]["member"])
    response = facilitator.post(
        "/staff/groups/zomin/members/",
        {"action": "update", "grant": grant.pk, "role": "civil_society", "institution": world["police"].pk},
    )
    assert response.status_code == 302
    grant.refresh_from_db()
    assert (grant.role, grant.institution) == ("civil_society", world["police"])


def test_the_last_facilitator_cannot_be_removed_or_demoted(world):
    facilitator = client_for(world, "facilitator")
    grant = Grant.objects.get(user=world["users"]["facilitator"])
    removed = facilitator.post("/staff/groups/zomin/members/", {"action": "remove", "grant": grant.pk})
    demoted = facilitator.post(
        "/staff/groups/zomin/members/", {"action": "update", "grant": grant.pk, "role": "community", "institution": ""}
    )
    assert removed.status_code == demoted.status_code == 400
    grant.refresh_from_db()
    assert grant.role == GrantRole.FACILITATOR


def test_a_facilitator_adds_an_institution_to_the_directory(world):
    facilitator = client_for(world, "facilitator")
    response = facilitator.post(
        "/staff/groups/zomin/institutions/", {"name": "  Zomin  water utility ", "area": world["zomin"].pk}
    )
    assert response.status_code == 302
    assert Institution.objects.filter(name="Zomin water utility", area=world["zomin"]).exists()
    duplicate = facilitator.post(
        "/staff/groups/zomin/institutions/", {"name": "Zomin water utility", "area": world["zomin"].pk}
    )
    assert duplicate.status_code == 400
    assert Institution.objects.filter(name="Zomin water utility").count() == 1


def test_a_member_chooses_to_be_named_on_the_public_page(world, client):
    assert "Rustam Karimov" not in client.get("/en/groups/zomin/").content.decode()
    member = client_for(world, "member")
    assert member.post("/staff/groups/zomin/", {"is_named_publicly": "on"}).status_code == 302
    html = client.get("/en/groups/zomin/").content.decode()
    assert "Rustam Karimov · local authority · Zomin district khokimiyat" in html


def test_the_public_page_counts_unnamed_members_by_role_without_names_or_institutions(world, client):
    html = client.get("/en/groups/zomin/").content.decode()
    for name in ("Dilnoza", "Rustam", "Olim", "dilnoza", "rustam", "olim"):
        assert name not in html
    assert "3 members" in html
    assert "local authority: 1</li>" in html
    assert "Zomin district khokimiyat" not in html
    assert "Botir" not in html


def test_members_see_concerns_of_the_group_area_restricted_ones_as_metadata_and_never_a_contact(world):
    contact = Contact(phone="+998901234567", email="reporter@example.org")
    public = concern_services.concern_submit(
        text="Public words about the canal", channel=Channel.WEB, area=world["zomin"], contact=contact
    ).concern
    restricted = concern_services.concern_submit(
        text="Restricted words about the police",
        channel=Channel.WEB,
        area=world["zomin"],
        visibility=Visibility.RESTRICTED,
    ).concern
    concern_services.concern_submit(text="Samarkand bazaar", channel=Channel.WEB, area=world["samarkand"])
    facilitator_user = world["users"]["facilitator"]
    concern_services.concern_publish(actor=facilitator_user, concern=public, public_text="Canal is blocked")

    member_html = client_for(world, "member").get("/staff/groups/zomin/concerns/").content.decode()
    facilitator_html = client_for(world, "facilitator").get("/staff/groups/zomin/concerns/").content.decode()

    assert f"No. {restricted.pk}" in member_html and "Restricted words" not in member_html
    assert "Canal is blocked" in member_html and "Public words" not in member_html
    assert "Restricted words about the police" in facilitator_html
    assert "Samarkand bazaar" not in facilitator_html and "Samarkand bazaar" not in member_html
    for html in (member_html, facilitator_html):
        assert "reporter@example.org" not in html and "901234567" not in html and "+998" not in html
    assert str(Status.RECEIVED.label) in member_html


def test_api_lists_groups_with_their_slugs(world, client):
    body = client.get("/api/v1/groups").json()
    assert body["count"] == 2
    assert [item["slug"] for item in body["items"]] == ["samarkand", "zomin"]
    assert body["items"][1]["area"]["name"] == "Zomin district"


def test_api_group_names_only_members_who_chose_it_and_counts_the_others(world, client):
    Grant.objects.filter(user=world["users"]["member"]).update(is_named_publicly=True)
    body = client.get("/api/v1/groups/zomin").json()
    assert body["member_count"] == 3
    assert body["members"] == [
        {"name": "Rustam Karimov", "role": "authority", "institution": "Zomin district khokimiyat"}
    ]
    assert body["member_counts"] == [{"role": "facilitator", "count": 1}, {"role": "observer", "count": 1}]
    text = str(body)
    assert "Dilnoza" not in text and "Olim" not in text and "@" not in text


def test_api_unknown_group_is_a_json_404(world, client):
    response = client.get("/api/v1/groups/nowhere")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_the_member_role_of_old_grants_becomes_community(world):
    """The data migration, run on grants stored with the old role (the database keeps any string)."""
    migration = importlib.import_module("ovoz.accounts.migrations.0002_grant_member_roles_institution")
    Grant.objects.filter(user=world["users"]["member"]).update(role="member")
    Grant.objects.filter(user=world["users"]["observer"]).update(role="member")

    migration.members_become_community(django_apps, None)

    assert dict(Grant.objects.filter(working_group=world["group"]).values_list("user__username", "role")) == {
        "dilnoza": "facilitator",
        "rustam": "community",
        "olim": "community",
    }


def test_the_institution_form_lists_the_areas_inside_the_group_in_the_readers_alphabet(world):
    for name in ["Oʻrta mahalla", "Zarbdor mahallasi", "Chinor mahallasi", "Bogʻbon mahallasi", "Shodlik mahallasi"]:
        Area.objects.create(kind="community", name=name, names={"uz": name}, parent=world["zomin"])
    facilitator = client_for(world, "facilitator")
    facilitator.cookies["ovoz_language"] = "uz"
    html = facilitator.get("/staff/groups/zomin/institutions/").content.decode()
    select = html[html.index('name="area"') : html.index("</select>", html.index('name="area"'))]
    options = re.findall(r"<option[^>]*>([^<]+)</option>", select)
    # The areas above the group's and its own come first, from the country down; then those inside it.
    assert options == [
        "Uzbekistan",
        "Jizzakh Region",
        "Zomin district",
        "Bogʻbon mahallasi",
        "Zarbdor mahallasi",
        "Oʻrta mahalla",
        "Shodlik mahallasi",
        "Chinor mahallasi",
    ]
