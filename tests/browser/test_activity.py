"""The activity feed in a real browser: a check-in shows up on the company feed, older events load in place."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from objectives.models import Event, KeyResult
from onboarding.demo import DEMO_SLUG

pytestmark = pytest.mark.django_db(transaction=True)

LEADS = "Generate 1,000 qualified leads from Germany and France"


def test_a_checkin_appears_on_the_company_feed(page, live_server, demo, sign_in, shoot):
    sign_in(page, "member@demo.okrhub.test")
    kr = KeyResult.objects.get(title=LEADS)
    row = page.locator(f"#kr-{kr.pk}")
    row.get_by_text("Check in").click()
    row.get_by_label("New value").fill("900")
    row.get_by_label("Confidence").select_option("at_risk")
    row.get_by_role("button", name="Save check-in").click()
    expect(row.get_by_text("Checked in.")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Activity").click()
    expect(page.get_by_role("heading", name="Activity", exact=True)).to_be_visible()
    newest = page.locator(".feed-item").first
    expect(newest).to_contain_text(f"Max Member checked in 900 leads on “{LEADS}” (was 620 leads)")
    expect(newest.locator(".badge.confidence")).to_have_text("Confidence: at risk")
    expect(newest.get_by_role("link", name=f"“{LEADS}”")).to_have_attribute(
        "href", f"/c/{DEMO_SLUG}/key-results/{kr.pk}/"
    )
    # "just now", with the date and time in the company's zone for whoever wants it.
    expect(newest.locator("time")).to_have_text("just now")
    expect(newest.locator("time")).to_have_attribute(
        "title", re.compile(r"^\d+ \w{3} \d{4}, \d\d:\d\d \(Europe/Berlin\)$")
    )
    shoot(page, "activity")
    violations = [v for v in Axe().run(page).response["violations"] if v["impact"] in {"serious", "critical"}]
    assert violations == [], violations


def test_older_activity_loads_in_place_and_takes_focus(page, live_server, demo, sign_in):
    sign_in(page, "leader@demo.okrhub.test")
    page.goto(f"{live_server.url}/c/{DEMO_SLUG}/activity/?period=all")
    page.evaluate("window.__stillHere = true")
    items = page.locator(".feed-item")
    expect(items).to_have_count(30)
    total = Event.objects.filter(company=demo.company).count()
    assert total > 30
    page.get_by_role("link", name="Show older activity").click()
    expect(items).to_have_count(min(total, 60))
    expect(page.locator(".feed-item [data-focus-after-swap]")).to_be_focused()
    assert page.evaluate("window.__stillHere") is True  # appended by htmx, not a new page
    # The filters apply as soon as they change.
    page.get_by_label("Kind").select_option("cycles")
    expect(page).to_have_url(re.compile(r"kind=cycles"))
    # The demo's two cycles, the year and the quarter inside it, each started once.
    expect(page.locator(".feed-item")).to_have_count(2)
    for item in page.locator(".feed-item").all():
        expect(item).to_contain_text("started the cycle")
