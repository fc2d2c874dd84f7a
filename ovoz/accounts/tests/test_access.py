import pytest
from django.test import Client

from ovoz.accounts.choices import DeploymentRole, GrantRole
from ovoz.accounts.tests.factories import UserFactory
from ovoz.core.models import AuditEntry
from ovoz.groups.grants import grant_set
from ovoz.groups.models import WorkingGroup
from ovoz.places.models import Area
from ovoz.testing.web import sign_in

pytestmark = pytest.mark.django_db

STAFF_URLS = ["/staff/", "/staff/areas/", "/staff/themes/", "/staff/audit/", "/staff/account/", "/staff/admin/"]


@pytest.fixture
def group():
    country = Area.objects.create(kind="country", code="UZ", name="Uzbekistan")
    region = Area.objects.create(kind="region", code="UZ-JI", name="Jizzakh Region", parent=country)
    return WorkingGroup.objects.create(name="Jizzakh group", slug="jizzakh", area=region)


def _user(kind, group):
    if kind == "anonymous":
        return None
    if kind == "administrator":
        return UserFactory(username=kind, role=DeploymentRole.ADMINISTRATOR)
    if kind == "coordinator":
        return UserFactory(username=kind, role=DeploymentRole.COORDINATOR)
    if kind == "no role":
        return UserFactory(username="norole", role=DeploymentRole.NONE)
    user = UserFactory(username=kind, role=DeploymentRole.NONE)
    role = GrantRole.FACILITATOR if kind == "facilitator" else GrantRole.COMMUNITY
    grant_set(actor=None, user=user, working_group=group, role=role)
    return user


# What each kind of user gets at each staff URL: 200, 302 (to login) or 403.
EXPECTED = {
    "anonymous": dict.fromkeys(STAFF_URLS, 302),
    "no role": {
        "/staff/": 403,
        "/staff/areas/": 403,
        "/staff/themes/": 403,
        "/staff/audit/": 403,
        "/staff/account/": 200,
        "/staff/admin/": 302,
    },
    "member": {
        "/staff/": 200,
        "/staff/areas/": 200,
        "/staff/themes/": 200,
        "/staff/audit/": 403,
        "/staff/account/": 200,
        "/staff/admin/": 302,
    },
    "facilitator": {
        "/staff/": 200,
        "/staff/areas/": 200,
        "/staff/themes/": 200,
        "/staff/audit/": 403,
        "/staff/account/": 200,
        "/staff/admin/": 302,
    },
    "coordinator": {
        "/staff/": 200,
        "/staff/areas/": 200,
        "/staff/themes/": 200,
        "/staff/audit/": 403,
        "/staff/account/": 200,
        "/staff/admin/": 302,
    },
    "administrator": dict.fromkeys(STAFF_URLS, 200),
}


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_staff_urls_answer_each_kind_of_user_as_their_role_allows(kind, group):
    client = Client()
    user = _user(kind, group)
    if user is not None:
        assert sign_in(client, user)["Location"] == "/staff/"
    for url, status in EXPECTED[kind].items():
        assert client.get(url).status_code == status, url


def test_denied_access_is_audited(group):
    client = Client()
    member = _user("member", group)
    sign_in(client, member)
    client.get("/staff/audit/")
    assert AuditEntry.objects.filter(action="access.denied", actor=member).count() == 1


def test_admin_needs_the_second_factor_even_for_a_superuser(group):
    admin = UserFactory(username="root", role=DeploymentRole.ADMINISTRATOR)
    client = Client()
    client.force_login(admin)  # a session without the second factor
    response = client.get("/staff/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/staff/login/?next=%2Fstaff%2Fadmin%2F"
    assert b"Staff sign-in" in response.content
