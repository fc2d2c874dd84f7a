"""The public map: a table without JavaScript, a Leaflet map with it, light enough for 2G."""

import gzip
import json
import re

import pytest
from django.test import Client
from django.utils import translation

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


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_map_page_with_its_basemap_weighs_at_most_80_kb_before_tiles(client, world, language):
    """What a phone downloads, compressed as the production server sends it: page, styles, scripts, the
    basemap (borders and names) and the counts."""
    html = client.get(f"/{language}/map/").content.decode()
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', html)
    assert any("leaflet.js" in asset for asset in assets)
    data = [
        re.search(rf'data-{name}-url="([^"]+)"', html).group(1).replace("&amp;", "&") for name in ("stats", "basemap")
    ]
    assert data[1].endswith("central-asia.json")
    total = len(gzip.compress(html.encode())) + sum(_gzipped_size(client, url) for url in [*assets, *data])
    assert total <= 80 * 1024, total


def test_the_map_page_names_regions_and_countries_in_its_language(client, world):
    html = client.get("/tg/map/").content.decode()
    texts = json.loads(re.search(r'<script id="map-texts" type="application/json">(.*?)</script>', html).group(1))
    assert ["Вилояти Суғд", 40.28, 69.62] in [
        [name, round(lat, 2), round(lon, 2)] for name, lat, lon in texts["regions"]
    ]
    assert texts["countries"]["TJ"] == "Тоҷикистон" and texts["countries"]["AF"] == "Афғонистон"
    assert set(texts["countries"]) >= {"KZ", "KG", "TJ", "UZ", "TM", "AF", "CN", "RU", "IR", "MN"}
    assert texts["bounds"] == [[29.0, 44.0], [57.0, 96.0]]  # numbers, never localized
    assert 'data-outlines-url=""' in html  # no region has an imported boundary: nothing to fetch


def test_region_outlines_are_offered_once_a_region_has_a_boundary(client, world):
    world["jizzakh"].boundary = {
        "type": "Polygon",
        "coordinates": [[[66.0, 39.5], [68.0, 39.5], [68.00001, 40.7], [68.0, 41.0], [66.0, 41.0], [66.0, 39.5]]],
    }
    world["jizzakh"].save()
    html = client.get("/ru/map/").content.decode()
    assert 'data-outlines-url="/api/v1/areas/outlines?kind=region"' in html
    outlines = client.get("/api/v1/areas/outlines?kind=region").json()
    assert outlines["type"] == "FeatureCollection"
    assert [(feature["id"], feature["properties"]["code"]) for feature in outlines["features"]] == [
        (world["jizzakh"].pk, "UZ-JI")
    ]
    ring = outlines["features"][0]["geometry"]["coordinates"][0]
    assert [68.0, 40.7] not in ring and len(ring) == 5  # simplified: the point 1 m off the edge is gone
    assert client.get("/api/v1/areas/outlines?kind=district").json()["features"] == []


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
        page.wait_for_selector("#map[data-basemap]")
        assert page.locator("#map").is_visible()
        assert page.locator("#map .leaflet-basemap-pane path").count() >= 10  # the countries' borders
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


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("language", "region", "zoom_in"),
    [("ru", "Джизакская область", "Приблизить"), ("tg", "Вилояти Суғд", "Калон кардан")],
)
def test_the_basemap_draws_borders_and_names_in_the_pages_language(
    live_server, chromium, monkeypatch, language, region, zoom_in
):
    world = _world()
    world["osh"].boundary = {"type": "Polygon", "coordinates": [[[72, 40], [74, 40], [74, 41], [72, 41], [72, 40]]]}
    world["osh"].save()  # an imported boundary: drawn as a dashed outline under the counts
    # The live server runs in this process: give the catalog the words of the zoom control, as the
    # translators will, to see them reach Leaflet's buttons (Leaflet's own are English).
    catalog = translation.trans_real.translation(language)
    original = catalog.gettext
    monkeypatch.setattr(catalog, "gettext", lambda message: zoom_in if message == "Zoom in" else original(message))
    context = chromium.new_context(viewport={"width": 1100, "height": 800})
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{live_server.url}/{language}/map/")
    page.wait_for_selector("#map[data-basemap][data-features='2']")
    assert page.locator("#map .leaflet-basemap-pane path").count() >= 10
    page.wait_for_selector("#map .leaflet-basemap-pane path[stroke-dasharray]")
    assert page.locator("#map .leaflet-basemap-pane path[stroke-dasharray]").count() == 1
    assert page.locator(".leaflet-control-zoom-in").get_attribute("title") == zoom_in
    assert page.locator(".map-label-region", has_text=region).count() == 1
    # Names that would overlap are hidden; those shown are in the page's language.
    with translation.override(language):
        names = {area.name_in(language) for area in Area.objects.filter(kind="region")}
    shown = [label.inner_text() for label in page.locator(".map-label-region").all() if label.is_visible()]
    assert len(shown) >= 5 and set(shown) <= names, shown
    country = {"ru": "Таджикистан", "tg": "Тоҷикистон"}[language]
    assert page.locator(".map-label-country", has_text=country).count() == 1
    assert "Natural Earth" in page.locator(".leaflet-control-attribution").inner_text()
    assert all(url.startswith(live_server.url) for url in requested)  # no tile server
    context.close()
