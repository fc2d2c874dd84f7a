import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ovoz.accounts.models import User
from ovoz.core import catalogs
from ovoz.core.events import AuditAction
from ovoz.core.models import AuditEntry
from ovoz.core.services import audit_record
from ovoz.groups.models import WorkingGroup
from ovoz.operations.demo import demo_current_code, demo_load
from ovoz.places.models import Area

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.django_db
def test_audit_entries_cannot_be_changed_or_deleted():
    entry = audit_record(action=AuditAction.LOGIN)
    entry.action = "something else"
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        AuditEntry.objects.all().update(action="x")
    with pytest.raises(TypeError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "login"


@pytest.mark.django_db
@pytest.mark.walk  # the whole demo, twice
def test_demo_data_loads_once_and_again_changes_nothing():
    from ovoz.concerns.models import Concern, ConcernEvent

    first = demo_load()

    def counts():
        return tuple(model.objects.count() for model in (User, Area, WorkingGroup, AuditEntry, Concern, ConcernEvent))

    before = counts()
    second = demo_load()
    assert counts() == before
    assert [login.totp_key for login in first] == [login.totp_key for login in second]
    assert {login.username for login in first} == {
        "admin",
        "coordinator",
        "facilitator",
        "member",
        "intake",
        "caseworker",
    }
    assert User.objects.get(username="admin").is_superuser
    assert User.objects.get(username="facilitator").grants.get(working_group__slug="jizzakh-demo").role == "facilitator"
    assert len(demo_current_code(username="member")) == 6

    # The corpus, six concerns per demo working group, the fuel-price surge that raises an alert, and one
    # water cut told in Russian and in Uzbek, proposed to staff as the same incident.
    assert Concern.objects.count() == 300 + 3 * 6 + 14 + 2
    from ovoz.concerns.models import DuplicateProposal

    assert DuplicateProposal.objects.exists()
    from ovoz.insights.models import Alert

    assert Alert.objects.filter(area__code="UZ-JI", theme__slug="fuel-energy").exists()
    assert set(Concern.objects.values_list("language", flat=True)) == {"en", "ru", "uz", "tg", "ky", "kk"}
    assert set(Concern.objects.values_list("status", flat=True)) >= {"received", "accepted", "resolved", "closed"}
    published = Concern.objects.filter(is_published=True)
    assert published.exists() and not published.exclude(visibility="public").exists()
    # Published texts are written where the concern was raised, in its languages, never in English.
    from ovoz.concerns.language import language_detect

    assert {language_detect(text) for text in published.values_list("public_text", flat=True)} <= {
        "ru",
        "uz",
        "tg",
        "ky",
        "kk",
    }
    assert not Concern.objects.filter(visibility="confidential", is_published=True).exists()
    # Every confidential demo concern is sealed to the demo's intake recipient, and its words stored nowhere.
    confidential = Concern.objects.filter(visibility="confidential")
    assert confidential.exists() and not confidential.exclude(text="").exists()
    assert all(concern.keys.filter(user__username="intake").exists() for concern in confidential)


def test_catalogs_cover_every_string_in_every_language():
    problems = catalogs.check()
    assert problems == [], "\n".join(str(problem) for problem in problems[:50])


def test_catalog_check_reports_a_missing_translation(tmp_path, monkeypatch):
    for language in catalogs.translated_languages():
        target = tmp_path / language / "LC_MESSAGES" / "django.po"
        target.parent.mkdir(parents=True)
        target.write_bytes(catalogs.po_path(language).read_bytes())
    kk = tmp_path / "kk" / "LC_MESSAGES" / "django.po"
    text = kk.read_text(encoding="utf-8")
    start = text.index('msgid "Staff sign-in"')
    end = text.index("\n\n", start)
    kk.write_text(text[:start] + 'msgid "Staff sign-in"\nmsgstr ""' + text[end:], encoding="utf-8")
    monkeypatch.setattr(catalogs, "LOCALE_DIR", tmp_path)
    problems = catalogs.check()
    assert [(problem.language, problem.message, problem.problem) for problem in problems] == [
        ("kk", "Staff sign-in", "not translated")
    ]


def test_catalog_check_reports_a_source_string_missing_from_a_catalog(tmp_path, monkeypatch):
    for language in catalogs.translated_languages():
        target = tmp_path / language / "LC_MESSAGES" / "django.po"
        target.parent.mkdir(parents=True)
        text = catalogs.po_path(language).read_text(encoding="utf-8")
        start = text.index('msgid "Staff sign-in"')
        end = text.index("\n\n", start)
        target.write_text(text[:start] + text[end + 2 :], encoding="utf-8")
    monkeypatch.setattr(catalogs, "LOCALE_DIR", tmp_path)
    missing = [problem for problem in catalogs.check() if problem.problem == "missing from the catalog"]
    assert {problem.language for problem in missing} == set(catalogs.translated_languages())


def _settings_probe(env: dict[str, str], code: str) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items() if not key.startswith("OVOZ_")}
    clean.pop("DJANGO_SETTINGS_MODULE", None)
    clean.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "DJANGO_SETTINGS_MODULE": "ovoz.settings", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_embedded_secret_key_is_generated_once_and_kept_private(tmp_path):
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    first = _settings_probe({"OVOZ_VAR_DIR": str(tmp_path)}, code)
    second = _settings_probe({"OVOZ_VAR_DIR": str(tmp_path)}, code)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout and len(first.stdout.strip()) >= 50
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_production_refuses_to_start_without_its_secrets(tmp_path):
    result = _settings_probe({"OVOZ_ENV": "production", "OVOZ_VAR_DIR": str(tmp_path)}, "import django; django.setup()")
    assert result.returncode != 0
    assert "OVOZ_SECRET_KEY must be set" in result.stderr


def test_production_settings_pass_the_deployment_checks(tmp_path):
    env = {
        "OVOZ_ENV": "production",
        "OVOZ_VAR_DIR": str(tmp_path),
        "OVOZ_SECRET_KEY": "x" * 20 + "a-long-random-production-secret-key-with-entropy-1234567890",
        "OVOZ_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "OVOZ_ALLOWED_HOSTS": "ovoz.example.org",
        # Production mails through a relay; without one the check refuses (next test).
        "OVOZ_SMTP_URL": "smtp+tls://ovoz:relay-password@mail.example.org:587",
    }
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "from django.core.management import call_command; "
        "print(settings.DEBUG, settings.SESSION_COOKIE_SECURE, settings.SECURE_HSTS_SECONDS > 0); "
        "call_command('check', '--deploy', '--fail-level', 'WARNING')"
    )
    result = _settings_probe(env, code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("False True True")


def test_production_without_a_mail_relay_fails_the_checks_instead_of_keeping_mail_in_files(tmp_path):
    env = {
        "OVOZ_ENV": "production",
        "OVOZ_VAR_DIR": str(tmp_path),
        "OVOZ_SECRET_KEY": "x" * 20 + "a-long-random-production-secret-key-with-entropy-1234567890",
        "OVOZ_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "OVOZ_ALLOWED_HOSTS": "ovoz.example.org",
    }
    code = "import django; django.setup(); from django.core.management import call_command; call_command('check')"
    result = _settings_probe(env, code)
    assert result.returncode != 0
    assert "(ovoz.E002)" in result.stderr and "OVOZ_SMTP_URL" in result.stderr
    assert not (tmp_path / "mail").exists()


def test_redis_url_switches_tasks_to_rq(tmp_path):
    code = (
        "from django.conf import settings; "
        "print(settings.TASKS['default']['BACKEND'], settings.RQ_QUEUES['default']['URL'])"
    )
    result = _settings_probe({"OVOZ_VAR_DIR": str(tmp_path), "OVOZ_REDIS_URL": "redis://127.0.0.1:6379/3"}, code)
    assert result.stdout.split() == ["django_tasks_rq.RQBackend", "redis://127.0.0.1:6379/3"]
    default = _settings_probe(
        {"OVOZ_VAR_DIR": str(tmp_path)}, "from django.conf import settings; print(settings.TASKS['default']['BACKEND'])"
    )
    assert default.stdout.strip() == "django_tasks_db.DatabaseBackend"


@pytest.mark.django_db
def test_the_suite_runs_on_the_database_it_was_given():
    from django.db import connection

    url = os.environ.get("OVOZ_TEST_DATABASE_URL", "")
    expected = "postgresql" if url.startswith(("postgres://", "postgresql://")) else "sqlite"
    assert connection.vendor == expected


def test_the_public_url_defaults_to_the_port_ovoz_serves_on(tmp_path):
    code = "from django.conf import settings; print(settings.OVOZ_PUBLIC_URL)"
    on_port = _settings_probe({"OVOZ_VAR_DIR": str(tmp_path), "OVOZ_PORT": "8123"}, code)
    assert on_port.stdout.strip() == "http://localhost:8123", on_port.stderr
    given = _settings_probe({"OVOZ_VAR_DIR": str(tmp_path), "OVOZ_PUBLIC_URL": "https://ovoz.example.org/"}, code)
    assert given.stdout.strip() == "https://ovoz.example.org"


def test_a_malformed_setting_stops_the_start_with_its_name(tmp_path):
    for name, value in [("OVOZ_INTAKE_LIMIT", "ten"), ("OVOZ_DEBUG", "perhaps"), ("OVOZ_KEY_WRAP_COST", "extreme")]:
        probe = _settings_probe({"OVOZ_VAR_DIR": str(tmp_path), name: value}, "import django; django.setup()")
        assert probe.returncode != 0
        assert name in probe.stderr, (name, probe.stderr[-500:])


def test_the_environment_is_read_in_settings_only():
    """One place lists what a deployment can set (docs/deployment.md documents it, test_docs checks).
    Writing a variable for a child process (`ovoz serve` and its worker) is not reading one."""
    reading = re.compile(r"os\.environ\.get|os\.getenv|in os\.environ|os\.environ\[[^\]]+\](?!\s*=)")
    readers = []
    for path in sorted(ROOT.joinpath("ovoz").rglob("*.py")):
        if {"tests", "testing"} & set(path.parts) or path.name in {"settings.py", "test_settings.py"}:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if reading.search(line) and "DJANGO_SETTINGS_MODULE" not in line:
                readers.append(f"{path.relative_to(ROOT)}:{number}")
    assert readers == []
