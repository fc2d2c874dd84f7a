"""What a web process does once it has loaded: import every view (through the URL configuration) and
then move everything alive so far out of the cycle collector's sight (``gc.freeze``).

A Django process holds some 150,000 objects after start-up that live as long as it does. Python's
collector walks all of them on each full collection, which a request that makes many objects (a survey's
results by age band and area unpickles tens of thousands) sets off: bench/surveys.py measured such
requests at 50 ms half the time and 150 ms the other half. Frozen, they are never walked again."""

from __future__ import annotations

import gc


def settle() -> None:
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every view module now, not on the first request
    gc.collect()
    gc.freeze()
