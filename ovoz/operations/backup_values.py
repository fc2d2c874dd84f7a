"""How one database value travels in a backup: as JSON that the field's ``to_python`` reads back on any
database (a SQLite backup restores into PostgreSQL and back)."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils.duration import duration_iso_string

from ovoz.operations.backup_format import BackupError


def _encoded(value: Any) -> Any:
    """A database value as JSON, in a form the field's ``to_python`` reads back on any database."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, timedelta):
        return duration_iso_string(value)
    raise BackupError(f"Cannot back up a value of type {type(value).__name__}.", code="unsupported_value")


def value_encoder(model_field: models.Field[Any, Any]) -> Callable[[Any], Any]:
    if isinstance(model_field, models.JSONField):
        return lambda value: value  # already JSON
    return _encoded


def value_decoder(model_field: models.Field[Any, Any], connection: BaseDatabaseWrapper) -> Callable[[Any], Any]:
    is_json = isinstance(model_field, models.JSONField)

    def decode(value: Any) -> Any:
        if value is not None and not is_json:
            value = model_field.to_python(value)
        return model_field.get_db_prep_save(value, connection)

    return decode
