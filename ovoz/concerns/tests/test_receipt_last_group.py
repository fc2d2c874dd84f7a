"""A receipt opens its concern only when every one of its 16 characters matches (issue 12, point 9:
a hash of the first 12 characters once let any receipt with the right first three groups in)."""

import pytest

from ovoz.concerns import services
from ovoz.concerns.choices import Channel
from ovoz.concerns.receipts import ALPHABET

pytestmark = pytest.mark.django_db


def _neighbours(receipt: str) -> list[str]:
    """Receipts equal to this one but for the last group: each of its 4 characters changed, then all."""
    head, last = receipt[:15], receipt[15:]
    changed = []
    for position in range(4):
        other = ALPHABET[(ALPHABET.index(last[position]) + 1) % len(ALPHABET)]
        changed.append(head + last[:position] + other + last[position + 1 :])
    changed.append(head + "".join(ALPHABET[(ALPHABET.index(c) + 7) % len(ALPHABET)] for c in last))
    return changed


@pytest.fixture
def submitted(seeded, settings):
    settings.OVOZ_FOLLOW_ATTEMPTS = 100
    return services.concern_submit(text="The school roof leaks onto the children.", channel=Channel.WEB)


def test_a_receipt_differing_only_in_its_last_group_does_not_open_the_follow_page(client, submitted):
    assert client.post("/en/follow/", {"receipt": submitted.receipt}, follow=True).status_code == 200
    for neighbour in _neighbours(submitted.receipt):
        response = client.post("/en/follow/", {"receipt": neighbour}, follow=True)
        assert response.status_code == 404, neighbour
        assert "The school roof leaks" not in response.content.decode()


def test_a_receipt_differing_only_in_its_last_group_does_not_open_the_api_follow_or_reply(client, submitted):
    def post(path, data):
        return client.post(path, data, content_type="application/json")

    assert post("/api/v1/concerns/follow", {"receipt": submitted.receipt}).status_code == 200
    events_before = submitted.concern.events.count()
    for neighbour in _neighbours(submitted.receipt):
        follow = post("/api/v1/concerns/follow", {"receipt": neighbour})
        assert follow.status_code == 404 and follow.json()["code"] == "not_found", neighbour
        reply = post("/api/v1/concerns/follow/reply", {"receipt": neighbour, "text": "Planted words"})
        assert reply.status_code == 404, neighbour
    assert submitted.concern.events.count() == events_before
