"""Each parallel test process gets its own database, copied from one migrated once per run.

Migrating a new database takes 15 to 20 seconds on a 2-core machine (96 migrations, SQLite remaking tables
for many of them); every pytest-xdist worker used to do it for itself. Now the first worker that needs a
database migrates a template under a lock shared by the run, and every worker (that one included) copies
it: ``CREATE DATABASE … TEMPLATE`` on PostgreSQL, a file copy on SQLite (Django's ``clone_test_db``,
made for its own parallel runner). The controller, which made the lock's folder, removes the template
when the run ends; a worker removes its copy. Without xdist (``-p no:xdist``, the fault tests) the
database is set up as pytest-django always did.

A run killed outright (SIGKILL, a CI timeout) removes nothing: its folder stays, with its template and
copies. The controller holds a lock on ``alive`` in its folder for the whole run, so the next run on this
machine tells a dead run's folder from a live one (the lock is free once its process is gone) and removes
what the dead one left (``stale_runs_removed``); a live run's, and another machine's, are left alone.
"""

from __future__ import annotations

import fcntl
import shutil
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

TEMPLATE_FOLDER = "ovoz_database_template"  # the key in each worker's workerinput
MARKER = "template"  # the file in that folder naming the migrated template, once there is one
ALIVE = "alive"  # the file the controller keeps locked while its run lasts
VENDOR = "vendor"  # the file naming the run's database (postgresql, sqlite)
FOLDER_PREFIX = "ovoz-test-template-"
YOUNGEST_STALE_SECONDS = 60  # a folder younger than this may be one whose controller is still locking it


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """On the controller, for each worker: the folder the run's workers share (made once, after what
    killed runs left behind is removed)."""
    config = node.config
    if not hasattr(config, "_ovoz_template_folder"):
        from django.db import connection
        from pytest_django.plugin import blocking_manager_key

        with config.stash[blocking_manager_key].unblock():
            stale_runs_removed(connection, Path(tempfile.gettempdir()))
        folder = tempfile.mkdtemp(prefix=FOLDER_PREFIX)
        alive = Path(folder, ALIVE).open("w")  # noqa: SIM115 (held, and so locked, until the run ends)
        fcntl.flock(alive, fcntl.LOCK_EX)
        Path(folder, VENDOR).write_text(connection.vendor)
        config._ovoz_template_folder, config._ovoz_template_alive = folder, alive
    node.workerinput[TEMPLATE_FOLDER] = config._ovoz_template_folder


def stale_runs_removed(connection: Any, root: Path) -> list[str]:
    """The databases (or SQLite files) of runs on this machine whose controller is gone, dropped, and
    their folders removed; returns the names dropped. A run that cannot be cleaned up is warned about,
    never failed: it is not this run's."""
    dropped: list[str] = []
    for folder in sorted(root.glob(f"{FOLDER_PREFIX}*")):
        alive = folder / ALIVE
        try:
            vendor = folder / VENDOR
            if time.time() - folder.stat().st_mtime < YOUNGEST_STALE_SECONDS or not vendor.exists():
                continue
            if vendor.read_text() != connection.vendor:
                continue  # the other database's: left for a run on that one
            with alive.open("a") as handle:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # its run goes on
                marker = folder / MARKER
                # The marker names the template once made; a run killed while migrating it left none.
                template = marker.read_text() if marker.exists() else _template_name(connection, folder)
                for name in _template_and_copies(connection, template):
                    _destroy(connection, name)
                    dropped.append(name)
            shutil.rmtree(folder, ignore_errors=True)
        except Exception as error:  # another run's leftovers must not fail this one
            warnings.warn(f"could not remove what a killed test run left in {folder}: {error!r}", stacklevel=1)
    return dropped


def _template_and_copies(connection: Any, template: str) -> list[str]:
    """The template and the workers' copies of it that exist (``clone_test_db`` names a copy by the
    template's name with ``_gwN`` added: before a SQLite file's extension, at the end on PostgreSQL)."""
    if connection.vendor == "sqlite":
        path = Path(template)
        return [str(file) for file in [path, *path.parent.glob(f"{path.stem}_gw*{path.suffix}")] if file.exists()]
    with connection.creation._nodb_cursor() as cursor:
        cursor.execute(
            r"SELECT datname FROM pg_database WHERE datname = %s OR datname LIKE %s ESCAPE '\' ORDER BY datname",
            [template, template.replace("_", r"\_") + r"\_gw%"],
        )
        return [row[0] for row in cursor.fetchall()]


@pytest.hookimpl(trylast=True)  # after xdist has shut the workers down (they drop their own copies first)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """On the controller: the run's template database removed (and any copy a worker left), with the folder."""
    folder = getattr(session.config, "_ovoz_template_folder", None)
    if folder is None:
        return
    marker = Path(folder) / MARKER
    if marker.exists():
        from django.db import connection
        from pytest_django.plugin import blocking_manager_key

        with session.config.stash[blocking_manager_key].unblock():
            # The workers' copies too: a worker that crashed did not remove its own.
            for name in _template_and_copies(connection, marker.read_text()):
                _destroy(connection, name)
    shutil.rmtree(folder, ignore_errors=True)
    session.config._ovoz_template_alive.close()  # last: until now, no other run may take this one for dead


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
    # PostgreSQL keeps 63 bytes of a name, and a copy adds "_gwN": the database's name is cut, never the run.
    return f"{test_name[: 50 - len(run) - 1]}_{run}"


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
