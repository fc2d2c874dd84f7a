"""The inbox asks, for a whole page at once, whose original each staff user may read
(``selectors.original_readable_ids``): it must answer exactly as ``permissions.can_read_original``
does one concern at a time, for every kind of user and every kind of concern."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ovoz.accounts.choices import DeploymentRole
from ovoz.accounts.tests.factories import UserFactory
from ovoz.concerns import permissions, selectors, services
from ovoz.concerns.choices import Channel, Visibility
from ovoz.testing.web import client_for

pytestmark = pytest.mark.django_db


def test_a_page_at_once_answers_as_each_concern_alone(world, intake):
    intake_user, _client, _key = intake
    submit = services.concern_submit
    concerns = [
        submit(text="Canal in Zomin", channel=Channel.WEB, area=world["zomin"]).concern,
        submit(
            text="Police in Zomin", channel=Channel.WEB, area=world["zomin"], visibility=Visibility.RESTRICTED
        ).concern,
        submit(text="Bazaar", channel=Channel.WEB, area=world["samarkand"], visibility=Visibility.RESTRICTED).concern,
        submit(text="No area", channel=Channel.SMS).concern,
        submit(text="At home", channel=Channel.WEB, area=world["zomin"], visibility=Visibility.CONFIDENTIAL).concern,
    ]
    assert concerns[-1].is_sealed
    users = {
        **world["users"],
        "coordinator": UserFactory(role=DeploymentRole.COORDINATOR),
        "confidential intake": intake_user,
    }
    answers = {}
    for kind, user in users.items():
        one_by_one = {concern.pk for concern in concerns if permissions.can_read_original(user, concern)}
        assert selectors.original_readable_ids(user, concerns) == one_by_one, kind
        answers[kind] = len(one_by_one)
    # The comparison means something: the kinds read different sets, from nothing to all but the sealed one.
    assert answers["member"] == 0 and answers["facilitator"] == 2 and answers["administrator"] == 4
    assert answers["confidential intake"] == 1


def test_the_inbox_asks_the_database_as_often_for_fifty_rows_as_for_two(world):
    client = client_for(world, "facilitator")
    for index in range(2):
        services.concern_submit(text=f"Canal {index}", channel=Channel.WEB, area=world["zomin"])
    client.get("/staff/concerns/")  # the first request of a session may set it up
    with CaptureQueriesContext(connection) as two:
        assert client.get("/staff/concerns/").status_code == 200
    for index in range(48):
        services.concern_submit(text=f"Well {index}", channel=Channel.WEB, area=world["zomin"])
    with CaptureQueriesContext(connection) as fifty:
        page = client.get("/staff/concerns/").content.decode()
    assert "Well 47" in page and "Canal 0" in page
    assert len(fifty) == len(two), [query["sql"][:120] for query in fifty.captured_queries]
