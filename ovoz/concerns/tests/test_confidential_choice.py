"""Choosing who may see a concern, told truly (issue 12, points 3 and 6): public together with violence at
home is asked again on the form and not silently stored by the API; reporters see which organisations'
roles can read a confidential concern; every page and channel explains confidentiality with one sentence."""

from __future__ import annotations

import re

import pytest

from ovoz.accounts.choices import DeploymentRole, GrantRole
from ovoz.accounts.keys import key_create
from ovoz.accounts.models import Grant
from ovoz.accounts.tests.factories import PASSWORD, UserFactory
from ovoz.concerns.models import Concern, Theme
from ovoz.concerns.promises import CONFIDENTIAL_EXPLAINED
from ovoz.groups.tests.factories import InstitutionFactory, WorkingGroupFactory
from ovoz.places.models import Area
from ovoz.referrals.models import CaseWorker, ProviderKind, ServiceProvider
from ovoz.testing.web import receipt_in

pytestmark = pytest.mark.django_db

STORY = "My husband beats me when he drinks"
WARNING = "You chose that more people may see this concern than is usual for what it is about"


def _checked(html: str, value: str) -> bool:
    return re.search(rf'<input type="radio" name="visibility" value="{value}"[^>]*\bchecked\b', html) is not None


@pytest.fixture
def violence(seeded):
    return Theme.objects.get(slug="domestic-violence")


def test_public_with_violence_at_home_comes_back_with_a_warning_and_confidential_offered(client, violence):
    response = client.post(
        "/en/report/", {"text": STORY, "themes": [violence.pk], "visibility": "public", "submission_token": "v" * 32}
    )
    assert response.status_code == 400
    assert Concern.objects.count() == 0
    html = response.content.decode()
    assert WARNING in html and "it has not been sent yet" in html
    assert STORY in html  # the words are kept in the form
    assert _checked(html, "confidential") and not _checked(html, "public")
    assert 'name="visibility_confirmed"' in html


def test_sending_the_form_again_as_offered_stores_it_confidential(client, violence):
    first = client.post(
        "/en/report/", {"text": STORY, "themes": [violence.pk], "visibility": "public", "submission_token": "v" * 32}
    ).content.decode()
    assert _checked(first, "confidential")
    receipt_in(
        client.post(
            "/en/report/",
            {"text": STORY, "themes": [violence.pk], "visibility": "confidential", "submission_token": "v" * 32},
        )
    )
    concern = Concern.objects.get()
    assert concern.visibility == "confidential" and concern.is_sealed and concern.text == ""


def test_public_with_violence_at_home_is_stored_public_only_when_the_reporter_confirms(client, violence):
    data = {"text": STORY, "themes": [violence.pk], "visibility": "public", "submission_token": "w" * 32}
    receipt_in(client.post("/en/report/", {**data, "visibility_confirmed": "on"}))
    assert Concern.objects.get().visibility == "public"


def test_restricted_with_violence_at_home_is_asked_again_too(client, violence):
    response = client.post(
        "/en/report/",
        {"text": STORY, "themes": [violence.pk], "visibility": "restricted", "submission_token": "r" * 32},
    )
    assert response.status_code == 400 and Concern.objects.count() == 0
    assert WARNING in response.content.decode()


def test_public_without_a_confidential_theme_is_not_asked_again(client, seeded):
    water = Theme.objects.get(slug="water")
    receipt_in(
        client.post(
            "/en/report/",
            {"text": "No water", "themes": [water.pk], "visibility": "public", "submission_token": "p" * 32},
        )
    )
    assert Concern.objects.get().visibility == "public"


def _api_post(client, body):
    return client.post("/api/v1/concerns", body, content_type="application/json")


def test_the_api_stores_public_violence_at_home_as_confidential_unless_confirmed(client, violence):
    unconfirmed = _api_post(client, {"text": STORY, "themes": ["domestic-violence"], "visibility": "public"})
    assert unconfirmed.status_code == 201 and unconfirmed.json()["visibility"] == "confidential"
    stored = Concern.objects.get()
    assert stored.visibility == "confidential" and stored.is_sealed and stored.text == ""

    confirmed = _api_post(
        client,
        {"text": "Another story", "themes": ["domestic-violence"], "visibility": "public", "confirm_visibility": True},
    )
    assert confirmed.status_code == 201 and confirmed.json()["visibility"] == "public"
    assert Concern.objects.exclude(pk=stored.pk).get().visibility == "public"


def test_open311_stores_violence_at_home_confidential_and_says_what_that_means(client, violence):
    from ovoz.concerns import services

    _partner, api_key = services.api_partner_create(actor=None, name="Partner")
    response = client.post(
        "/open311/v2/requests.json", {"api_key": api_key, "service_code": "domestic-violence", "description": STORY}
    )
    assert response.status_code == 201, response.content
    assert Concern.objects.get().visibility == "confidential"
    assert "never published" in response.json()[0]["service_notice"]


@pytest.fixture
def readers(seeded):
    """Two intake recipients with keys (a facilitator of a police department, a case worker of a shelter),
    one without a key (receives nothing), and a legal-aid service with a case worker."""
    group = WorkingGroupFactory(name="Zomin working group", slug="zomin", area=Area.objects.get(code="UZ-JI"))
    police = InstitutionFactory(name="Zomin district police department", area=group.area)
    facilitator = UserFactory(
        username="dilnoza",
        first_name="Dilnoza",
        last_name="Rahimova",
        role=DeploymentRole.NONE,
        receives_confidential=True,
    )
    Grant.objects.create(user=facilitator, working_group=group, role=GrantRole.FACILITATOR, institution=police)
    shelter = ServiceProvider.objects.create(name="Safe House Jizzakh", kind=ProviderKind.SHELTER)
    counsellor = UserFactory(
        username="malika", first_name="Malika", role=DeploymentRole.NONE, receives_confidential=True
    )
    CaseWorker.objects.create(provider=shelter, user=counsellor)
    keyless = UserFactory(username="keyless", role=DeploymentRole.ADMINISTRATOR, receives_confidential=True)
    legal = ServiceProvider.objects.create(name="Legal Aid Centre", kind=ProviderKind.LEGAL_AID)
    lawyer = UserFactory(username="lawyer", first_name="Anvar", role=DeploymentRole.NONE)
    CaseWorker.objects.create(provider=legal, user=lawyer)
    ServiceProvider.objects.create(name="Clinic without case workers", kind=ProviderKind.MEDICAL)
    for user in (facilitator, counsellor, lawyer):
        key_create(user=user, password=PASSWORD)
    return {
        "names": ["Dilnoza", "Rahimova", "dilnoza", "Malika", "malika", "keyless", "Anvar", "lawyer"],
        "keyless": keyless,
    }


def test_the_report_form_shows_organisations_and_roles_that_can_read_a_confidential_concern(client, readers):
    html = client.get("/en/report/").content.decode()
    section = html[html.index('data-testid="confidential-readers"') :]
    section = section[: section.index("</div>")]
    assert "<li><small>Facilitator, Zomin district police department</small></li>" in section
    assert "<li><small>Case worker, Safe House Jizzakh</small></li>" in section
    assert "<li><small>Legal Aid Centre (legal aid)</small></li>" in section
    assert "Administrator" not in section  # the recipient without a key receives nothing
    assert "Clinic without case workers" not in section
    for name in readers["names"]:
        assert name not in section


def test_the_api_lists_the_same_readers_without_names(client, readers):
    body = client.get("/api/v1/confidential-readers").json()
    assert body["intake"] == [
        {"organisation": "Safe House Jizzakh", "role": "case worker"},
        {"organisation": "Zomin district police department", "role": "facilitator"},
    ]
    assert body["services"] == [
        {"organisation": "Legal Aid Centre", "role": "legal aid"},
        {"organisation": "Safe House Jizzakh", "role": "shelter"},
    ]
    assert body["explanation"] == str(CONFIDENTIAL_EXPLAINED)
    for name in readers["names"]:
        assert name not in str(body)


def test_without_intake_recipients_the_form_says_nobody_would_read_it(client, seeded):
    html = client.get("/en/report/").content.decode()
    assert "Nobody receives confidential reports here at the moment" in html


def test_every_page_that_explains_confidentiality_says_the_same_sentence(client, violence, readers):
    promise = str(CONFIDENTIAL_EXPLAINED)
    home = client.get("/en/").content.decode()
    report = client.get("/en/report/").content.decode()
    receipt_page = client.post(
        "/en/report/",
        {"text": STORY, "themes": [violence.pk], "visibility": "confidential", "submission_token": "c" * 32},
        follow=True,
    )
    receipt = receipt_in(receipt_page)
    follow = client.post("/en/follow/", {"receipt": receipt}, follow=True).content.decode()
    for name, html in {
        "home": home,
        "report": report,
        "receipt": receipt_page.content.decode(),
        "follow": follow,
    }.items():
        assert promise in html, name
    # What was untrue is gone: a facilitator does not read or publish a sealed concern.
    assert "seen only by the people who must see them" not in home
    assert "A facilitator reads your concern" not in receipt_page.content.decode()
    assert "may be published" not in receipt_page.content.decode()


def test_the_receipt_of_a_restricted_concern_does_not_say_it_may_be_published(client, seeded):
    response = client.post(
        "/en/report/",
        {"text": "Bribes at the post", "visibility": "restricted", "submission_token": "q" * 32},
        follow=True,
    )
    receipt_in(response)
    assert "may be published" not in response.content.decode()
