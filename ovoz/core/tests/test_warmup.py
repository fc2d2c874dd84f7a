"""A web process settles once it has loaded (ovoz/wsgi.py): every view imported, and what start-up made
frozen out of the garbage collector's walks."""

from __future__ import annotations

import gc
import sys

from ovoz.core.warmup import settle


def test_settling_imports_the_views_and_freezes_what_start_up_made():
    try:
        settle()
        assert gc.get_freeze_count() > 10_000
        assert "ovoz.surveys.views.results" in sys.modules  # loaded through the URL configuration
    finally:
        gc.unfreeze()


def test_the_wsgi_application_settles_when_it_is_loaded():
    try:
        sys.modules.pop("ovoz.wsgi", None)
        gc.unfreeze()
        import ovoz.wsgi  # noqa: F401

        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
