"""Walking Ovoz's pages as a user would: signing in, reading a form's token, reading a receipt."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client

from ovoz.accounts.tests.factories import PASSWORD, current_code

# Who may be asking, with respect to the first working group of the `world` fixture.
KINDS = ["anonymous", "member of another group", "observer", "member", "facilitator", "administrator"]


def sign_in(client: Client, user: Any, *, code: str | None = None, password: str = PASSWORD) -> Any:
    """Walk the two login steps; returns the last response."""
    response = client.post("/staff/login/", {"username": user.username, "password": password})
    if response.status_code != 302 or response["Location"] != "/staff/login/verify/":
        return response
    return client.post("/staff/login/verify/", {"code": code or current_code(user)})


def client_for(world: dict[str, Any], kind: str) -> Client:
    """A client signed in as that kind of user; one per kind, since a TOTP code works only once."""
    clients: dict[str, Client] = world["clients"]
    if kind not in clients:
        client = Client()
        if kind != "anonymous":
            response = sign_in(client, world["users"][kind])
            assert response.status_code == 302 and response["Location"] == "/staff/", kind
        clients[kind] = client
    return clients[kind]


def form_token(client: Client, language: str = "en") -> str:
    """The submission token of a fresh report form."""
    html = client.get(f"/{language}/report/").content.decode()
    match = re.search(r'name="submission_token" value="([^"]+)"', html)
    assert match, html[:2000]
    return match.group(1)


def receipt_in(response: Any) -> str:
    """The receipt a successful report shows: the POST redirects to the page that shows it once."""
    if response.status_code == 303:
        response = response.client.get(response["Location"])
    match = re.search(r'data-testid="receipt"><output>([0-9A-Z-]+)</output>', response.content.decode())
    assert match, response.content.decode()[:3000]
    return match.group(1)
