import pytest
from django.test import Client

from ovoz.accounts.choices import DeploymentRole, GrantRole
from ovoz.accounts.tests.conftest import sign_in
from ovoz.accounts.tests.factories import UserFactory
from ovoz.concerns.models import Theme
from ovoz.groups.tests.factories import InstitutionFactory, MemberFactory, WorkingGroupFactory
from ovoz.places.models import Area

KINDS = ["anonymous", "member of another group", "observer", "member", "facilitator", "administrator"]


@pytest.fixture
def places(db):
    country = Area.objects.create(kind="country", code="UZ", name="Uzbekistan")
    jizzakh = Area.objects.create(kind="region", code="UZ-JI", name="Jizzakh Region", parent=country)
    zomin = Area.objects.create(kind="district", name="Zomin district", parent=jizzakh)
    samarkand = Area.objects.create(kind="region", code="UZ-SA", name="Samarkand Region", parent=country)
    return {"country": country, "jizzakh": jizzakh, "zomin": zomin, "samarkand": samarkand}


@pytest.fixture
def themes(db):
    water = Theme.objects.create(slug="water", labels={"en": "Water", "ru": "Вода"})
    violence = Theme.objects.create(
        slug="domestic-violence", labels={"en": "Domestic violence"}, default_visibility="confidential"
    )
    return {"water": water, "violence": violence}


@pytest.fixture
def world(places, themes):
    """Two groups, an institution, and one user of each kind with respect to the first group."""
    group = WorkingGroupFactory(name="Zomin working group", slug="zomin", area=places["zomin"])
    other_group = WorkingGroupFactory(name="Samarkand working group", slug="samarkand", area=places["samarkand"])
    khokimiyat = InstitutionFactory(name="Zomin district khokimiyat", area=places["zomin"])
    police = InstitutionFactory(name="Zomin district police department", area=places["zomin"])
    users = {
        "facilitator": MemberFactory(
            working_group=group, role=GrantRole.FACILITATOR, user__username="dilnoza", user__first_name="Dilnoza"
        ).user,
        "member": MemberFactory(
            working_group=group,
            role=GrantRole.AUTHORITY,
            institution=khokimiyat,
            user__username="rustam",
            user__first_name="Rustam",
            user__last_name="Karimov",
        ).user,
        "observer": MemberFactory(
            working_group=group, role=GrantRole.OBSERVER, user__username="olim", user__first_name="Olim"
        ).user,
        "member of another group": MemberFactory(
            working_group=other_group, role=GrantRole.FACILITATOR, user__username="botir", user__first_name="Botir"
        ).user,
        "administrator": UserFactory(username="administrator", role=DeploymentRole.ADMINISTRATOR),
    }
    return {
        "group": group,
        "other_group": other_group,
        "khokimiyat": khokimiyat,
        "police": police,
        "users": users,
        "clients": {},
        **places,
        **themes,
    }


def client_for(world, kind):
    """A client signed in as that kind of user; one per kind, since a TOTP code works only once."""
    clients = world["clients"]
    if kind not in clients:
        client = Client()
        if kind != "anonymous":
            response = sign_in(client, world["users"][kind])
            assert response.status_code == 302 and response["Location"] == "/staff/", kind
        clients[kind] = client
    return clients[kind]


@pytest.fixture
def as_kind(world):
    return lambda kind: client_for(world, kind)
