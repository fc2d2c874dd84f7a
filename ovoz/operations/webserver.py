"""The waitress server of `ovoz serve`, set to hold against slow and idle connections.

Waitress's defaults let 100 connections that never finish a request take the server offline for
everyone: it stops accepting at ``connection_limit`` (100) and closes a connection only after 120
seconds without a byte. Here:

- the limit is OVOZ_SERVE_CONNECTION_LIMIT (1,000; ``poll`` instead of ``select``, which stops at
  1,024 descriptors), and the process may open that many files;
- a connection must deliver a request's headers within OVOZ_SERVE_HEADER_TIMEOUT seconds of opening
  (or of the first byte of its next request), however it trickles them, and is closed otherwise;
- a connection silent for OVOZ_SERVE_CHANNEL_TIMEOUT seconds is closed, checked every
  OVOZ_SERVE_CLEANUP_INTERVAL seconds;
- a request body over OVOZ_SERVE_MAX_REQUEST_BYTES is refused, headers over 64 KB too.

What it cannot do without knowing clients apart: limit connections per client. A proxy in front does
that (docs/deployment.md).
"""

from __future__ import annotations

import resource
import time
from typing import Any

from django.conf import settings
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer, create_server

MAX_HEADER_BYTES = 64 * 1024
RECEIVE_BYTES = 64 * 1024  # read uploads in larger pieces than waitress's 8 KB
SEND_BYTES = 18_000  # waitress's default: about a dozen TCP packets per send


class DeadlineChannel(HTTPChannel):
    """A connection that remembers since when it has been waiting for a request's headers."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.awaiting_headers_since: float | None = time.time()

    def received(self, data: bytes) -> bool:
        if data and self.request is None and self.awaiting_headers_since is None:
            self.awaiting_headers_since = time.time()  # a new request begins on a kept-alive connection
        result = bool(super().received(data))
        if self.request is None or self.request.headers_finished:
            self.awaiting_headers_since = None
        return result


def _close_slow_headers(server: Any, header_timeout: float) -> None:
    """Besides waitress's idle timeout, close every connection of ``server`` (a BaseWSGIServer) slower
    than ``header_timeout`` to send its request's headers (a "slowloris" sends them a byte at a time to
    stay just short of idle)."""
    idle_maintenance = server.maintenance

    def maintenance(now: float) -> None:
        idle_maintenance(now)
        for channel in list(server.active_channels.values()):
            since = getattr(channel, "awaiting_headers_since", None)
            if since is not None and not channel.requests and now - since > header_timeout:
                channel.will_close = True

    server.channel_class = DeadlineChannel
    server.maintenance = maintenance


def _allow_open_files(count: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = count + 100  # the listening sockets, database connections, files being served
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(
            resource.RLIMIT_NOFILE, (wanted if hard == resource.RLIM_INFINITY else min(wanted, hard), hard)
        )


def server_create(application: Any, *, host: str, port: int, threads: int) -> Any:
    """A waitress server for ``application`` on ``host:port`` with Ovoz's limits (see the module)."""
    connection_limit = settings.OVOZ_SERVE_CONNECTION_LIMIT
    _allow_open_files(connection_limit)
    server = create_server(
        application,
        host=host,
        port=port,
        threads=threads,
        ident="ovoz",
        connection_limit=connection_limit,
        channel_timeout=settings.OVOZ_SERVE_CHANNEL_TIMEOUT,
        cleanup_interval=settings.OVOZ_SERVE_CLEANUP_INTERVAL,
        # Waitress would take a gigabyte; Ovoz's largest request is a form with three photos.
        max_request_body_size=settings.OVOZ_SERVE_MAX_REQUEST_BYTES,
        max_request_header_size=MAX_HEADER_BYTES,
        recv_bytes=RECEIVE_BYTES,
        send_bytes=SEND_BYTES,
        asyncore_use_poll=True,
    )
    listeners: list[Any] = [server] if isinstance(server, BaseWSGIServer) else list((server.map or {}).values())
    for listener in listeners:
        if isinstance(listener, BaseWSGIServer):
            _close_slow_headers(listener, settings.OVOZ_SERVE_HEADER_TIMEOUT)
    return server
