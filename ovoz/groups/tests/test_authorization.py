"""One authorization matrix over every working-group staff URL and API URL (DESIGN §5, CONVENTIONS).

Each kind of user walks every URL; a refusal (login redirect, 403, 404) must change nothing.
A member of another group gets a 404 everywhere, as if the group did not exist.
"""

import pytest
from django.contrib.sessions.models import Session

from ovoz.core.models import AuditEntry
from ovoz.testing.scenario import build_scenario
from ovoz.testing.snapshot import table_rows
from ovoz.testing.web import KINDS, client_for

pytestmark = pytest.mark.django_db

ANONYMOUS_GET = 302
OTHER = 404

# What each kind may do: "read" pages answer 200 to every member of the group (observers too);
# "manage" actions only to facilitators and administrators; "score" to members who are not observers.
READ = {
    "anonymous": 302,
    "member of another group": OTHER,
    "observer": 200,
    "member": 200,
    "facilitator": 200,
    "administrator": 200,
}
MANAGE_GET = READ
MANAGE_POST = {
    "anonymous": 302,
    "member of another group": OTHER,
    "observer": 403,
    "member": 403,
    "facilitator": 302,
    "administrator": 302,
}
OWN_POST = {
    "anonymous": 302,
    "member of another group": OTHER,
    "observer": 302,
    "member": 302,
    "facilitator": 302,
    "administrator": 403,
}
SCORE_POST = {
    "anonymous": 302,
    "member of another group": OTHER,
    "observer": 403,
    "member": 302,
    "facilitator": 302,
    "administrator": 403,
}
RESPONSIBLE_POST = {
    "anonymous": 302,
    "member of another group": OTHER,
    "observer": 403,
    "member": 302,
    "facilitator": 302,
    "administrator": 302,
}


def staff_requests(s):
    """(method, url, data, expected statuses by kind) for every staff URL of a working group."""
    group = "/staff/groups/zomin"
    meeting = f"{group}/meetings/{s['meeting'].pk}"
    action = f"{group}/actions/{s['action'].pk}"
    return [
        ("get", f"{group}/", None, READ),
        ("post", f"{group}/", {"is_named_publicly": "on"}, OWN_POST),
        ("get", f"{group}/members/", None, READ),
        (
            "post",
            f"{group}/members/",
            {"action": "invite", "email": "new@example.org", "role": "community"},
            MANAGE_POST,
        ),
        (
            "post",
            f"{group}/members/",
            {"action": "update", "grant": s["observer_grant"].pk, "role": "community", "institution": ""},
            MANAGE_POST,
        ),
        ("get", f"{group}/institutions/", None, READ),
        ("post", f"{group}/institutions/", {"name": "Zomin water utility", "area": s["zomin"].pk}, MANAGE_POST),
        ("get", f"{group}/concerns/", None, READ),
        ("get", f"{group}/meetings/", None, READ),
        ("post", f"{group}/meetings/", {"starts_at": "2030-01-15T10:00", "place": "School no. 4"}, MANAGE_POST),
        ("get", f"{meeting}/", None, READ),
        ("post", f"{meeting}/", {"action": "minutes", "minutes": "Agreed", "decisions": "Clean"}, MANAGE_POST),
        ("post", f"{meeting}/", {"action": "agenda_remove", "concern": s["restricted_concern"].pk}, MANAGE_POST),
        ("get", f"{meeting}/print/", None, READ),
        ("get", f"{group}/criteria/", None, READ),
        ("post", f"{group}/criteria/", {criterion.slug: 2 for criterion in s["criteria"]}, MANAGE_POST),
        ("get", f"{meeting}/scores/", None, READ),
        (
            "post",
            f"{meeting}/scores/",
            {f"score_{s['public_concern'].pk}_{criterion.pk}": "4" for criterion in s["criteria"]},
            SCORE_POST,
        ),
        ("post", f"{meeting}/", {"action": "round_close"}, MANAGE_POST),
        ("get", f"{group}/actions/", None, READ),
        (
            "post",
            f"{group}/actions/",
            {
                "action": "create",
                "title": "Light the street",
                "concerns": [s["prioritised_concern"].pk],
                "owner": s["police"].pk,
                "due_on": "2031-01-01",
            },
            MANAGE_POST,
        ),
        ("get", f"{action}/", None, READ),
        ("get", f"{action}/photos/{s['photo'].pk}/", None, READ),
        ("post", f"{action}/", {"action": "update", "text": "Half done", "progress": 50}, RESPONSIBLE_POST),
        ("post", f"{action}/", {"action": "status", "status": "in_progress"}, RESPONSIBLE_POST),
        (
            "post",
            f"{action}/",
            {
                "action": "edit",
                "edit-title": "Repair the road to the school",
                "edit-concerns": [s["prioritised_concern"].pk],
                "edit-owner": s["khokimiyat"].pk,
                "edit-due_on": "2031-06-01",
                "edit-is_public": "on",
            },
            MANAGE_POST,
        ),
        *s.get("later_requests", []),
    ]


def _snapshot():
    """Everything a refused request must leave as it was: every row but the audit log's and sessions'."""
    return table_rows(skip=(AuditEntry, Session))


@pytest.mark.parametrize("kind", KINDS)
def test_every_group_staff_url_answers_each_kind_of_user_as_their_role_allows(world, kind):
    scenario = build_scenario(world)
    client = client_for(world, kind)
    for method, url, data, expected in staff_requests(scenario):
        status = expected[kind]
        refused = status in (302, 403, 404) and (kind == "anonymous" or status != 302)
        before = _snapshot() if refused else None
        denied_before = AuditEntry.objects.filter(action="access.denied").count()
        response = getattr(client, method)(url, data) if data is not None else getattr(client, method)(url)
        assert response.status_code == status, (method, url, kind, response.content.decode()[:500])
        if status == 302 and kind == "anonymous":
            assert response["Location"].startswith("/staff/login/")
        if refused:
            assert _snapshot() == before, (method, url, kind)
        if status in (403, 404) and kind != "anonymous":
            assert AuditEntry.objects.filter(action="access.denied").count() == denied_before + 1, (url, kind)


def test_the_group_list_shows_only_the_users_own_groups(world):
    other = client_for(world, "member of another group").get("/staff/groups/").content.decode()
    administrator = client_for(world, "administrator").get("/staff/groups/").content.decode()
    assert "Samarkand working group" in other and "Zomin working group" not in other
    assert "Samarkand working group" in administrator and "Zomin working group" in administrator


PUBLIC_API = ["/api/v1/groups", "/api/v1/groups/zomin"]


@pytest.mark.parametrize("kind", KINDS)
def test_the_public_api_answers_everyone_alike(world, kind):
    scenario = build_scenario(world)
    client = client_for(world, kind)
    for url in [*PUBLIC_API, *scenario.get("public_api", [])]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.json() == client_for(world, "anonymous").get(url).json(), url
