from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from ovoz.core.ids import parse_id
from ovoz.core.pagination import Pagination
from ovoz.places.choices import AreaKind
from ovoz.places.models import Area
from ovoz.places.selectors import area_list, area_outlines_json

router = Router(tags=["areas"])


class OutlineCollection(Schema):
    type: Literal["FeatureCollection"]
    features: list[dict[str, Any]]


@router.get("areas/outlines", response=OutlineCollection, summary="Area boundaries for a map (GeoJSON)")
def area_outlines(request: HttpRequest, kind: AreaKind = AreaKind.REGION) -> HttpResponse:
    """The imported boundaries of the areas of one kind, simplified to about 1 km for a map: a GeoJSON
    FeatureCollection with the area's ``id`` and ``code``. Areas without a boundary are left out."""
    return HttpResponse(area_outlines_json(kind=kind), content_type="application/json; charset=utf-8")


class AreaOut(Schema):
    id: int
    code: str | None
    kind: str
    name: str = Field(description="Name in the requested language (Accept-Language), with fallbacks.")
    names: dict[str, str]
    parent: int | None = Field(None, alias="parent_id")
    latitude: float | None
    longitude: float | None
    has_boundary: bool

    @staticmethod
    def resolve_name(area: Area) -> str:
        return area.display_name

    @staticmethod
    def resolve_has_boundary(area: Area) -> bool:
        # Annotated by the selector, which leaves the (large) boundary itself unread.
        return bool(getattr(area, "boundary_present", False))


@router.get("areas", response=list[AreaOut], summary="List areas")
@paginate(Pagination)
def list_areas(
    request: HttpRequest, kind: AreaKind | None = None, parent: int | None = None, country: str | None = None
) -> object:
    """Countries, regions, districts and communities, shallowest first. Boundaries are not included."""
    if parent is not None and parse_id(parent) is None:
        return Area.objects.none()  # no area has such an id, and SQLite cannot even compare a 64-bit overflow
    return area_list(kind=kind, parent_id=parent, country=country)
