import pytest

from tests.webhooks.receiver import Receiver


@pytest.fixture
def local_receivers(settings):
    """Webhooks may go to 127.0.0.1 over http (the operator settings a test server needs)."""
    settings.OKRHUB_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]  # http too: an allowed network
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
