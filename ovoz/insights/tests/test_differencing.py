"""Differencing: no comparison of public figures singles out one restricted or confidential concern.

A confidential report of violence at home is planted on one day in a district, among a known
background, and every public figure (stats API, map, dashboard and its CSVs, the area and concern
downloads in CSV, GeoJSON and XLSX, Open311, the published-concerns API) is read for every parameter
they allow: adjacent months, countries vs regions vs districts vs communities, all themes vs each
theme, every status. Alone in its group, the concern changes no answer at all; completing a group of
five, it appears only with the whole group. Days are refused or widened, never counted apart.
"""

import csv
import io
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from ovoz.accounts.tests.factories import UserFactory
from ovoz.concerns import services
from ovoz.concerns.choices import Channel, Visibility
from ovoz.concerns.models import Concern, Theme
from ovoz.concerns.services import themes_seed
from ovoz.insights.selectors import PROTECTED_GROUP_AT_LEAST
from ovoz.places.models import Area
from ovoz.places.services import areas_seed

pytestmark = pytest.mark.django_db

THEMES = ["", "domestic-violence", "police-conduct"]
STATUSES = ["", "received"]
LEVELS = ["country", "region", "district", "community"]


def month_start(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def month_end(start: date) -> date:
    return (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)


@pytest.fixture
def months():
    """Three completed months, oldest first: the concern is planted in the middle one."""
    today = timezone.localdate()
    index = today.year * 12 + today.month - 1
    return [month_start(index - back) for back in (4, 3, 2)]


@contextmanager
def clock(monkeypatch, moment: datetime) -> Iterator[None]:
    with monkeypatch.context() as patch:
        patch.setattr(timezone, "now", lambda: moment)
        yield


def submit(monkeypatch, *, day: date, area: Area, theme: str, visibility: Visibility, text: str = "Said") -> Concern:
    moment = timezone.make_aware(datetime.combine(day, time(10, 0)))
    with clock(monkeypatch, moment):
        return services.concern_submit(
            text=text,
            channel=Channel.WEB,
            area=area,
            themes=[Theme.objects.get(slug=theme)],
            visibility=visibility,
            visibility_confirmed=True,  # the reporter's choice stands, looser than the theme's or not
        ).concern


@pytest.fixture
def world(db, monkeypatch, months):
    """Enough public concerns that figures are numbers (not "<5") and can be subtracted, one released
    group of restricted concerns elsewhere, and a published concern for Open311 and the lists."""
    areas_seed()
    themes_seed()
    jizzakh, khatlon = Area.objects.get(code="UZ-JI"), Area.objects.get(code="TJ-KT")
    zomin = Area.objects.create(parent=jizzakh, kind="district", name="Zomin district")
    village = Area.objects.create(parent=zomin, kind="community", name="Zomin village")
    bokhtar = Area.objects.create(parent=khatlon, kind="district", name="Bokhtar district")
    earlier, middle, later = months
    for day in (earlier, middle, later):
        for index in range(6):
            submit(
                monkeypatch, day=day + timedelta(days=index), area=zomin, theme="water", visibility=Visibility.PUBLIC
            )
        for index in range(6):
            submit(
                monkeypatch, day=day + timedelta(days=index), area=jizzakh, theme="police-conduct", visibility="public"
            )
    for index in range(6):  # a group of six restricted concerns: counted in Khatlon's figures, in whole
        submit(
            monkeypatch,
            day=middle + timedelta(days=index),
            area=bokhtar,
            theme="police-conduct",
            visibility=Visibility.RESTRICTED,
        )
    published = Concern.objects.filter(area=zomin).order_by("pk").first()
    services.concern_publish(actor=UserFactory(username="facilitator"), concern=published, public_text="Brown water")
    return {"zomin": zomin, "village": village, "jizzakh": jizzakh}


def plant(monkeypatch, world, months, *, area_key: str = "village") -> Concern:
    planted_day = months[1] + timedelta(days=16)
    return submit(
        monkeypatch,
        day=planted_day,
        area=world[area_key],
        theme="domestic-violence",
        visibility=Visibility.CONFIDENTIAL,
        text="He hits me",
    )


def periods(months: list[date]) -> list[dict[str, str]]:
    earlier, middle, later = months
    single = [{"since": str(start), "until": str(month_end(start))} for start in months]
    return [
        {},
        *single,
        {"since": str(earlier), "until": str(month_end(middle))},
        {"since": str(middle), "until": str(month_end(later))},
        {"since": str(middle)},
        {"until": str(month_end(middle))},
    ]


def query(parameters: dict[str, str]) -> str:
    return "&".join(f"{key}={value}" for key, value in parameters.items() if value)


def figures(client: Client, months: list[date]) -> dict[str, Any]:
    """Every public figure, parsed to numbers and "<5" where it is a count, by surface and parameters."""
    answers: dict[str, Any] = {}
    for level in LEVELS:
        for theme in THEMES:
            for status in STATUSES:
                for period in periods(months):
                    url = "/api/v1/stats/areas?" + query({"level": level, "theme": theme, "status": status, **period})
                    response = client.get(url)
                    assert response.status_code == 200, (url, response.content)
                    answers[url] = {
                        feature["properties"]["id"]: feature["properties"]["count"]
                        for feature in response.json()["features"]
                    }
    for level in ("region", "district"):
        for theme in THEMES:
            for status in STATUSES:
                for months_back in ("", "12"):
                    url = "/en/map/?" + query({"level": level, "theme": theme, "status": status, "period": months_back})
                    html = client.get(url).content.decode()
                    answers[url] = re.findall(
                        r"<tr><th scope=\"row\">(.*?)</th><td>(.*?)</td><td class=\"number\">(.*?)</td>", html
                    )
    dashboard = client.get("/en/dashboard/").content.decode()
    answers["/en/dashboard/"] = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", dashboard)
    for chart in ("themes", "areas", "steps", "promises"):
        answers[f"/en/dashboard/{chart}.csv"] = client.get(f"/en/dashboard/{chart}.csv").content.decode()
    for name, levels in (("areas", ("region", "district")), ("concerns", ("",))):
        for level in levels:
            suffix = f"?level={level}" if level else ""
            answers[f"/data/{name}.csv{suffix}"] = b"".join(
                client.get(f"/data/{name}.csv{suffix}").streaming_content
            ).decode()
            geojson = json.loads(b"".join(client.get(f"/data/{name}.geojson{suffix}").streaming_content))
            answers[f"/data/{name}.geojson{suffix}"] = geojson["features"]
            workbook = load_workbook(io.BytesIO(client.get(f"/data/{name}.xlsx{suffix}").content), read_only=True)
            answers[f"/data/{name}.xlsx{suffix}"] = [
                list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)
            ]
    for start in months:
        for day_offset in (15, 16, 17):
            day = start + timedelta(days=day_offset)
            for window in (
                {"start_date": str(day)},
                {"end_date": str(day)},
                {"start_date": f"{day}T11:00:00Z", "end_date": f"{day}T23:00:00Z"},
            ):
                url = "/open311/v2/requests.json?" + query(
                    {**window, **({"start_date": str(months[0])} if "start_date" not in window else {})}
                )
                answers[url] = client.get(url).json()
    for theme in THEMES:
        url = "/api/v1/concerns?" + query({"theme": theme})
        answers[url] = client.get(url).json()
    return answers


@pytest.mark.walk
def test_a_confidential_concern_alone_in_its_group_changes_no_public_figure(client, world, monkeypatch, months):
    # Jizzakh already holds three confidential reports of violence at home in the same month: with the
    # planted one, four, one short of a group that may be counted.
    for index in range(3):
        submit(
            monkeypatch,
            day=months[1] + timedelta(days=index),
            area=world["zomin"],
            theme="domestic-violence",
            visibility=Visibility.CONFIDENTIAL,
        )
    before = figures(client, months)
    plant(monkeypatch, world, months)
    after = figures(client, months)
    changed = [key for key in before if before[key] != after[key]]
    assert changed == []
    # The background is there and counted: the figures are not empty by accident.
    jizzakh = world["jizzakh"].pk
    assert before[f"/api/v1/stats/areas?level=region&since={months[1]}&until={month_end(months[1])}"][jizzakh] == 12


def count_value(text: object) -> int | str:
    return int(str(text)) if str(text).isdigit() else "<5"


def counts_in(key: str, answer: Any) -> dict[object, int | str] | None:
    """The counts of an answer by where they stand (area, row, month and theme), None for answers that
    hold no counts of concerns."""
    if key.startswith("/api/v1/stats/areas"):
        return dict(answer)
    if key.startswith("/en/map/"):
        return {name: count_value(count) for name, _parent, count in answer}
    if key.startswith(("/data/areas.csv", "/en/dashboard/themes.csv", "/en/dashboard/areas.csv")):
        rows = list(csv.reader(io.StringIO(answer)))[1:]
        return {tuple(row[:-1]): count_value(row[-1]) for row in rows}
    if key.startswith("/data/areas.geojson"):
        return {feature["properties"]["area"]: count_value(feature["properties"]["concerns"]) for feature in answer}
    if key.startswith("/data/areas.xlsx"):
        return {row[1]: count_value(row[-1]) for row in answer[1:]}
    return None


@pytest.mark.walk
def test_a_confidential_concern_appears_only_with_a_whole_group(client, world, monkeypatch, months):
    for index in range(PROTECTED_GROUP_AT_LEAST - 1):
        submit(
            monkeypatch,
            day=months[1] + timedelta(days=index),
            area=world["zomin"],
            theme="domestic-violence",
            visibility=Visibility.CONFIDENTIAL,
        )
    before = figures(client, months)
    plant(monkeypatch, world, months)
    after = figures(client, months)
    violence = Theme.objects.get(slug="domestic-violence").label
    steps = set()
    surfaces = set()
    for key in before:
        if key == "/en/dashboard/":
            continue  # its tables hold the numbers of the dashboard's CSVs (test_dashboard.py)
        old_counts, new_counts = counts_in(key, before[key]), counts_in(key, after[key])
        if old_counts is None or new_counts is None:
            assert before[key] == after[key], key  # lists of published concerns, steps, promises
            continue
        for where in set(old_counts) | set(new_counts):
            old, new = old_counts.get(where, 0), new_counts.get(where, 0)
            if key.endswith("themes.csv") and where not in old_counts and where[1] == violence:
                assert new in ("<5", PROTECTED_GROUP_AT_LEAST)  # a new line: its other months are 0
                if new == PROTECTED_GROUP_AT_LEAST:
                    surfaces.add(key)
                continue
            if isinstance(old, int) and isinstance(new, int):
                steps.add(new - old)
                if new != old:
                    surfaces.add(key.split("?")[0])
            else:  # from or to "<5": the group that appeared is at least five
                assert new == old or (isinstance(new, int) and new >= PROTECTED_GROUP_AT_LEAST), (key, where)
    assert steps == {0, PROTECTED_GROUP_AT_LEAST}
    assert surfaces == {
        "/api/v1/stats/areas",
        "/en/map/",
        "/en/dashboard/themes.csv",
        "/en/dashboard/areas.csv",
        "/data/areas.csv",
        "/data/areas.geojson",
        "/data/areas.xlsx",
    }
    jizzakh = world["jizzakh"].pk
    middle = f"since={months[1]}&until={month_end(months[1])}"
    assert after[f"/api/v1/stats/areas?level=region&theme=domestic-violence&{middle}"] == {jizzakh: 5}
    # Never below a region, never by status, never in the month it arrived on its own.
    assert (
        before[f"/api/v1/stats/areas?level=district&{middle}"] == after[f"/api/v1/stats/areas?level=district&{middle}"]
    )
    assert (
        before[f"/api/v1/stats/areas?level=region&status=received&{middle}"]
        == after[f"/api/v1/stats/areas?level=region&status=received&{middle}"]
    )
    # The dashboard shows the same group, whole, in its month.
    label, month = Theme.objects.get(slug="domestic-violence").label, months[1].strftime("%Y-%m")
    for answer, shown in ((before, "<5"), (after, "5")):
        rows = list(csv.reader(io.StringIO(answer["/en/dashboard/themes.csv"])))
        assert [row[2] for row in rows if row[:2] == [month, label]] in ([shown], [] if shown == "<5" else [shown])


@pytest.mark.parametrize(
    "period",
    [
        "since=2026-09-28",
        "until=2026-09-27",
        "since=2026-09-01&until=2026-09-28",
        "since=2026-09-02&until=2026-09-30",
    ],
)
def test_the_stats_api_refuses_periods_that_are_not_whole_months(client, db, period):
    response = client.get(f"/api/v1/stats/areas?{period}")
    assert response.status_code == 400
    assert response.json()["code"] == "whole_months_only"


def test_open311_dates_are_widened_to_whole_days(client, world, months):
    published = Concern.objects.get(is_published=True)
    day = timezone.localdate(published.created_at)
    ids = []
    for end in ("09:00:00", "10:30:00", "23:59:00"):
        start = timezone.make_aware(datetime.combine(day, time.min)).isoformat()
        stamp = timezone.make_aware(datetime.combine(day, time.fromisoformat(end))).isoformat()
        body = client.get("/open311/v2/requests.json", {"start_date": start, "end_date": stamp}).json()
        ids.append([request["service_request_id"] for request in body])
    assert ids == [[str(published.pk)]] * 3


def test_the_last_day_of_the_calendar_ends_a_whole_month_and_is_no_500(client, db):
    assert client.get("/api/v1/stats/areas?until=9999-12-31").status_code == 200
