"""Settings for the test suite: the embedded settings, on PostgreSQL when OVOZ_TEST_DATABASE_URL is set."""

import os

import dj_database_url

from ovoz.settings import *  # noqa: F403
from ovoz.settings import DATABASES

_test_database_url = os.environ.get("OVOZ_TEST_DATABASE_URL", "")
if _test_database_url:
    DATABASES["default"] = dj_database_url.parse(_test_database_url)

TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ovoz-tests"}}
