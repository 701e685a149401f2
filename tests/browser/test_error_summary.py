"""A form posted with errors comes back with its error summary focused and on screen (issue 17.4)."""

import pytest
from playwright.sync_api import expect

from onboarding.demo import DEMO_SLUG

pytestmark = pytest.mark.django_db(transaction=True)

IN_VIEWPORT = """el => { const r = el.getBoundingClientRect();
  return r.top >= 0 && r.bottom <= window.innerHeight && r.height > 0; }"""


def test_bad_invitation_address_focuses_the_error_summary_in_view(page, live_server, demo, sign_in, shoot):
    sign_in(page, "admin@demo.okrhub.test")
    page.goto(f"{live_server.url}/c/{DEMO_SLUG}/settings/")
    page.get_by_label("Email address").fill("not-an-address")
    page.get_by_role("button", name="Send invitation").click()
    page.wait_for_load_state("load")

    summary = page.locator("[data-error-summary]")
    expect(summary).to_have_count(1)
    expect(summary).to_be_focused()
    assert summary.evaluate(IN_VIEWPORT), summary.evaluate(
        "el => [JSON.stringify(el.getBoundingClientRect()), window.scrollY, window.innerHeight, location.href]"
    )
    shoot(page, "settings-invitation-error")

    # Its link takes focus to the field at fault, far below.
    summary.get_by_role("link").first.click()
    email = page.locator("#id_invite-email")
    expect(email).to_be_focused()
    assert email.evaluate(IN_VIEWPORT)
