from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ovoz.places.choices import AreaKind
from ovoz.places.errors import BoundaryImportError
from ovoz.places.selectors import area_get_by_reference
from ovoz.places.services import areas_import_boundaries

NAME_LANGUAGES = ("ru", "uz", "tg", "ky", "kk", "kaa", "tk")


class Command(BaseCommand):
    help = (
        "Import area boundaries from a GeoJSON FeatureCollection (Polygon, MultiPolygon or "
        "GeometryCollection features) under a parent area. Existing areas are matched by code or "
        "name and updated, never duplicated; a file with any problem imports nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The GeoJSON file.")
        parser.add_argument("--parent", required=True, help="ISO 3166-2 code (e.g. UZ or UZ-JI) or id of the parent.")
        parser.add_argument(
            "--level", required=True, choices=[kind.value for kind in AreaKind if kind != AreaKind.COUNTRY]
        )
        parser.add_argument("--name-field", required=True, help="Property holding the English name.")
        for language in NAME_LANGUAGES:
            parser.add_argument(
                f"--name-field-{language}",
                dest=f"name_field_{language}",
                help=f"Property holding the name in {language}.",
            )
        parser.add_argument("--code-field", help="Property holding a stable code (e.g. an ISO or P-code).")

    def handle(self, *args: Any, **options: Any) -> None:
        parent = area_get_by_reference(options["parent"])
        if parent is None:
            raise CommandError(f"No area with code or id {options['parent']!r}.")
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}") from error
        name_fields = {"en": options["name_field"]}
        for language in NAME_LANGUAGES:
            if options.get(f"name_field_{language}"):
                name_fields[language] = options[f"name_field_{language}"]
        try:
            result = areas_import_boundaries(
                data=data,
                parent=parent,
                kind=AreaKind(options["level"]),
                name_fields=name_fields,
                code_field=options.get("code_field"),
            )
        except BoundaryImportError as error:
            raise CommandError(f"Nothing was imported. {error.message}") from error
        self.stdout.write(
            f"Imported {len(result.created) + len(result.updated)} changed areas under {parent.name}: "
            f"{len(result.created)} created, {len(result.updated)} updated."
        )
