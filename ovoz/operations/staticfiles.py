"""Collect the static files for `ovoz serve` when their sources changed since the last collection."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.core.management import call_command

MANIFEST_NAME = "staticfiles.json"


def _newest_source_change() -> float:
    newest = 0.0
    for finder in get_finders():
        for path, storage in finder.list([]):
            newest = max(newest, Path(storage.path(path)).stat().st_mtime)
    return newest


def static_files_stale() -> bool:
    """Whether STATIC_ROOT lacks a manifest, or a source file is newer than it."""
    manifest = Path(settings.STATIC_ROOT) / MANIFEST_NAME
    return not manifest.exists() or manifest.stat().st_mtime < _newest_source_change()


def static_files_collect_if_stale() -> bool:
    """Run collectstatic (hashed names, gzip and brotli copies) when ``static_files_stale``; True if it ran."""
    if not static_files_stale():
        return False
    call_command("collectstatic", interactive=False, verbosity=0)
    return True
