"""Backups: a consistent, encrypted snapshot of the database and the media folder, and its restore.

The snapshot is database-neutral (docs/adr/0006-backups.md): every table of every installed model is
written as rows of JSON values encoded from Django's own field types (times as ISO 8601 with their
offset, binary data as base64, JSON fields as JSON), so a backup taken on SQLite restores into
PostgreSQL and back. It is read in one transaction (PostgreSQL REPEATABLE READ, READ ONLY; SQLite
one read transaction, a single snapshot in WAL mode), so every table is seen at the same instant.

A restore goes into a freshly migrated database of the same schema (the same migrations applied),
with the same ``OVOZ_DATA_KEY``; it only INSERTs rows, keeping every field as it was (ids, times, the
audit log's entries), in one transaction, and writes the media only once the whole file has been
read and authenticated: a wrong key, an altered or a truncated file leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

import nacl.public
from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from ovoz.core.crypto import keyed_hash
from ovoz.core.events import AuditAction
from ovoz.core.services import audit_record
from ovoz.operations.backup_format import (
    MAX_RECORD_BYTES,
    BackupError,
    EncryptedReader,
    EncryptedWriter,
    Record,
    key_id,
)
from ovoz.operations.backup_values import value_decoder, value_encoder

# Record kinds inside the encrypted stream.
HEADER = b"H"  # JSON: format, time, versions, schema (applied migrations), data-key check
TABLE = b"T"  # JSON: {"model": label, "fields": [attnames]}; the rows that follow belong to it
ROWS = b"R"  # JSON: a list of rows, each a list of values in the table's field order
FILE = b"F"  # JSON: {"name": media name}; its bytes follow as DATA records
DATA = b"D"  # raw bytes of the current file
FILE_END = b"Z"  # JSON: {"size": bytes}
END = b"E"  # JSON summary, the stream's FINAL record

ROWS_PER_RECORD = 500
ROW_BYTES_PER_RECORD = 1024 * 1024
FILE_CHUNK_BYTES = 256 * 1024
# Rows `migrate` itself writes: a freshly migrated database has them, and a restore replaces them with
# the backup's own (their ids are referred to by permissions and grants).
FILLED_BY_MIGRATE = frozenset({"contenttypes.contenttype", "auth.permission"})


@dataclass
class BackupSummary:
    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0
    file_bytes: int = 0
    missing_files: list[str] = field(default_factory=list)
    bytes_written: int = 0
    key_id: str = ""

    @property
    def row_count(self) -> int:
        return sum(self.rows.values())


@dataclass
class RestoreSummary:
    created_at: str = ""
    ovoz_version: str = ""
    source_database: str = ""
    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0
    file_bytes: int = 0

    @property
    def row_count(self) -> int:
        return sum(self.rows.values())


# --- What is backed up -------------------------------------------------------------------------


def backup_models() -> list[type[models.Model]]:
    """Every table Django manages, including many-to-many tables, in a stable order."""
    found = [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy and not model._meta.swapped
    ]
    return sorted(found, key=lambda model: model._meta.label_lower)


def _columns(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [
        model_field for model_field in model._meta.local_concrete_fields if not getattr(model_field, "generated", False)
    ]


def ovoz_version() -> str:
    try:
        return version("ovoz")
    except PackageNotFoundError:  # pragma: no cover (running from a checkout that was never installed)
        return "unknown"


def _applied_migrations(connection: BaseDatabaseWrapper) -> list[str]:
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return []
    return sorted(f"{app}.{name}" for app, name in recorder.applied_migrations())


def _data_key_check() -> str:
    """Tells whether two deployments share OVOZ_DATA_KEY, without revealing anything of it."""
    return keyed_hash("ovoz-backup", purpose="backup-data-key-check")[:16]


# --- Values ------------------------------------------------------------------------------------


# --- Consistent reading ------------------------------------------------------------------------


@contextlib.contextmanager
def _read_snapshot(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Hold one read-only snapshot of the whole database while the body runs."""
    if connection.in_atomic_block:
        raise BackupError("A backup cannot be taken inside another transaction.", code="in_transaction")
    if connection.vendor == "postgresql":
        # A pending health check would send its SELECT 1 first inside the transaction; do it now.
        connection.close_if_health_check_failed()
        connection.ensure_connection()
        with transaction.atomic(using=connection.alias):
            with connection.cursor() as cursor:
                # Must be the transaction's first statement: every later query sees the same snapshot.
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
    elif connection.vendor == "sqlite":
        # A deferred transaction only reads: in WAL mode it sees one snapshot from its first read on,
        # and writers go on meanwhile (Django's IMMEDIATE mode would take the write lock instead).
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
            cursor.execute("SELECT count(*) FROM sqlite_master")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("ROLLBACK")
    else:
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {connection.vendor}.", code="unsupported")


# --- Media -------------------------------------------------------------------------------------


def _media_files(storage: Storage, directory: str = "") -> Iterator[str]:
    """Every file name in the storage, depth first, in a stable order."""
    try:
        directories, files = storage.listdir(directory)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{directory}/{name}" if directory else name
    for name in sorted(directories):
        yield from _media_files(storage, f"{directory}/{name}" if directory else name)


def _media_name_checked(name: object) -> str:
    parts = PurePosixPath(str(name)).parts
    if not isinstance(name, str) or not name or name.startswith("/") or ".." in parts or "\\" in name:
        raise BackupError(f"The backup names a media file outside the media folder: {name!r}.", code="bad_name")
    return name


# --- Writing a backup --------------------------------------------------------------------------


def backup_create(
    *, output: BinaryIO, public_key: nacl.public.PublicKey, using: str = DEFAULT_DB_ALIAS
) -> BackupSummary:
    """Write a snapshot of the database and the media to ``output``, readable only with the private key.

    Neither OVOZ_DATA_KEY nor SECRET_KEY is written: they are kept apart from the backups, and a
    restore needs the same data key (docs/deployment.md, Backups).
    """
    connection = connections[using]
    writer = EncryptedWriter(output, public_key=public_key)
    summary = BackupSummary(key_id=key_id(public_key))
    storage = default_storage
    with _read_snapshot(connection):
        writer.write_json(
            HEADER,
            {
                "format": 1,
                "created_at": timezone.now().isoformat(),
                "ovoz_version": ovoz_version(),
                "database": connection.vendor,
                "migrations": _applied_migrations(connection),
                "data_key_check": _data_key_check(),
            },
        )
        referenced_files: set[str] = set()
        for model in backup_models():
            _table_write(writer, model, using=using, summary=summary, referenced_files=referenced_files)
        # Still inside the snapshot: a file a row refers to exists until that row is deleted, and any
        # deletion after the snapshot began is not visible to it.
        stored = set()
        for name in _media_files(storage):
            try:
                handle = storage.open(name, "rb")
            except FileNotFoundError:  # deleted since it was listed
                continue
            with handle:
                _file_write(writer, name, handle, summary=summary)
            stored.add(name)
        summary.missing_files = sorted(referenced_files - stored)
    writer.finish(
        END,
        {
            "rows": summary.rows,
            "files": summary.files,
            "file_bytes": summary.file_bytes,
            "missing_files": summary.missing_files,
        },
    )
    summary.bytes_written = writer.bytes_written
    audit_record(
        action=AuditAction.BACKUP_CREATED,
        data={"rows": summary.row_count, "files": summary.files, "key_id": summary.key_id},
    )
    return summary


def _table_write(
    writer: EncryptedWriter,
    model: type[models.Model],
    *,
    using: str,
    summary: BackupSummary,
    referenced_files: set[str],
) -> None:
    columns = _columns(model)
    encoders = [value_encoder(column) for column in columns]
    file_positions = [index for index, column in enumerate(columns) if isinstance(column, models.FileField)]
    label = model._meta.label_lower
    writer.write_json(TABLE, {"model": label, "fields": [column.attname for column in columns]})
    rows = (
        model._base_manager.using(using)
        .order_by("pk")
        .values_list(*(column.attname for column in columns))
        .iterator(chunk_size=ROWS_PER_RECORD)
    )
    batch: list[list[Any]] = []
    batch_bytes = 0
    count = 0
    for row in rows:
        encoded = [encode(value) for encode, value in zip(encoders, row, strict=True)]
        batch.append(encoded)
        batch_bytes += sum(len(value) for value in encoded if isinstance(value, str)) + 8 * len(encoded)
        for position in file_positions:
            if row[position]:
                referenced_files.add(row[position])
        count += 1
        if len(batch) >= ROWS_PER_RECORD or batch_bytes >= ROW_BYTES_PER_RECORD:
            _rows_write(writer, batch)
            batch, batch_bytes = [], 0
    if batch:
        _rows_write(writer, batch)
    summary.rows[label] = count


def _rows_write(writer: EncryptedWriter, batch: list[list[Any]]) -> None:
    """One ROWS record, split in two while it is too large (a few very long texts)."""
    payload = json.dumps(batch, ensure_ascii=False, separators=(",", ":")).encode()
    if len(payload) + 1 <= MAX_RECORD_BYTES:
        writer.write(ROWS, payload)
    elif len(batch) > 1:
        middle = len(batch) // 2
        _rows_write(writer, batch[:middle])
        _rows_write(writer, batch[middle:])
    else:
        raise BackupError("A single row is larger than a backup record can hold.", code="row_too_large")


def _file_write(writer: EncryptedWriter, name: str, handle: Any, *, summary: BackupSummary) -> None:
    writer.write_json(FILE, {"name": name})
    size = 0
    while chunk := handle.read(FILE_CHUNK_BYTES):
        writer.write(DATA, chunk)
        size += len(chunk)
    writer.write_json(FILE_END, {"size": size})
    summary.files += 1
    summary.file_bytes += size


# --- Restoring a backup ------------------------------------------------------------------------


def backup_restore(
    *, source: BinaryIO, private_key: nacl.public.PrivateKey, wipe: bool = False, using: str = DEFAULT_DB_ALIAS
) -> RestoreSummary:
    """Bring a backup back into a freshly migrated, empty database and an empty media folder.

    A database or media folder with data in it is refused unless ``wipe`` is set, which empties
    both (the audit log included) in the same transaction. Everything is checked as it is read; on any
    error the transaction is rolled back and no media file is written. (Inside an outer transaction,
    as in tests, the restore's transaction is a savepoint of it.)
    """
    connection = connections[using]
    records = iter(EncryptedReader(source, private_key=private_key))
    header = _next(records, HEADER).json()
    _compatibility_check(header, connection)
    summary = RestoreSummary(
        created_at=str(header.get("created_at", "")),
        ovoz_version=str(header.get("ovoz_version", "")),
        source_database=str(header.get("database", "")),
    )
    storage = default_storage
    settings.VAR_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    written: list[str] = []
    with tempfile.TemporaryDirectory(prefix="restore-", dir=settings.VAR_DIR) as staging_directory:
        staging = Path(staging_directory)
        try:
            with transaction.atomic(using=using):
                existing_files = list(_media_files(storage))
                _emptiness_check(using=using, existing_files=existing_files, wipe=wipe)
                _tables_empty(
                    connection,
                    [model for model in backup_models() if wipe or model._meta.label_lower in FILLED_BY_MIGRATE],
                )
                staged = _records_restore(records, connection=connection, staging=staging, summary=summary)
                with connection.cursor() as cursor:
                    for statement in connection.ops.sequence_reset_sql(no_style(), backup_models()):
                        cursor.execute(statement)
                connection.check_constraints()
                # Only now, with every byte authenticated, is the media folder touched.
                for name in existing_files:
                    storage.delete(name)
                for name, path in staged:
                    with path.open("rb") as handle:
                        saved = storage.save(name, File(handle, name=name))
                    written.append(saved)
                    if saved != name:
                        raise BackupError(f"The media file {name} could not be restored under its name.", code="media")
                audit_record(
                    action=AuditAction.BACKUP_RESTORED,
                    data={"created_at": summary.created_at, "rows": summary.row_count, "files": summary.files},
                )
        except BaseException:
            for name in written:
                with contextlib.suppress(OSError):
                    storage.delete(name)
            raise
        finally:
            ContentType.objects.clear_cache()
    return summary


def _next(records: Iterator[Record], kind: bytes) -> Record:
    record = next(records, None)
    if record is None or record.kind != kind:
        raise BackupError("The backup's records are not in the expected order.", code="malformed")
    return record


def _compatibility_check(header: dict[str, Any], connection: BaseDatabaseWrapper) -> None:
    if header.get("format") != 1:
        raise BackupError(f"Unknown backup format {header.get('format')!r}.", code="unknown_version")
    if header.get("data_key_check") != _data_key_check():
        raise BackupError(
            "This backup was taken with a different OVOZ_DATA_KEY. Set the data key of the deployment "
            "that made it (kept apart from the backups): without it contacts, channel credentials and "
            "receipts would be unusable. Nothing was restored.",
            code="data_key_mismatch",
        )
    here = set(_applied_migrations(connection))
    there = set(header.get("migrations", []))
    if here != there:
        only_backup = sorted(there - here)
        only_here = sorted(here - there)
        details = []
        if only_backup:
            details.append("only in the backup: " + ", ".join(only_backup[:5]) + (" …" if len(only_backup) > 5 else ""))
        if only_here:
            details.append("only here: " + ", ".join(only_here[:5]) + (" …" if len(only_here) > 5 else ""))
        advice = (
            "run `ovoz migrate` first"
            if not here
            else f"restore with the Ovoz version that made the backup ({header.get('ovoz_version')}), then upgrade"
        )
        raise BackupError(
            f"The database here is not at the schema of the backup ({'; '.join(details)}): {advice}. "
            "Nothing was restored.",
            code="schema_mismatch",
        )


def _emptiness_check(*, using: str, existing_files: Sequence[str], wipe: bool) -> None:
    if wipe:
        return
    filled = [
        model._meta.label_lower
        for model in backup_models()
        if model._meta.label_lower not in FILLED_BY_MIGRATE and model._base_manager.using(using).exists()
    ]
    if filled or existing_files:
        what = []
        if filled:
            what.append(f"{len(filled)} tables hold data ({', '.join(filled[:4])}{' …' if len(filled) > 4 else ''})")
        if existing_files:
            what.append(f"the media folder holds {len(existing_files)} files")
        raise BackupError(
            "The restore needs a freshly migrated, empty database and an empty media folder, but "
            + " and ".join(what)
            + ". Restore into a new database, or pass --wipe to delete everything here first "
            "(the audit log included). Nothing was changed.",
            code="not_empty",
        )


def _tables_empty(connection: BaseDatabaseWrapper, emptied: Sequence[type[models.Model]]) -> None:
    """Empty these tables, with the audit log's append-only triggers held off for the moment.

    Runs inside the restore's transaction, so a failed restore leaves the tables as they were.
    """
    tables = [model._meta.db_table for model in emptied]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with_triggers = []
            for table in tables:
                cursor.execute(
                    "SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = to_regclass(%s) AND NOT tgisinternal)",
                    [quote(table)],
                )
                if cursor.fetchone()[0]:
                    with_triggers.append(table)
            # TRUNCATE and ALTER TABLE refuse tables with foreign-key checks still pending in this
            # transaction (when it is a savepoint of a larger one): run those checks now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table in with_triggers:
                cursor.execute(f"ALTER TABLE {quote(table)} DISABLE TRIGGER USER")
            cursor.execute(f"TRUNCATE {', '.join(quote(table) for table in tables)} RESTART IDENTITY CASCADE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for table in with_triggers:
                cursor.execute(f"ALTER TABLE {quote(table)} ENABLE TRIGGER USER")
        else:
            placeholders = ", ".join(["%s"] * len(tables))
            cursor.execute(
                f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ({placeholders})",  # noqa: S608 (placeholders only)
                tables,
            )
            triggers = cursor.fetchall()
            for name, _sql in triggers:
                cursor.execute(f"DROP TRIGGER {quote(name)}")
            for table in tables:
                cursor.execute(f"DELETE FROM {quote(table)}")  # noqa: S608 (a model's table name, quoted)
            cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'")
            if cursor.fetchone():
                cursor.execute(f"DELETE FROM sqlite_sequence WHERE name IN ({placeholders})", tables)  # noqa: S608
            for _name, sql in triggers:
                cursor.execute(sql)


def _records_restore(
    records: Iterator[Record], *, connection: BaseDatabaseWrapper, staging: Path, summary: RestoreSummary
) -> list[tuple[str, Path]]:
    """Insert the rows and stage the media files; returns the staged files once the final record is read."""
    staged: list[tuple[str, Path]] = []
    table: _TableRestore | None = None
    current_file: tuple[str, Path, Any] | None = None
    file_size = 0
    try:
        for record in records:
            if record.kind == TABLE:
                if current_file is not None:
                    raise BackupError("The backup's records are not in the expected order.", code="malformed")
                description = record.json()
                table = _TableRestore(description, connection=connection)
                summary.rows.setdefault(table.label, 0)
            elif record.kind == ROWS:
                if table is None:
                    raise BackupError("The backup's records are not in the expected order.", code="malformed")
                summary.rows[table.label] += table.insert(record.json())
            elif record.kind == FILE:
                if current_file is not None:
                    raise BackupError("The backup's records are not in the expected order.", code="malformed")
                name = _media_name_checked(record.json().get("name"))
                path = staging / str(len(staged))
                current_file = (name, path, path.open("wb"))
                file_size = 0
            elif record.kind == DATA:
                if current_file is None:
                    raise BackupError("The backup's records are not in the expected order.", code="malformed")
                current_file[2].write(record.payload)
                file_size += len(record.payload)
            elif record.kind == FILE_END:
                if current_file is None or record.json().get("size") != file_size:
                    raise BackupError("A media file in the backup is incomplete.", code="malformed")
                name, path, handle = current_file
                handle.close()
                staged.append((name, path))
                summary.files += 1
                summary.file_bytes += file_size
                current_file = None
            elif record.kind == END:
                if not record.is_final or current_file is not None:
                    raise BackupError("The backup's records are not in the expected order.", code="malformed")
                expected = record.json()
                if expected.get("rows") != summary.rows or expected.get("files") != summary.files:
                    raise BackupError("The backup holds fewer rows or files than it lists.", code="malformed")
                return staged
            else:
                raise BackupError("The backup holds a record of an unknown kind.", code="malformed")
    finally:
        if current_file is not None:
            current_file[2].close()
    raise BackupError("The backup ends without its closing record.", code="truncated")


class _TableRestore:
    """Inserts the rows of one table exactly as they were written (ids, times and all)."""

    def __init__(self, description: dict[str, Any], *, connection: BaseDatabaseWrapper) -> None:
        label = str(description.get("model", ""))
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError) as error:
            raise BackupError(
                f"The backup holds a table this Ovoz does not know: {label}.", code="schema_mismatch"
            ) from error
        by_attname = {column.attname: column for column in _columns(model)}
        names = description.get("fields", [])
        if sorted(names) != sorted(by_attname):
            raise BackupError(f"The columns of {label} differ between the backup and here.", code="schema_mismatch")
        self.label = label
        self.connection = connection
        columns = [by_attname[name] for name in names]
        self.decoders = [value_decoder(column, connection) for column in columns]
        quote = connection.ops.quote_name
        self.sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 (quoted table and column names of a model)
            quote(model._meta.db_table),
            ", ".join(quote(column.column) for column in columns),
            ", ".join(["%s"] * len(columns)),
        )

    def insert(self, rows: list[list[Any]]) -> int:
        if not isinstance(rows, list) or any(len(row) != len(self.decoders) for row in rows):
            raise BackupError(f"A row of {self.label} does not fit its columns.", code="malformed")
        try:
            params = [[decode(value) for decode, value in zip(self.decoders, row, strict=True)] for row in rows]
        except (ValueError, TypeError, ValidationError) as error:
            raise BackupError(f"A value of {self.label} cannot be read: {error}", code="malformed") from error
        with self.connection.cursor() as cursor:
            cursor.executemany(self.sql, params)
        return len(rows)
