"""Every URL of Ovoz, from the URL resolver, made concrete with the ids of a test's objects, and
every query parameter each of them reads.

Tests that must cover every page (security headers, hostile input, CSRF) walk ``concrete_urls``:
a new URL pattern is walked as soon as it exists, and a pattern with a parameter no test gave a
value for fails with its name instead of being skipped. Tests that must cover every filter, search
and sort (junk input, the search oracle) take the names from ``page_parameters`` (each page asked
once, noting what it reads), ``api_parameters`` (the OpenAPI document) and ``admin_parameters``
(each model admin's search, filters and date hierarchy): a filter added tomorrow is walked tomorrow.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar

from django.apps import apps
from django.contrib import admin
from django.core.handlers.wsgi import WSGIRequest
from django.http import QueryDict
from django.urls import URLPattern, URLResolver, get_resolver, reverse

_REGEX_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")
_ROUTE_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


@dataclass(frozen=True)
class Route:
    template: str  # "/staff/concerns/<concern_id>/"
    namespace: str  # "staff", "admin", "api", "" ...
    name: str
    callback: Callable[..., Any]

    @property
    def parameters(self) -> list[str]:
        return _ROUTE_PARAMETER.findall(self.template)

    @property
    def is_admin(self) -> bool:
        return self.namespace == "admin"


def _as_route(pattern: str) -> str:
    """A path or regex pattern written as a route with ``<name>`` placeholders."""
    if pattern.startswith("^") or pattern.endswith("$") or "(?P<" in pattern:
        pattern = _REGEX_GROUP.sub(lambda match: f"<{match.group(1)}>", pattern.lstrip("^").rstrip("$"))
        pattern = pattern.replace("\\", "")
    return _ROUTE_PARAMETER.sub(lambda match: f"<{match.group(1)}>", pattern)


def routes() -> list[Route]:
    """Every URL pattern of the project, depth first, in the resolver's order."""

    def walk(patterns: Sequence[Any], prefix: str, namespace: str) -> Iterator[Route]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace or namespace
                yield from walk(pattern.url_patterns, prefix + _as_route(str(pattern.pattern)), inner)
            elif isinstance(pattern, URLPattern):
                template = "/" + prefix + _as_route(str(pattern.pattern))
                yield Route(template, namespace, pattern.name or "", pattern.callback)

    return list(walk(get_resolver().url_patterns, "", ""))


def _admin_values(route: Route) -> dict[str, list[str]] | None:
    """Parameters of the admin's own patterns: the first object of the page's model, each app.

    None when the page cannot be made concrete: an object page of a model without objects, or
    "view on site" (no model of Ovoz has a public URL of its own).
    """
    values: dict[str, list[str]] = {
        "url": ["no-such-page/"],
        "app_label": sorted({model._meta.app_label for model in admin.site._registry}),
    }
    if "content_type_id" in route.parameters:
        return None
    object_parameters = {"object_id", "id"} & set(route.parameters)
    if object_parameters:
        prefix = reverse("admin:index")
        app_label, model_name = route.template.removeprefix(prefix).split("/")[:2]
        first = apps.get_model(app_label, model_name)._default_manager.order_by("pk").first()
        if first is None:
            return None
        values.update(dict.fromkeys(object_parameters, [str(first.pk)]))
    return values


def concrete_urls(
    values: Mapping[str, Sequence[str]], *, include: Callable[[Route], bool] = lambda route: True
) -> list[tuple[Route, str]]:
    """Each route with each combination of the given parameter values (admin ids found by itself).

    Raises ``KeyError`` naming the route when a parameter has no value: give one in ``values``.
    """
    urls: list[tuple[Route, str]] = []
    for route in routes():
        if not include(route):
            continue
        known: Mapping[str, Sequence[str]] = values
        if route.is_admin:
            admin_values = _admin_values(route)
            if admin_values is None:
                continue
            known = {**values, **admin_values}
        filled = [route.template]
        for parameter in route.parameters:
            if parameter not in known:
                raise KeyError(f"no test value for <{parameter}> of {route.template} ({route.name})")
            filled = [url.replace(f"<{parameter}>", str(value), 1) for url in filled for value in known[parameter]]
        urls.extend((route, url) for url in filled)
    return urls


# --- The query parameters each page reads ---------------------------------------------------------


class RecordingQueryDict(QueryDict):
    """A query dictionary that notes every name a view looks up."""

    names: ClassVar[set[str]] = set()

    def __getitem__(self, key: str) -> Any:
        self.names.add(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self.names.add(key)
        return super().get(key, default)

    def getlist(self, key: str, default: Any = None) -> Any:
        self.names.add(key)
        return super().getlist(key, default)

    def __contains__(self, key: object) -> bool:
        self.names.add(str(key))
        return super().__contains__(key)


def _recording_get(request: WSGIRequest) -> RecordingQueryDict:
    return RecordingQueryDict(request.environ.get("QUERY_STRING", ""), encoding=request._encoding)


def page_parameters(client: Any, urls: Sequence[str], monkeypatch: Any) -> dict[str, set[str]]:
    """Which query parameters each page reads, asked with a non-empty query so forms bind."""
    recording = cached_property(_recording_get)
    recording.__set_name__(WSGIRequest, "GET")
    monkeypatch.setattr(WSGIRequest, "GET", recording)
    found = {}
    try:
        for url in urls:
            RecordingQueryDict.names = set()
            client.get(url + "?probe=1")
            found[url] = RecordingQueryDict.names - {"probe"}
    finally:
        monkeypatch.undo()
    return found


def api_parameters(slug: str) -> dict[str, set[str]]:
    """The query parameters of every GET operation of the API, from its OpenAPI document."""
    from ovoz.api import api

    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    found = {}
    for path, operations in schema["paths"].items():
        names = {item["name"] for item in operations.get("get", {}).get("parameters", []) if item["in"] == "query"}
        if names:
            found[path.replace("{slug}", slug)] = names
    return found


def admin_parameters() -> dict[str, set[str]]:
    """Search, sort, page, filters and date hierarchy of every model admin's list."""
    found = {}
    for model, model_admin in admin.site._registry.items():
        names = {"q", "o", "p"}
        for item in model_admin.list_filter:
            if isinstance(item, str):
                names.add(f"{item}__exact")
        if model_admin.date_hierarchy:
            names |= {f"{model_admin.date_hierarchy}__{part}" for part in ("year", "month", "day")}
        found[f"/staff/admin/{model._meta.app_label}/{model._meta.model_name}/"] = names
    return found
