"""The audit log is a hash chain the database will not let anyone change, and `ovoz audit-verify` checks it."""

import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, IntegrityError, connection, transaction

from ovoz.accounts.choices import DeploymentRole
from ovoz.accounts.tests.factories import UserFactory
from ovoz.core.audit import digest_of, triggers_missing
from ovoz.core.events import AuditAction
from ovoz.core.models import GENESIS_HASH, AuditEntry
from ovoz.core.services import audit_record
from ovoz.core.tasks import verify_audit_chain
from ovoz.core.tests.backends import audit_triggers_lifted
from ovoz.testing.web import sign_in

pytestmark = pytest.mark.django_db


def _entries(count=4):
    actor = UserFactory(username="auditor", with_totp=False)
    return [
        audit_record(action=AuditAction.LOGIN, actor=actor, target=actor, data={"number": number, "labels": ("a", "b")})
        for number in range(count)
    ]


def _tamper(sql, params=()):
    """Change the table behind the application's back, as someone with database access could."""
    with audit_triggers_lifted(connection), connection.cursor() as cursor:
        cursor.execute(sql, params)


def _verify(*arguments):
    output = StringIO()
    call_command("audit_verify", *arguments, stdout=output)
    return output.getvalue()


def _verify_fails(*arguments):
    output = StringIO()
    with pytest.raises(CommandError) as refusal:
        call_command("audit_verify", *arguments, stdout=output)
    return output.getvalue(), str(refusal.value)


def test_each_entry_carries_the_previous_entrys_hash_and_its_own():
    first, second, third = _entries(3)
    assert first.previous_hash == GENESIS_HASH
    assert second.previous_hash == first.entry_hash and third.previous_hash == second.entry_hash
    stored = AuditEntry.objects.get(pk=second.pk)
    assert stored.data == {"number": 1, "labels": ["a", "b"]}  # kept as JSON gives it back, so it hashes the same
    assert len(stored.entry_hash) == 64 and digest_of(stored) == stored.entry_hash


def test_the_database_refuses_to_update_an_audit_entry():
    entry = _entries(1)[0]
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET action = %s WHERE id = %s", ["logout", entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).action == "login"


def test_the_database_refuses_to_delete_an_audit_entry():
    entry = _entries(1)[0]
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_postgresql_refuses_to_truncate_the_audit_log_even_by_cascade():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    entries = _entries(2)
    for statement in ("TRUNCATE core_auditentry", "TRUNCATE accounts_user CASCADE"):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # else PostgreSQL refuses for pending checks first
            cursor.execute(statement)
    assert AuditEntry.objects.count() == len(entries)


def test_two_entries_cannot_follow_the_same_entry():
    first = _entries(1)[0]
    audit_record(action=AuditAction.LOGOUT)
    fork = AuditEntry(action="fork", previous_hash=first.entry_hash, entry_hash="f" * 64)
    with pytest.raises(IntegrityError), transaction.atomic():
        fork.save(force_insert=True)


def test_the_append_only_triggers_are_in_place_after_every_migration():
    # A later migration that alters the table on SQLite rebuilds it without them: it must recreate them.
    assert triggers_missing() == []


def test_a_rolled_back_transaction_takes_its_entries_and_leaves_the_chain_whole():
    _entries(2)
    with transaction.atomic():
        audit_record(action=AuditAction.LOGOUT)
        transaction.set_rollback(True)
    audit_record(action=AuditAction.LOGOUT)
    assert "Checked 3 audit entries." in _verify()


def test_audit_verify_checks_an_intact_chain_and_prints_its_newest_hash():
    entries = _entries(4)
    output = _verify()
    assert "Checked 4 audit entries." in output
    assert f"Newest entry: {entries[-1].pk}, hash {entries[-1].entry_hash}." in output
    assert "The chain is intact." in _verify("--contains", entries[1].entry_hash.upper())


def test_audit_verify_names_an_entry_whose_content_was_edited():
    entries = _entries(4)
    _tamper("UPDATE core_auditentry SET object_id = %s WHERE id = %s", ["999", entries[2].pk])
    output, error = _verify_fails()
    assert "Checked 3 audit entries." in output
    assert f"Audit entry {entries[2].pk} does not match its hash" in error


def test_audit_verify_names_the_entry_after_a_removed_one():
    entries = _entries(4)
    _tamper("DELETE FROM core_auditentry WHERE id = %s", [entries[1].pk])
    _output, error = _verify_fails()
    assert f"Audit entry {entries[2].pk} does not follow entry {entries[0].pk}" in error


def test_audit_verify_notices_a_removed_first_entry():
    entries = _entries(3)
    _tamper("DELETE FROM core_auditentry WHERE id = %s", [entries[0].pk])
    _output, error = _verify_fails()
    assert f"Audit entry {entries[1].pk} does not follow the start of the log" in error


def test_audit_verify_notices_reordered_entries():
    entries = _entries(4)
    first, second = entries[1].pk, entries[2].pk
    _tamper("UPDATE core_auditentry SET id = %s WHERE id = %s", [-1, first])
    _tamper("UPDATE core_auditentry SET id = %s WHERE id = %s", [first, second])
    _tamper("UPDATE core_auditentry SET id = %s WHERE id = %s", [second, -1])
    _output, error = _verify_fails()
    assert f"Audit entry {first} does not follow entry {entries[0].pk}" in error


def test_audit_verify_notices_a_rewritten_chain_with_the_hash_kept_from_an_earlier_run():
    entries = _entries(4)
    kept = entries[-1].entry_hash
    # Cutting off the newest entry leaves a chain that is whole in itself ...
    _tamper("DELETE FROM core_auditentry WHERE id = %s", [entries[-1].pk])
    assert "The chain is intact." in _verify()
    # ... but not one that still holds the entry whose hash was kept elsewhere.
    _output, error = _verify_fails("--contains", kept)
    assert f"No entry with hash {kept} is in the chain" in error


def test_audit_verify_fails_when_the_database_no_longer_refuses_changes():
    _entries(2)
    with audit_triggers_lifted(connection):
        assert triggers_missing() != []
        _output, error = _verify_fails()
    assert "the database no longer refuses changes to the audit log" in error
    assert triggers_missing() == []  # lifted for that block only


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_extend_one_chain():
    writers, per_writer = 4, 10
    failures = []

    def write(number):
        try:
            for index in range(per_writer):
                with transaction.atomic():
                    audit_record(action=AuditAction.LOGIN, data={"writer": number, "index": index})
        except Exception as error:  # reported below: a lost write or a fork must fail the test
            failures.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(number,)) for number in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert AuditEntry.objects.count() == writers * per_writer
    assert f"Checked {writers * per_writer} audit entries." in _verify()


def test_the_audit_page_shows_the_last_full_check_and_marks_changed_entries(client):
    administrator = UserFactory(username="root", role=DeploymentRole.ADMINISTRATOR)
    sign_in(client, administrator)
    page = client.get("/staff/audit/").content.decode()
    assert "has not been checked in full yet" in page
    verify_audit_chain.enqueue()
    page = client.get("/staff/audit/").content.decode()
    assert "entries, intact." in page and 'data-altered="true"' not in page
    login = AuditEntry.objects.filter(action="login").get()
    _tamper("UPDATE core_auditentry SET action = %s WHERE id = %s", ["logout", login.pk])
    page = client.get("/staff/audit/").content.decode()
    assert page.count('data-altered="true"') == 1 and "do not match their hashes" in page
    verify_audit_chain.enqueue()
    page = client.get("/staff/audit/").content.decode()
    assert f"entry {login.pk} does not match." in page


def test_an_entry_holds_no_value_json_cannot_keep():
    with pytest.raises(ValueError):
        audit_record(action=AuditAction.LOGIN, data={"ratio": float("nan")})
    assert not AuditEntry.objects.exists()


def test_database_errors_from_the_triggers_name_the_refusal():
    entry = _entries(1)[0]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET action = action WHERE id = %s", [entry.pk])


@pytest.mark.django_db(transaction=True)
def test_the_migration_chains_entries_written_before_it_and_then_locks_the_table():
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes("core")
    executor.migrate([("core", "0001_initial")])
    old_entry = executor.loader.project_state([("core", "0001_initial")]).apps.get_model("core", "AuditEntry")
    for number in range(3):
        old_entry.objects.create(action="login", object_type="accounts.user", object_id=str(number), data={"n": number})
    executor.loader.build_graph()
    executor.migrate(latest)

    assert "Checked 3 audit entries." in _verify()
    assert triggers_missing() == []
    audit_record(action=AuditAction.LOGOUT)  # new entries continue the chain
    assert "Checked 4 audit entries." in _verify()
