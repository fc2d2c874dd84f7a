"""The browser journeys through the production shape of `make prod-check`: Debian's Chromium talks to
nginx over HTTPS (a self-signed certificate), nginx to two gunicorn instances, tasks go through Redis
to the RQ worker. Report, triage, follow; and a working group's meeting from agenda to action.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from ovoz.accounts.choices import DeploymentRole
from ovoz.accounts.tests.factories import PASSWORD, UserFactory, current_code
from ovoz.concerns.models import Concern, Theme
from ovoz.groups.models import Meeting
from ovoz.operations.tests.prodshape import needs_shape, shape
from ovoz.places.models import Area
from ovoz.testing.scenario import build_scenario, zomin_group_people

pytestmark = [pytest.mark.browser, pytest.mark.slow, needs_shape]


@pytest.fixture(autouse=True)
def empty_cache():
    """Overrides the suite's: here the cache is the shape's Redis, which also holds its task queue."""


@pytest.fixture(autouse=True)
def shape_database(django_db_blocker):
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def https(chromium):
    """New browser contexts that accept the shape's self-signed certificate."""
    contexts = []

    def new(**options):
        context = chromium.new_context(ignore_https_errors=True, **options)
        contexts.append(context)
        return context.new_page()

    yield new
    for context in contexts:
        context.close()


def _(language, text):
    with translation.override(language):
        return translation.gettext(text)


def _sign_in(page, base, user):
    page.goto(f"{base}/staff/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Code from your authenticator app, or a recovery code").fill(current_code(user))
    page.get_by_role("button", name="Sign in").click()


def test_report_triage_and_follow_through_nginx(https):
    base = shape()["https_url"]
    language = "ru"
    page = https()
    marker = "улице Навои (prod-check)"
    page.goto(f"{base}/{language}/report/")
    page.get_by_label(_(language, "What is the problem?")).fill(f"Третью неделю нет воды на {marker}.")
    page.get_by_label(_(language, "Region"), exact=True).select_option(str(Area.objects.get(code="UZ-JI").pk))
    page.get_by_role("button", name=_(language, "Send the concern")).click()
    receipt = page.get_by_test_id("receipt").inner_text().strip()
    assert len(receipt) == 19
    concern = Concern.objects.get(text__contains=marker)

    coordinator = UserFactory(username="prodcheck-coordinator")
    staff = https()
    _sign_in(staff, base, coordinator)
    staff.get_by_role("heading", name="Welcome").wait_for()
    staff.goto(f"{base}/staff/concerns/{concern.pk}/")
    staff.get_by_label("Public text").fill("Третью неделю нет воды на одной из улиц.")
    staff.get_by_role("button", name="Publish", exact=True).click()
    staff.get_by_label("New status").select_option("accepted")
    staff.get_by_label("Public note (optional)").fill("Водоканал района уведомлён.")
    staff.locator("form:has(input[value=status]) button").click()
    assert staff.get_by_test_id("status").inner_text().startswith("accepted")

    page.goto(f"{base}/{language}/follow/")
    page.get_by_label(_(language, "Receipt code")).fill(receipt)
    page.get_by_role("button", name=_(language, "Show my concern")).click()
    assert "Водоканал района уведомлён" in page.content()
    page.goto(f"{base}/{language}/concerns/")
    assert "нет воды на одной из улиц" in page.content() and marker not in page.content()


def _world():
    """The working group of the groups app's browser tests, on the areas and themes `ovoz seed` made."""
    jizzakh = Area.objects.get(code="UZ-JI")
    zomin = Area.objects.create(kind="district", name="Zomin district (prod-check)", parent=jizzakh)
    group, khokimiyat, users = zomin_group_people(zomin)
    users["administrator"] = UserFactory(username="administrator", role=DeploymentRole.ADMINISTRATOR)
    return {
        "group": group,
        "khokimiyat": khokimiyat,
        "users": users,
        "zomin": zomin,
        "water": Theme.objects.get(slug="water"),
    }


def test_a_working_group_meeting_through_nginx(https):
    s = build_scenario(_world())
    base = shape()["https_url"]
    page = https(java_script_enabled=False)
    _sign_in(page, base, s["users"]["facilitator"])
    page.get_by_role("link", name="Zomin working group").click()

    page.get_by_role("navigation", name="Working group").get_by_role("link", name="Meetings").click()
    yesterday = timezone.localtime(timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    page.locator("#id_starts_at").fill(yesterday)
    page.get_by_label("Place").fill("School no. 4")
    page.get_by_role("button", name="Schedule").click()
    meeting = Meeting.objects.get(place="School no. 4")
    page.get_by_label("Number or words").fill("canal")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("checkbox", name=f"No. {s['public_concern'].pk}").check()
    page.get_by_role("button", name="Add to the agenda").click()
    assert list(meeting.agenda.all()) == [s["public_concern"]]

    page.get_by_label("women, 18–29", exact=True).fill("5")
    page.get_by_role("button", name="Save attendance").click()
    page.get_by_label("Minutes", exact=True).fill("## Canal\n\nThe utility will clean it.")
    page.get_by_label("Decisions", exact=True).fill("Clean the canal before spring.")
    page.get_by_role("button", name="Save minutes and decisions").click()
    page.get_by_label("Status").last.select_option("held")
    page.locator("form:has(input[value=update]) button").click()
    assert page.get_by_test_id("meeting-status").inner_text() == "held"

    page.goto(f"{base}/en/groups/zomin/")
    public = page.content()
    assert "Clean the canal before spring." in public and "A canal is blocked" in public
    assert "The canal in Zomin is blocked" not in public and "Police take money" not in public
