"""Dashboards: server-drawn charts with tables and CSV, public numbers suppressed, staff numbers scoped."""

import csv
import gzip
import io
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from ovoz.accounts.choices import DeploymentRole, GrantRole
from ovoz.accounts.tests.factories import UserFactory
from ovoz.concerns import services
from ovoz.concerns.choices import Channel, Status, Visibility
from ovoz.concerns.models import Concern, ConcernEvent, ConcernStepRollup, Theme
from ovoz.concerns.services import steps_recount, themes_seed
from ovoz.core.models import AuditEntry
from ovoz.groups.grants import grant_set
from ovoz.groups.models import WorkingGroup
from ovoz.places.models import Area
from ovoz.places.services import areas_seed
from ovoz.testing.web import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    areas_seed()
    themes_seed()
    jizzakh, osh = Area.objects.get(code="UZ-JI"), Area.objects.get(code="KG-O")
    water, prices = Theme.objects.get(slug="water"), Theme.objects.get(slug="prices")
    facilitator = UserFactory(username="facilitator")
    for index in range(7):
        concern = services.concern_submit(
            text="No water in the village",
            channel=Channel.SMS if index % 2 else Channel.WEB,
            area=jizzakh,
            themes=[water],
        ).concern
        if index < 6:  # six accepted after about 3 days, five of them resolved
            Concern.objects.filter(pk=concern.pk).update(created_at=timezone.now() - timedelta(days=3, hours=1))
            concern.refresh_from_db()
            services.concern_change_status(actor=facilitator, concern=concern, status=Status.ACCEPTED)
        if index < 5:
            for status in (Status.PRIORITISED, Status.IN_ACTION, Status.RESOLVED):
                services.concern_change_status(actor=facilitator, concern=concern, status=status)
    # One public concern in Osh; restricted and confidential ones of this month are in no public figure.
    services.concern_submit(text="Bread costs more", channel=Channel.WEB, area=osh, themes=[prices])
    for visibility in (Visibility.RESTRICTED, Visibility.CONFIDENTIAL):
        services.concern_submit(text="Secret", channel=Channel.WEB, area=osh, themes=[prices], visibility=visibility)
    return {"jizzakh": jizzakh, "osh": osh, "facilitator": facilitator}


def rows(html: str, caption_start: str) -> list[list[str]]:
    table = re.search(r"<table class=\"data\"><caption>" + re.escape(caption_start) + r".*?</table>", html, re.S).group(
        0
    )
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1], re.S)
    ]


def test_the_public_dashboard_counts_everything_suppresses_small_numbers_and_shows_no_text(client, world):
    html = client.get("/en/dashboard/").content.decode()
    assert rows(html, "Concerns per area") == [["Jizzakh Region", "7"], ["Osh Region", "&lt;5"]]
    themes = {row[0]: row[1:] for row in rows(html, "Concerns received per month")}
    assert themes["Water"][-1] == "7" and themes["Prices and cost of living"][-1] == "&lt;5"
    steps = dict(rows(html, "Median days per step"))
    assert steps["Received → accepted"] == "3 days (6 concerns)"
    assert steps["Accepted → prioritised"] == "0 days (5 concerns)"
    assert steps["Received → resolved, the whole way"] == "3 days (5 concerns)"
    assert "No water" not in html and "Secret" not in html
    assert html.count("<svg viewBox") >= 3 and 'role="img"' in html


def test_a_step_taken_by_fewer_than_5_concerns_shows_no_median_in_public(client, world):
    concern = Concern.objects.filter(status=Status.ACCEPTED).first()
    Concern.objects.exclude(pk=concern.pk).filter(status=Status.RESOLVED).delete()
    steps_recount()
    steps = dict(rows(client.get("/en/dashboard/").content.decode(), "Median days per step"))
    assert steps["Accepted → prioritised"] == "–"


def test_csv_downloads_hold_the_numbers_of_the_tables(client, world):
    html = client.get("/en/dashboard/").content.decode()
    response = client.get("/en/dashboard/areas.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert list(csv.reader(io.StringIO(response.content.decode()))) == [
        ["area", "concerns"],
        ["Jizzakh Region", "7"],
        ["Osh Region", "<5"],
    ]
    themes = list(csv.DictReader(io.StringIO(client.get("/en/dashboard/themes.csv").content.decode())))
    this_month = timezone.localdate().strftime("%Y-%m")
    assert {"month": this_month, "theme": "Water", "concerns": "7"} in themes
    table_water = {row[0]: row[1:] for row in rows(html, "Concerns received per month")}["Water"]
    assert [row["concerns"] for row in themes if row["theme"] == "Water"] == [
        value.replace("&lt;", "<") for value in table_water
    ]
    steps = list(csv.DictReader(io.StringIO(client.get("/en/dashboard/steps.csv").content.decode())))
    assert steps[0] == {"step": "Received → accepted", "median_days": "3"}
    assert client.get("/en/dashboard/channels.csv").status_code == 404  # staff only
    assert client.get("/en/dashboard/nothing.csv").status_code == 404


def test_counting_steps_as_they_happen_equals_a_recount_from_the_events(world):
    counted = sorted(
        ConcernStepRollup.objects.filter(count__gt=0).values_list("from_status", "to_status", "days", "count")
    )
    assert steps_recount() == sum(row[3] for row in counted)
    assert sorted(ConcernStepRollup.objects.values_list("from_status", "to_status", "days", "count")) == counted
    assert ConcernEvent.objects.filter(kind="status").count() == 6 + 5 * 3


def test_the_staff_dashboard_is_exact_and_limited_to_the_users_areas(world):
    group = WorkingGroup.objects.create(name="Osh group", slug="osh", area=world["osh"])
    member = UserFactory(username="member", role=DeploymentRole.NONE)
    grant_set(actor=None, user=member, working_group=group, role=GrantRole.FACILITATOR)
    client = Client()
    sign_in(client, member)
    html = client.get("/staff/dashboard/").content.decode()
    assert rows(html, "Concerns per area") == [["Osh Region", "3"]]
    assert "Jizzakh" not in html
    admin = Client()
    sign_in(admin, UserFactory(username="admin", role=DeploymentRole.ADMINISTRATOR))
    html = admin.get("/staff/dashboard/").content.decode()
    assert rows(html, "Concerns per area") == [["Jizzakh Region", "7"], ["Osh Region", "3"]]
    channels = {row[0]: row[-1] for row in rows(html, "Concerns received per month, by channel")}
    # The confidential concern counts on a line of its own: its channel is its recipients' to read.
    assert channels == {"web form": "6", "SMS": "3", "confidential, any channel": "1"}
    response = admin.get("/staff/dashboard/channels.csv")
    assert response.status_code == 200 and "SMS" in response.content.decode()
    assert AuditEntry.objects.filter(action="data.exported", data__export="dashboard/channels").count() == 1


def test_a_user_limited_to_some_areas_sees_the_deployments_step_medians_only_as_the_public_does(world):
    """Steps are counted for the whole deployment: exact figures there would tell a member of Osh about a
    single concern in Jizzakh (confidential ones included)."""
    concern = Concern.objects.filter(status=Status.ACCEPTED).first()
    Concern.objects.exclude(pk=concern.pk).filter(status=Status.RESOLVED).delete()
    steps_recount()
    group = WorkingGroup.objects.create(name="Osh group", slug="osh", area=world["osh"])
    member = UserFactory(username="member", role=DeploymentRole.NONE)
    grant_set(actor=None, user=member, working_group=group, role=GrantRole.COMMUNITY)
    client = Client()
    sign_in(client, member)
    admin = Client()
    sign_in(admin, UserFactory(username="admin", role=DeploymentRole.ADMINISTRATOR))

    member_steps = dict(rows(client.get("/staff/dashboard/").content.decode(), "Median days per step"))
    admin_steps = dict(rows(admin.get("/staff/dashboard/").content.decode(), "Median days per step"))

    assert member_steps["Received → accepted"] == "–" and "concern" not in "".join(member_steps.values())
    assert admin_steps["Received → accepted"] == "3 days (1 concern)"


def test_only_those_who_may_read_a_reporters_channel_see_the_view_per_channel(world):
    """The inbox hides a concern's channel from members: an exact count per channel would tell it of a
    month's only SMS."""
    group = WorkingGroup.objects.create(name="Jizzakh group", slug="jizzakh", area=world["jizzakh"])
    pages = {}
    for role in (GrantRole.FACILITATOR, GrantRole.COMMUNITY, GrantRole.OBSERVER):
        user = UserFactory(username=f"user-{role}", role=DeploymentRole.NONE)
        grant_set(actor=None, user=user, working_group=group, role=role)
        client = Client()
        sign_in(client, user)
        pages[role] = (client.get("/staff/dashboard/").content.decode(), client.get("/staff/dashboard/channels.csv"))
    html, csv_response = pages[GrantRole.FACILITATOR]
    assert "Concerns per channel" in html and csv_response.status_code == 200
    for role in (GrantRole.COMMUNITY, GrantRole.OBSERVER):
        html, csv_response = pages[role]
        assert rows(html, "Concerns per area") == [["Jizzakh Region", "7"]], role  # still exact
        assert "Concerns per channel" not in html and "SMS" not in html and csv_response.status_code == 404, role


def test_the_staff_dashboard_needs_a_signed_in_staff_user(client, world):
    assert client.get("/staff/dashboard/").status_code == 302
    assert client.get("/staff/dashboard/themes.csv").status_code == 302


def test_the_dashboard_weighs_under_100_kb_and_needs_no_script(client, world):
    html = client.get("/en/dashboard/").content.decode()
    assert "<script" not in html
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', html)
    total = len(gzip.compress(html.encode()))
    for url in assets:
        response = client.get(url)
        total += len(gzip.compress(b"".join(response.streaming_content)))
    assert total < 100 * 1024, total


def test_promises_kept_per_group_and_institution(client, world):
    from ovoz.groups.models import Action, Institution

    group = WorkingGroup.objects.create(name="Jizzakh group", slug="jizzakh", area=world["jizzakh"])
    water = Institution.objects.create(name="Water utility", area=world["jizzakh"])
    today = timezone.localdate()
    day = timedelta(days=1)
    for status, due_on, completed_on, is_public in [
        ("done", today - 10 * day, today - 12 * day, True),  # on time
        ("done", today - 10 * day, today - 2 * day, True),  # late
        ("in_progress", today - 3 * day, None, True),  # overdue
        ("planned", today + 9 * day, None, True),  # open
        ("dropped", today - 30 * day, None, True),  # not counted
        ("in_progress", today - 3 * day, None, False),  # not public: not counted
    ]:
        Action.objects.create(
            working_group=group,
            title="Repair the pipe",
            owner=water,
            status=status,
            due_on=due_on,
            completed_on=completed_on,
            is_public=is_public,
        )
    html = client.get("/en/dashboard/").content.decode()
    expected = ["1", "1", "1", "1", "33 %"]
    assert rows(html, "Public actions per working group") == [["Jizzakh group", *expected]]
    assert rows(html, "Public actions per institution") == [["Water utility", *expected]]
    promises = list(csv.DictReader(io.StringIO(client.get("/en/dashboard/promises.csv").content.decode())))
    assert promises[0] == {
        "kind": "group",
        "name": "Jizzakh group",
        "done_on_time": "1",
        "done_late": "1",
        "overdue": "1",
        "open": "1",
    }


SVG_NUMBER_ATTRIBUTES = re.compile(r"\s(x|y|x1|x2|y1|y2|dx|dy|width|height|viewBox|points|transform)=\"([^\"]*)\"")
NUMBER = r"-?[0-9]+(?:\.[0-9]+)?"


@pytest.mark.parametrize("language", ["en", "ru", "uz", "tg", "ky", "kk", "kaa"])
def test_every_chart_writes_its_numbers_with_a_point_in_every_language(world, language):
    """A locale's decimal comma inside SVG (width="280,0") made bars vanish in Russian (issue 14)."""
    admin = Client()
    sign_in(admin, UserFactory(username="admin", role=DeploymentRole.ADMINISTRATOR))
    admin.cookies["django_language"] = language
    pages = {
        "public": Client().get(f"/{language}/dashboard/").content.decode(),
        "staff": admin.get("/staff/dashboard/", HTTP_ACCEPT_LANGUAGE=language).content.decode(),
    }
    for name, html in pages.items():
        charts = re.findall(r"<svg.*?</svg>", html, re.S)
        assert len(charts) >= 2, name
        attributes = [attribute for chart in charts for attribute in SVG_NUMBER_ATTRIBUTES.findall(chart)]
        assert any("." in value for _name, value in attributes), name  # fractions are drawn: a comma would show
        for attribute, value in attributes:
            if attribute == "points":  # "x,y x,y ...": the comma separates a pair, never a fraction
                assert re.fullmatch(rf"{NUMBER},{NUMBER}( {NUMBER},{NUMBER})*", value), (name, attribute, value)
            elif attribute == "transform":
                assert re.fullmatch(rf"translate\({NUMBER} {NUMBER}\)", value), (name, attribute, value)
            else:
                assert re.fullmatch(rf"{NUMBER}( {NUMBER})*", value), (name, attribute, value)


@pytest.mark.parametrize("language", ["ru", "tg", "kk", "uz"])
def test_the_month_labels_of_a_chart_are_distinct_abbreviations(client, world, language):
    """Russian months were single letters ("Я М М И С Н": two "М"); now abbreviated names, one per month."""
    html = client.get(f"/{language}/dashboard/").content.decode()
    chart = re.search(r'<svg[^>]*aria-labelledby="theme-chart-title".*?</svg>', html, re.S).group(0)
    labels = re.findall(r'<text x="[^"]*" y="[^"]*" class="tick" text-anchor="middle">([^<]*)</text>', chart)
    assert len(labels) == 6  # every other month of twelve
    assert len(set(labels)) == len(labels) and all(len(label) >= 3 for label in labels), labels


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["ru", "tg"])
def test_the_dashboard_fits_a_phone_with_readable_charts(live_server, chromium, language):
    from ovoz.insights.tests.test_map import _world

    _world()
    context = chromium.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(f"{live_server.url}/{language}/dashboard/")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 360
    sizes = page.evaluate(
        "[...document.querySelectorAll('figure.chart text')].map(text => text.getBoundingClientRect().height)"
    )
    assert sizes and min(sizes) >= 11, sizes  # text as a person sees it, after the SVG is scaled to the page
    swatches = page.evaluate(
        "[...document.querySelectorAll('ul.legend svg')].map(svg => svg.getBoundingClientRect().width)"
    )
    assert swatches and max(swatches) <= 12, swatches
    months = page.locator("figure.chart text.tick[text-anchor=middle]").all_text_contents()
    assert len(set(months)) == len(months) == 6, months
    context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_map_page_fits_a_phone_its_table_scrolls_inside_itself(live_server, chromium):
    """The table of areas (long Russian region names, country, count) was 470 px wide in a 360 px phone."""
    from ovoz.insights.tests.test_map import _world

    _world()
    context = chromium.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(f"{live_server.url}/ru/map/")
    page.locator("[data-testid=area-table]").wait_for()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 360
    context.close()
