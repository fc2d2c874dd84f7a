"""Every public page and API answer of a working group, checked for what must never appear there."""

import pytest

from ovoz.accounts.models import Grant
from ovoz.groups.tests.factories import InstitutionFactory
from ovoz.testing.scenario import build_scenario

pytestmark = pytest.mark.django_db


def _public_answers(client, s):
    urls = [
        "/en/groups/",
        "/en/groups/zomin/",
        f"/en/groups/zomin/meetings/{s['meeting'].pk}/",
        "/en/groups/zomin/feed/",
        "/api/v1/groups",
        "/api/v1/groups/zomin",
        "/api/v1/groups/zomin/meetings",
        "/api/v1/groups/zomin/actions",
    ]
    answers = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        answers[url] = response.content.decode("unicode_escape" if url.startswith("/api/") else "utf-8")
    return answers


def test_public_pages_never_show_non_public_concern_text_or_unnamed_members(world, client):
    s = build_scenario(world)
    Grant.objects.filter(user=world["users"]["member"]).update(is_named_publicly=True)
    s["meeting"].members_present.set([world["users"]["member"], world["users"]["observer"]])
    for url, text in _public_answers(client, s).items():
        # The restricted concern's words and the unpublished original of the public one.
        assert "Police take money" not in text, url
        assert "The canal in Zomin is blocked" not in text, url
        # Members who did not choose to be named, by name or username.
        for name in ("Dilnoza", "dilnoza", "Olim", "olim", "Botir"):
            assert name not in text, url
        assert "@example.org" not in text, url
    page = client.get("/en/groups/zomin/").content.decode()
    assert "Rustam Karimov" in page and "A canal is blocked" in page
    assert "Responsible: Rustam Karimov" in page


def test_no_public_group_surface_names_the_institution_of_a_member_who_chose_not_to_be_named(world, client):
    s = build_scenario(world)
    committee = InstitutionFactory(name="Zomin mahalla women's committee", area=world["zomin"])
    Grant.objects.filter(user=world["users"]["observer"]).update(institution=committee, is_named_publicly=False)
    Grant.objects.filter(user=world["users"]["member"]).update(is_named_publicly=True)
    s["meeting"].members_present.set([world["users"]["member"], world["users"]["observer"]])
    answers = _public_answers(client, s)
    for url, text in answers.items():
        assert "women's committee" not in text and "women&#x27;s committee" not in text, url
    # The member who chose to be named keeps their institution; the other is still counted.
    assert "Rustam Karimov · local authority · Zomin district khokimiyat" in answers["/en/groups/zomin/"]
    assert "observer: 1</li>" in answers["/en/groups/zomin/"]
    assert '"role": "observer", "count": 1' in answers["/api/v1/groups/zomin"]


def test_public_pages_of_an_inactive_group_are_not_found(world, client):
    s = build_scenario(world)
    world["group"].is_active = False
    world["group"].save()
    for url in ("/en/groups/zomin/", f"/en/groups/zomin/meetings/{s['meeting'].pk}/", "/en/groups/zomin/feed/"):
        assert client.get(url).status_code == 404, url
    assert client.get("/api/v1/groups/zomin").status_code == 404
    assert "Zomin working group" not in client.get("/en/groups/").content.decode()
