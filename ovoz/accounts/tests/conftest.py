import pytest
from django.test import Client

from ovoz.accounts.tests.factories import PASSWORD, UserFactory, current_code


def sign_in(client: Client, user, *, code: str | None = None, password: str = PASSWORD):
    """Walk the two login steps; returns the last response."""
    response = client.post("/staff/login/", {"username": user.username, "password": password})
    if response.status_code != 302 or response["Location"] != "/staff/login/verify/":
        return response
    return client.post("/staff/login/verify/", {"code": code or current_code(user)})


@pytest.fixture
def coordinator(db):
    return UserFactory(username="coordinator")


@pytest.fixture
def signed_in_client(client, coordinator):
    response = sign_in(client, coordinator)
    assert response.status_code == 302 and response["Location"] == "/staff/"
    return client
