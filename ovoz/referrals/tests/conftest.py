# Areas and themes seeded, and the loopback SMS gateway with its channel, as the concern and channel tests use them.
from ovoz.channels.tests.test_sms import channel, deliver, gateway  # noqa: F401
from ovoz.concerns.tests.conftest import seeded  # noqa: F401
