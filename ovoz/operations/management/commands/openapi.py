from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from django.core.management.base import BaseCommand

from ovoz.api import api

# django-ninja describes a response by Python's name for its status, and Python 3.13 took RFC 9110's
# names for these two: the document names them as RFC 9110 does, whatever Python writes it.
RFC_9110_PHRASES = {413: "Content Too Large", 422: "Unprocessable Content"}


def openapi_document() -> str:
    """The API's OpenAPI 3 document as stable, sorted JSON (kept in docs/openapi.json), the same on
    every Python Ovoz supports."""
    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for code, response in operation.get("responses", {}).items():
                status = int(code) if str(code).isdigit() else None
                if status in RFC_9110_PHRASES and response.get("description") == HTTPStatus(status).phrase:
                    response["description"] = RFC_9110_PHRASES[status]
    return json.dumps(schema, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


class Command(BaseCommand):
    help = "Print the OpenAPI 3 document of /api/v1/ (make openapi writes it to docs/openapi.json)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(openapi_document(), ending="")
