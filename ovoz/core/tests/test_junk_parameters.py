"""SQL injection strings and junk in every filter and sort parameter: an answer, never a 500.

The parameters are found from the code, not listed by hand (``urlwalk.page_parameters``,
``api_parameters`` and ``admin_parameters``): every page of the URL resolver is requested once with a
query dictionary that records which names the view reads (the filter forms read all their fields once
bound), the API's from its OpenAPI document, and the admin's from each model admin's filters, search
and date hierarchy. A filter added tomorrow is fuzzed tomorrow.
"""

from urllib.parse import quote

import pytest

from ovoz.core.tests.hostile import Markup, shows_content, url_values, xss
from ovoz.core.tests.urlwalk import admin_parameters, api_parameters, concrete_urls, page_parameters

pytestmark = pytest.mark.django_db

MARKER = "xss-query"
# Each as it stands in a query string. Broken %-escapes ("%", an encoded surrogate) are decoded by
# Django the same way for every view, into what "%ff%fe" becomes; a NUL byte is refused before any view
# (core.middleware.RefuseNulBytesMiddleware), which the last test checks.
JUNK = [
    quote("' OR 1=1 --"),
    "a%00b",
    "%ff%fe",  # not UTF-8
    "9" * 40,  # beyond 64 bits
    "1e309",  # infinity as a float
    quote("ж😀\u202e" * 1000),  # long, multibyte, right-to-left override
    quote(xss(MARKER)),  # reflected into the page?
]


# The admin's lists are Django's own, well tried; its filters and searches are Ovoz's configuration.
ADMIN_JUNK = [quote("' OR 1=1 --"), "a%00b"]


@pytest.mark.walk
def test_junk_in_every_filter_and_sort_parameter_gets_an_answer_never_a_500(hostile_world, monkeypatch):
    staff = hostile_world["staff"]
    routes = {
        url: route.template
        for route, url in concrete_urls(url_values(hostile_world), include=shows_content)
        if not route.is_admin and not route.template.startswith("/api/")
    }
    parameters = page_parameters(staff, sorted(routes), monkeypatch)
    # One URL per route, the one reading the most: /data/areas.csv and .xlsx run the same code.
    chosen: dict[str, str] = {}
    for url, template in routes.items():
        if len(parameters[url]) > len(parameters.get(chosen.get(template, ""), ())):
            chosen[template] = url
    found = {url: parameters[url] for url in chosen.values()}
    found.update(api_parameters(hostile_world["group"].slug))
    # The discovery sees the filters the pages have today (a guard that it works at all).
    assert {"region", "theme", "status", "page"} <= found["/en/concerns/"]
    assert {"status", "region", "theme", "language", "visibility", "channel", "search", "page"} <= found[
        "/staff/concerns/"
    ]
    assert {"theme", "period", "status", "level", "sort"} <= found["/en/map/"]
    assert {"area", "theme", "status", "since", "limit", "offset"} <= found["/api/v1/concerns"]
    assert {"service_code", "start_date", "end_date", "status"} <= found["/open311/v2/requests.json"]
    failures = []
    for url, names in found.items():
        for name in sorted(names):
            for junk in JUNK:
                try:
                    response = staff.get(f"{url}?{name}={junk}")
                except Exception as error:  # the test client re-raises what the view raised
                    failures.append((url, name, junk[:40], repr(error)[:200]))
                    continue
                if response.status_code >= 500:
                    failures.append((url, name, junk[:40], response.status_code))
                elif response.get("Content-Type", "").startswith("text/html"):
                    page = Markup.of(response.content.decode(), (MARKER,))
                    assert not page.live, (url, name, page.live[:3])
    assert failures == [], "\n".join(str(failure) for failure in failures)


@pytest.mark.walk
def test_junk_in_the_admin_filters_search_and_sorting_gets_an_answer(hostile_world):
    staff = hostile_world["staff"]
    failures = []
    for url, names in admin_parameters().items():
        for name in sorted(names):
            for junk in ADMIN_JUNK:
                try:
                    response = staff.get(f"{url}?{name}={junk}")
                except Exception as error:  # the test client re-raises what the view raised
                    failures.append((url, name, junk, repr(error)[:200]))
                    continue
                if response.status_code >= 500:
                    failures.append((url, name, junk, response.status_code))
    assert failures == [], "\n".join(str(failure) for failure in failures)


def test_a_nul_byte_in_a_query_string_is_a_bad_request_before_any_query(client, django_assert_num_queries):
    """PostgreSQL refuses text with NUL bytes in any comparison: such requests never reach a view."""
    with django_assert_num_queries(0):
        page = client.get("/en/concerns/?theme=water%00")
        api = client.get("/api/v1/areas?country=U%00Z")
        admin = client.get("/staff/admin/places/area/?kind__exact=region%00")
    assert (page.status_code, api.status_code, admin.status_code) == (400, 400, 400)
    assert api.json()["code"] == "invalid"
    assert client.get("/en/concerns/?theme=water").status_code == 200
