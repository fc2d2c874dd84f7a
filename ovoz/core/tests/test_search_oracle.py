"""No filter, search, sort or count is an oracle on a field its user may not read (issue 12, point 1).

A search over text a user may not read tells them, one question at a time ("does it contain 'a'?",
then "'ab'?"...), what the text says. So a canary is planted in each kind of field a role may not read
(a restricted concern's words, a published concern's original words, a draft public text, the public
text of a restricted concern published by mistake, a contact, a message to the reporter, a sealed
concern's words, and the language and channel of a restricted and of a confidential concern), and every
list is asked with each query parameter it reads (found from the code: ``urlwalk.page_parameters``,
``api_parameters``, ``admin_parameters``, as the junk-parameter walk finds them), once with the canary and
once with a value that is nowhere: as every kind of user, both answers must be the same.

The deployment is built once for the module and committed (it is flushed again afterwards); each test
runs in a transaction of its own, so what the requests write (audit entries) does not leak between them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from ovoz.accounts.choices import DeploymentRole, GrantRole
from ovoz.accounts.tests.factories import UserFactory
from ovoz.concerns import services as concern_services
from ovoz.concerns.choices import Channel, EventKind, Status, Visibility
from ovoz.concerns.contacts import contact_parse
from ovoz.concerns.models import Concern, Theme
from ovoz.core.tests.hostile import shows_content
from ovoz.core.tests.urlwalk import admin_parameters, api_parameters, concrete_urls, page_parameters
from ovoz.groups import services as group_services
from ovoz.groups.tests.factories import InstitutionFactory, MemberFactory, WorkingGroupFactory
from ovoz.places.models import Area
from ovoz.referrals.models import CaseWorker, ProviderKind, ServiceProvider
from ovoz.testing.canary import canary
from ovoz.testing.web import sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.walk]

ROLES = [
    "anonymous",
    "member of another group",
    "observer",
    "authority member",
    "community member",
    "facilitator",
    "coordinator",
    "case worker",
    "administrator",
]
# Those who read the reporter's words of the group's public and restricted concerns (concerns.permissions).
ORIGINAL_READERS = frozenset({"facilitator", "coordinator", "administrator"})
NOBODY = frozenset[str]()

# Pages that show one photo, invitation, channel webhook, action or referral: no list, no filter. The
# rest of the resolver is walked, and a route with a parameter not named here or below fails.
SINGLE_OBJECT_PARAMETERS = {
    "attachment_id",
    "photo_id",
    "token",
    "channel_id",
    "action_id",
    "referral_id",
    "alert_id",
    "survey_id",  # a survey's staff page searches nothing
    "survey_slug",  # nor does answering one
    "file_format",  # a survey round's results as a file
    "round_id",  # an enumerator's form for one round: no list
}


@dataclass(frozen=True)
class Planted:
    """A value planted in fields some roles may not read, and a value of the same kind that is nowhere.

    ``parameter`` is None for text, asked of every parameter; a choice (a language, a channel) is asked
    only of the parameters named after its field, as other parameters may take the same short value
    for something else (``/api/v1/areas?country=uz``)."""

    fields: tuple[str, ...]
    value: str
    nowhere: str
    readers: frozenset[str]
    parameter: str | None = None


@dataclass
class OracleWorld:
    planted: list[Planted]
    clients: dict[str, Client]
    parameters: dict[str, set[str]]


def _build() -> tuple[list[Planted], dict[str, Any]]:
    """One group with a concern of each kind, each carrying canaries where only some may read."""
    country = Area.objects.create(kind="country", code="UZ", name="Uzbekistan")
    region = Area.objects.create(kind="region", code="UZ-JI", name="Jizzax Region", parent=country)
    zomin = Area.objects.create(kind="district", name="Zomin district", parent=region, latitude=39.9, longitude=68.4)
    other_region = Area.objects.create(kind="region", code="UZ-SA", name="Samarqand Region", parent=country)
    water = Theme.objects.create(slug="water", labels={"en": "Water"})
    violence = Theme.objects.create(slug="domestic-violence", labels={"en": "Violence at home"})
    group = WorkingGroupFactory(name="Zomin working group", slug="zomin", area=zomin)
    other_group = WorkingGroupFactory(name="Samarqand working group", slug="samarqand", area=other_region)
    InstitutionFactory(name="District office", area=zomin)
    users = {
        "facilitator": MemberFactory(working_group=group, role=GrantRole.FACILITATOR, user__username="dilnoza").user,
        "authority member": MemberFactory(working_group=group, role=GrantRole.AUTHORITY, user__username="police").user,
        "community member": MemberFactory(working_group=group, role=GrantRole.COMMUNITY, user__username="mahalla").user,
        "observer": MemberFactory(working_group=group, role=GrantRole.OBSERVER, user__username="olim").user,
        "member of another group": MemberFactory(
            working_group=other_group, role=GrantRole.FACILITATOR, user__username="botir"
        ).user,
        "coordinator": UserFactory(username="coordinator", role=DeploymentRole.COORDINATOR),
        "administrator": UserFactory(username="administrator", role=DeploymentRole.ADMINISTRATOR),
        "case worker": UserFactory(username="worker", role=DeploymentRole.NONE),
    }
    shelter = ServiceProvider.objects.create(name="Safe house", kind=ProviderKind.SHELTER)
    CaseWorker.objects.create(provider=shelter, user=users["case worker"])
    intake = UserFactory(username="intake", role=DeploymentRole.NONE, receives_confidential=True)
    assert (
        sign_in(Client(), intake).status_code == 302
    )  # the first sign-in makes the key confidential text is sealed to
    facilitator = users["facilitator"]

    # One text for every field only the original's readers read, another for the sealed fields (which
    # hold the first too): a role that reads neither is asked the first, which covers both.
    hidden = canary("oracle")
    sealed = canary("oracle")
    planted = [
        Planted(
            (
                "the words of a restricted concern",
                "the original words of a published concern",
                "the public text of an unpublished concern",
                "the public text of a restricted concern published by mistake",
                "a question to the reporter",
                "the note of a status change of a restricted concern",
                "a reporter's e-mail address",
                "the words and e-mail address of a confidential reporter",
            ),
            hidden,
            canary("oracle"),
            ORIGINAL_READERS,
        ),
        Planted(("the words and e-mail address of a confidential reporter",), sealed, canary("oracle"), NOBODY),
        # Choices no other concern has: "uz" and SMS only on the restricted one, "kk" and Telegram only on
        # the confidential one; "ky" and Open311 on none. Every other concern is in English, by the web.
        Planted(("the language of a restricted concern",), "uz", "ky", ORIGINAL_READERS, "language"),
        Planted(("the channel of a restricted concern",), "sms", "open311", ORIGINAL_READERS, "channel"),
        Planted(("the language of a confidential concern",), "kk", "ky", NOBODY, "language"),
        Planted(("the channel of a confidential concern",), "telegram", "open311", NOBODY, "channel"),
    ]

    def submit(text: str, **options: Any) -> Concern:
        options = {"channel": Channel.WEB, "language": "en", "area": zomin, "themes": [water], **options}
        return concern_services.concern_submit(text=text, **options).concern

    published = submit(f"The canal is blocked {hidden}")
    concern_services.concern_publish(actor=facilitator, concern=published, public_text="The canal is blocked")
    restricted = submit(
        f"Officers take money at the checkpoint {hidden}",
        language="uz",
        channel=Channel.SMS,
        visibility=Visibility.RESTRICTED,
        contact=contact_parse(email=f"{hidden}@example.org"),
    )
    concern_services.concern_message_reporter(
        actor=facilitator, concern=restricted, text=f"Which checkpoint? {hidden}", kind=EventKind.QUESTION
    )
    concern_services.concern_change_status(
        actor=facilitator, concern=restricted, status=Status.ACCEPTED, note=f"Seen {hidden}"
    )
    drafted = submit("The school roof leaks")
    concern_services.concern_publish(actor=facilitator, concern=drafted, public_text=f"A roof {hidden}")
    concern_services.concern_unpublish(actor=facilitator, concern=drafted)
    mistaken = submit("The bridge is unsafe", visibility=Visibility.RESTRICTED)
    # Published while restricted (a row changed by hand, a bug): its public text is no one's to search.
    Concern.objects.filter(pk=mistaken.pk).update(
        is_published=True, public_text=f"A bridge {hidden}", published_at=timezone.now()
    )
    confidential = submit(
        f"My husband beats me {hidden} {sealed}",
        language="kk",
        channel=Channel.TELEGRAM,
        themes=[violence],
        visibility=Visibility.CONFIDENTIAL,
        contact=contact_parse(email=f"{hidden}.{sealed}@example.org"),
    )
    assert confidential.is_sealed
    for concern in (published, restricted, mistaken, confidential):
        if concern.status != Status.ACCEPTED:
            concern_services.concern_change_status(actor=facilitator, concern=concern, status=Status.ACCEPTED)
    meeting = group_services.meeting_schedule(
        actor=facilitator, group=group, starts_at=timezone.now() + timedelta(days=2), place="Mahalla centre"
    )
    group_services.meeting_agenda_add(actor=facilitator, meeting=meeting, concerns=[published])
    values = {
        "concern_id": [str(published.pk)],
        "area_id": [str(region.pk)],
        "chart": ["themes", "areas", "steps", "promises", "channels"],
        "slug": [group.slug],
        "meeting_id": [str(meeting.pk)],
        "fmt": ["csv", "geojson", "xlsx", "json", "xml"],
        "code": [water.slug],
        "request_id": [str(published.pk)],
    }
    return planted, {"users": users, "values": values, "group": group}


def _walked(route: Any) -> bool:
    return shows_content(route) and not route.is_admin and not SINGLE_OBJECT_PARAMETERS & set(route.parameters)


@pytest.fixture(scope="module")
def oracle(django_db_setup: Any, django_db_blocker: Any) -> Any:
    with django_db_blocker.unblock():
        try:
            planted, built = _build()
            clients = {"anonymous": Client()}
            for role, user in built["users"].items():
                client = Client()
                assert sign_in(client, user).status_code == 302, role
                clients[role] = client
            routes = {url: route.template for route, url in concrete_urls(built["values"], include=_walked)}
            with pytest.MonkeyPatch.context() as monkeypatch:
                found = page_parameters(clients["administrator"], sorted(routes), monkeypatch)
            # One URL per route, the one reading the most: /data/concerns.csv and .xlsx run the same code.
            chosen: dict[str, str] = {}
            for url, template in routes.items():
                if len(found[url]) > len(found.get(chosen.get(template, ""), ())):
                    chosen[template] = url
            parameters = {url: found[url] for url in chosen.values()}
            parameters.update(api_parameters(built["group"].slug))
            parameters.update(admin_parameters())
            yield OracleWorld(planted, clients, {url: names for url, names in parameters.items() if names})
        finally:
            call_command("flush", interactive=False, verbosity=0)


_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')
_CHOSEN = re.compile(r' (selected|checked)(="[^"]*")?')


def _answer(client: Client, url: str, name: str, value: str) -> tuple[int, str, str]:
    """The response to ``url?name=value`` with the value itself (echoed in the form, in links) blanked."""
    response = client.get(url, {name: value})
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8", errors="replace")
    # A planted text is unique: every echo of it is blanked. A choice is blanked in links only; its
    # option in the form only loses "selected" (below).
    echo = value if len(value) > 8 else f"{name}={value}"
    text = text.replace(echo, echo.replace(value, "VALUE"))
    return (
        response.status_code,
        response.get("Location", "").replace(value, "VALUE"),
        _CHOSEN.sub("", _CSRF.sub("", text)),
    )


def test_the_walk_finds_the_searches_and_filters_of_the_staff_and_public_lists(oracle):
    parameters = oracle.parameters
    assert {"search", "status", "theme", "visibility"} <= parameters["/staff/groups/zomin/concerns/"]
    assert {"search", "theme", "visibility"} <= parameters[next(url for url in parameters if "/meetings/" in url)]
    assert {"search", "language", "channel", "visibility", "status", "region", "theme"} <= parameters[
        "/staff/concerns/"
    ]
    assert {"region", "theme", "status"} <= parameters["/en/concerns/"]
    assert {"area", "theme", "status", "since"} <= parameters["/api/v1/concerns"]
    assert {"service_code", "start_date", "end_date", "status"} <= parameters["/open311/v2/requests.json"]
    assert "q" in parameters["/staff/admin/places/area/"]


def _asked_of(role: str, planted: list[Planted]) -> list[Planted]:
    """The canaries in fields ``role`` may not read, leaving out those whose fields another one covers."""
    unreadable = [item for item in planted if role not in item.readers]
    chosen: list[Planted] = []
    for item in sorted(unreadable, key=lambda item: -len(item.fields)):
        covered = any(other.parameter == item.parameter and set(item.fields) <= set(other.fields) for other in chosen)
        if not covered:
            chosen.append(item)
    return chosen


@pytest.mark.parametrize("role", ROLES)
def test_a_canary_in_a_field_a_role_may_not_read_changes_no_answer_to_any_filter_search_or_sort(oracle, role):
    client = oracle.clients[role]
    asked = _asked_of(role, oracle.planted)
    differences = []
    for url, names in sorted(oracle.parameters.items()):
        if url.startswith("/staff/admin/") and role != "administrator":
            continue  # the admin is the administrators' alone (the authorization matrix proves it)
        for name in sorted(names):
            for item in asked:
                if item.parameter not in (None, name):
                    continue
                nowhere = _answer(client, url, name, item.nowhere)
                with_canary = _answer(client, url, name, item.value)
                # Asked again on a difference, in case something else moved in between (an audit entry).
                if with_canary != nowhere and with_canary != _answer(client, url, name, item.nowhere):
                    differences.append(f"{url}?{name}= tells {' or '.join(item.fields)} (status {with_canary[0]})")
    assert not differences, "\n".join(differences)


def test_the_canary_check_sees_a_search_over_a_field_the_role_may_read(oracle):
    """The comparison is not blind: a facilitator's search does find the restricted words they may read."""
    planted = next(item for item in oracle.planted if "the words of a restricted concern" in item.fields)
    client = oracle.clients["facilitator"]
    url = "/staff/groups/zomin/concerns/"
    assert _answer(client, url, "search", planted.value) != _answer(client, url, "search", planted.nowhere)
