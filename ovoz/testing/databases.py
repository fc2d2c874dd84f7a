"""Each parallel test process gets its own database, copied from one migrated once per run.

Migrating a new database takes 15 to 20 seconds on a 2-core machine (96 migrations, SQLite remaking tables
for many of them); every pytest-xdist worker used to do it for itself. Now the first worker that needs a
database migrates a template under a lock shared by the run, and every worker (that one included) copies
it: ``CREATE DATABASE … TEMPLATE`` on PostgreSQL, a file copy on SQLite (Django's ``clone_test_db``,
made for its own parallel runner). The controller, which made the lock's folder, removes the template
when the run ends; a worker removes its copy. Without xdist (``-p no:xdist``, the fault tests) the
database is set up as pytest-django always did.
"""

from __future__ import annotations

import fcntl
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

TEMPLATE_FOLDER = "ovoz_database_template"  # the key in each worker's workerinput
MARKER = "template"  # the file in that folder naming the migrated template, once there is one


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """On the controller, for each worker: the folder the run's workers share (made once)."""
    config = node.config
    if not hasattr(config, "_ovoz_template_folder"):
        config._ovoz_template_folder = tempfile.mkdtemp(prefix="ovoz-test-template-")
    node.workerinput[TEMPLATE_FOLDER] = config._ovoz_template_folder


def pytest_sessionfinish(session: pytest.Session) -> None:
    """On the controller: the run's template database removed, with the folder."""
    folder = getattr(session.config, "_ovoz_template_folder", None)
    if folder is None:
        return
    marker = Path(folder) / MARKER
    if marker.exists():
        from django.db import connection
        from pytest_django.plugin import blocking_manager_key

        name = marker.read_text()
        if connection.vendor == "sqlite":
            Path(name).unlink(missing_ok=True)
        else:
            with session.config.stash[blocking_manager_key].unblock():
                _destroy(connection, name)
    shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    with (folder / "lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file closes, or when its process dies
        yield


def _template_name(connection: Any, folder: Path) -> str:
    """The template's name: the test database's own name with the run's folder in it."""
    run = folder.name.rsplit("-", 1)[-1]
    test_name = str(connection.creation._get_test_db_name())
    if connection.vendor == "sqlite":
        return str(Path(test_name).with_name(f"test-template-{run}.sqlite3"))
    return f"{test_name}_{run}"[:50]  # PostgreSQL keeps 63 bytes of a name; the clone adds "_gwN"


@pytest.fixture(scope="session")
def django_db_setup(
    request: pytest.FixtureRequest, django_test_environment: None, django_db_blocker: Any
) -> Iterator[None]:
    """pytest-django's fixture of the same name, but for a worker: its database copied from the run's template."""
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    workerinput = getattr(request.config, "workerinput", None)
    folder = workerinput.get(TEMPLATE_FOLDER) if workerinput else None
    if folder is None:
        with django_db_blocker.unblock():
            databases = setup_databases(verbosity=0, interactive=False, aliases={"default"}, serialized_aliases=set())
        yield
        with django_db_blocker.unblock():
            teardown_databases(databases, verbosity=0)
        return

    folder_path, worker = Path(folder), workerinput["workerid"]
    original_name = connection.settings_dict["NAME"]
    with django_db_blocker.unblock():
        with _locked(folder_path):
            marker = folder_path / MARKER
            if marker.exists():
                connection.settings_dict["NAME"] = marker.read_text()
            else:
                connection.settings_dict["TEST"]["NAME"] = _template_name(connection, folder_path)
                connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
                # Closed: SQLite writes its journal back into the file, PostgreSQL copies only an unused template.
                connection.close()
                marker.write_text(connection.settings_dict["NAME"])
            connection.creation.clone_test_db(suffix=worker, verbosity=0, autoclobber=True)
        connection.settings_dict.update(connection.creation.get_test_db_clone_settings(worker))
        connection.close()
        settings.DATABASES["default"]["NAME"] = connection.settings_dict["NAME"]
    yield
    with django_db_blocker.unblock():
        connection.close()
        _destroy(connection, connection.settings_dict["NAME"])
        connection.settings_dict["NAME"] = settings.DATABASES["default"]["NAME"] = original_name


def _destroy(connection: Any, name: str) -> None:
    """A test database dropped even if a process a test started (and killed) left a session on it."""
    if connection.vendor != "postgresql":
        connection.creation._destroy_test_db(name, verbosity=0)
        return
    with connection.creation._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(name)} WITH (FORCE)")
