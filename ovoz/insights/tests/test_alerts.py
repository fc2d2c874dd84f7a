"""Early-warning alerts over the rollups: the daily run, who sees and hears of an alert, its states, its
chart, and that none of it publishes anything or carries a concern's words."""

import re
from datetime import datetime, time, timedelta
from io import StringIO

import numpy as np
import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext

from ovoz.accounts.choices import DeploymentRole, GrantRole
from ovoz.accounts.tests.factories import UserFactory
from ovoz.concerns import services
from ovoz.concerns.choices import Channel, Visibility
from ovoz.concerns.models import ConcernRollup, Theme
from ovoz.concerns.services import themes_seed
from ovoz.core.models import AuditEntry
from ovoz.groups.grants import grant_set
from ovoz.groups.models import WorkingGroup
from ovoz.insights import early_warning
from ovoz.insights.alert_services import alert_notices_send, alerts_run
from ovoz.insights.models import Alert, AlertNotice
from ovoz.places.choices import AreaKind
from ovoz.places.models import Area
from ovoz.places.services import areas_seed
from ovoz.testing.web import sign_in

pytestmark = pytest.mark.django_db

SECRET_WORDS = "Zq7-confidential-words-never-shown"
RESTRICTED_WORDS = "Xk9-restricted-words-in-the-inbox-only"


@pytest.fixture
def world(db):
    """A quiet past of fuel concerns in a district of Jizzakh, then a surge in the last six days up to
    ``day`` (yesterday); staff of Jizzakh, of Osh, and deployment-wide."""
    areas_seed()
    themes_seed()
    jizzakh, osh = Area.objects.get(code="UZ-JI"), Area.objects.get(code="KG-O")
    district = Area.objects.create(name="Zarbdor", kind=AreaKind.DISTRICT, parent=jizzakh)
    fuel = Theme.objects.get(slug="fuel-energy")
    day = timezone.localdate() - timedelta(days=1)
    # The past, written as the rollup holds it: one concern every ten days for four months.
    ConcernRollup.objects.bulk_create(
        ConcernRollup(
            day=day - timedelta(days=offset),
            area_key=district.pk,
            theme_key=fuel.pk,
            visibility=Visibility.PUBLIC,
            channel=Channel.WEB,
            status="received",
            count=1,
        )
        for offset in range(10, 130, 10)
    )
    # The surge, through intake: fourteen concerns in six days, two confidential, some restricted.
    for number in range(14):
        visibility = [Visibility.PUBLIC, Visibility.RESTRICTED, Visibility.CONFIDENTIAL][
            number % 3 if number < 6 else 0
        ]
        words = {Visibility.CONFIDENTIAL: SECRET_WORDS, Visibility.RESTRICTED: RESTRICTED_WORDS}.get(visibility, "")
        received = datetime.combine(day - timedelta(days=number % 6), time(12), tzinfo=timezone.get_current_timezone())
        services.concern_submit(
            text=f"Fuel costs twice as much {words}",
            channel=Channel.WEB,
            area=district,
            themes=[fuel],
            visibility=visibility,
            visibility_confirmed=True,
            received_at=received,
        )
    jizzakh_group = WorkingGroup.objects.create(slug="jizzakh", name="Jizzakh group", area=jizzakh)
    osh_group = WorkingGroup.objects.create(slug="osh", name="Osh group", area=osh)
    users = {
        "coordinator": UserFactory(username="coordinator", role=DeploymentRole.COORDINATOR),
        "facilitator": UserFactory(username="facilitator", role=DeploymentRole.NONE, language="ru"),
        "member": UserFactory(username="member", role=DeploymentRole.NONE),
        "stranger": UserFactory(username="stranger", role=DeploymentRole.NONE),
    }
    grant_set(actor=None, user=users["facilitator"], working_group=jizzakh_group, role=GrantRole.FACILITATOR)
    grant_set(actor=None, user=users["member"], working_group=jizzakh_group, role=GrantRole.COMMUNITY)
    grant_set(actor=None, user=users["stranger"], working_group=osh_group, role=GrantRole.FACILITATOR)
    return {"day": day, "district": district, "jizzakh": jizzakh, "fuel": fuel, "users": users}


def signed_in(user) -> Client:
    client = Client()
    response = sign_in(client, user)
    assert response.status_code == 302
    return client


def raised(world):
    alerts_run(day=world["day"], notify=False)
    return {alert.area.code or alert.area.name: alert for alert in Alert.objects.select_related("area")}


def test_a_surge_raises_one_alert_at_each_level_and_running_again_raises_none(world):
    report = alerts_run(day=world["day"], notify=False)

    alerts = Alert.objects.order_by("area__depth")
    assert report.raised == 3 and report.extended == 0
    assert [alert.area.code or alert.area.name for alert in alerts] == ["UZ", "UZ-JI", "Zarbdor"]
    district_alert = alerts.get(area=world["district"])
    assert district_alert.theme == world["fuel"] and district_alert.last_day == world["day"]
    assert district_alert.observed == 14 and district_alert.expected < 3 and district_alert.score >= 1
    assert district_alert.first_day <= world["day"] and len(district_alert.daily_counts) == 56
    assert district_alert.daily_counts[-6:] == [2, 2, 2, 2, 3, 3]

    again = alerts_run(day=world["day"], notify=False)
    assert again.raised == 0 and again.extended == 3 and Alert.objects.count() == 3

    # The next day the episode goes on: the same alerts, one day longer.
    next_day = alerts_run(day=world["day"] + timedelta(days=1), notify=False)
    assert next_day.raised == 0 and Alert.objects.count() == 3
    assert set(Alert.objects.values_list("last_day", flat=True)) == {world["day"] + timedelta(days=1)}
    assert set(Alert.objects.values_list("first_day", flat=True)) == {district_alert.first_day}


def test_a_held_alert_keeps_the_highest_score_of_its_episode(world, monkeypatch):
    # On the day, the detector's scan has fallen under its threshold but not under half of it: the
    # alert holds (hysteresis), and its score is the episode's highest, not the day's 0.7.
    detect = early_warning.detect

    def waning(counts, **arguments):
        found = detect(counts, **arguments)
        statistic = found.statistic.copy()
        statistic[:, -1] = np.where(found.alerts[:, -2], 0.7 * found.threshold[:, -1], statistic[:, -1])
        return early_warning.Detection(expected=found.expected, statistic=statistic, threshold=found.threshold)

    monkeypatch.setattr(early_warning, "detect", waning)
    alerts_run(day=world["day"], notify=False)

    district_alert = Alert.objects.get(area=world["district"])
    assert district_alert.last_day == world["day"]
    assert district_alert.score >= 1


def test_an_alert_reaches_only_staff_of_its_areas_on_the_page_and_the_api(world):
    alerts = raised(world)
    users = world["users"]
    seen = {}
    for name in ("coordinator", "facilitator", "member", "stranger"):
        client = signed_in(users[name])
        page = client.get("/staff/alerts/")
        assert page.status_code == 200
        listed = client.get("/api/v1/alerts").json()
        seen[name] = sorted(item["area_code"] or "district" for item in listed["items"])
        links = set(re.findall(r'href="/staff/alerts/(\d+)/"', page.content.decode()))
        assert links == {str(item["id"]) for item in listed["items"]}
        for alert in alerts.values():
            visible = str(alert.pk) in links
            assert client.get(f"/staff/alerts/{alert.pk}/").status_code == (200 if visible else 404)
            assert client.get(f"/api/v1/alerts/{alert.pk}").status_code == (200 if visible else 404)
    assert seen == {
        "coordinator": ["UZ", "UZ-JI", "district"],
        # Staff of a region see its alerts and those inside it, not the country's.
        "facilitator": ["UZ-JI", "district"],
        "member": ["UZ-JI", "district"],
        "stranger": [],
    }
    denied = AuditEntry.objects.filter(action="access.denied", object_type="insights.alert")
    # Each refusal is audited: the stranger's three alerts, the country's for the Jizzakh staff (page and API).
    assert denied.count() == 2 * 3 + 2 * 2
    assert Client().get("/api/v1/alerts").status_code == 401
    assert Client().get("/staff/alerts/").status_code == 302  # to the sign-in page


def test_the_alert_api_gives_numbers_and_the_explanation(world):
    alerts = raised(world)
    client = signed_in(world["users"]["coordinator"])
    body = client.get(f"/api/v1/alerts/{alerts['Zarbdor'].pk}").json()
    assert body["theme"] == "fuel-energy" and body["observed"] == 14 and body["window_days"] == 7
    assert body["state"] == "new" and body["last_day"] == world["day"].isoformat()
    assert body["explanation"].startswith("14 concerns about ") and "Zarbdor in 7 days" in body["explanation"]
    assert len(body["daily_counts"]) == 56 and len(body["daily_expected"]) == 56
    assert client.get("/api/v1/alerts?state=dismissed").json()["count"] == 0


def test_notices_reach_the_coordinators_and_facilitators_of_the_area_once_and_without_words(
    world, django_capture_on_commit_callbacks
):
    alerts_run(day=world["day"], notify=False)

    told = alert_notices_send(day=world["day"])

    recipients = sorted(message.to[0] for message in mail.outbox)
    assert told == 2 and recipients == ["coordinator@example.org", "facilitator@example.org"]
    to_coordinator = next(message for message in mail.outbox if message.to == ["coordinator@example.org"])
    assert "3 new alerts" in to_coordinator.subject
    to_facilitator = next(message for message in mail.outbox if message.to == ["facilitator@example.org"])
    assert to_facilitator.body.count("/staff/alerts/") == 2  # the region and the district, not the country
    for message in mail.outbox:
        assert SECRET_WORDS not in message.body and RESTRICTED_WORDS not in message.body
        assert "Fuel costs" not in message.body
    assert AlertNotice.objects.count() == 5

    assert alert_notices_send(day=world["day"]) == 0 and len(mail.outbox) == 2


def test_a_notice_also_reaches_the_linked_telegram_chat(world, django_capture_on_commit_callbacks):
    from ovoz.channels.choices import ChannelKind
    from ovoz.channels.services import channel_create
    from ovoz.channels.staff_links import chat_link, link_code_create
    from ovoz.testing.fakes import TOKEN, FakeBotApi

    bot_api = FakeBotApi()
    try:
        channel, _secret = channel_create(
            actor=None, kind=ChannelKind.TELEGRAM, name="Bot", options={"token": TOKEN, "api_base": bot_api.base}
        )
        facilitator = world["users"]["facilitator"]
        chat_link(channel=channel, chat_id="5551", code=link_code_create(user=facilitator))
        chat_link(
            channel=channel, chat_id="5552", code=link_code_create(user=world["users"]["stranger"])
        )  # of another region: told nothing
        alerts_run(day=world["day"], notify=False)
        with django_capture_on_commit_callbacks(execute=True):
            alert_notices_send(day=world["day"])
        sent = bot_api.sent()
        assert [message["chat_id"] for message in sent] == ["5551"]
        assert "/staff/alerts/" in sent[0]["text"] and SECRET_WORDS not in sent[0]["text"]
    finally:
        bot_api.close()


def test_the_run_tells_staff_after_it_commits(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        alerts_run(day=world["day"])
    assert len(mail.outbox) == 2
    with django_capture_on_commit_callbacks(execute=True):
        alerts_run(day=world["day"])
    assert len(mail.outbox) == 2


def test_marking_an_alert_without_javascript_is_audited_and_dismissing_needs_a_reason(world):
    alert = raised(world)["Zarbdor"]
    facilitator = signed_in(world["users"]["facilitator"])
    url = f"/staff/alerts/{alert.pk}/"

    refused = facilitator.post(url, {"state": "dismissed", "reason": "  "})
    with translation.override("ru"):  # the facilitator's language
        why = gettext("Say why the alert is dismissed.")
    assert why != "Say why the alert is dismissed."
    assert refused.status_code == 200 and why in refused.content.decode()
    alert.refresh_from_db()
    assert alert.state == "new" and not AuditEntry.objects.filter(action="alert.state_changed").exists()

    assert facilitator.post(url, {"state": "acting", "reason": ""}).status_code == 302
    done = facilitator.post(url, {"state": "dismissed", "reason": "Prices fell back the next week"})
    assert done.status_code == 302 and done["Location"] == url
    alert.refresh_from_db()
    assert alert.state == "dismissed" and alert.state_reason == "Prices fell back the next week"
    entries = AuditEntry.objects.filter(action="alert.state_changed", object_id=str(alert.pk)).order_by("pk")
    assert [(entry.data["from"], entry.data["to"]) for entry in entries] == [("new", "acting"), ("acting", "dismissed")]
    assert all(entry.actor == world["users"]["facilitator"] for entry in entries)
    assert "Prices fell back" not in str([entry.data for entry in entries])

    # A member sees the alert but cannot change it; staff of another region cannot reach it.
    member = signed_in(world["users"]["member"])
    page = member.get(url).content.decode()
    assert 'name="state"' not in page
    member.post(url, {"state": "seen"})
    assert signed_in(world["users"]["stranger"]).post(url, {"state": "seen"}).status_code == 404
    alert.refresh_from_db()
    assert alert.state == "dismissed"


def test_the_alert_page_lists_the_concerns_the_user_may_open_and_never_confidential_words(world):
    alert = raised(world)["Zarbdor"]
    for name in ("coordinator", "facilitator", "member"):
        client = signed_in(world["users"][name])
        page = client.get(f"/staff/alerts/{alert.pk}/").content.decode()
        assert len(re.findall(r'href="/staff/concerns/\d+/"', page)) == 14
        assert SECRET_WORDS not in page and RESTRICTED_WORDS not in page and "Fuel costs" not in page
        listing = client.get("/staff/alerts/").content.decode()
        explained = "14 обращений по теме" if name == "facilitator" else "14 concerns about"  # User.language
        assert explained in listing and SECRET_WORDS not in listing


def test_alerts_appear_on_no_public_page(world):
    raised(world)
    public = Client()
    for url in ("/en/", "/en/dashboard/", "/en/map/", "/en/concerns/", "/en/data/"):
        page = public.get(url).content.decode()
        assert "/staff/alerts/" not in page and "concerns about" not in page


def test_the_chart_in_russian_writes_its_numbers_with_a_point(world):
    alert = raised(world)["Zarbdor"]
    client = signed_in(world["users"]["facilitator"])  # User.language is Russian
    page = client.get(f"/staff/alerts/{alert.pk}/").content.decode()

    assert '<html lang="ru"' in page
    assert re.search(r'<td class="number">\d+,\d\d</td>', page)  # the table is localized: a decimal comma
    svg = re.search(r'<svg viewBox="0 0 360 200".*?</svg>', page, re.S).group(0)
    polylines = re.findall(r'<polyline points="([^"]*)"', svg)
    assert len(polylines) == 2
    for points in polylines:
        assert re.fullmatch(r"\d+(\.\d+)?,\d+(\.\d+)?( \d+(\.\d+)?,\d+(\.\d+)?){55}", points)
    assert any("." in points for points in polylines)
    for position in re.findall(r'<text x="([^"]*)" y="([^"]*)"', svg):
        assert all(re.fullmatch(r"-?\d+(\.\d+)?", value) for value in position)


def test_the_staff_navigation_links_to_alerts_for_those_who_may_see_them(world):
    page = signed_in(world["users"]["member"]).get("/staff/").content.decode()
    assert 'href="/staff/alerts/"' in page
    case_worker = UserFactory(username="intake", role=DeploymentRole.NONE, receives_confidential=True)
    client = signed_in(case_worker)
    assert 'href="/staff/alerts/"' not in client.get("/staff/").content.decode()
    assert client.get("/staff/alerts/").status_code == 403
    assert client.get("/api/v1/alerts").status_code == 403


def test_the_scheduler_runs_early_warning_after_midnight_for_the_day_that_ended(world):
    from ovoz.operations.management.commands.serve import Command as ServeCommand

    scheduler = ServeCommand.schedulers()[1]
    midnight = datetime.combine(world["day"] + timedelta(days=1), time(0, 5), tzinfo=timezone.get_current_timezone())
    assert scheduler.tick(midnight)  # the test task backend runs the task at once
    assert set(Alert.objects.values_list("last_day", flat=True)) == {world["day"]}
    assert not scheduler.tick(midnight + timedelta(hours=3))


def test_alerts_run_on_demand_for_a_day(world):
    out = StringIO()
    call_command("alerts_run", "--day", world["day"].isoformat(), "--no-notices", stdout=out)
    assert f"{world['day'].isoformat()}: " in out.getvalue() and "3 alerts raised" in out.getvalue()
    assert not mail.outbox
