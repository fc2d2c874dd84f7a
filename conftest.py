import os

import pytest

pytest_plugins = ["ovoz.core.tests.browser"]

# Playwright's sync API runs an event loop in the test thread; Django's ORM must still be usable there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    """Browser, live-server and fault tests are `slow`; fault tests run only when asked for.

    Fault tests restart the shared PostgreSQL and kill processes, so `make pytest-fault` runs them alone,
    never beside other tests (`make pytest` runs in parallel).
    """
    run_faults = os.environ.get("OVOZ_FAULT_TESTS") == "1"
    skip = pytest.mark.skip(reason="a fault test: set OVOZ_FAULT_TESTS=1 to run it (it restarts PostgreSQL)")
    for item in items:
        if item.get_closest_marker("fault"):
            item.add_marker(pytest.mark.slow)
            if not run_faults:
                item.add_marker(skip)
        elif item.get_closest_marker("browser") or "live_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


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
