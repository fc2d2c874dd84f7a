import re

import pytest
from django.test import Client

from ovoz.accounts.choices import DeploymentRole
from ovoz.accounts.models import User
from ovoz.accounts.tests.factories import UserFactory
from ovoz.concerns.models import Theme
from ovoz.concerns.services import themes_seed
from ovoz.core.models import AuditEntry
from ovoz.testing.web import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client():
    client = Client()
    sign_in(client, UserFactory(username="root", role=DeploymentRole.ADMINISTRATOR))
    return client


def test_administrator_edits_a_theme_label_per_language(admin_client):
    themes_seed()
    water = Theme.objects.get(slug="water")
    form = {
        "slug": "water",
        "default_visibility": "public",
        "position": water.position,
        "is_active": "on",
        **{f"labels__{code}": label for code, label in water.labels.items()},
        **{f"descriptions__{code}": text for code, text in water.descriptions.items()},
        "labels__ru": "Вода и орошение",
    }
    response = admin_client.post(f"/staff/admin/concerns/theme/{water.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    water.refresh_from_db()
    assert water.labels["ru"] == "Вода и орошение"
    assert water.labels["en"] == "Water"


def test_administrator_adds_a_staff_user_in_the_admin(admin_client):
    response = admin_client.post(
        "/staff/admin/accounts/user/add/",
        {
            "username": "newfacilitator",
            "password1": "a good long passphrase",
            "password2": "a good long passphrase",
            "usable_password": "true",
        },
    )

    assert response.status_code == 302, re.findall(r"errorlist.{0,300}", response.content.decode())
    assert User.objects.filter(username="newfacilitator").exists()


def test_role_change_from_the_admin_is_audited(admin_client):
    user = UserFactory(username="someone", role=DeploymentRole.NONE)
    response = admin_client.post(
        "/staff/admin/accounts/user/", {"action": "make_coordinator", "_selected_action": [user.pk]}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.role == "coordinator"
    assert AuditEntry.objects.filter(action="role.changed", object_id=str(user.pk)).exists()


def test_audit_entries_are_read_only_in_the_admin(admin_client):
    entry = AuditEntry.objects.first()
    assert admin_client.get(f"/staff/admin/core/auditentry/{entry.pk}/change/").status_code == 200
    assert admin_client.get("/staff/admin/core/auditentry/add/").status_code in {403, 404}
    assert admin_client.post(f"/staff/admin/core/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_second_factor_secrets_and_unused_groups_are_not_in_the_admin(admin_client):
    index = admin_client.get("/staff/admin/").content.decode()
    assert "/staff/admin/otp_totp/" not in index
    assert "/staff/admin/otp_static/" not in index
    assert "/staff/admin/auth/group/" not in index
    assert admin_client.get("/staff/admin/otp_totp/totpdevice/").status_code == 404


def test_admin_password_change_goes_to_the_audited_account_page(admin_client):
    response = admin_client.get("/staff/admin/password_change/")
    assert response["Location"] == "/staff/account/"


def test_administrator_grants_and_removes_a_working_group_role_with_an_audit_trail(admin_client):
    from ovoz.accounts.models import Grant
    from ovoz.groups.models import WorkingGroup
    from ovoz.places.models import Area

    country = Area.objects.create(kind="country", code="KG", name="Kyrgyzstan")
    group = WorkingGroup.objects.create(name="Osh group", slug="osh", area=country)
    user = UserFactory(username="aigul", role=DeploymentRole.NONE)
    response = admin_client.post(
        "/staff/admin/accounts/grant/add/", {"user": user.pk, "working_group": group.pk, "role": "facilitator"}
    )
    assert response.status_code == 302
    grant = Grant.objects.get(user=user, working_group=group)
    assert grant.role == "facilitator"
    assert AuditEntry.objects.filter(action="grant.added", object_id=str(user.pk)).exists()

    admin_client.post(f"/staff/admin/accounts/grant/{grant.pk}/delete/", {"post": "yes"})
    assert not Grant.objects.filter(pk=grant.pk).exists()
    assert AuditEntry.objects.filter(action="grant.removed", object_id=str(user.pk)).exists()
