# The conversation tests drive the loopback SMS gateway's channel as `channel` (fixtures: ovoz.testing.plugin).
import pytest


@pytest.fixture
def channel(sms_channel):
    return sms_channel
