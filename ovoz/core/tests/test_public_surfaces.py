"""A concern published while restricted or confidential appears on no public surface (issue 12, point 9).

Publishing refuses a concern that is not public, and a triage to restricted unpublishes it; but a row
changed by hand or a future bug could still leave ``is_published`` set on a restricted or confidential
concern. Public surfaces read concerns through one selector (``concerns.selectors.publicly_readable``),
which requires both. Here a restricted and a confidential concern are forced into a published state in
the database, with a public text and a point of their own, put on a held meeting's agenda, chosen as
priorities and linked to a public action; then every public page of the URL resolver (pages, map,
dashboards, downloads, API, Open311, group pages and their feed) is asked, and none may show them.
"""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from ovoz.concerns import services as concern_services
from ovoz.concerns.choices import Channel, Status, Visibility
from ovoz.concerns.models import Concern
from ovoz.core.tests.urlwalk import Route, concrete_urls
from ovoz.groups import services as group_services
from ovoz.groups.choices import MeetingStatus
from ovoz.testing.canary import canary
from ovoz.testing.scenario import build_scenario

pytestmark = pytest.mark.django_db

# A point of their own, on a 0.01° grid cell no other concern is in.
LATITUDE, LONGITUDE = 39.73, 68.83


def _is_public(route: Route) -> bool:
    return not route.is_admin and not route.template.startswith(("/staff/", "/channels/"))


def _body(response: Any) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content.startswith(b"PK"):  # a spreadsheet: its cells are in compressed XML
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            content = b"".join(archive.read(name) for name in archive.namelist())
    return content.decode("utf-8", errors="replace")


@pytest.fixture
def mistaken(world, settings, tmp_path):
    """The groups' scenario plus a restricted and a confidential concern that are public everywhere the
    group can put them (agenda, priorities, a public action) and published in the database."""
    settings.MEDIA_ROOT = tmp_path / "media"
    s = build_scenario(world)
    facilitator = s["users"]["facilitator"]
    restricted = s["restricted_concern"]
    confidential = concern_services.concern_submit(
        text="He hits me every night",
        channel=Channel.WEB,
        area=s["zomin"],
        themes=[s["violence"]],
        visibility=Visibility.CONFIDENTIAL,
    ).concern
    concern_services.concern_change_status(actor=facilitator, concern=confidential, status=Status.ACCEPTED)
    # The scenario's round: closed and decided with the restricted concern chosen.
    group_services.round_close(actor=facilitator, round=s["round"])
    group_services.round_decide(actor=facilitator, round=s["round"], concerns=[restricted], note="Agreed")
    # A second held meeting, for the confidential concern.
    meeting = group_services.meeting_schedule(
        actor=facilitator, group=s["group"], starts_at=timezone.now() - timedelta(days=1), place="School"
    )
    group_services.meeting_agenda_add(actor=facilitator, meeting=meeting, concerns=[confidential])
    group_services.meeting_update(
        actor=facilitator,
        meeting=meeting,
        starts_at=meeting.starts_at,
        place="School",
        online_link="",
        status=MeetingStatus.HELD,
    )
    round_ = group_services.round_open(actor=facilitator, meeting=meeting)
    group_services.round_close(actor=facilitator, round=round_)
    group_services.round_decide(actor=facilitator, round=round_, concerns=[confidential], note="Agreed")
    action = group_services.action_create(
        actor=facilitator,
        group=s["group"],
        title="Talk to the families",
        concerns=[restricted, confidential],
        owner=s["khokimiyat"],
        due_on=timezone.localdate() + timedelta(days=7),
    )
    group_services.action_post_update(actor=facilitator, action=action, text="First visit made", progress=10)
    markers = {}
    for concern in (restricted, confidential):
        markers[concern.pk] = canary("published-by-mistake")
        Concern.objects.filter(pk=concern.pk).update(
            is_published=True,
            public_text=f"Published by mistake {markers[concern.pk]}",
            published_at=timezone.now(),
            latitude=LATITUDE,
            longitude=LONGITUDE,
        )
    return {**s, "markers": markers, "confidential": confidential, "second_meeting": meeting, "public_action": action}


def test_a_concern_published_while_restricted_or_confidential_is_on_no_public_surface(mistaken):
    restricted, confidential = mistaken["restricted_concern"], mistaken["confidential"]
    hidden = [str(restricted.pk), str(confidential.pk)]
    values = {
        "concern_id": hidden,
        "request_id": hidden,
        "slug": [mistaken["group"].slug],
        "survey_slug": ["no-such-survey"],  # surveys show no concern
        "number": ["1"],
        "file_format": ["csv"],
        "meeting_id": [str(mistaken["meeting"].pk), str(mistaken["second_meeting"].pk)],
        "photo_id": [str(mistaken["photo"].pk)],
        "chart": ["themes", "areas", "steps", "promises", "channels"],
        "fmt": ["csv", "geojson", "xlsx", "json", "xml"],
        "code": ["water", "domestic-violence"],
        "token": ["no-such-token"],
        "alert_id": ["1"],  # staff only: anonymous callers are refused before any alert is looked up
    }
    client = Client()
    walked, shown = [], []
    for _route, url in concrete_urls(values, include=_is_public):
        response = client.get(url)
        walked.append(url)
        body = _body(response)
        shown += [f"{url} shows {marker}" for marker in mistaken["markers"].values() if marker in body]
        is_detail = url.rstrip("/").endswith(tuple(f"/concerns/{pk}" for pk in hidden)) or "/requests/" in url
        if is_detail and response.status_code != 404:
            shown.append(f"{url} answers {response.status_code}")
    assert not shown, "\n".join(shown)
    # The walk reached the surfaces that list concerns or their topics (a guard that it walks at all).
    for surface in (
        "/en/concerns/",
        "/en/map/",
        "/data/concerns.csv",
        "/data/concerns.xlsx",
        "/data/concerns.geojson",
        "/api/v1/concerns",
        "/api/v1/stats/points",
        "/open311/v2/requests.json",
        "/en/groups/zomin/",
        "/en/groups/zomin/feed/",
        f"/en/groups/zomin/meetings/{mistaken['second_meeting'].pk}/",
        "/api/v1/groups/zomin/actions",
    ):
        assert surface in walked, surface

    # What carries ids or points and no text: neither concern is in them.
    listed = client.get("/api/v1/concerns").json()["items"]
    assert not {item["id"] for item in listed} & {restricted.pk, confidential.pk}
    actions = client.get("/api/v1/groups/zomin/actions").json()["items"]
    linked = next(item["concerns"] for item in actions if item["title"] == "Talk to the families")
    assert linked == []
    points = client.get("/api/v1/stats/points").json()
    cells = {tuple(feature["geometry"]["coordinates"]) for feature in points["features"]}
    assert (LONGITUDE, LATITUDE) not in cells
    requests = client.get("/open311/v2/requests.json").json()
    assert not {item["service_request_id"] for item in requests} & set(hidden)
    # The group's public pages show the action, and do not name the protected concerns behind it, not
    # even by their theme (groups.selectors.public_topics).
    page = client.get("/en/groups/zomin/").content.decode()
    assert "Talk to the families" in page and "Domestic violence" not in page
