from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from ovoz.concerns.models import Theme
from ovoz.concerns.selectors import theme_list

router = Router(tags=["themes"])


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


@router.get("themes", response=list[ThemeOut], summary="List themes")
@paginate(LimitOffsetPagination)
def list_themes(request: HttpRequest) -> object:
    """The active themes; their slugs are also the Open311 service codes."""
    return theme_list()
