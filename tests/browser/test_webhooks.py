"""An admin connects a webhook receiver in Chromium: add, copy the secret, send a test, read the log."""

import pytest
from playwright.sync_api import expect

from onboarding.demo import DEMO_SLUG
from tests.browser.conftest import PHONE
from tests.webhooks.receiver import Receiver

pytestmark = pytest.mark.django_db(transaction=True)

TOO_WIDE = "() => document.documentElement.scrollWidth - window.innerWidth"


def test_an_admin_connects_a_receiver_and_sends_a_test(page, live_server, demo, sign_in, shoot, settings):
    settings.OKRHUB_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]  # http too: an allowed network
    receiver = Receiver().start()
    try:
        sign_in(page, "admin@demo.okrhub.test")
        page.goto(f"{live_server.url}/c/{DEMO_SLUG}/settings/")
        page.locator("#integrations").get_by_role("link", name="Webhooks").click()
        expect(page.get_by_role("heading", name="Webhooks", level=1)).to_be_visible()
        page.get_by_label("URL").fill(receiver.url)
        page.get_by_label("checkin.created").check()
        page.get_by_role("button", name="Add endpoint").click()
        secret = page.locator("#webhook-secret").input_value()
        assert secret.startswith("whsec_")
        shoot(page, "webhooks-secret")
        page.get_by_role("link", name="Go to the endpoint").click()
        page.get_by_role("button", name="Send test").click()
        log = page.locator("#log")
        expect(log).to_contain_text("webhook.test")
        expect(log).to_contain_text("Delivered")
        expect(log).to_contain_text("200")
        (request,) = receiver.received
        assert request.verified_with(secret)
        for name, path in (("webhooks-detail", page.url), ("webhooks-list", f"/c/{DEMO_SLUG}/webhooks/")):
            page.goto(path if path.startswith("http") else live_server.url + path)
            page.set_viewport_size(PHONE)
            assert page.evaluate(TOO_WIDE) <= 0, name
            shoot(page, name)
    finally:
        receiver.stop()
