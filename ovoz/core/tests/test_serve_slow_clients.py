"""`ovoz serve` stays up for everyone while many connections send their requests a byte at a time.

With waitress's defaults, 100 half-open connections filled its 100-connection limit and the server
answered nobody for two minutes or more.
"""

import contextlib
import socket
import threading
import time
import urllib.request

import pytest

from ovoz.core.tests.servers import OvozServer, ovoz_environment

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def half_open(port: int, count: int) -> list[socket.socket]:
    """``count`` connections that each send the start of a request and never finish it."""
    sockets = []
    for _ in range(count):
        connection = socket.create_connection(("127.0.0.1", port), timeout=5)
        connection.sendall(b"GET /en/ HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        sockets.append(connection)
    return sockets


def trickle(sockets: list[socket.socket], stop: threading.Event) -> None:
    """A header line byte by byte, every half second, so that no connection is ever idle for long."""
    while not stop.wait(0.5):
        for connection in sockets:
            with contextlib.suppress(OSError):
                connection.send(b"X")


def answer_seconds(url: str, timeout: float) -> float:
    start = time.monotonic()
    with urllib.request.urlopen(url, timeout=timeout) as response:
        assert response.status == 200
    return time.monotonic() - start


def closed_by_server(connection: socket.socket) -> bool:
    connection.settimeout(0.1)
    try:
        return connection.recv(1) == b""
    except TimeoutError:
        return False
    except OSError:
        return True


def test_a_hundred_half_open_connections_leave_the_server_answering_others(tmp_path):
    with OvozServer(ovoz_environment(tmp_path), "--no-worker", "--no-scheduler") as server:
        sockets = half_open(server.port, 100)
        try:
            assert answer_seconds(f"{server.url}/en/report/", timeout=10) < 3
        finally:
            for connection in sockets:
                connection.close()


def test_connections_that_trickle_their_headers_are_closed_after_the_header_timeout(tmp_path):
    """Even past the connection limit: 100 trickling connections against a limit of 50."""
    env = ovoz_environment(tmp_path, OVOZ_SERVE_CONNECTION_LIMIT="50", OVOZ_SERVE_HEADER_TIMEOUT="3")
    with OvozServer(env, "--no-worker", "--no-scheduler") as server:
        sockets = half_open(server.port, 100)
        stop = threading.Event()
        trickler = threading.Thread(target=trickle, args=(sockets, stop), daemon=True)
        trickler.start()
        try:
            assert answer_seconds(f"{server.url}/en/report/", timeout=15) < 10
            time.sleep(1)
            assert sum(closed_by_server(connection) for connection in sockets) >= 90
        finally:
            stop.set()
            trickler.join(timeout=5)
            for connection in sockets:
                connection.close()
