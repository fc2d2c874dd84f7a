import os

import pytest

pytest_plugins = ["ovoz.core.tests.browser"]

# Playwright's sync API runs an event loop in the test thread; Django's ORM must still be usable there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    """Fault tests restart the shared PostgreSQL and kill processes: they run only when asked for."""
    if os.environ.get("OVOZ_FAULT_TESTS") == "1":
        return
    skip = pytest.mark.skip(reason="a fault test: set OVOZ_FAULT_TESTS=1 to run it (it restarts PostgreSQL)")
    for item in items:
        if item.get_closest_marker("fault"):
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def empty_cache():
    """Rate-limit counters live in the cache; no test may inherit another's."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogs():
    """Tests read translations, so the .mo files (not kept in git) must match the .po files."""
    from ovoz.core.catalogs import compile_all

    compile_all()
