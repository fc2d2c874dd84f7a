"""Local fakes of the services Ovoz talks to, on 127.0.0.1: an SMS gateway and Telegram's Bot API."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import BaseServer

from ovoz.testing.media import jpeg_with_gps

TOKEN = "123456:telegram-test-token"
CHAT = 987654321
# The number the `deliver` fixture sends SMS from.
SMS_PHONE = "+998 90 123 45 67"


# How often a fake's serving thread looks whether it is told to stop: `shutdown()` waits up to this long
# (the standard library's half a second, at the end of each of some two hundred tests, was time idled).
POLL_SECONDS = 0.02


def serve_in_background(server: BaseServer) -> threading.Thread:
    """Serve ``server`` in a daemon thread, stopping within POLL_SECONDS of ``server.shutdown()``."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": POLL_SECONDS}, daemon=True)
    thread.start()
    return thread


class FakeGateway:
    """An SMS gateway on 127.0.0.1 that records what Ovoz sends; it can be told to fail."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.signatures: list[str] = []
        self.failures_left = 0
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if gateway.failures_left:
                    gateway.failures_left -= 1
                    self.send_response(503)
                    self.end_headers()
                    return
                gateway.received.append({"body": body, **json.loads(body)})
                gateway.signatures.append(self.headers.get("X-Ovoz-Signature", ""))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"
        self.thread = serve_in_background(self.server)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class FakeBotApi:
    """The Bot API on 127.0.0.1: records every call, serves one photo, and can be told to fail."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []
        self.failures: list[int] = []  # status codes to answer sendMessage with, in order
        self.photo = jpeg_with_gps()
        self.downloads = 0  # GETs of the photo file, after getFile
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
                prefix = f"/bot{TOKEN}/"
                if not self.path.startswith(prefix):
                    return self._answer(401, {"ok": False, "description": "Unauthorized"})
                method = self.path.removeprefix(prefix)
                if method == "sendMessage" and api.failures:
                    status = api.failures.pop(0)
                    return self._answer(status, {"ok": False, "description": "failing on purpose"})
                api.calls.append((method, body))
                if method == "getFile":
                    return self._answer(
                        200, {"ok": True, "result": {"file_id": body["file_id"], "file_path": "p/1.jpg"}}
                    )
                return self._answer(200, {"ok": True, "result": True})

            def do_GET(self) -> None:
                if self.path != f"/file/bot{TOKEN}/p/1.jpg":
                    return self._answer(404, {"ok": False})
                api.downloads += 1
                self.send_response(200)
                self.send_header("Content-Length", str(len(api.photo)))
                self.end_headers()
                self.wfile.write(api.photo)

            def _answer(self, status: int, data: dict) -> None:
                payload = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        serve_in_background(self.server)

    def sent(self) -> list[dict]:
        return [body for method, body in self.calls if method == "sendMessage"]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
