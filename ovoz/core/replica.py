"""Public figures read from a read replica when one is configured (OVOZ_REPLICA_DATABASE_URL).

The rule, in one place:

- Only the views named in ``settings.OVOZ_REPLICA_VIEWS`` read from the replica: the public map and
  its API, the public dashboard and its CSV files, the open data downloads. Everything else (forms,
  the follow page, staff pages, the admin, channels, tasks, commands) reads and writes the primary.
  The staff dashboard stays on the primary: what a staff user may see is decided by their grants,
  and a grant taken away must stop counting at once, not when the replica catches up.
- Inside those views only the tables of ``REPLICA_APPS`` are read there (concerns and their rollups,
  areas, groups' public actions). Sessions, users and second factors are always read on the primary,
  so a sign-in or sign-out takes effect at once.
- Writes always go to the primary. A read inside a transaction on the primary, or after the request
  wrote anything (the router was asked where to write), goes to the primary too: a request reads
  its own writes, never an older copy of them.
- A streamed download (CSV, GeoJSON) is read while it is sent, after the view returned: each step
  of the stream runs under the same rule, so its rows come from the replica too.

Replication lag shows as public figures a few seconds old, which they may be; nothing is decided on
them. Tests: ovoz/core/tests/test_replica.py (routing) and test_replica_cluster.py (a second cluster).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model
from django.http import HttpRequest, StreamingHttpResponse
from django.http.response import HttpResponseBase

REPLICA = "replica"
REPLICA_APPS = frozenset({"concerns", "places", "groups", "insights"})


@dataclass
class _Reads:
    on_replica: bool = False
    wrote: bool = False


_reads: ContextVar[_Reads | None] = ContextVar("ovoz_replica_reads", default=None)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


class ReplicaRouter:
    """Reads of REPLICA_APPS' models inside a replica view go to ``replica``; all else to the primary."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        reads = _reads.get()
        if reads is None or not reads.on_replica or reads.wrote:
            return DEFAULT_DB_ALIAS
        if model._meta.app_label not in REPLICA_APPS or connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return REPLICA

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        reads = _reads.get()
        if reads is not None:
            reads.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        return True  # the same schema and data on both

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db != REPLICA  # a replica gets its schema from the primary


def _stepwise(chunks: Iterable[Any], reads: _Reads) -> Iterator[Any]:
    """Each step of a streamed response under ``reads``, and nothing else of the thread."""
    iterator = iter(chunks)
    while True:
        token = _reads.set(reads)
        try:
            chunk = next(iterator)
        except StopIteration:
            return
        finally:
            _reads.reset(token)
        yield chunk


class ReplicaReadsMiddleware:
    """Mark the request's reads for the replica when its view is one of OVOZ_REPLICA_VIEWS."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.view_names = frozenset(settings.OVOZ_REPLICA_VIEWS)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not replica_configured():
            return self.get_response(request)
        reads = _Reads()
        token = _reads.set(reads)
        try:
            response = self.get_response(request)
        finally:
            _reads.reset(token)
        if reads.on_replica and isinstance(response, StreamingHttpResponse) and not response.is_async:
            response.streaming_content = _stepwise(cast(Iterable[bytes], response.streaming_content), reads)
        return response

    def process_view(self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any) -> None:
        match = request.resolver_match
        reads = _reads.get()
        if reads is not None and match is not None and match.view_name in self.view_names:
            reads.on_replica = True
