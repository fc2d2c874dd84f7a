# The working groups' world (areas, themes, two groups, one user of each kind) for the authorization matrix;
# seeded areas and a confidential-intake recipient with a key, for retention of sealed concerns.
import pytest
from django.core import mail

from ovoz.core.tests.hostile import build_hostile_world
from ovoz.testing.fakes import TOKEN, FakeBotApi, FakeGateway


@pytest.fixture
def hostile_world(db, settings, tmp_path, django_capture_on_commit_callbacks):
    """A deployment whose every user-written text is an XSS payload (see hostile.py), with the
    e-mails it sent and the messages its channels sent to local fakes of a gateway and the Bot API."""
    settings.MEDIA_ROOT = tmp_path / "media"
    gateway, bot_api = FakeGateway(), FakeBotApi()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            world = build_hostile_world(gateway_url=gateway.url, bot_api_base=bot_api.base, bot_token=TOKEN)
        world.update(gateway=gateway, bot_api=bot_api, outbox=list(mail.outbox))
        yield world
    finally:
        gateway.close()
        bot_api.close()
