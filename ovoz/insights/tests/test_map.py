"""The public map: a table without JavaScript, a Leaflet map with it, light enough for 2G."""

import gzip
import re

import pytest
from django.test import Client

from ovoz.accounts.tests.factories import UserFactory
from ovoz.concerns import services
from ovoz.concerns.choices import Channel, Visibility
from ovoz.concerns.models import Theme
from ovoz.concerns.services import themes_seed
from ovoz.core.middleware import content_security_policy
from ovoz.places.models import Area
from ovoz.places.services import areas_seed


def _world():
    areas_seed()
    themes_seed()
    jizzakh, osh = Area.objects.get(code="UZ-JI"), Area.objects.get(code="KG-O")
    zomin = Area.objects.create(parent=jizzakh, kind="district", name="Zomin district", latitude=39.96, longitude=68.4)
    water, prices = Theme.objects.get(slug="water"), Theme.objects.get(slug="prices")
    for _ in range(6):
        services.concern_submit(text="No water", channel=Channel.WEB, area=zomin, themes=[water])
    # One public concern in Osh; restricted and confidential ones of this month are in no public figure.
    services.concern_submit(text="Bread costs more", channel=Channel.WEB, area=osh, themes=[prices])
    for visibility in (Visibility.RESTRICTED, Visibility.CONFIDENTIAL):
        services.concern_submit(
            text="Private matter", channel=Channel.WEB, area=osh, themes=[prices], visibility=visibility
        )
    return {"jizzakh": jizzakh, "osh": osh, "zomin": zomin}


@pytest.fixture
def world(db):
    return _world()


def table(html: str) -> list[tuple[str, str]]:
    body = html.split('data-testid="area-table"', 1)[1].split("</tbody>", 1)[0]
    return re.findall(
        r'<th scope="row"><a href="[^"]*">([^<]+)</a></th><td>[^<]*</td><td class="number">([^<]+)</td>', body
    )


def test_the_table_shows_counts_per_region_with_small_counts_suppressed(client, world):
    response = client.get("/en/map/")
    assert response.status_code == 200
    assert table(response.content.decode()) == [("Jizzakh Region", "6"), ("Osh Region", "&lt;5")]
    assert "Private matter" not in response.content.decode()


def test_the_table_sorts_by_name_and_filters_by_theme_level_and_period(client, world):
    assert table(client.get("/en/map/?sort=name").content.decode()) == [
        ("Jizzakh Region", "6"),
        ("Osh Region", "&lt;5"),
    ]
    assert table(client.get("/en/map/?theme=prices").content.decode()) == [("Osh Region", "&lt;5")]
    assert table(client.get("/en/map/?level=district").content.decode()) == [("Zomin district", "6")]
    assert table(client.get("/en/map/?period=3&status=resolved").content.decode()) == []
    assert table(client.get("/en/map/?theme=no-such-theme").content.decode()) == [
        ("Jizzakh Region", "6"),
        ("Osh Region", "&lt;5"),
    ]


def test_the_table_sorted_by_name_follows_the_alphabet_of_the_reader(client, world):
    kashkadarya = Area.objects.get(code="UZ-QA")
    services.concern_submit(
        text="No gas", channel=Channel.WEB, area=kashkadarya, themes=[Theme.objects.get(slug="water")]
    )
    names = [name for name, _count in table(client.get("/kk/map/?sort=name").content.decode())]
    assert names == ["Жизақ облысы", "Қашқадария облысы", "Ош облысы"]  # Қ after К, not after Я
    names = [name for name, _count in table(client.get("/uz/map/?sort=name").content.decode())]
    assert names == ["Jizzax viloyati", "Qashqadaryo viloyati", "Oʻsh viloyati"]  # Oʻ after Z


def test_the_map_page_is_translated(client, world):
    html = client.get("/ru/map/").content.decode()
    assert '<html lang="ru"' in html and "Карта" in html


def test_published_points_leave_the_server_only_snapped_to_a_1_km_grid(client, world):
    concern = services.concern_submit(
        text="Broken bridge", channel=Channel.WEB, latitude=40.11583, longitude=67.84227, visibility=Visibility.PUBLIC
    ).concern
    hidden = services.concern_submit(
        text="Hidden", channel=Channel.WEB, latitude=40.5, longitude=68.1, visibility=Visibility.RESTRICTED
    ).concern
    assert client.get("/api/v1/stats/points").json()["features"] == []  # nothing published yet
    facilitator = UserFactory(username="f", role="coordinator")
    services.concern_publish(actor=facilitator, concern=concern, public_text="A bridge is broken")
    features = client.get("/api/v1/stats/points").json()["features"]
    assert [feature["geometry"]["coordinates"] for feature in features] == [[67.84, 40.12]]
    assert features[0]["properties"] == {"count": 1}
    assert hidden.latitude is not None and "68.1" not in str(features)


def test_tiles_are_allowed_by_the_content_security_policy_only_when_configured(settings):
    settings.OVOZ_MAP_TILE_URL = ""
    assert "img-src 'self' data:;" in content_security_policy()
    settings.OVOZ_MAP_TILE_URL = "https://{s}.tile.example.org/{z}/{x}/{y}.png"
    assert "img-src 'self' data: https://*.tile.example.org;" in content_security_policy()
    settings.OVOZ_MAP_TILE_URL = "https://tiles.example.net/osm/{z}/{x}/{y}.png"
    assert "img-src 'self' data: https://tiles.example.net;" in content_security_policy()


def _gzipped_size(client: Client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return len(gzip.compress(content))


def test_the_map_page_weighs_under_100_kb_before_tiles(client, world):
    """What a phone downloads, compressed as the production server sends it: page, styles, scripts, data."""
    html = client.get("/en/map/").content.decode()
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', html)
    assert any("leaflet.js" in asset for asset in assets)
    data = re.search(r'data-stats-url="([^"]+)"', html).group(1).replace("&amp;", "&")
    total = len(gzip.compress(html.encode())) + sum(_gzipped_size(client, url) for url in [*assets, data])
    assert total < 100 * 1024, total


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("javascript", [True, False], ids=["javascript-on", "javascript-off"])
def test_the_map_in_a_browser(live_server, chromium, javascript):
    _world()
    context = chromium.new_context(java_script_enabled=javascript)
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{live_server.url}/en/map/")
    assert page.get_by_test_id("area-table").get_by_role("link", name="Jizzakh Region").is_visible()
    if javascript:
        page.wait_for_selector("#map[data-features='2']")
        assert page.locator("#map").is_visible()
        assert page.locator("#map path.leaflet-interactive").count() == 2  # a circle per region without boundary
        page.locator("#map path.leaflet-interactive").first.hover()
        assert re.search(r"(Jizzakh Region: 6|Osh Region: <5)", page.locator(".leaflet-tooltip").inner_text())
    else:
        assert page.locator("#map").is_hidden()
    page.goto(f"{live_server.url}/en/dashboard/")
    assert page.get_by_role("img", name="Concerns received per month, by theme").is_visible()
    assert page.get_by_role("img", name="Median days per step").is_visible()
    assert all(url.startswith(live_server.url) for url in requested)  # no tile server, no CDN
    context.close()
