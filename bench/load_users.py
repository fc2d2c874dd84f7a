"""The users of bench/load.py, for locust (run by it; not on its own): a mix of intake by the web
form, the API and a signed SMS gateway webhook, following a concern with its receipt, public pages
and the map's API, each user from a loopback address of its own (nginx limits requests per address,
as it would for real people).

Every report carries a text unique to the run (LOAD_RUN); the texts of the reports answered as
accepted are written to LOAD_ACCEPTED_FILE when the run stops, so bench/load.py can check that each
is in the database exactly once.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import os
import re
import secrets
from typing import Any

import urllib3
from locust import HttpUser, between, events, task
from requests.adapters import HTTPAdapter

urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)  # nginx's certificate is self-signed

RUN = os.environ.get("LOAD_RUN", "run")
HOST_HEADER = os.environ.get("LOAD_HOST_HEADER", "localhost")
CHANNEL_PATH = os.environ.get("LOAD_SMS_PATH", "")
CHANNEL_SECRET = os.environ.get("LOAD_SMS_SECRET", "").encode()
ACCEPTED_FILE = os.environ.get("LOAD_ACCEPTED_FILE", "")
SMS_NUMBER_BASE = int(os.environ.get("LOAD_SMS_NUMBER_BASE", "1000000"))

ACCEPTED: list[str] = []
RECEIPTS: list[str] = []
USER_NUMBERS = itertools.count()
SMS_NUMBERS = itertools.count(SMS_NUMBER_BASE)
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class SourceAddress(HTTPAdapter):
    """Connections from one loopback address (nginx sees it as the client's address)."""

    def __init__(self, address: str, **kwargs: Any) -> None:
        self.address = address
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


@events.test_stop.add_listener
def accepted_write(**_kwargs: Any) -> None:
    if ACCEPTED_FILE:
        with open(ACCEPTED_FILE, "w", encoding="utf-8") as handle:
            json.dump(ACCEPTED, handle)


class Resident(HttpUser):
    wait_time = between(0.1, 0.3)  # at most a few requests a second per address: below nginx's limit

    def on_start(self) -> None:
        self.number = next(USER_NUMBERS)
        self.sent = itertools.count()
        self.client.mount("https://", SourceAddress(f"127.88.{self.number // 250}.{self.number % 250 + 1}"))
        self.client.verify = False
        self.client.headers["Host"] = HOST_HEADER
        self.client.headers["Origin"] = f"https://{HOST_HEADER}"
        self.csrf = self._token("/en/report/", name="GET /en/report/")

    def _token(self, path: str, *, name: str) -> str:
        response = self.client.get(path, name=name)
        found = TOKEN.search(response.text)
        return found.group(1) if found else ""

    def _text(self, kind: str) -> str:
        return f"load-{RUN} {kind} u{self.number}-{next(self.sent)}: no water in the mahalla since Monday"

    @task(2)
    def report_by_web_form(self) -> None:
        text = self._text("web")
        fields = {"csrfmiddlewaretoken": self.csrf, "text": text, "submission_token": secrets.token_urlsafe(24)}
        with self.client.post(
            "/en/report/", data=fields, name="POST /en/report/", allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code in (302, 303):
                ACCEPTED.append(text)
                response.success()
            else:
                response.failure(f"HTTP {response.status_code}")

    @task(2)
    def report_by_api(self) -> None:
        text = self._text("api")
        with self.client.post(
            "/api/v1/concerns", json={"text": text}, name="POST /api/v1/concerns", catch_response=True
        ) as response:
            if response.status_code == 201:
                ACCEPTED.append(text)
                RECEIPTS.append(response.json()["receipt"])
                response.success()
            else:
                response.failure(f"HTTP {response.status_code}")

    @task(2)
    def report_by_sms(self) -> None:
        text = self._text("sms")
        body = json.dumps({"id": text, "from": f"+99890{next(SMS_NUMBERS):07d}", "text": text}).encode()
        signature = "sha256=" + hmac.new(CHANNEL_SECRET, body, hashlib.sha256).hexdigest()
        headers = {"Content-Type": "application/json", "X-Ovoz-Signature": signature}
        with self.client.post(
            CHANNEL_PATH, data=body, headers=headers, name="POST sms webhook", catch_response=True
        ) as response:
            if response.status_code == 200:
                ACCEPTED.append(text)
                response.success()
            else:
                response.failure(f"HTTP {response.status_code}")

    @task(2)
    def follow_with_receipt(self) -> None:
        if not RECEIPTS:
            return
        receipt = RECEIPTS[self.number % len(RECEIPTS)]
        csrf = self._token("/en/follow/", name="GET /en/follow/")
        # POST the receipt, then the redirect to the concern's page (303, GET).
        with self.client.post(
            "/en/follow/",
            data={"csrfmiddlewaretoken": csrf, "receipt": receipt},
            name="POST /en/follow/ (receipt page)",
            catch_response=True,
        ) as response:
            if response.status_code == 200 and 'name="receipt"' not in response.text:
                response.success()
            else:
                response.failure(f"HTTP {response.status_code}")
        self.client.post(
            "/en/follow/", data={"csrfmiddlewaretoken": csrf, "action": "forget"}, name="POST /en/follow/ (forget)"
        )

    @task(3)
    def public_pages(self) -> None:
        for path in ("/en/", "/en/concerns/", "/en/map/", "/en/dashboard/"):
            self.client.get(path, name=f"GET {path}")

    @task(2)
    def map_api(self) -> None:
        for level in ("region", "district"):
            self.client.get(f"/api/v1/stats/areas?level={level}", name=f"GET /api/v1/stats/areas?level={level}")
