"""`ovoz backup` and `ovoz restore`: an encrypted snapshot that comes back whole, or not at all."""

import base64
import io
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test import override_settings
from PIL import Image

from ovoz.accounts.choices import DeploymentRole
from ovoz.accounts.tests.factories import UserFactory
from ovoz.channels.choices import ChannelKind
from ovoz.channels.services import channel_create
from ovoz.concerns import services as concern_services
from ovoz.concerns.choices import Channel, EventKind, Status
from ovoz.concerns.contacts import contact_open, contact_parse
from ovoz.concerns.models import Attachment, Concern, Theme
from ovoz.core.crypto import data_key
from ovoz.core.events import AuditAction
from ovoz.core.images import image_clean
from ovoz.core.models import AuditEntry
from ovoz.core.services import audit_record
from ovoz.groups.tests.factories import MemberFactory, WorkingGroupFactory
from ovoz.insights.models import Alert, AlertNotice
from ovoz.operations.backup_format import (
    PREAMBLE_BYTES,
    BackupError,
    EncryptedReader,
    keypair_generate,
    private_key_parse,
    public_key_parse,
)
from ovoz.operations.backups import backup_create, backup_models, backup_restore
from ovoz.places.models import Area
from ovoz.places.services import areas_seed
from ovoz.surveys.services import response_submit, survey_import, survey_round_open
from ovoz.surveys.tests.workbooks import workbook_bytes

ROOT = Path(__file__).resolve().parents[3]
CANARY = "canary-5d1e8f-Qx7"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def keys():
    generated = keypair_generate()
    return public_key_parse(generated.public), private_key_parse(generated.private), generated


@dataclass(frozen=True)
class MadeBackup:
    content: bytes
    rows: dict
    files: dict
    receipt: str
    private_key: object
    keypair: object


@pytest.fixture(scope="module")
def made_backup(django_db_setup, django_db_blocker, tmp_path_factory):
    """One backup of a deployment with data, taken once for the module (a backup runs in a transaction
    of its own, outside any test's); the database and media are emptied again afterwards."""
    generated = keypair_generate()
    media_root = tmp_path_factory.mktemp("backed-up-media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media_root):
        try:
            receipt = deployment_with_data()
            rows, files = every_row(), media_files(media_root)
            content = backup_bytes(public_key_parse(generated.public))
        finally:
            fresh_database(media_root)
    return MadeBackup(content, rows, files, receipt, private_key_parse(generated.private), generated)


def photo() -> bytes:
    output = io.BytesIO()
    Image.new("RGB", (40, 30), (20, 140, 90)).save(output, format="JPEG")
    return output.getvalue()


def deployment_with_data() -> str:
    """Something in most tables: areas, themes, staff with second factors and grants, concerns with an
    encrypted contact, photos, events, a support, a channel, and audit entries. Returns the receipt."""
    areas_seed()
    concern_services.themes_seed()
    facilitator = UserFactory(username="facilitator", role=DeploymentRole.ADMINISTRATOR)
    group = WorkingGroupFactory(area=Area.objects.get(code="UZ-JI"))
    MemberFactory(working_group=group)
    audit_record(action=AuditAction.ROLE_CHANGED, actor=facilitator, target=facilitator, data={"to": "administrator"})
    submitted = concern_services.concern_submit(
        text=f"No water in the mahalla for three weeks {CANARY}",
        channel=Channel.WEB,
        area=Area.objects.get(code="UZ-JI"),
        themes=[Theme.objects.get(slug="water")],
        contact=contact_parse(phone="+998901234567"),
        photos=[image_clean(photo())],
        submission_token="k" * 24,
    )
    # An early-warning alert (its series are JSON lists of numbers) and the notice of it.
    alert = Alert.objects.create(
        area=Area.objects.get(code="UZ-JI"),
        theme=Theme.objects.get(slug="water"),
        first_day=date(2026, 11, 28),
        last_day=date(2026, 11, 30),
        score=1.25,
        observed=6,
        expected=0.75,
        daily_counts=[0, 1, 5],
        daily_expected=[0.25, 0.25, 0.5],
    )
    AlertNotice.objects.create(alert=alert, user=facilitator)
    # A survey (its workbook is bytes), a round, and a response with its answers and result counts.
    survey = survey_import(file=workbook_bytes(), file_name="safety.xlsx", user=facilitator, publish=True)
    response_submit(
        survey_round=survey_round_open(survey=survey, actor=facilitator),
        channel="web",
        submission_key="backup-1",
        answers={"gender": "woman", "age": "30", "unsafe_places": ["market"]},
    )
    concern = submitted.concern
    concern_services.concern_change_status(actor=facilitator, concern=concern, status=Status.ACCEPTED, note="Noted")
    concern = concern_services.concern_publish(actor=facilitator, concern=concern, public_text="No water in a mahalla")
    concern_services.concern_support(concern=concern, supporter_token="browser-token-1")
    concern_services.concern_message_reporter(
        actor=facilitator, concern=concern, text="Which street?", kind=EventKind.QUESTION
    )
    # A photo whose name carries the canary: names are random when Ovoz stores uploads, but the
    # backup must hide names as well as contents.
    Attachment.objects.create(
        concern=concern,
        file=ContentFile(photo(), name=f"{CANARY}.jpg"),
        content_type="image/jpeg",
        width=40,
        height=30,
        size=1,
    )
    channel_create(
        actor=facilitator, kind=ChannelKind.GENERIC, name="SMS", options={"reply_url": "http://127.0.0.1:9/"}
    )
    return submitted.receipt


def every_row() -> dict[str, list[tuple]]:
    """Every row of every table, ordered by primary key, with binary values as bytes."""
    rows = {}
    for model in backup_models():
        names = [field.attname for field in model._meta.local_concrete_fields]
        rows[model._meta.label_lower] = [
            tuple(bytes(value) if isinstance(value, memoryview) else value for value in row)
            for row in model._base_manager.order_by("pk").values_list(*names)
        ]
    return rows


def media_files(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in root.rglob("*") if path.is_file()}


def fresh_database(media_root: Path) -> None:
    """A freshly migrated, empty database (as pytest-django leaves it between tests) and no media."""
    call_command("flush", interactive=False, verbosity=0)
    for path in sorted(media_root.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()


def backup_bytes(public_key) -> bytes:
    output = io.BytesIO()
    backup_create(output=output, public_key=public_key)
    return output.getvalue()


def frame_starts(backup: bytes) -> list[int]:
    """Where each frame of a backup file begins (after the preamble: a 4-byte length, then the frame)."""
    starts, position = [], PREAMBLE_BYTES
    while position < len(backup):
        starts.append(position)
        position += 4 + int.from_bytes(backup[position : position + 4], "big")
    assert position == len(backup)
    return starts


def assert_nothing_restored(media_root: Path) -> None:
    rows = every_row()
    filled = {label: len(found) for label, found in rows.items() if found}
    assert set(filled) <= {"contenttypes.contenttype", "auth.permission"}
    assert media_files(media_root) == {}


def restored_rows_match(before: dict[str, list[tuple]]) -> None:
    """Every table as before; the audit log keeps each entry as it was (ids, times, data), followed by
    the entries the restores themselves added."""
    after = every_row()
    entries_after, entries_before = after.pop("core.auditentry"), dict(before).pop("core.auditentry")
    assert entries_after[: len(entries_before)] == entries_before
    added = AuditEntry.objects.filter(pk__in=[row[0] for row in entries_after[len(entries_before) :]])
    assert {entry.action for entry in added} == {"backup.restored"}
    assert after == {label: rows for label, rows in before.items() if label != "core.auditentry"}


@pytest.mark.django_db
def test_a_restore_into_an_empty_database_brings_back_every_row_of_every_table_and_every_media_file(made_backup, media):
    summary = backup_restore(source=io.BytesIO(made_backup.content), private_key=made_backup.private_key)

    restored_rows_match(made_backup.rows)
    assert media_files(media) == made_backup.files
    assert summary.files == 2 and summary.rows["concerns.concern"] == 1
    # What the data key protects still opens: the reporter's receipt and contact.
    concern = concern_services.concern_find_by_receipt(made_backup.receipt)
    assert concern is not None and contact_open(bytes(concern.contact_ciphertext)).phone == "+998901234567"


@pytest.mark.django_db
def test_after_a_restore_new_rows_get_new_ids(made_backup, media):
    backup_restore(source=io.BytesIO(made_backup.content), private_key=made_backup.private_key)
    highest = Concern.objects.order_by("-pk").first().pk
    highest_entry = max(row[0] for row in made_backup.rows["core.auditentry"])

    submitted = concern_services.concern_submit(text="The road to the school is washed out", channel=Channel.WEB)

    assert submitted.concern.pk == highest + 1
    assert AuditEntry.objects.get(action="backup.restored").pk == highest_entry + 1


def test_a_canary_in_a_concerns_text_and_a_photos_name_is_not_readable_in_the_backup_file(made_backup):
    assert any(CANARY in str(row) for row in made_backup.rows["concerns.concern"])
    assert any(CANARY in name for name in made_backup.files)
    backup = made_backup.content

    for readable in (CANARY.encode(), CANARY.encode("utf-16-le"), base64.b64encode(CANARY.encode())[:12]):
        assert readable not in backup
    assert b"No water" not in backup and photo()[:200] not in backup
    assert b"+998901234567" not in backup and b"facilitator" not in backup


def test_the_backup_holds_neither_the_data_key_nor_the_secret_key(made_backup, settings):
    plaintext = b"".join(
        record.payload
        for record in EncryptedReader(io.BytesIO(made_backup.content), private_key=made_backup.private_key)
    )
    assert b"No water in the mahalla" in plaintext  # the content is there, readable with the private key
    for secret in (data_key(), base64.b64encode(data_key()), settings.SECRET_KEY.encode()):
        assert secret not in plaintext


@pytest.mark.django_db
def test_the_wrong_private_key_is_refused_and_nothing_is_restored(made_backup, media):
    other = private_key_parse(keypair_generate().private)

    with pytest.raises(BackupError) as refused:
        backup_restore(source=io.BytesIO(made_backup.content), private_key=other)

    assert refused.value.code == "wrong_key"
    assert "encrypted for the backup key" in refused.value.message
    assert_nothing_restored(media)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("where", "code"),
    [
        ("key id", "wrong_key"),
        ("sealed file key", "damaged"),
        ("stream header", "damaged"),
        ("a frame length", "damaged"),
        ("first record", "damaged"),
        ("middle", "damaged"),
        ("last byte", "damaged"),
    ],
)
def test_a_backup_altered_anywhere_is_refused_and_nothing_is_restored(made_backup, media, where, code):
    backup = bytearray(made_backup.content)
    position = {
        "key id": PREAMBLE_BYTES - 24 - 80 - 2,
        "sealed file key": PREAMBLE_BYTES - 24 - 10,
        "stream header": PREAMBLE_BYTES - 5,
        "a frame length": PREAMBLE_BYTES + 3,
        "first record": PREAMBLE_BYTES + 40,
        "middle": len(backup) // 2,
        "last byte": len(backup) - 1,
    }[where]
    backup[position] ^= 0x20

    with pytest.raises(BackupError) as refused:
        backup_restore(source=io.BytesIO(bytes(backup)), private_key=made_backup.private_key)

    assert refused.value.code == code
    assert "Nothing was restored" in refused.value.message
    assert_nothing_restored(media)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("cut", "code"),
    [
        ("without the last record", "truncated"),
        ("in the middle of a record", "truncated"),
        ("inside the preamble", "truncated"),
        ("with bytes after the end", "trailing_data"),
        ("with a record repeated", "damaged"),
    ],
)
def test_a_truncated_or_extended_backup_is_refused_and_nothing_is_restored(made_backup, media, cut, code):
    backup = made_backup.content
    starts = frame_starts(backup)
    damaged = {
        # Every frame left is intact: only the final record (the summary) tells the file is incomplete.
        "without the last record": backup[: starts[-1]],
        "in the middle of a record": backup[: len(backup) // 2],
        "inside the preamble": backup[:50],
        "with bytes after the end": backup + b"\x00" * 10,
        "with a record repeated": backup[: starts[3]] + backup[starts[2] : starts[3]] + backup[starts[3] :],
    }[cut]

    with pytest.raises(BackupError) as refused:
        backup_restore(source=io.BytesIO(damaged), private_key=made_backup.private_key)

    assert refused.value.code == code
    assert "Nothing was restored" in refused.value.message
    assert_nothing_restored(media)


@pytest.mark.django_db
def test_a_database_with_data_is_refused_unless_wipe_is_asked_for(made_backup, media):
    concern_services.themes_seed()
    concern_services.concern_submit(text="A concern made elsewhere", channel=Channel.WEB)
    (media / "concerns").mkdir(parents=True)
    (media / "concerns" / "other.jpg").write_bytes(photo())

    with pytest.raises(BackupError) as refused:
        backup_restore(source=io.BytesIO(made_backup.content), private_key=made_backup.private_key)
    assert refused.value.code == "not_empty"
    assert "--wipe" in refused.value.message and "concerns.concern" in refused.value.message
    assert Concern.objects.get().text == "A concern made elsewhere"  # nothing changed
    assert list(media_files(media)) == ["concerns/other.jpg"]

    backup_restore(source=io.BytesIO(made_backup.content), private_key=made_backup.private_key, wipe=True)

    restored_rows_match(made_backup.rows)
    assert media_files(media) == made_backup.files


@pytest.mark.django_db
def test_a_restore_only_inserts_so_the_databases_append_only_triggers_stay_in_force(made_backup, media):
    """The audit log will refuse UPDATE and DELETE with triggers: a restore goes through them untouched,
    and --wipe holds them off only inside its own transaction."""
    table = AuditEntry._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'append-only'; END $$"
            )
            cursor.execute(
                f"CREATE TRIGGER test_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION test_refuse()"
            )
        else:
            for event in ("UPDATE", "DELETE"):
                cursor.execute(
                    f"CREATE TRIGGER test_append_only_{event.lower()} BEFORE {event} ON {table} "
                    "BEGIN SELECT RAISE(ABORT, 'append-only'); END"
                )

    backup_restore(source=io.BytesIO(made_backup.content), private_key=made_backup.private_key)
    backup_restore(source=io.BytesIO(made_backup.content), private_key=made_backup.private_key, wipe=True)

    restored_rows_match(made_backup.rows)
    with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (the triggers are still in force)


@pytest.mark.django_db
def test_a_backup_of_another_schema_is_refused(made_backup, media):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO django_migrations (app, name, applied) VALUES ('concerns', '9999_newer', '2026-01-01')"
        )

    with pytest.raises(BackupError) as refused:
        backup_restore(source=io.BytesIO(made_backup.content), private_key=made_backup.private_key)

    assert refused.value.code == "schema_mismatch"
    assert "only here: concerns.9999_newer" in refused.value.message
    assert_nothing_restored(media)


@pytest.mark.django_db
def test_a_backup_taken_with_another_data_key_is_refused(made_backup, media, settings):
    settings.OVOZ_DATA_KEY = base64.b64encode(b"\x01" * 32).decode()
    data_key.cache_clear()
    try:
        with pytest.raises(BackupError) as refused:
            backup_restore(source=io.BytesIO(made_backup.content), private_key=made_backup.private_key)
    finally:
        settings.OVOZ_DATA_KEY = ""
        data_key.cache_clear()

    assert refused.value.code == "data_key_mismatch"
    assert "OVOZ_DATA_KEY" in refused.value.message
    assert_nothing_restored(media)


@pytest.mark.django_db(transaction=True)
def test_the_commands_make_a_keypair_write_a_backup_and_restore_it_with_the_key_file(media, settings, tmp_path, capsys):
    call_command("backup_keygen")
    printed = capsys.readouterr().out
    public = next(line for line in printed.splitlines() if line.startswith("OVOZ_BACKUP_PUBLIC_KEY=")).split("=", 1)[1]
    private = printed.strip().splitlines()[-1]
    settings.OVOZ_BACKUP_PUBLIC_KEY = public
    concern_services.concern_submit(text=f"Gas is cut every evening {CANARY}", channel=Channel.WEB)
    target = tmp_path / "ovoz.backup"

    call_command("backup", output=str(target))
    assert "Backup written to" in capsys.readouterr().out
    assert target.stat().st_mode & 0o777 == 0o600
    assert not (tmp_path / "ovoz.backup.partial").exists()
    with pytest.raises(CommandError, match="exists already"):
        call_command("backup", output=str(target))

    fresh_database(media)
    key_file = tmp_path / "backup.key"
    key_file.write_text(f"# backup key\n{private}\n")
    call_command("restore", str(target), key_file=str(key_file))
    assert "Restored the backup" in capsys.readouterr().out
    assert Concern.objects.get().text.endswith(CANARY)


@pytest.mark.django_db(transaction=True)
def test_the_backup_command_needs_a_public_key_and_restore_asks_for_the_private_one(
    media, settings, tmp_path, monkeypatch
):
    settings.OVOZ_BACKUP_PUBLIC_KEY = ""
    with pytest.raises(CommandError, match="ovoz backup-keygen"):
        call_command("backup", output=str(tmp_path / "b"))
    generated = keypair_generate()
    call_command("backup", output=str(tmp_path / "b"), public_key=generated.public)
    monkeypatch.setattr("getpass.getpass", lambda prompt: "not a key")
    with pytest.raises(CommandError, match="not a backup key"):
        call_command("restore", str(tmp_path / "b"))
    monkeypatch.setattr("getpass.getpass", lambda prompt: generated.private)

    call_command("restore", str(tmp_path / "b"), wipe=True)

    assert AuditEntry.objects.filter(action="backup.restored").exists()


CROSS_DATABASE_SCRIPT = """
import sys
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("restore", sys.argv[1], key_file=sys.argv[2])
call_command("backup", output=sys.argv[3], public_key=sys.argv[4])
"""


@pytest.mark.django_db
def test_a_postgresql_backup_restores_into_sqlite_and_back(made_backup, media, tmp_path):
    """The format is database-neutral: PostgreSQL → SQLite (a fresh database, another process) → PostgreSQL."""
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL run of the suite (PostgreSQL → SQLite → PostgreSQL)")
    first, second, key_file = tmp_path / "from-postgresql", tmp_path / "from-sqlite", tmp_path / "backup.key"
    first.write_bytes(made_backup.content)
    key_file.write_text(made_backup.keypair.private)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("OVOZ_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="ovoz.settings",
        OVOZ_VAR_DIR=str(tmp_path / "sqlite"),
        OVOZ_MEDIA_ROOT=str(tmp_path / "sqlite-media"),
        OVOZ_DATA_KEY=base64.b64encode(data_key()).decode(),
    )
    arguments = [str(first), str(key_file), str(second), made_backup.keypair.public]
    result = subprocess.run(
        [sys.executable, "-c", CROSS_DATABASE_SCRIPT, *arguments],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "postgresql): " in result.stdout
    assert media_files(tmp_path / "sqlite-media") == made_backup.files

    backup_restore(source=second.open("rb"), private_key=made_backup.private_key)

    restored_rows_match(made_backup.rows)
    assert media_files(media) == made_backup.files


@pytest.mark.django_db(transaction=True)
def test_a_restored_confidential_concern_opens_for_its_recipient_and_for_nobody_else(media, keys):
    from ovoz.accounts.keys import key_create, key_open_with_password
    from ovoz.accounts.tests.factories import PASSWORD
    from ovoz.concerns import confidential

    areas_seed()
    recipient = UserFactory(username="intake", role=DeploymentRole.NONE, receives_confidential=True)
    key_create(user=recipient, password=PASSWORD)
    outsider = UserFactory(username="outsider", role=DeploymentRole.ADMINISTRATOR)
    key_create(user=outsider, password=PASSWORD)
    submitted = concern_services.concern_submit(
        text="CANARY-BACKUP he hits me", channel=Channel.WEB, visibility="confidential", photos=[image_clean(photo())]
    )
    public_key, private_key, _generated = keys
    content = backup_bytes(public_key)
    assert b"CANARY-BACKUP" not in content
    fresh_database(media)

    backup_restore(source=io.BytesIO(content), private_key=private_key)
    concern = Concern.objects.get(pk=submitted.concern.pk)
    recipient_key = key_open_with_password(user=recipient, password=PASSWORD)
    opened = confidential.open_for_staff(concern, user=recipient, private_key=recipient_key)
    assert opened is not None and opened.text == "CANARY-BACKUP he hits me"
    assert confidential.attachment_bytes(concern.attachments.get(), opened).startswith(b"\xff\xd8")
    outsider_key = key_open_with_password(user=outsider, password=PASSWORD)
    assert confidential.open_for_staff(concern, user=outsider, private_key=outsider_key) is None
    assert confidential.open_for_reporter(concern, receipt=submitted.receipt).text == "CANARY-BACKUP he hits me"
