"""axe-core in Debian's Chromium on every public page and every staff page, in Russian and in Tajik, at a phone's
size (360 px; no page may be wider than that).

axe-core (MPL-2.0) is vendored from npm under ``vendor/`` next to this file, for the tests only: it is
not a static file and never reaches a visitor. The pages come from the URL resolver
(``urlwalk.routes``), so a new page is checked as soon as it exists; the few routes that are not pages
(files, feeds, POST-only actions) are named below with the reason.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.db.models import Q
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from ovoz.accounts.tests.factories import PASSWORD, UserFactory
from ovoz.concerns.models import Concern
from ovoz.core.tests.urlwalk import Route, routes
from ovoz.groups.models import Action, Meeting
from ovoz.insights.models import Alert
from ovoz.operations.demo import DEMO_PASSWORD, demo_current_code, demo_load
from ovoz.places.models import Area
from ovoz.surveys.indicators import indicator_add
from ovoz.surveys.models import RoundState, Survey
from ovoz.surveys.services import survey_import, survey_round_open
from ovoz.surveys.tests.workbooks import workbook_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"

NOT_PAGES = {
    # Files, feeds and downloads.
    "dashboard_csv": "a CSV file",
    "export_concerns": "a data download",
    "export_areas": "a data download",
    "group_feed": "an Atom feed",
    "group_photo": "an image",
    "concern_photo": "an image",
    "group_action_photo": "an image",
    "referral_photo": "an image",
    # Actions: a form elsewhere posts to them.
    "concern_support": "POST only",
    "concern_suggestion_accept": "POST only",
    "concerns_bulk_status": "POST only",
    "survey_round_open": "POST only",
    "survey_collect_sync": "POST only (JSON from the offline collect page)",
    "survey_collect_key": "JSON for the offline collect page",
    "survey_collect_worker": "a service worker script",
    "survey_round_close": "POST only",
    "survey_results_publish": "POST only",
    "survey_indicator_add": "POST only",
    "survey_round_export": "a data download",
    "survey_results_export": "a data download",
    "logout": "POST only",
    "set_language": "POST only",
    # Pages of a state the signed-in facilitator is not in (each has its own browser test).
    "enrol": "only while a new user sets up the second factor (checked for a newcomer, below)",
    "login_verify": "only between the two sign-in steps (checked there, below)",
    "group_invitation": "only for the invited person, signed out",
}
# Pages the demo facilitator may not open: the administrator's (checked signed in as the demo
# administrator), and those of referrals of confidential concerns: the case worker's inbox and the intake
# user's confidential concern are checked below; a referral's own page needs a referral made with an
# unlocked key (not in the demo), and concern_referrals only answers the concern page's forms.
ADMINISTRATORS = {
    "audit",
    "recipients",
    "areas",
    "area",
    "themes",
    "surveys",
    "survey_import",
    "survey",
    "survey_round_results",
    "survey_round_channels",
    "survey_answers_import",
    "survey_collect_list",
    "survey_collect",
    "survey_collect_offline",
    "survey_enumerators",
    "survey_indicator_remove",
}
NOT_FACILITATORS = ADMINISTRATORS | {"referrals", "referral", "concern_referrals"}

AXE_RUN = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map(violation => ({
    rule: violation.id,
    impact: violation.impact,
    help: violation.help,
    nodes: violation.nodes.slice(0, 3).map(node => node.target.join(" ")),
  }));
}"""


# The innermost elements that reach past the phone's right edge (but for those in a box that scrolls by
# itself), to say what makes a page too wide.
WIDEST = """() => Array.from(document.querySelectorAll("body *"))
  .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1 && !el.closest(".table-scroll")
    && !Array.from(el.children).some(child => child.getBoundingClientRect().right > window.innerWidth + 1))
  .slice(0, 3).map(el => el.tagName.toLowerCase() + ": " + (el.textContent || "").trim().slice(0, 60))"""


def axe_violations(page: Any) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    violations: list[dict[str, Any]] = page.evaluate(AXE_RUN)
    return violations


def _page_routes(namespaces: set[str]) -> list[Route]:
    return [
        route
        for route in routes()
        if route.namespace in namespaces
        and route.name not in NOT_PAGES
        and not route.is_admin
        and (route.namespace != "" or route.template.startswith("/en/"))
    ]


def _values() -> dict[str, str]:
    """A demo group with meetings and actions, and a published concern in its area."""
    meeting = Meeting.objects.select_related("working_group__area").order_by("pk").first()
    assert meeting is not None, "the demo has meetings"
    group = meeting.working_group
    published = (
        Concern.objects.exclude(public_text="")
        .filter(Q(area=group.area) | Q(area__path__startswith=group.area.own_path))
        .order_by("pk")
        .first()
    )
    action = Action.objects.filter(working_group=group).order_by("pk").first()
    alert = Alert.objects.filter(area__code="UZ-JI").order_by("pk").first()  # the demo's surge
    assert published is not None and action is not None and alert is not None
    survey = Survey.objects.filter(is_published=True).order_by("pk").first()
    if survey is None:
        survey = survey_import(file=workbook_bytes(), file_name="safety.xlsx", publish=True)
        survey_round_open(survey=survey, actor=None)
    if not survey.rounds.exists():
        survey_round_open(survey=survey, actor=None)
    # The open round (the demo's second): importing answers and collecting them need one.
    survey_round = survey.rounds.filter(state=RoundState.OPEN).order_by("number").first() or survey.rounds.first()
    assert survey_round is not None
    indicator = survey.indicators.order_by("pk").first()  # the demo follows one
    if indicator is None:
        indicator = indicator_add(survey=survey, question="gender", value="woman", label="", actor=None)
    return {
        "survey_id": str(survey.pk),
        "indicator_id": str(indicator.pk),
        "survey_slug": survey.slug,
        "number": str(survey_round.number),
        "round_id": str(survey_round.pk),
        "alert_id": str(alert.pk),
        "slug": group.slug,
        "concern_id": str(published.pk),
        "meeting_id": str(meeting.pk),
        "action_id": str(action.pk),
        "area_id": str(Area.objects.get(code="UZ-JI").pk),
    }


def _url(route: Route, values: dict[str, str], language: str) -> str:
    url = route.template.replace("/en/", f"/{language}/", 1)
    for parameter in route.parameters:
        url = url.replace(f"<{parameter}>", values[parameter])
    return url


def _check(page: Any, url: str, found: dict[str, list[dict[str, Any]]]) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, (url, response and response.status)
    if page.locator("#map").count():
        page.wait_for_selector("#map[data-basemap]")  # Leaflet's controls and the basemap are drawn
    violations = axe_violations(page)
    # A phone's screen: the page itself never scrolls sideways (a wide table scrolls inside the page).
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > PHONE["width"]:
        violations.append({"rule": "page-wider-than-a-phone", "width": width, "nodes": page.evaluate(WIDEST)})
    if violations:
        found[url] = violations


def _sign_in(page: Any, base: str, username: str, language: str, found: dict[str, list[dict[str, Any]]]) -> None:
    """Password, then the current code of the demo authenticator; both steps' pages are checked too."""
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "ovoz_language", "value": language, "url": base}])
    _check(page, base + reverse("accounts:login"), found)
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_url(base + reverse("accounts:login_verify"))
    violations = axe_violations(page)
    if violations:
        found[f"{page.url} ({language})"] = violations
    page.locator("#id_code").fill(demo_current_code(username=username))
    page.locator("#id_code").press("Enter")
    page.wait_for_url(base + "/staff/")
    assert page.locator("html").get_attribute("lang") == language


def test_every_public_and_staff_page_has_no_axe_violation_in_russian_and_tajik(live_server, chromium):
    """One demo for both walks: loading it costs as much as a walk."""
    demo_load()
    values = _values()
    for language in ("ru", "tg"):
        # The second walk signs the same demo users in again, maybe within the same 30-second step:
        # forget the codes already used, as a new step would.
        TOTPDevice.objects.update(last_t=-1)
        every_page_checked(live_server, chromium, language, values)


def every_page_checked(live_server: Any, chromium: Any, language: str, values: dict[str, str]) -> None:
    # Scripts are injected into the page: axe runs inline, which the pages' CSP forbids to everyone else.
    # At a cheap phone's size: axe and the page's width are checked as a resident or a facilitator sees it.
    context = chromium.new_context(bypass_csp=True, viewport=PHONE)
    page = context.new_page()
    found: dict[str, list[dict[str, Any]]] = {}
    checked: set[str] = set()

    public = _page_routes({""})
    for route in public:
        _check(page, live_server.url + _url(route, values, language), found)
        checked.add(route.name)

    staff = _page_routes({"staff", "accounts"})
    _sign_in(page, live_server.url, "facilitator", language, found)
    for route in staff:
        if route.name not in NOT_FACILITATORS and route.name != "login":
            _check(page, live_server.url + _url(route, values, language), found)
            checked.add(route.name)
    _sign_in(page, live_server.url, "admin", language, found)
    for route in staff:
        if route.name in ADMINISTRATORS:
            _check(page, live_server.url + _url(route, values, language), found)
            checked.add(route.name)

    # The intake user's confidential concern, whose page offers referral; the case worker's inbox.
    _sign_in(page, live_server.url, "intake", language, found)
    sealed = Concern.objects.filter(content_public_key__isnull=False).order_by("pk").first()
    assert sealed is not None, "the demo has confidential concerns sealed to intake"
    _check(page, live_server.url + reverse("staff:concern", args=[sealed.pk]), found)
    _sign_in(page, live_server.url, "caseworker", language, found)
    _check(page, live_server.url + reverse("staff:referrals"), found)
    checked.add("referrals")

    # A newcomer's first sign-in: the page that sets up the authenticator.
    UserFactory(username=f"newcomer-{language}", with_totp=False)
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "ovoz_language", "value": language, "url": live_server.url}])
    page.goto(live_server.url + reverse("accounts:login"))
    page.locator("#id_username").fill(f"newcomer-{language}")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_url(live_server.url + reverse("accounts:enrol"))
    violations = axe_violations(page)
    if violations:
        found[f"{page.url} ({language})"] = violations
    checked.add("enrol")

    context.close()
    assert {"home", "report", "map", "dashboard", "group_detail", "group_meeting", "group_action", "concern"} <= checked
    assert {"home", "group_meeting_print", "group_scores", "audit", "account", "key"} <= checked
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)
