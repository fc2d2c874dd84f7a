"""Every URL of Ovoz, from the URL resolver, made concrete with the ids of a test's objects.

Tests that must cover every page (security headers, hostile input, CSRF) walk ``concrete_urls``:
a new URL pattern is walked as soon as it exists, and a pattern with a parameter no test gave a
value for fails with its name instead of being skipped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib import admin
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
