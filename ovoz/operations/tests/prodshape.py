"""What the tests of the production shape share: where `make prod-check` started it, and a small
cookie-keeping client that talks to one gunicorn instance as nginx would (deploy/prodcheck.py)."""

from __future__ import annotations

import json
import os
import re
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import httpx
import pytest

SHAPE_FILE = os.environ.get("OVOZ_PRODCHECK", "")
needs_shape = pytest.mark.skipif(not SHAPE_FILE, reason="runs inside `make prod-check` (deploy/prodcheck.py)")


def shape() -> dict[str, Any]:
    return dict(json.loads(Path(SHAPE_FILE).read_text()))


class Instance:
    """Requests to one gunicorn, with the headers nginx adds (https, the client's address) and the
    cookies a browser would keep (``__Host-`` cookies are Secure: an http client library drops them)."""

    def __init__(self, url: str, *, client_address: str, cookies: dict[str, str] | None = None) -> None:
        self.url = url
        self.client_address = client_address
        self.cookies: dict[str, str] = dict(cookies or {})
        self.http = httpx.Client(base_url=url, timeout=30, follow_redirects=False)

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Host": "localhost", "X-Forwarded-Proto": "https", "X-Real-IP": self.client_address}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        headers.update(extra or {})
        return headers

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = self.headers(kwargs.pop("headers", None))
        if method != "GET":
            headers.setdefault("Origin", "https://localhost")
        response = self.http.request(method, path, headers=headers, **kwargs)
        self.http.cookies.clear()
        for header in response.headers.get_list("set-cookie"):
            for name, morsel in SimpleCookie(header).items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return response

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def form_post(self, page: str, data: dict[str, Any], *, to: str | None = None, **kwargs: Any) -> httpx.Response:
        """GET ``page`` for its CSRF token, then POST ``data`` to it (or to ``to``)."""
        html = self.get(page).text
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert token, html[:2000]
        return self.post(to or page, data={"csrfmiddlewaretoken": token.group(1), **data}, **kwargs)

    def close(self) -> None:
        self.http.close()
