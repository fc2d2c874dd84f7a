"""What every app's API shares: the error body and the refusal that produces it."""

from __future__ import annotations

from ninja import Schema


class ErrorOut(Schema):
    detail: str
    code: str


class ApiError(Exception):
    """A refusal the API reports as ``{"detail", "code"}`` with this HTTP status (handled in ``ovoz.api``)."""

    def __init__(self, status: int, detail: str, code: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.code = code
