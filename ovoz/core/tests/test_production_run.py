"""`ovoz serve` (what `make run` starts) answers as production does: DEBUG off with translated error
pages, static files collected with hashed names and served compressed, HTML gzipped only where no secret
can leak, a favicon, and absolute links naming the address it prints."""

import io
import re
import urllib.error
import urllib.request

import pytest
from openpyxl import load_workbook

from ovoz.core.tests.servers import OvozServer, ovoz_environment

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def fetch(url: str, *, encoding: str = "identity") -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": encoding})  # a local server
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_ovoz_serve_runs_like_production(tmp_path):
    # Its own, empty static folder: this server collects the files itself, as `make run` does the first time.
    env = ovoz_environment(tmp_path, OVOZ_STATIC_ROOT=str(tmp_path / "static"))
    server = OvozServer(env, "--no-worker", "--no-scheduler")
    try:
        server.wait_for(r"Static files collected", timeout=180)
        server.wait_for(r"Ovoz is running at http://localhost:(\d+)/", timeout=60)
        url = server.url

        status, _headers, body = fetch(f"{url}/ru/nonexistent/")
        assert status == 404
        html = body.decode()
        assert "<h1>Страница не найдена</h1>" in html
        assert "URLconf" not in html and "open311" not in html

        status, headers, body = fetch(f"{url}/en/report/", encoding="gzip")
        assert (status, headers.get("Content-Encoding")) == (200, "gzip")
        status, headers, body = fetch(f"{url}/en/report/")
        stylesheet = re.search(r'href="(/static/ovoz/ovoz\.[0-9a-f]{12}\.css)"', body.decode()).group(1)
        for encoding in ("br", "gzip"):
            status, headers, _body = fetch(url + stylesheet, encoding=f"{encoding}, deflate")
            assert (status, headers.get("Content-Encoding")) == (200, encoding)
            assert "immutable" in headers["Cache-Control"]

        status, headers, _body = fetch(f"{url}/en/follow/", encoding="gzip, br")
        assert status == 200 and "Content-Encoding" not in headers

        status, headers, body = fetch(f"{url}/favicon.ico")
        assert status == 200 and body.startswith(b"\x00\x00\x01\x00")

        status, _headers, body = fetch(f"{url}/data/areas.xlsx")
        about: dict[str, str] = dict(load_workbook(io.BytesIO(body), read_only=True)["about"].values)
        assert about["source"] == f"http://localhost:{server.port}/"
    finally:
        server.stop()
