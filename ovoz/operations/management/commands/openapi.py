from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from ovoz.api import api


def openapi_document() -> str:
    """The API's OpenAPI 3 document as stable, sorted JSON (kept in docs/openapi.json)."""
    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    return json.dumps(schema, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


class Command(BaseCommand):
    help = "Print the OpenAPI 3 document of /api/v1/ (make openapi writes it to docs/openapi.json)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(openapi_document(), ending="")
