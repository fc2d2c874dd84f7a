import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from ovoz.accounts.tests.factories import UserFactory
from ovoz.concerns import services
from ovoz.concerns.choices import Channel, EventKind, Status
from ovoz.concerns.models import Concern, ConcernEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(seeded):
    return services.concern_submit(text="The school roof leaks onto the children.", channel=Channel.WEB)


def test_the_receipt_opens_the_concern_in_any_spelling(client, submitted):
    spelled = submitted.receipt.replace("-", " ").lower()
    response = client.post("/en/follow/", {"receipt": spelled}, follow=True)
    assert response.status_code == 200
    assert 'data-testid="status">received<' in response.content.decode()


def test_the_follow_page_never_puts_the_receipt_in_a_url(client, submitted):
    html = client.post("/en/follow/", {"receipt": submitted.receipt}, follow=True).content.decode()
    assert "?receipt" not in html
    assert 'method="get"' not in html


def test_an_unknown_and_an_expired_receipt_get_the_same_answer(client, submitted):
    unknown = client.post("/en/follow/", {"receipt": "ZZZZ-ZZZZ-ZZZZ-ZZZ0"}, follow=True)
    Concern.objects.update(receipt_valid_until=timezone.now() - timedelta(days=1))
    expired = client.post("/en/follow/", {"receipt": submitted.receipt}, follow=True)
    assert unknown.status_code == expired.status_code == 404

    def normalised(response, typed):
        html = response.content.decode().replace(typed, "RECEIPT")
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)

    assert normalised(unknown, "ZZZZ-ZZZZ-ZZZZ-ZZZ0") == normalised(expired, submitted.receipt)


def test_guessing_receipts_is_throttled(client, submitted, settings):
    settings.OVOZ_FOLLOW_ATTEMPTS = 3
    statuses = [client.post("/en/follow/", {"receipt": f"AAAA-AAAA-AAAA-AAA{n}"}).status_code for n in range(5)]
    assert statuses[:3] == [404, 404, 404]
    assert statuses[3:] == [429, 429]


def test_a_right_receipt_opens_in_a_fresh_session_after_others_at_the_same_address_guessed_wrong(
    client, submitted, settings
):
    """Many people share one address on mobile networks: their mistakes never lock out the others."""
    settings.OVOZ_FOLLOW_ATTEMPTS = 3
    for n in range(5):
        client.post("/en/follow/", {"receipt": f"AAAA-AAAA-AAAA-AAA{n}"})
    neighbour = Client()  # another phone behind the same address (the test client's 127.0.0.1)
    opened = neighbour.post("/en/follow/", {"receipt": submitted.receipt}, follow=True)
    assert opened.status_code == 200
    assert 'data-testid="status">received<' in opened.content.decode()
    # A wrong code from that address is still refused as throttled, telling nothing more.
    wrong = neighbour.post("/en/follow/", {"receipt": "AAAA-AAAA-AAAA-AAA9"})
    assert wrong.status_code == 429
    assert "The school roof leaks" not in wrong.content.decode()


def test_right_receipts_never_count_towards_the_limit(client, submitted, settings):
    settings.OVOZ_FOLLOW_ATTEMPTS = 3
    for _n in range(10):
        assert Client().post("/en/follow/", {"receipt": submitted.receipt}).status_code == 303
    assert client.post("/en/follow/", {"receipt": "AAAA-AAAA-AAAA-AAA1"}).status_code == 404


def test_the_api_counts_only_failed_receipts_too(client, submitted, settings):
    settings.OVOZ_FOLLOW_ATTEMPTS = 2
    statuses = [
        client.post("/api/v1/concerns/follow", {"receipt": receipt}, content_type="application/json").status_code
        for receipt in ("AAAA-AAAA-AAAA-AAA1", "AAAA-AAAA-AAAA-AAA2", "AAAA-AAAA-AAAA-AAA3", submitted.receipt)
    ]
    assert statuses == [404, 404, 429, 200]


def test_the_reporter_sees_the_public_note_and_a_question_and_answers_it(client, submitted):
    facilitator = UserFactory(username="facilitator")
    concern = submitted.concern
    services.concern_change_status(
        actor=facilitator, concern=concern, status=Status.ACCEPTED, note="We will raise it at the next meeting."
    )
    services.concern_message_reporter(
        actor=facilitator, concern=concern, text="Which school is it?", kind=EventKind.QUESTION
    )
    html = client.post("/en/follow/", {"receipt": submitted.receipt}, follow=True).content.decode()
    assert "We will raise it at the next meeting." in html
    assert "Which school is it?" in html
    answer = client.post("/en/follow/", {"action": "message", "text": "School no. 12 in Zomin"}, follow=True)
    assert "Your message was added" in answer.content.decode()
    message = ConcernEvent.objects.get(kind=EventKind.REPORTER_MESSAGE)
    assert message.text == "School no. 12 in Zomin" and message.audience == "reporter"


def test_staff_only_events_are_not_shown_to_the_reporter(client, submitted):
    from ovoz.concerns.models import Theme

    facilitator = UserFactory(username="facilitator")
    services.concern_triage(
        actor=facilitator,
        concern=submitted.concern,
        area=None,
        themes=[Theme.objects.get(slug="public-services")],
        visibility="public",
        language="en",
    )
    html = client.post("/en/follow/", {"receipt": submitted.receipt}, follow=True).content.decode()
    assert "area, themes or visibility changed" not in html


def test_the_reporter_withdraws_the_concern(client, submitted):
    client.post("/en/follow/", {"receipt": submitted.receipt})
    response = client.post("/en/follow/", {"action": "withdraw", "confirm": "yes"}, follow=True)
    assert "withdrawn" in response.content.decode()
    concern = Concern.objects.get()
    assert (concern.status, concern.close_reason) == ("closed", "withdrawn")


def test_withdrawing_needs_the_confirmation(client, submitted):
    client.post("/en/follow/", {"receipt": submitted.receipt})
    client.post("/en/follow/", {"action": "withdraw"})
    assert Concern.objects.get().status == "received"


def test_a_merged_concerns_reporter_follows_the_original(client, seeded):
    facilitator = UserFactory(username="facilitator")
    original = services.concern_submit(text="No gas in Zomin since Monday", channel=Channel.WEB)
    duplicate = services.concern_submit(text="Gas cut in Zomin", channel=Channel.WEB)
    services.concern_mark_duplicate(actor=facilitator, concern=duplicate.concern, original=original.concern)
    services.concern_change_status(
        actor=facilitator, concern=original.concern, status=Status.ACCEPTED, note="Gas company informed."
    )
    html = client.post("/en/follow/", {"receipt": duplicate.receipt}, follow=True).content.decode()
    assert "Gas company informed." in html
    assert f"no. {original.concern.pk}" in html


def test_a_merged_reporter_never_sees_the_original_reporters_conversation(client, seeded):
    facilitator = UserFactory(username="facilitator", role="administrator")
    original = services.concern_submit(text="No gas in Zomin", channel=Channel.WEB)
    duplicate = services.concern_submit(text="Gas cut in Zomin", channel=Channel.WEB)
    services.concern_message_reporter(
        actor=facilitator, concern=original.concern, text="Where exactly do you live?", kind=EventKind.QUESTION
    )
    services.concern_reporter_message(concern=original.concern, text="Street 5, house 12")
    services.concern_mark_duplicate(actor=facilitator, concern=duplicate.concern, original=original.concern)
    html = client.post("/en/follow/", {"receipt": duplicate.receipt}, follow=True).content.decode()
    api = client.post(
        "/api/v1/concerns/follow", {"receipt": duplicate.receipt}, content_type="application/json"
    ).content.decode()
    for private in ("Where exactly do you live?", "Street 5, house 12"):
        assert private not in html and private not in api
    # When the other person reported is not theirs to know: the first update is their own report.
    Concern.objects.filter(pk=original.concern.pk).update(created_at=timezone.now() - timedelta(days=3))
    api = client.post("/api/v1/concerns/follow", {"receipt": duplicate.receipt}, content_type="application/json").json()
    assert api["updates"][0]["kind"] == "created"
    assert api["updates"][0]["at"][:10] == timezone.now().date().isoformat()
    # Their own follow-up still reaches staff, on their own concern.
    client.post("/en/follow/", {"action": "message", "text": "It is back since noon"})
    assert duplicate.concern.events.filter(kind="reporter_message", text="It is back since noon").exists()


def test_messages_to_one_concern_are_limited_per_concern_not_per_address(client, submitted, settings):
    settings.OVOZ_INTAKE_LIMIT = 2
    client.post("/en/follow/", {"receipt": submitted.receipt})
    statuses = [client.post("/en/follow/", {"action": "message", "text": f"More {n}"}).status_code for n in range(3)]
    assert statuses == [303, 303, 429]
    api = client.post(
        "/api/v1/concerns/follow/reply",
        {"receipt": submitted.receipt, "text": "More by the API"},
        content_type="application/json",
    )
    assert api.status_code == 429
    assert submitted.concern.events.filter(kind=EventKind.REPORTER_MESSAGE).count() == 2
    # Another reporter behind the same address still writes to their own concern.
    other = services.concern_submit(text="The well is dry.", channel=Channel.WEB)
    neighbour = Client()
    neighbour.post("/en/follow/", {"receipt": other.receipt})
    assert neighbour.post("/en/follow/", {"action": "message", "text": "Since May"}).status_code == 303
