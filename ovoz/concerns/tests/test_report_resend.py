"""Issue 14 and 13.3: a report sent again never makes a second concern, its receipt is shown once after a
redirect and never travels in a URL, a bad form token is refused, and the referral answer at intake is
stored in the concern's own transaction."""

import re

import pytest
from django.contrib.sessions.models import Session

from ovoz.concerns.models import Concern
from ovoz.concerns.receipts import receipt_hash
from ovoz.concerns.views import handoff
from ovoz.referrals.models import Consent
from ovoz.testing.web import form_token, receipt_in

pytestmark = pytest.mark.django_db

TEXT = "The street lights on Navoi street are off since Monday."


def test_back_then_send_again_stores_one_concern_and_says_it_was_already_sent(client, seeded):
    data = {"text": TEXT, "submission_token": form_token(client)}
    receipt = receipt_in(client.post("/en/report/", data))

    # The back button fetches the form again (it is never cached); the browser fills in what was written.
    again = {"text": TEXT, "submission_token": form_token(client)}
    response = client.post("/en/report/", again)

    assert again["submission_token"] == data["submission_token"]
    assert response.status_code == 409
    html = response.content.decode()
    assert "This report was already sent" in html and 'href="/en/follow/"' in html
    assert receipt not in html
    assert Concern.objects.count() == 1
    assert Concern.objects.get().receipt_hash == receipt_hash(receipt)


def test_a_different_text_written_on_the_same_form_is_a_new_concern(client, seeded):
    token = form_token(client)
    first = receipt_in(client.post("/en/report/", {"text": TEXT, "submission_token": token}))
    second = receipt_in(client.post("/en/report/", {"text": "And the bus stop roof fell.", "submission_token": token}))
    assert first != second
    assert Concern.objects.count() == 2


def test_the_receipt_is_shown_once_after_a_redirect_and_never_in_a_url_or_in_the_clear(client, seeded):
    response = client.post("/en/report/", {"text": TEXT, "submission_token": form_token(client)})

    assert response.status_code == 303
    assert response["Location"] == "/en/report/sent/"
    key_cookie = response.cookies[handoff.RECEIPT_KEY_COOKIE]
    assert key_cookie["path"] == "/en/report/sent/" and key_cookie["httponly"]
    assert not Session.objects.exists()  # the hand-off writes no session
    page = client.get("/en/report/sent/")
    receipt = receipt_in(page)
    assert receipt not in response["Location"] and receipt not in key_cookie.value
    concern = Concern.objects.get()
    assert receipt not in str(concern.sealed_receipt) and concern.receipt_hash != receipt
    assert page["Cache-Control"].startswith("max-age=0") and "no-store" in page["Cache-Control"]

    reloaded = client.get("/en/report/sent/")  # reload, or back and forward again
    assert reloaded.status_code == 200
    assert receipt not in reloaded.content.decode()
    assert "This report was already sent" in reloaded.content.decode()
    assert [s.get_decoded() for s in Session.objects.all()] == []  # nothing of the hand-off stays behind
    assert Concern.objects.count() == 1


def test_the_receipt_page_needs_the_key_cookie_of_the_browser_that_sent(client, seeded):
    client.post("/en/report/", {"text": TEXT, "submission_token": form_token(client)})
    client.cookies.pop(handoff.RECEIPT_KEY_COOKIE)
    page = client.get("/en/report/sent/").content.decode()
    assert "This report was already sent" in page
    assert 'data-testid="receipt"' not in page


@pytest.mark.parametrize("token", ["", "short", "x" * 21, "a" * 30 + "<script>", "é" * 30])
def test_a_missing_short_or_altered_token_is_refused_and_what_was_written_stays(client, seeded, token):
    response = client.post("/en/report/", {"text": TEXT, "phone": "+998 90 123 45 67", "submission_token": token})

    assert response.status_code == 400
    html = response.content.decode()
    assert "This form could not be checked, so nothing was sent." in html
    assert TEXT in html and 'value="+998 90 123 45 67"' in html
    assert Concern.objects.count() == 0
    # The form comes back with a good token: sending it again works.
    assert form_token_in(html) != token and handoff.TOKEN_PATTERN.fullmatch(form_token_in(html))
    receipt_in(client.post("/en/report/", {"text": TEXT, "submission_token": form_token_in(html)}))
    assert Concern.objects.count() == 1


def test_a_failure_in_the_referral_answer_at_intake_leaves_no_concern(client, seeded, monkeypatch):
    from ovoz.referrals import services as referral_services

    def broken(**kwargs):
        raise RuntimeError("the consent step failed")

    monkeypatch.setattr(referral_services, "consent_at_intake", broken)
    client.raise_request_exception = True
    with pytest.raises(RuntimeError):
        client.post(
            "/en/report/",
            {
                "text": TEXT,
                "visibility": "confidential",
                "referral_consent": "yes",
                "submission_token": form_token(client),
            },
        )
    assert Concern.objects.count() == 0
    assert Consent.objects.count() == 0


def test_the_referral_answer_at_intake_is_stored_with_the_concern(client, seeded):
    receipt_in(
        client.post(
            "/en/report/",
            {
                "text": TEXT,
                "visibility": "confidential",
                "referral_consent": "yes",
                "submission_token": form_token(client),
            },
        )
    )
    consent = Consent.objects.get()
    assert consent.concern == Concern.objects.get() and consent.state == "given" and not consent.share_contact


def form_token_in(html: str) -> str:
    return re.search(r'name="submission_token" value="([^"]*)"', html).group(1)


def test_the_report_pages_service_worker_is_served_from_the_root_without_caching(client):
    response = client.get("/report-worker.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "no-cache"
    assert b'addEventListener("fetch"' in response.content
