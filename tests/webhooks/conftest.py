import pytest

from tests.webhooks.receiver import Receiver


@pytest.fixture
def local_receivers(settings):
    """Webhooks may go to 127.0.0.1 over http (the operator settings a test server needs)."""
    settings.OKRHUB_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.OKRHUB_WEBHOOK_ALLOW_HTTP = True
    return settings


@pytest.fixture
def receiver(local_receivers):
    running = Receiver().start()
    yield running
    running.stop()


@pytest.fixture
def other_receiver(local_receivers):
    running = Receiver().start()
    yield running
    running.stop()
