"""Open311 GeoReport v2 (open311.org) at /open311/v2/: services are themes, requests are published concerns.

Field and element names follow the specification exactly. Every list stays a list, a single request
included. Dates are kept to the day (DESIGN §3: the created time is public only to the day).
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from ovoz.concerns import selectors, services
from ovoz.concerns.choices import OPEN_STATUSES, Audience, Channel, Visibility
from ovoz.concerns.contacts import contact_parse
from ovoz.concerns.errors import ConcernError
from ovoz.concerns.models import Concern, Theme
from ovoz.concerns.promises import CONFIDENTIAL_SHORT
from ovoz.core.ids import parse_id
from ovoz.core.ratelimit import is_limited

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-27T00:00:00Z"
DEFAULT_WINDOW_DAYS = 90
MAX_REQUESTS = 1000
FORMATS = {"json": "application/json", "xml": "text/xml"}

Record = dict[str, Any]


class Open311Error(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def _respond(records: Any, *, fmt: str, root: str, item: str, status: int = 200) -> HttpResponse:
    if fmt == "json":
        return JsonResponse(records, safe=False, status=status, json_dumps_params={"ensure_ascii": False})
    element = _to_xml(root, item, records)
    body = ElementTree.tostring(element, encoding="unicode", xml_declaration=False)
    return HttpResponse(
        '<?xml version="1.0" encoding="utf-8"?>\n' + body, content_type="text/xml; charset=utf-8", status=status
    )


def _to_xml(root: str, item: str, records: Any) -> ElementTree.Element:
    element = ElementTree.Element(root)
    for record in records if isinstance(records, list) else [records]:
        child = ElementTree.SubElement(element, item) if item else element
        _fill(child, record)
    return element


# Lists inside records, as the specification names their XML elements.
_LIST_ITEMS = {"endpoints": "endpoint", "formats": "format", "attributes": "attribute", "values": "value"}


def _fill(element: ElementTree.Element, record: Mapping[str, Any]) -> None:
    for key, value in record.items():
        child = ElementTree.SubElement(element, key)
        if isinstance(value, list):
            for entry in value:
                grandchild = ElementTree.SubElement(child, _LIST_ITEMS.get(key, "item"))
                if isinstance(entry, Mapping):
                    _fill(grandchild, entry)
                else:
                    grandchild.text = str(entry)
        elif isinstance(value, bool):
            child.text = "true" if value else "false"
        elif value is not None:
            child.text = str(value)


def _errors(error: Open311Error, fmt: str) -> HttpResponse:
    return _respond(
        [{"code": error.status, "description": error.description}],
        fmt=fmt,
        root="errors",
        item="error",
        status=error.status,
    )


def open311_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Check the format and turn Open311Errors into the specification's error list."""

    def wrapper(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
        if fmt not in FORMATS:
            return _errors(Open311Error(404, _("Unknown format; use .json or .xml.")), "json")
        try:
            return view(request, *args, fmt=fmt, **kwargs)
        except Open311Error as error:
            return _errors(error, fmt)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/open311/v2/")


def _day(moment: datetime | None) -> str | None:
    """A timestamp kept to its day: midnight of that day in the deployment's time zone, ISO 8601."""
    if moment is None:
        return None
    day = timezone.localdate(moment)
    return timezone.make_aware(datetime.combine(day, time.min)).isoformat()


@require_GET
@open311_view
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    record = {
        "changeset": CHANGESET,
        "contact": settings.DEFAULT_FROM_EMAIL,
        "key_service": _("API keys are issued to partner systems by the administrators of this deployment."),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": _base_url(request),
                "changeset": CHANGESET,
                "type": "production" if settings.IS_PRODUCTION else "test",
                "formats": list(FORMATS.values()),
            }
        ],
    }
    return _respond(record, fmt=fmt, root="discovery", item="")


def _service(theme: Theme) -> Record:
    return {
        "service_code": theme.slug,
        "service_name": theme.label,
        "description": theme.description,
        "metadata": False,
        "type": "batch",
        "keywords": theme.slug.replace("-", ", "),
        "group": "",
    }


@require_GET
@open311_view
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    return _respond([_service(theme) for theme in selectors.theme_list()], fmt=fmt, root="services", item="service")


@require_GET
@open311_view
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    theme = selectors.theme_list().filter(slug=code).first() if "\x00" not in code else None
    if theme is None:
        raise Open311Error(404, _("Unknown service_code."))
    # Ovoz asks nothing beyond the description, so a service defines no extra attributes.
    return _respond({"service_code": theme.slug, "attributes": []}, fmt=fmt, root="service_definition", item="")


def _request_record(concern: Concern) -> Record:
    themes = list(concern.themes.all())
    public = [event for event in concern.events.all() if event.audience == Audience.PUBLIC]  # prefetched
    notes = [event.text for event in public if event.text]
    # The last public step, not the last change: a reporter's private message must not show here.
    last_public_step = max([concern.published_at or concern.created_at, *(event.at for event in public)])
    return {
        "service_request_id": str(concern.pk),
        "status": "open" if concern.status in OPEN_STATUSES else "closed",
        "status_notes": notes[-1] if notes else "",
        "service_name": themes[0].label if themes else "",
        "service_code": themes[0].slug if themes else "",
        "description": concern.public_text,
        "agency_responsible": "",
        "service_notice": "",
        "requested_datetime": _day(concern.created_at),
        "updated_datetime": _day(last_public_step),
        "expected_datetime": None,
        "address": str(concern.area) if concern.area else "",
        "address_id": concern.area.code or str(concern.area.pk) if concern.area else "",
        "zipcode": "",
        "lat": concern.latitude,
        "long": concern.longitude,
        "media_url": "",
    }


def _parse_date(value: str, name: str) -> datetime:
    try:
        parsed = parse_datetime(value) or datetime.combine(date.fromisoformat(value), time.min)
        parsed = parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)
        # Databases store UTC: a date that has no UTC counterpart (year 9999 west of Greenwich) is refused.
        if not 1900 <= parsed.astimezone(UTC).year <= 2200:
            raise ValueError(value)
        return parsed
    except (ValueError, OverflowError) as error:
        raise Open311Error(400, _("%(name)s must be a W3C date and time.") % {"name": name}) from error


def _published(request: HttpRequest) -> QuerySet[Concern]:
    concerns = selectors.public_concern_list().prefetch_related("events")
    ids = [parse_id(part.strip()) for part in request.GET.get("service_request_id", "").split(",") if part.strip()]
    if ids:
        if None in ids:
            raise Open311Error(400, _("service_request_id must be a comma-separated list of numbers."))
        return concerns.filter(pk__in=ids)
    if request.GET.get("service_code"):
        concerns = concerns.filter(
            themes__slug__in=[code for code in request.GET["service_code"].split(",") if "\x00" not in code]
        )
    end = _parse_date(request.GET["end_date"], "end_date") if request.GET.get("end_date") else timezone.now()
    try:
        start = (
            _parse_date(request.GET["start_date"], "start_date")
            if request.GET.get("start_date")
            else end - timedelta(days=DEFAULT_WINDOW_DAYS)
        )
    except OverflowError as error:
        raise Open311Error(400, _("%(name)s must be a W3C date and time.") % {"name": "end_date"}) from error
    # Requests show their day only (``_day``): a filter finer than a day would tell the hour by bisection,
    # so both ends widen to whole days.
    first_day, last_day = timezone.localdate(start), timezone.localdate(end)
    concerns = concerns.filter(
        created_at__gte=timezone.make_aware(datetime.combine(first_day, time.min)),
        created_at__lt=timezone.make_aware(datetime.combine(last_day + timedelta(days=1), time.min)),
    )
    status = request.GET.get("status", "")
    if status == "open":
        concerns = concerns.filter(status__in=OPEN_STATUSES)
    elif status == "closed":
        concerns = concerns.exclude(status__in=OPEN_STATUSES)
    elif status:
        raise Open311Error(400, _("status must be open or closed."))
    return concerns.distinct()


@csrf_exempt  # a machine interface authenticated by api_key, not by cookies
@require_http_methods(["GET", "POST"])
@open311_view
def request_list(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create_request(request, fmt)
    records = [_request_record(concern) for concern in _published(request)[:MAX_REQUESTS]]
    return _respond(records, fmt=fmt, root="service_requests", item="request")


@require_GET
@open311_view
def request_detail(request: HttpRequest, request_id: int, fmt: str) -> HttpResponse:
    concern = selectors.public_concern_list().filter(pk=request_id).first()
    if concern is None:
        raise Open311Error(404, _("No published service request has this id."))
    return _respond([_request_record(concern)], fmt=fmt, root="service_requests", item="request")


def _float(value: str | None, name: str) -> float | None:
    if not value:
        return None
    try:
        return float(value)
    except ValueError as error:
        raise Open311Error(400, _("%(name)s must be a number.") % {"name": name}) from error


def _create_request(request: HttpRequest, fmt: str) -> HttpResponse:
    data = request.POST
    partner = services.api_partner_authenticate(data.get("api_key", ""))
    if partner is None:
        raise Open311Error(403, _("A valid api_key is required to submit requests."))
    if is_limited(request, scope=f"open311:{partner.pk}", limit=settings.OVOZ_INTAKE_LIMIT * 10, window_seconds=600):
        raise Open311Error(429, _("Too many requests; please wait a few minutes."))
    code = data.get("service_code", "")
    theme = selectors.theme_list().filter(slug=code).first() if code and "\x00" not in code else None
    if theme is None:
        raise Open311Error(400, _("service_code is missing or unknown."))
    latitude, longitude = _float(data.get("lat"), "lat"), _float(data.get("long"), "long")
    area = None
    if data.get("address_id"):
        from ovoz.places.selectors import area_get_by_reference

        area = area_get_by_reference(data["address_id"])
        if area is None:
            raise Open311Error(400, _("address_id is not a known area."))
    text = data.get("description", "")
    if data.get("address_string"):
        text = f"{text}\n\n{data['address_string']}".strip()
    try:
        contact = contact_parse(phone=data.get("phone", ""), email=data.get("email", ""))
        submitted = services.concern_intake(
            services.IntakeRequest(
                text=text,
                channel=Channel.OPEN311,
                area=area,
                latitude=latitude,
                longitude=longitude,
                themes=[theme],
                contact=contact,
                submission_token=f"{partner.pk}:{data['idempotency_key']}" if data.get("idempotency_key") else "",
                open311_partner=partner,
            )
        )
    except ConcernError as error:
        raise Open311Error(409 if error.code == "idempotency_conflict" else 400, str(error.message)) from error
    token = submitted.open311_token
    notice = _("Received. A facilitator reviews every request before it is published.")
    if submitted.concern.visibility == Visibility.CONFIDENTIAL:  # the service's default, e.g. violence at home
        notice = _("Received.") + " " + str(CONFIDENTIAL_SHORT)
    return _respond(
        [{"token": token, "service_notice": notice, "account_id": ""}],
        fmt=fmt,
        root="service_requests",
        item="request",
        status=201,
    )


@require_GET
@open311_view
def token_detail(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    concern = services.open311_token_concern(token)
    if concern is None:
        raise Open311Error(404, _("Unknown token."))
    published = selectors.is_publicly_readable(concern)
    return _respond(
        [{"service_request_id": str(concern.pk) if published else None, "token": token}],
        fmt=fmt,
        root="service_requests",
        item="request",
    )
