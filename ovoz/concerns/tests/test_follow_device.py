"""Following on one device: POST, redirect, GET; the receipt kept only encrypted between pages."""

import time

import pytest
from django.contrib.sessions.models import Session

from ovoz.accounts.models import User
from ovoz.accounts.tests.factories import UserFactory
from ovoz.concerns import confidential, following, services
from ovoz.concerns.choices import Channel, Status, Visibility
from ovoz.concerns.models import Concern
from ovoz.concerns.receipts import receipt_normalise

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(seeded):
    return services.concern_submit(text="The school roof leaks onto the children.", channel=Channel.WEB)


def _session_text(client) -> str:
    session = Session.objects.get(session_key=client.cookies["sessionid"].value)
    return str(session.session_data) + repr(session.get_decoded())


def test_opening_a_receipt_redirects_to_a_page_that_reloads_without_a_form(client, submitted):
    response = client.post("/en/follow/", {"receipt": submitted.receipt})
    assert response.status_code == 303
    assert response["Location"] == "/en/follow/"
    assert submitted.receipt not in response["Location"]
    # A reload (GET) shows the concern again, as often as wanted.
    for _n in range(2):
        page = client.get("/en/follow/")
        assert page.status_code == 200
        assert 'data-testid="status">received<' in page.content.decode()


def test_the_receipt_is_never_written_in_the_page_the_session_or_the_cookie(client, submitted):
    response = client.post("/en/follow/", {"receipt": submitted.receipt})
    normalised = receipt_normalise(submitted.receipt)
    page = client.get("/en/follow/").content.decode()
    for shown in (page, _session_text(client), response.cookies.output()):
        assert submitted.receipt not in shown and normalised not in shown
    cookie = response.cookies["ovoz_follow_en"]
    assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == "/en/follow/"
    assert int(cookie["max-age"]) == following.FOLLOW_IDLE_SECONDS


def test_the_session_alone_opens_nothing(client, submitted):
    """A thief of the session table (or of the session cookie alone) has no key for the receipt."""
    client.post("/en/follow/", {"receipt": submitted.receipt})
    for name in list(client.cookies):
        if name.startswith("ovoz_follow_"):
            del client.cookies[name]
    page = client.get("/en/follow/")
    assert "Enter the receipt code" in page.content.decode()
    assert 'data-testid="status"' not in page.content.decode()


def test_an_action_says_thank_you_after_the_redirect_and_a_reload_does_not_repeat_it(client, submitted):
    client.post("/en/follow/", {"receipt": submitted.receipt})
    response = client.post("/en/follow/", {"action": "message", "text": "School no. 12 in Zomin"})
    assert response.status_code == 303 and response["Location"] == "/en/follow/"
    first = client.get("/en/follow/").content.decode()
    assert "Thank you. Your message was added to your concern." in first
    again = client.get("/en/follow/").content.decode()
    assert "Thank you" not in again and "School no. 12 in Zomin" in again
    assert submitted.concern.events.filter(kind="reporter_message").count() == 1


def test_stop_following_on_this_device_forgets_the_receipt(client, submitted):
    client.post("/en/follow/", {"receipt": submitted.receipt})
    response = client.post("/en/follow/", {"action": "forget"})
    assert response.status_code == 303
    assert all(response.cookies[f"ovoz_follow_{code}"]["max-age"] == 0 for code in ("en", "ru", "uz"))
    page = client.get("/en/follow/").content.decode()
    assert "This device no longer follows your concern." in page
    assert 'data-testid="status"' not in page
    assert following.SESSION_SEALED not in _session_text(client)


def test_following_ends_after_thirty_idle_minutes(client, submitted, monkeypatch):
    client.post("/en/follow/", {"receipt": submitted.receipt})
    assert 'data-testid="status"' in client.get("/en/follow/").content.decode()
    later = time.time() + following.FOLLOW_IDLE_SECONDS + 1
    monkeypatch.setattr(following.time, "time", lambda: later)
    page = client.get("/en/follow/").content.decode()
    assert 'data-testid="status"' not in page and "Enter the receipt code" in page


def test_an_action_without_a_followed_receipt_changes_nothing(client, submitted):
    response = client.post("/en/follow/", {"action": "withdraw", "confirm": "yes"})
    assert response.status_code == 200
    assert "Enter your receipt code again" in response.content.decode()
    assert Concern.objects.get().status == Status.RECEIVED


def test_the_follow_page_shows_what_the_reporter_wrote(client, submitted):
    page = client.post("/en/follow/", {"receipt": submitted.receipt}, follow=True).content.decode()
    assert "What you wrote" in page
    assert "The school roof leaks onto the children." in page


def test_a_confidential_concern_shows_the_reporter_their_own_sealed_words(client, seeded):
    UserFactory(username="recipient", receives_confidential=True)
    submitted = services.concern_submit(
        text="CANARY-SEALED he hurts us at night",
        channel=Channel.WEB,
        visibility=Visibility.CONFIDENTIAL,
        visibility_confirmed=True,
    )
    assert submitted.concern.is_sealed and submitted.concern.text == ""
    page = client.post("/en/follow/", {"receipt": submitted.receipt}, follow=True).content.decode()
    assert "CANARY-SEALED he hurts us at night" in page


def test_a_concern_sealed_after_intake_says_plainly_that_its_text_cannot_be_shown(client, submitted):
    recipient = User.objects.get(pk=UserFactory(username="recipient", receives_confidential=True).pk)
    concern = Concern.objects.get()
    confidential.seal_existing(concern, recipients=[recipient])
    page = client.post("/en/follow/", {"receipt": submitted.receipt}, follow=True).content.decode()
    assert "The school roof leaks" not in page
    assert "your receipt code cannot open it" in page


def test_the_follow_page_links_the_published_version_only_when_published(client, submitted):
    link = f'href="/en/concerns/{submitted.concern.pk}/"'
    page = client.post("/en/follow/", {"receipt": submitted.receipt}, follow=True).content.decode()
    assert link not in page and 'data-testid="public-link"' not in page
    Concern.objects.filter(pk=submitted.concern.pk).update(
        visibility=Visibility.PUBLIC, is_published=True, public_text="A school roof leaks."
    )
    assert client.get(f"/en/concerns/{submitted.concern.pk}/").status_code == 200
    page = client.get("/en/follow/").content.decode()
    assert link in page
