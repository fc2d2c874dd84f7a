"""The authorization matrix over every staff and API URL, built from the URL resolver (DESIGN §5).

`EXPECTED` names every staff and API URL pattern; `test_every_staff_and_api_url_is_in_the_matrix` fails
when a URL is added without deciding who may reach it. Each kind of user then requests every URL (filled
in with objects of working group "zomin", service "Safe house" and one confidential concern) and must get
exactly the status its role allows. Refusals change nothing: a refused kind's POST to the URL leaves
every table but the audit log as it was. Object-level refusals are 404 (as if the object did not exist);
a page whose kind of user cannot use it at all answers 403 or sends anonymous visitors to the login page.
The working-group URLs' role-by-role POST rules are in ovoz/groups/tests/test_authorization.py.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from ovoz.accounts.choices import DeploymentRole
from ovoz.accounts.keys import key_open_with_password
from ovoz.accounts.tests.factories import PASSWORD, UserFactory
from ovoz.concerns import services as concern_services
from ovoz.concerns.choices import Channel, Visibility
from ovoz.core.images import image_clean
from ovoz.core.models import AuditEntry
from ovoz.insights.models import Alert
from ovoz.referrals import services as referral_services
from ovoz.referrals.models import CaseWorker, Consent, ConsentState, ProviderKind, ServiceProvider
from ovoz.surveys.indicators import indicator_add
from ovoz.surveys.services import survey_import, survey_round_open
from ovoz.surveys.tests.workbooks import workbook_bytes
from ovoz.testing.media import jpeg_with_gps
from ovoz.testing.scenario import build_scenario
from ovoz.testing.snapshot import table_rows
from ovoz.testing.web import sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.walk]

KINDS = [
    "anonymous",
    "reporter with another receipt",
    "member of another group",
    "member",
    "facilitator",
    "case worker of another provider",
    "case worker",
    "administrator",
]
STAFF = KINDS[2:]
SECRET = "CANARY-MATRIX domestic violence story"

# Not behind a login on purpose: the login steps, sign-out, and the invitation link (its token is the key).
OPEN_TO_ALL = {"login", "login_verify", "enrol", "logout", "group_invitation"}


def _everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(KINDS, status)


def _staff(**overrides: int) -> dict[str, int]:
    """A staff page: anonymous visitors (and reporters, who have no account) go to the login page."""
    return {"anonymous": 302, "reporter with another receipt": 302, **dict.fromkeys(STAFF, 200), **overrides}


GROUP_READ = _staff(**{"member of another group": 404, "case worker of another provider": 404, "case worker": 404})
ADMIN_ONLY = _staff(**{kind: 403 for kind in STAFF if kind != "administrator"})
CASE_WORKERS = _staff(
    **{kind: 403 for kind in STAFF if not kind.startswith("case worker")},
)
# Alerts: staff with a role or a grant (case workers alone have none); the API answers 401 to anonymous callers.
ALERTS = _staff(**{"case worker of another provider": 403, "case worker": 403})
ALERT = {**ALERTS, "member of another group": 404}
API_ALERTS = {**ALERTS, "anonymous": 401, "reporter with another receipt": 401}
API_ALERT = {**API_ALERTS, "member of another group": 404}
ADMIN_POST_ONLY = {**ADMIN_ONLY, "administrator": 405}
POST_ONLY = {"anonymous": 302, "reporter with another receipt": 302, **dict.fromkeys(STAFF, 405)}

# url name -> (GET url, expected GET status per kind)
EXPECTED_BUILDERS = {
    "openapi-json": lambda w: ("/api/v1/openapi.json", _everyone(200)),
    "api-root": lambda w: ("/api/v1/", _everyone(404)),
    "list_areas": lambda w: ("/api/v1/areas", _everyone(200)),
    "area_outlines": lambda w: ("/api/v1/areas/outlines", _everyone(200)),
    "list_themes": lambda w: ("/api/v1/themes", _everyone(200)),
    "get_confidential_readers": lambda w: ("/api/v1/confidential-readers", _everyone(200)),
    "create_concern": lambda w: ("/api/v1/concerns", _everyone(200)),  # GET lists published concerns
    "list_concerns": lambda w: ("/api/v1/concerns", _everyone(200)),
    "follow_concern": lambda w: ("/api/v1/concerns/follow", _everyone(405)),
    "reply_to_concern": lambda w: ("/api/v1/concerns/follow/reply", _everyone(405)),
    "stats_areas": lambda w: ("/api/v1/stats/areas", _everyone(200)),
    "stats_points": lambda w: ("/api/v1/stats/points", _everyone(200)),
    "list_groups": lambda w: ("/api/v1/groups", _everyone(200)),
    "get_group": lambda w: ("/api/v1/groups/zomin", _everyone(200)),
    "list_meetings": lambda w: ("/api/v1/groups/zomin/meetings", _everyone(200)),
    "list_actions": lambda w: ("/api/v1/groups/zomin/actions", _everyone(200)),
    "list_alerts": lambda w: ("/api/v1/alerts", API_ALERTS),
    "get_alert": lambda w: (f"/api/v1/alerts/{w['alert'].pk}", API_ALERT),
    "alerts": lambda w: ("/staff/alerts/", ALERTS),
    "alert": lambda w: (f"/staff/alerts/{w['alert'].pk}/", ALERT),
    "home": lambda w: ("/staff/", _staff()),
    "areas": lambda w: ("/staff/areas/", _staff()),
    "area": lambda w: (f"/staff/areas/{w['zomin'].pk}/", _staff()),
    "themes": lambda w: ("/staff/themes/", _staff()),
    "concerns": lambda w: ("/staff/concerns/", _staff()),
    "concerns_bulk_status": lambda w: ("/staff/concerns/status/", POST_ONLY),
    "concern": lambda w: (f"/staff/concerns/{w['public_concern'].pk}/", GROUP_READ),
    "concern_suggestion_accept": lambda w: (f"/staff/concerns/{w['public_concern'].pk}/suggested-theme/", POST_ONLY),
    "concern_photo": lambda w: (
        f"/staff/concerns/{w['photo_concern'].pk}/photos/{w['photo_concern'].attachments.get().pk}/",
        {**GROUP_READ, "member": 404},  # members read metadata only, never the reporter's photos
    ),
    "audit": lambda w: ("/staff/audit/", ADMIN_ONLY),
    "dashboard": lambda w: ("/staff/dashboard/", _staff()),
    "dashboard_csv": lambda w: ("/staff/dashboard/themes.csv", _staff()),
    "export_concerns": lambda w: ("/staff/exports/concerns.csv", ADMIN_ONLY),
    "telegram_link": lambda w: ("/staff/account/telegram/", _staff()),
    "groups": lambda w: ("/staff/groups/", _staff()),
    "group": lambda w: ("/staff/groups/zomin/", GROUP_READ),
    "group_members": lambda w: ("/staff/groups/zomin/members/", GROUP_READ),
    "group_institutions": lambda w: ("/staff/groups/zomin/institutions/", GROUP_READ),
    "group_concerns": lambda w: ("/staff/groups/zomin/concerns/", GROUP_READ),
    "group_meetings": lambda w: ("/staff/groups/zomin/meetings/", GROUP_READ),
    "group_meeting": lambda w: (f"/staff/groups/zomin/meetings/{w['meeting'].pk}/", GROUP_READ),
    "group_meeting_print": lambda w: (f"/staff/groups/zomin/meetings/{w['meeting'].pk}/print/", GROUP_READ),
    "group_scores": lambda w: (f"/staff/groups/zomin/meetings/{w['meeting'].pk}/scores/", GROUP_READ),
    "group_criteria": lambda w: ("/staff/groups/zomin/criteria/", GROUP_READ),
    "group_actions": lambda w: ("/staff/groups/zomin/actions/", GROUP_READ),
    "group_action": lambda w: (f"/staff/groups/zomin/actions/{w['action'].pk}/", GROUP_READ),
    "group_action_photo": lambda w: (
        f"/staff/groups/zomin/actions/{w['action'].pk}/photos/{w['photo'].pk}/",
        GROUP_READ,
    ),
    "concern_referrals": lambda w: (f"/staff/concerns/{w['confidential'].pk}/referrals/", POST_ONLY),
    "referrals": lambda w: ("/staff/referrals/", CASE_WORKERS),
    "referral": lambda w: (
        f"/staff/referrals/{w['referral'].pk}/",
        {**CASE_WORKERS, "case worker of another provider": 404},
    ),
    "referral_photo": lambda w: (
        f"/staff/referrals/{w['referral'].pk}/photos/{w['confidential'].attachments.get().pk}/",
        {**CASE_WORKERS, "case worker of another provider": 404},
    ),
    "account": lambda w: ("/staff/account/", _staff()),
    "key": lambda w: ("/staff/account/key/", _staff()),
    "recovery_codes": lambda w: ("/staff/account/recovery-codes/", _staff()),
    # Administrators and current recipients of confidential concerns (none of the other kinds here).
    "recipients": lambda w: ("/staff/recipients/", ADMIN_ONLY),
    # Surveys: administrators and coordinators (no coordinator among these kinds).
    "surveys": lambda w: ("/staff/surveys/", ADMIN_ONLY),
    "survey_import": lambda w: ("/staff/surveys/import/", ADMIN_ONLY),
    "survey": lambda w: (f"/staff/surveys/{w['survey'].pk}/", ADMIN_ONLY),
    "survey_round_open": lambda w: (f"/staff/surveys/{w['survey'].pk}/rounds/", ADMIN_POST_ONLY),
    "survey_round_close": lambda w: (f"/staff/surveys/{w['survey'].pk}/rounds/1/close/", ADMIN_POST_ONLY),
    "survey_round_results": lambda w: (f"/staff/surveys/{w['survey'].pk}/rounds/1/results/", ADMIN_ONLY),
    "survey_round_channels": lambda w: (f"/staff/surveys/{w['survey'].pk}/rounds/1/channels/", ADMIN_ONLY),
    "survey_round_export": lambda w: (f"/staff/surveys/{w['survey'].pk}/rounds/1/results.csv", ADMIN_ONLY),
    "survey_indicator_add": lambda w: (f"/staff/surveys/{w['survey'].pk}/indicators/", ADMIN_POST_ONLY),
    "survey_results_publish": lambda w: (f"/staff/surveys/{w['survey'].pk}/publish/", ADMIN_POST_ONLY),
    # GET asks for confirmation; POST removes.
    "survey_indicator_remove": lambda w: (
        f"/staff/surveys/{w['survey'].pk}/indicators/{w['indicator'].pk}/remove/",
        ADMIN_ONLY,
    ),
    "list_surveys": lambda w: ("/api/v1/surveys", _everyone(200)),
    # The matrix's survey does not publish its results: a 404 for everyone, staff included.
    "survey_results": lambda w: (f"/api/v1/surveys/{w['survey'].slug}/results", _everyone(404)),
    # A group's surveys (open a round for its area, results onto its agenda): those who manage the group.
    "survey_group": lambda w: ("/staff/surveys/groups/zomin/", {**GROUP_READ, "member": 403}),
    # Collecting answers: enumerators (not among these kinds: ovoz/surveys/tests/test_collect.py), administrators
    # and coordinators.
    "survey_collect_list": lambda w: ("/staff/surveys/collect/", ADMIN_ONLY),
    "survey_collect": lambda w: (  # the matrix's survey is not published: no one collects for it
        f"/staff/surveys/collect/{w['survey'].rounds.get().pk}/",
        {**ADMIN_ONLY, "administrator": 404},
    ),
    "survey_collect_offline": lambda w: (  # the same: unpublished, so not even its offline page
        f"/staff/surveys/collect/{w['survey'].rounds.get().pk}/offline/",
        {**ADMIN_ONLY, "administrator": 404},
    ),
    "survey_collect_key": lambda w: ("/staff/surveys/collect/key/", ADMIN_ONLY),
    "survey_collect_sync": lambda w: ("/staff/surveys/collect/sync/", ADMIN_POST_ONLY),
    "survey_collect_worker": lambda w: ("/staff/surveys/collect/worker.js", ADMIN_ONLY),
    "survey_enumerators": lambda w: ("/staff/surveys/enumerators/", ADMIN_ONLY),
    "survey_answers_import": lambda w: (f"/staff/surveys/{w['survey'].pk}/rounds/1/import/", ADMIN_ONLY),
}


def _staff_and_api_url_names() -> set[str]:
    def walk(patterns: list[URLPattern | URLResolver], prefix: str = ""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern), pattern.name

    return {
        name or route
        for route, name in walk(get_resolver().url_patterns)
        if (route.startswith("staff/") and not route.startswith("staff/admin/")) or route.startswith("api/")
    }


def test_every_staff_and_api_url_is_in_the_matrix():
    assert _staff_and_api_url_names() - OPEN_TO_ALL == set(EXPECTED_BUILDERS)


@pytest.fixture
def matrix(world):
    """The groups' scenario, plus one confidential concern sealed to an intake recipient and referred to a
    shelter, a case worker there and one at another service, and a reporter with a receipt of their own."""
    s = build_scenario(world)
    users = s["users"]
    intake = UserFactory(username="intake", role=DeploymentRole.NONE, receives_confidential=True)
    sign_in(Client(), intake)  # the first sign-in makes the key
    shelter = ServiceProvider.objects.create(name="Safe house", kind=ProviderKind.SHELTER)
    legal = ServiceProvider.objects.create(name="Legal aid", kind=ProviderKind.LEGAL_AID)
    users["case worker"] = UserFactory(username="worker", role=DeploymentRole.NONE)
    users["case worker of another provider"] = UserFactory(username="stranger", role=DeploymentRole.NONE)
    CaseWorker.objects.create(provider=shelter, user=users["case worker"])
    CaseWorker.objects.create(provider=legal, user=users["case worker of another provider"])
    clients: dict[str, Client] = {}
    for kind in STAFF:
        client = Client()
        response = sign_in(client, users[kind])
        assert response.status_code == 302, kind
        clients[kind] = client  # signing in made the case workers' keys
    confidential = concern_services.concern_submit(
        text=SECRET,
        channel=Channel.WEB,
        area=s["zomin"],
        visibility=Visibility.CONFIDENTIAL,
        photos=[image_clean(jpeg_with_gps())],
    ).concern
    Consent.objects.create(concern=confidential, state=ConsentState.GIVEN)
    referral = referral_services.referral_create(
        actor=intake,
        private_key=key_open_with_password(user=intake, password=PASSWORD),
        concern=confidential,
        provider=shelter,
        share_contact=False,
    )
    photo_concern = concern_services.concern_submit(
        text="Collapsed wall", channel=Channel.WEB, area=s["zomin"], photos=[image_clean(jpeg_with_gps())]
    ).concern
    alert = Alert.objects.create(
        area=s["zomin"],
        theme=world["water"],
        first_day=date(2026, 11, 28),
        last_day=date(2026, 11, 30),
        score=1.5,
        observed=7,
        expected=0.5,
        daily_counts=[0, 3, 4],
        daily_expected=[0.1, 0.2, 0.2],
    )
    survey = survey_import(file=workbook_bytes(), file_name="community_safety.xlsx")
    survey_round_open(survey=survey, actor=users["administrator"])
    indicator = indicator_add(survey=survey, question="gender", value="woman", label="", actor=None)
    reporter = Client()
    other = concern_services.concern_submit(text="My own concern about the bus", channel=Channel.WEB)
    clients["anonymous"] = Client()
    clients["reporter with another receipt"] = reporter
    return {
        **s,
        "confidential": confidential,
        "referral": referral,
        "photo_concern": photo_concern,
        "alert": alert,
        "survey": survey,
        "indicator": indicator,
        "other_receipt": other.receipt,
        "matrix_clients": clients,
    }


def _snapshot() -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table but the audit log and sessions: a refusal must change none of them."""
    return table_rows(skip=(AuditEntry, apps.get_model("sessions", "Session")))


@pytest.mark.parametrize("kind", KINDS)
def test_every_staff_and_api_url_answers_each_kind_as_its_role_allows_and_refusals_change_nothing(matrix, kind):
    client = matrix["matrix_clients"][kind]
    for name, build in EXPECTED_BUILDERS.items():
        url, expected = build(matrix)
        response = client.get(url)
        assert response.status_code == expected[kind], (name, url, kind)
        if expected[kind] == 302 and url.startswith("/staff/"):
            assert response["Location"].startswith("/staff/login/"), (name, kind)
        if expected[kind] in (302, 403, 404) and url.startswith("/staff/"):
            before = _snapshot()
            refused = client.post(url, {"action": "triage", "visibility": "public", "status": "closed"})
            assert refused.status_code in (302, 403, 404), (name, url, kind, refused.status_code)
            assert _snapshot() == before, (name, url, kind)
        if response.status_code == 200 and name not in ("referral", "referral_photo", "concern_photo"):
            body = b"".join(response.streaming_content) if response.streaming else response.content
            assert SECRET.encode() not in body, (name, url, kind)
    # Nobody in the matrix holds the concern's intake key: asking, referring and revoking are refused.
    if kind in STAFF:
        before = _snapshot()
        url = f"/staff/concerns/{matrix['confidential'].pk}/referrals/"
        for action in ("ask", "refer", "revoke"):
            data = {"action": action, "provider": matrix["referral"].provider_id, "referral": matrix["referral"].pk}
            assert client.post(url, data).status_code == 404, (kind, action)
        assert _snapshot() == before
    # The confidential concern's words reach only the case worker it was referred to, through the referral.
    referral_page = client.get(f"/staff/referrals/{matrix['referral'].pk}/").content.decode()
    assert (SECRET in referral_page) == (kind == "case worker")


def test_a_reporter_following_with_another_receipt_reaches_only_their_own_concern(matrix):
    reporter = matrix["matrix_clients"]["reporter with another receipt"]
    answer = reporter.post(
        "/api/v1/concerns/follow", {"receipt": matrix["other_receipt"]}, content_type="application/json"
    )
    assert answer.status_code == 200 and answer.json()["id"] not in (matrix["confidential"].pk,)
    page = reporter.post("/en/follow/", {"receipt": matrix["other_receipt"]}, follow=True).content.decode()
    assert SECRET not in page
    before = _snapshot()
    wrong = reporter.post(
        "/api/v1/concerns/follow/reply",
        {"receipt": "KD7Q-3M9X-TR4B-8HNV", "text": "trying someone else's"},
        content_type="application/json",
    )
    assert wrong.status_code == 404 and _snapshot() == before
