"""Settings for the test suite: the embedded settings, on PostgreSQL when OVOZ_TEST_DATABASE_URL is set."""

import os

import dj_database_url

from ovoz.settings import *  # noqa: F403
from ovoz.settings import DATABASES, STORAGES, VAR_DIR

_test_database_url = os.environ.get("OVOZ_TEST_DATABASE_URL", "")
if _test_database_url:
    DATABASES["default"] = dj_database_url.parse(_test_database_url)
    if os.environ.get("OVOZ_FAULT_TESTS") != "1":
        # Test data need not outlive a crash: commits do not wait for the disk. The fault tests, which
        # restart PostgreSQL and count what survived, keep PostgreSQL's default.
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c synchronous_commit=off"

# Production Argon2 costs about 100 MB and a tenth of a second per hash; tests hash thousands of times.
PASSWORD_HASHERS = ["ovoz.core.tests.hashers.FastArgon2PasswordHasher"]

# The cheapest Argon2id libsodium allows: tests unwrap keys at every login.
OVOZ_KEY_WRAP_COST = (1, 8192)

TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# The immediate backend would load the embedding model for every concern of every test: the tests of
# duplicate proposals switch it on for themselves.
OVOZ_DUPLICATE_PROPOSALS = False
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ovoz-tests"}}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not Django's default in-memory database: the live server's threads then get their own
    # connections with WAL and busy_timeout, as the embedded deployment does, so concurrent requests
    # are tested for real instead of failing on shared-cache table locks.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}

# Django's backends with one change: the flush between transactional tests lifts the audit log's
# append-only triggers for itself (ovoz/core/tests/backends explains why).
DATABASES["default"]["ENGINE"] = {
    "django.db.backends.sqlite3": "ovoz.core.tests.backends.sqlite3",
    "django.db.backends.postgresql": "ovoz.core.tests.backends.postgresql",
}[DATABASES["default"]["ENGINE"]]

# The suite renders pages with DEBUG off and no collected files: plain names, served by the finders.
# The compressed, hashed files of `ovoz serve` are tested on a real server (ovoz/core/tests/test_production_run.py).
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}

# WhiteNoise finds a static file when it is asked for, instead of listing every file of every app when
# its middleware is made: the test client makes the middleware anew for every Client (thousands of
# times), and listing them cost about a tenth of a second each time.
WHITENOISE_AUTOREFRESH = True
