from datetime import date, datetime
from typing import Literal

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Header, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate
from ninja.responses import Status

from ovoz.concerns import confidential, following, selectors, services
from ovoz.concerns.choices import Channel, Visibility
from ovoz.concerns.contacts import contact_parse
from ovoz.concerns.errors import ConcernError
from ovoz.concerns.models import Concern, Theme
from ovoz.core.api_schemas import ApiError, ErrorOut
from ovoz.core.pagination import Pagination
from ovoz.core.ratelimit import is_limited
from ovoz.places.api import AreaRef
from ovoz.places.selectors import area_get_by_reference

router = Router(tags=["concerns"])
themes_router = Router(tags=["themes"])


# --- Themes ------------------------------------------------------------------------------------


class ThemeOut(Schema):
    slug: str
    label: str
    description: str
    labels: dict[str, str]
    default_visibility: str

    @staticmethod
    def resolve_label(theme: Theme) -> str:
        return theme.label

    @staticmethod
    def resolve_description(theme: Theme) -> str:
        return theme.description


@themes_router.get("themes", response=list[ThemeOut], summary="List themes")
@paginate(Pagination)
def list_themes(request: HttpRequest) -> object:
    """The active themes; their slugs are also the Open311 service codes."""
    return selectors.theme_list()


# --- Concerns ----------------------------------------------------------------------------------


class ContactIn(Schema):
    phone: str | None = Field(None, max_length=32)
    email: str | None = Field(None, max_length=254)


class ConcernIn(Schema):
    text: str = Field(description="What the problem is, up to 4,000 characters.")
    language: str | None = Field(None, description="Language code of the text; detected when left out.")
    area: str | int | None = Field(None, description="Area id or ISO 3166-2 code, e.g. UZ-JI.")
    lat: float | None = None
    lon: float | None = None
    themes: list[str] = Field(default_factory=list, description="Theme slugs, see GET /themes.")
    visibility: Literal["public", "restricted", "confidential"] | None = Field(
        None,
        description="Left out: the strictest default of the themes (confidential for domestic-violence), "
        "else public. A visibility looser than a theme's default is kept only with confirm_visibility; "
        "otherwise the theme's default is stored. GET /confidential-readers says who can read a confidential one.",
    )
    confirm_visibility: bool = Field(
        False,
        description="The reporter was told that a theme (such as domestic-violence) is confidential by default "
        "and still chose this visibility.",
    )
    contact: ContactIn | None = Field(None, description="For replies; stored encrypted.")


class ReceiptOut(Schema):
    receipt: str
    status: str
    visibility: str = Field(description="The visibility stored: check it when you sent one.")


def _themes_from_slugs(slugs: list[str]) -> list[Theme]:
    if not slugs:
        return []
    themes = list(Theme.objects.filter(slug__in=[slug for slug in slugs if "\x00" not in slug], is_active=True))
    unknown = sorted(set(slugs) - {theme.slug for theme in themes})
    if unknown:
        raise ApiError(400, _("Unknown theme: %(themes)s.") % {"themes": ", ".join(unknown)}, "unknown_theme")
    return themes


@router.post(
    "concerns",
    response={201: ReceiptOut, 400: ErrorOut, 409: ErrorOut, 415: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="Raise a concern",
)
def create_concern(
    request: HttpRequest,
    payload: ConcernIn,
    idempotency_key: str = Header(  # type: ignore[type-arg]
        "",
        alias="Idempotency-Key",
        description="Retry safely: the same key (22+ random characters) and text return the same receipt.",
    ),
) -> JsonResponse:
    """Store a concern and return its receipt, the only way to follow it. Only ``text`` is required."""
    if is_limited(request, scope="intake", limit=settings.OVOZ_INTAKE_LIMIT, window_seconds=600):
        raise ApiError(429, _("Too many concerns from here in a short time. Please wait a few minutes."), "throttled")
    area = None
    if payload.area not in (None, ""):
        area = area_get_by_reference(str(payload.area))
        if area is None:
            raise ApiError(400, _("Unknown area: %(area)s.") % {"area": payload.area}, "unknown_area")
    try:
        contact = contact_parse(
            phone=payload.contact.phone or "" if payload.contact else "",
            email=payload.contact.email or "" if payload.contact else "",
        )
        submitted = services.concern_intake(
            services.IntakeRequest(
                text=payload.text,
                channel=Channel.API,
                language=payload.language or "",
                area=area,
                latitude=payload.lat,
                longitude=payload.lon,
                themes=_themes_from_slugs(payload.themes),
                visibility=Visibility(payload.visibility) if payload.visibility else None,
                visibility_confirmed=payload.confirm_visibility,
                contact=contact,
                submission_token=idempotency_key[:200],
            )
        )
    except ConcernError as error:
        raise ApiError(error.http_status, str(error.message), error.code) from error
    concern = submitted.concern
    # ReceiptOut, written out: every intake answers this, and ninja's validation of its own three strings
    # cost as much as a twentieth of the request (issue 13.5). A test compares it with the schema.
    body = {"receipt": submitted.receipt, "status": str(concern.status), "visibility": str(concern.visibility)}
    return JsonResponse(body, status=201, content_type="application/json; charset=utf-8")  # as ninja's answers


class ReceiptIn(Schema):
    receipt: str = Field(max_length=40)


class ReplyIn(Schema):
    receipt: str = Field(max_length=40)
    text: str


class EventOut(Schema):
    at: datetime
    kind: str
    text: str
    status: str = Field("", alias="to_status")


class FollowOut(Schema):
    id: int
    status: str
    close_reason: str
    updates: list[EventOut]
    questions: list[EventOut]
    merged_into: int | None = None


def _followed(request: HttpRequest, receipt: str) -> Concern:
    """The receipt's concern; only failed look-ups count towards the client's limit (concerns.following)."""
    lookup = following.receipt_lookup(request, receipt)
    if lookup.concern is not None:
        return lookup.concern
    if lookup.is_throttled:
        raise ApiError(429, _("Too many attempts. Please wait ten minutes and try again."), "throttled")
    raise ApiError(404, _("No concern matches this receipt code. Check it and try again."), "not_found")


def _follow_out(concern: Concern, receipt: str) -> dict[str, object]:
    followed = concern.duplicate_of or concern
    events = confidential.reporter_events(concern, receipt=receipt)
    return {
        "id": followed.pk,
        "status": followed.status,
        "close_reason": followed.close_reason,
        "updates": [
            # The reporter's own concern's time, also once merged: not when someone else reported.
            {"at": concern.created_at, "kind": "created", "text": "", "to_status": ""},
            *(event for event in events if event.kind not in ("question", "reply", "reporter_message")),
        ],
        "questions": [event for event in events if event.kind in ("question", "reply")],
        "merged_into": concern.duplicate_of_id,
    }


@router.post("concerns/follow", response={200: FollowOut, 404: ErrorOut, 429: ErrorOut}, summary="Follow a concern")
def follow_concern(request: HttpRequest, payload: ReceiptIn) -> Status[object]:
    """Status, public updates and the facilitator's questions and replies, for the holder of the receipt."""
    return Status(200, _follow_out(_followed(request, payload.receipt), payload.receipt))


@router.post(
    "concerns/follow/reply",
    response={201: FollowOut, 400: ErrorOut, 404: ErrorOut, 429: ErrorOut},
    summary="Answer or add information",
)
def reply_to_concern(request: HttpRequest, payload: ReplyIn) -> Status[object]:
    """Add information to a concern, or answer the facilitator's question."""
    concern = _followed(request, payload.receipt)
    if following.messages_limited(concern):
        raise ApiError(429, _("Too many messages in a short time. Please wait a few minutes."), "throttled")
    try:
        services.concern_reporter_message(concern=concern, text=payload.text)
    except ConcernError as error:
        raise ApiError(error.http_status, str(error.message), error.code) from error
    return Status(201, _follow_out(concern, payload.receipt))


class PublishedConcernOut(Schema):
    id: int
    text: str = Field(alias="public_text")
    area: AreaRef | None
    themes: list[str]
    status: str
    day: date
    published: date
    supporters: int = Field(alias="support_count")

    @staticmethod
    def resolve_themes(concern: Concern) -> list[str]:
        return [theme.slug for theme in concern.themes.all()]

    @staticmethod
    def resolve_day(concern: Concern) -> date:
        return timezone.localdate(concern.created_at)

    @staticmethod
    def resolve_published(concern: Concern) -> date | None:
        return timezone.localdate(concern.published_at) if concern.published_at else None


class PublishedFilters(Schema):
    area: str | None = Field(None, description="Area id or code; concerns inside it are included.")
    theme: str | None = Field(None, description="Theme slug.")
    status: Literal["received", "accepted", "prioritised", "in_action", "resolved", "closed"] | None = None
    since: date | None = Field(None, description="Published on or after this day.")


@router.get("concerns", response=list[PublishedConcernOut], summary="List published concerns")
@paginate(Pagination)
def list_concerns(request: HttpRequest, filters: Query[PublishedFilters]) -> object:
    """Published concerns (redacted public text only), newest first."""
    area = area_get_by_reference(filters.area) if filters.area else None
    if filters.area and area is None:
        raise HttpError(400, _("Unknown area: %(area)s.") % {"area": filters.area})
    theme = Theme.objects.filter(slug=filters.theme).first() if filters.theme and "\x00" not in filters.theme else None
    if filters.theme and theme is None:
        raise HttpError(400, _("Unknown theme: %(themes)s.") % {"themes": filters.theme})
    return selectors.public_concern_list(
        filters=selectors.PublicFilters(area=area, theme=theme, status=filters.status or "", since=filters.since)
    )
