from ninja import Field, Schema
from ninja.conf import settings
from ninja.pagination import LimitOffsetPagination

MAX_OFFSET = 10_000_000


class Pagination(LimitOffsetPagination):
    """ninja's limit/offset pagination with an upper bound on ``offset`` too.

    An unbounded offset reaches the database as a number SQLite cannot hold (a 500, found by the
    schemathesis test); no real client pages ten million rows deep.
    """

    class Input(Schema):
        limit: int = Field(settings.PAGINATION_PER_PAGE, ge=1, le=settings.PAGINATION_MAX_LIMIT)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)
