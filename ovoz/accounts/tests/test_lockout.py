"""Every check of a staff password counts towards one lock, and the lock tells nothing about whether a
username exists: the same number of failures locks a real and an unknown username, and every answer
costs one password hash, a locked account's included."""

import re
import time

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.test import Client

from ovoz.accounts.models import User
from ovoz.accounts.tests.factories import PASSWORD, UserFactory
from ovoz.core.models import AuditEntry
from ovoz.testing.web import sign_in

pytestmark = pytest.mark.django_db

WRONG = "not the password at all"
NEW_PASSWORD = "a brand new long passphrase"


def _message(response) -> str:
    found = re.search(r'role="alert"><p>([^<]+)</p>', response.content.decode())
    return found.group(1) if found else ""


def _first_locked_attempt(client: Client, username: str, attempts: int) -> int | None:
    for attempt in range(1, attempts + 1):
        response = client.post("/staff/login/", {"username": username, "password": WRONG})
        if "locked" in _message(response):
            return attempt
    return None


@pytest.mark.parametrize("limit", [2, 5])
def test_a_real_and_an_unknown_username_lock_at_the_same_failure(settings, limit):
    settings.OVOZ_LOGIN_FAILURES_BEFORE_LOCK = limit
    UserFactory(username="real")
    real = _first_locked_attempt(Client(), "real", limit + 3)
    unknown = _first_locked_attempt(Client(), "ghost", limit + 3)
    assert real == unknown == limit


def test_a_locked_unknown_username_stays_locked_as_long_as_a_real_one(settings):
    settings.OVOZ_LOGIN_FAILURES_BEFORE_LOCK = 2
    settings.OVOZ_LOGIN_LOCK_SECONDS = 2
    UserFactory(username="real")
    client = Client()

    def answer(username):
        return _message(client.post("/staff/login/", {"username": username, "password": WRONG}))

    assert "locked" not in answer("real") and "locked" not in answer("ghost")
    time.sleep(1)
    assert "locked" in answer("real") and "locked" in answer("ghost")
    # The lock runs from the failure that set it, not from the first failure, for both.
    time.sleep(1.4)
    assert "locked" in answer("real") and "locked" in answer("ghost")
    time.sleep(0.8)
    assert answer("real") == answer("ghost") == "The username or password is not correct."


@pytest.fixture
def hash_counter(monkeypatch):
    """Counts Argon2 computations (hashing a new password or verifying one)."""
    calls = []
    encode, verify = Argon2PasswordHasher.encode, Argon2PasswordHasher.verify

    def counted_encode(self, *args, **kwargs):
        calls.append("encode")
        return encode(self, *args, **kwargs)

    def counted_verify(self, *args, **kwargs):
        calls.append("verify")
        return verify(self, *args, **kwargs)

    monkeypatch.setattr(Argon2PasswordHasher, "encode", counted_encode)
    monkeypatch.setattr(Argon2PasswordHasher, "verify", counted_verify)
    return calls


def test_every_refused_sign_in_costs_one_password_hash_a_locked_account_included(settings, hash_counter):
    settings.OVOZ_LOGIN_FAILURES_BEFORE_LOCK = 2
    UserFactory(username="real")
    UserFactory(username="locked")
    client = Client()
    for username in ("locked", "locked", "ghost-locked", "ghost-locked"):
        client.post("/staff/login/", {"username": username, "password": WRONG})
    assert User.objects.get(username="locked").is_locked()
    cases = {
        "wrong password": ("real", WRONG),
        "unknown username": ("ghost", WRONG),
        "locked account, right password": ("locked", PASSWORD),
        "locked account, wrong password": ("locked", WRONG),
        "locked unknown username": ("ghost-locked", WRONG),
    }
    for case, (username, password) in cases.items():
        hash_counter.clear()
        client.post("/staff/login/", {"username": username, "password": password})
        assert len(hash_counter) == 1, (case, hash_counter)


ACCOUNT_PAGES = {
    "password change": (
        "/staff/account/",
        lambda password: {
            "current_password": password,
            "new_password": NEW_PASSWORD,
            "new_password_again": NEW_PASSWORD,
        },
    ),
    "key: new recovery key": ("/staff/account/key/", lambda password: {"action": "renew", "renew-password": password}),
    "key: start over": (
        "/staff/account/key/",
        lambda password: {"action": "replace", "replace-password": password, "replace-confirm": "on"},
    ),
    "key: recover": (
        "/staff/account/key/",
        lambda password: {"action": "recover", "recovery_key": "AAAA-BBBB", "password": password},
    ),
}


@pytest.mark.parametrize("page", ACCOUNT_PAGES)
def test_wrong_passwords_typed_again_when_signed_in_lock_the_account_as_at_sign_in(settings, page):
    settings.OVOZ_LOGIN_FAILURES_BEFORE_LOCK = 3
    user = UserFactory(username="someone")
    client = Client()
    assert sign_in(client, user)["Location"] == "/staff/"
    url, data = ACCOUNT_PAGES[page]
    for _attempt in range(2):
        response = client.post(url, data(WRONG))
        assert response.status_code in (200, 400)
        assert client.get("/staff/account/").status_code == 200
    response = client.post(url, data(WRONG))
    user.refresh_from_db()
    assert user.is_locked()
    # Whoever held the session is signed out, and the right password no longer helps.
    assert response.status_code == 302 and response["Location"] == "/staff/login/"
    assert client.get("/staff/account/").status_code == 302
    assert "locked" in _message(Client().post("/staff/login/", {"username": "someone", "password": PASSWORD}))
    assert user.check_password(PASSWORD)
    assert AuditEntry.objects.filter(action="password.check_failed", object_id=str(user.pk)).count() == 3
    assert AuditEntry.objects.filter(action="login.locked", object_id=str(user.pk)).count() == 1


def test_a_locked_account_is_refused_the_password_change_even_with_the_right_password(settings):
    settings.OVOZ_LOGIN_FAILURES_BEFORE_LOCK = 2
    user = UserFactory(username="someone")
    client = Client()
    sign_in(client, user)
    # Locked meanwhile, from elsewhere (guesses at the sign-in page).
    for _attempt in range(2):
        Client().post("/staff/login/", {"username": "someone", "password": WRONG})
    url, data = ACCOUNT_PAGES["password change"]
    response = client.post(url, data(PASSWORD))
    assert response["Location"] == "/staff/login/"
    user.refresh_from_db()
    assert user.check_password(PASSWORD) and not user.check_password(NEW_PASSWORD)


def test_a_right_password_typed_again_clears_the_failure_count(settings):
    settings.OVOZ_LOGIN_FAILURES_BEFORE_LOCK = 3
    user = UserFactory(username="someone")
    client = Client()
    sign_in(client, user)
    url, data = ACCOUNT_PAGES["key: new recovery key"]
    client.post(url, data(WRONG))
    client.post(url, data(WRONG))
    user.refresh_from_db()
    assert user.failed_login_count == 2
    client.post(url, data(PASSWORD))
    user.refresh_from_db()
    assert user.failed_login_count == 0 and not user.is_locked()
