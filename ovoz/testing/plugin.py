"""The fixtures every app's tests share (loaded by the repository's conftest.py).

An app's own ``conftest.py`` keeps only what that app's tests alone use; nothing here is imported by
test modules (they import helpers from ``ovoz.testing.web``, ``.media``, ``.fakes``, ``.canary`` and
``.scenario``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client

from ovoz.testing.browser import chromium, page, page_without_javascript  # noqa: F401 (fixtures)
from ovoz.testing.fakes import CHAT, SMS_PHONE, TOKEN, FakeBotApi, FakeGateway
from ovoz.testing.schedule import longest_first
from ovoz.testing.web import client_for, sign_in

# Playwright's sync API runs an event loop in the test thread; Django's ORM must still be usable there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

DATABASE_FIXTURES = {
    "db",
    "django_db_setup",  # data built once for a module (django_db_blocker) stands on it
    "transactional_db",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
    "live_server",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database-tests-only",
        action="store_true",
        help="leave out the tests that use no database (CI runs them once, on PostgreSQL, and again only "
        "the tests whose outcome may depend on the database on SQLite)",
    )


def uses_database(item: pytest.Item) -> bool:
    fixtures = set(getattr(item, "fixturenames", ()))
    return bool(item.get_closest_marker("django_db")) or bool(fixtures & DATABASE_FIXTURES)


def is_slow_by_kind(item: pytest.Item) -> bool:
    """Browser, live-server and `walk` tests are slow whether or not they say so."""
    return bool(
        item.get_closest_marker("browser")
        or item.get_closest_marker("walk")
        or "live_server" in getattr(item, "fixturenames", ())
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser, live-server, fault and `walk` tests are `slow`; fault tests run only when asked for.

    Fault tests restart the shared PostgreSQL and kill processes, so `make pytest-fault` runs them alone,
    never beside other tests (`make pytest` runs in parallel). With ``--database-tests-only`` the tests
    that touch no database are left out (their outcome is the same on either database). The longest
    files come first, so that parallel workers finish together (ovoz.testing.schedule).
    """
    longest_first(items)
    if config.getoption("--database-tests-only"):
        kept = [item for item in items if uses_database(item)]
        if len(kept) != len(items):
            config.hook.pytest_deselected(items=[item for item in items if not uses_database(item)])
            items[:] = kept
    run_faults = os.environ.get("OVOZ_FAULT_TESTS") == "1"
    skip = pytest.mark.skip(reason="a fault test: set OVOZ_FAULT_TESTS=1 to run it (it restarts PostgreSQL)")
    for item in items:
        if item.get_closest_marker("fault"):
            item.add_marker(pytest.mark.slow)
            if not run_faults:
                item.add_marker(skip)
        elif is_slow_by_kind(item):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def empty_cache() -> None:
    """Rate-limit counters live in the cache; no test may inherit another's."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogs() -> None:
    """Tests read translations, so the .mo files (not kept in git) must match the .po files."""
    from ovoz.core.catalogs import compile_all

    compile_all()


# Places, themes and people


@pytest.fixture
def seeded(db: None) -> None:
    """The shipped areas (countries and regions) and themes."""
    from ovoz.concerns.services import themes_seed
    from ovoz.places.services import areas_seed

    areas_seed()
    themes_seed()


@pytest.fixture
def places(db: None) -> dict[str, Any]:
    """Uzbekistan, two of its regions and a district of one."""
    from ovoz.places.models import Area

    country = Area.objects.create(kind="country", code="UZ", name="Uzbekistan")
    jizzakh = Area.objects.create(kind="region", code="UZ-JI", name="Jizzakh Region", parent=country)
    zomin = Area.objects.create(kind="district", name="Zomin district", parent=jizzakh)
    samarkand = Area.objects.create(kind="region", code="UZ-SA", name="Samarkand Region", parent=country)
    return {"country": country, "jizzakh": jizzakh, "zomin": zomin, "samarkand": samarkand}


@pytest.fixture
def themes(db: None) -> dict[str, Any]:
    """Water, and domestic violence (confidential by default)."""
    from ovoz.concerns.models import Theme

    water = Theme.objects.create(slug="water", labels={"en": "Water", "ru": "Вода"})
    violence = Theme.objects.create(
        slug="domestic-violence", labels={"en": "Domestic violence"}, default_visibility="confidential"
    )
    return {"water": water, "violence": violence}


@pytest.fixture
def world(places: dict[str, Any], themes: dict[str, Any]) -> dict[str, Any]:
    """Two groups, an institution, and one user of each kind (``ovoz.testing.web.KINDS``) for the first group."""
    from ovoz.accounts.choices import DeploymentRole, GrantRole
    from ovoz.accounts.tests.factories import UserFactory
    from ovoz.groups.tests.factories import InstitutionFactory, MemberFactory, WorkingGroupFactory
    from ovoz.testing.scenario import zomin_group_people

    group, khokimiyat, users = zomin_group_people(places["zomin"])
    other_group = WorkingGroupFactory(name="Samarkand working group", slug="samarkand", area=places["samarkand"])
    police = InstitutionFactory(name="Zomin district police department", area=places["zomin"])
    users["member of another group"] = MemberFactory(
        working_group=other_group, role=GrantRole.FACILITATOR, user__username="botir", user__first_name="Botir"
    ).user
    users["administrator"] = UserFactory(username="administrator", role=DeploymentRole.ADMINISTRATOR)
    return {
        "group": group,
        "other_group": other_group,
        "khokimiyat": khokimiyat,
        "police": police,
        "users": users,
        "clients": {},
        **places,
        **themes,
    }


@pytest.fixture
def as_kind(world: dict[str, Any]) -> Callable[[str], Client]:
    return lambda kind: client_for(world, kind)


@pytest.fixture
def coordinator(db: None) -> Any:
    from ovoz.accounts.tests.factories import UserFactory

    return UserFactory(username="coordinator")


@pytest.fixture
def signed_in_client(client: Client, coordinator: Any) -> Client:
    response = sign_in(client, coordinator)
    assert response.status_code == 302 and response["Location"] == "/staff/"
    return client


@pytest.fixture
def intake(seeded: None) -> tuple[Any, Client, str]:
    """A trained staff member who receives confidential reports, signed in once so they have a key:
    (user, their signed-in client, their recovery key)."""
    import re

    from ovoz.accounts.choices import DeploymentRole
    from ovoz.accounts.tests.factories import UserFactory

    user = UserFactory(username="intake", role=DeploymentRole.NONE, receives_confidential=True)
    client = Client()
    response = sign_in(client, user)
    assert response.status_code == 302 and response["Location"] == "/staff/", response
    html = client.get("/staff/account/key/").content.decode()
    match = re.search(r'<code class="recovery-key">([0-9A-Z-]+)</code>', html)
    assert match, "the recovery key is shown once after the first login"
    return user, client, match.group(1)


# The channels, with their local fakes


@pytest.fixture
def gateway() -> Iterator[FakeGateway]:
    fake = FakeGateway()
    yield fake
    fake.close()


@pytest.fixture
def sms_channel(db: None, gateway: FakeGateway) -> Any:
    """A generic SMS channel replying through the fake gateway; its webhook secret is ``test_secret``."""
    from ovoz.channels.choices import ChannelKind
    from ovoz.channels.services import channel_create
    from ovoz.concerns.services import themes_seed

    themes_seed()
    channel, secret = channel_create(
        actor=None, kind=ChannelKind.GENERIC, name="Jizzakh SMS", options={"reply_url": gateway.url}
    )
    channel.test_secret = secret
    return channel


@pytest.fixture
def deliver(client: Client, sms_channel: Any, django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    """POST a signed gateway payload and run what was queued after commit (the replies)."""

    def send(
        message_id: str,
        text: str,
        sender: str = SMS_PHONE,
        *,
        secret: str | None = None,
        received_at: str | None = None,
    ) -> Any:
        payload = {"id": message_id, "from": sender, "text": text}
        if received_at:
            payload["received_at"] = received_at
        body = json.dumps(payload).encode()
        key = (secret or sms_channel.test_secret).encode()
        signature = "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                f"/channels/sms/{sms_channel.pk}/",
                body,
                content_type="application/json",
                HTTP_X_OVOZ_SIGNATURE=signature,
            )

    return send


@pytest.fixture
def bot_api() -> Iterator[FakeBotApi]:
    fake = FakeBotApi()
    yield fake
    fake.close()


@pytest.fixture
def telegram_channel(db: None, bot_api: FakeBotApi) -> Any:
    """A Telegram bot talking to the fake Bot API; its webhook secret is ``test_secret``."""
    from ovoz.channels.choices import ChannelKind
    from ovoz.channels.services import channel_create
    from ovoz.concerns.services import themes_seed
    from ovoz.places.models import Area
    from ovoz.places.services import areas_seed

    areas_seed()
    themes_seed()
    channel, secret = channel_create(
        actor=None,
        kind=ChannelKind.TELEGRAM,
        name="Ovoz bot",
        options={"token": TOKEN, "api_base": bot_api.base},
        default_area=Area.objects.get(code="UZ"),
    )
    channel.test_secret = secret
    return channel


@pytest.fixture
def telegram(client: Client, telegram_channel: Any, django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    """Deliver updates as Telegram does, running the queued Bot API calls after each."""
    counter = iter(range(1000, 10_000))

    def deliver(*, update_id: int | None = None, secret: str | None = None, chat: int = CHAT, **message: Any) -> Any:
        update_id = update_id if update_id is not None else next(counter)
        update: dict[str, Any]
        if "data" in message:
            update = {
                "update_id": update_id,
                "callback_query": {
                    "id": f"cb-{update_id}",
                    "data": message["data"],
                    "message": {"message_id": 1, "chat": {"id": chat, "type": "private"}},
                },
            }
        else:
            update = {"update_id": update_id, "message": {"message_id": 2, "chat": {"id": chat, "type": "private"}}}
            update["message"].update(message)
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                f"/channels/telegram/{telegram_channel.pk}/",
                json.dumps(update),
                content_type="application/json",
                HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=secret or telegram_channel.test_secret,
            )

    return deliver
