"""Correcting and undoing check-ins in a real browser: the history keeps both entries, the figures follow."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from objectives.models import CheckIn, KeyResult
from onboarding.demo import DEMO_SLUG
from tests.browser.conftest import DESKTOP

pytestmark = pytest.mark.django_db(transaction=True)

LEADS = "Generate 1,000 qualified leads from Germany and France"
BLOCKING_IMPACTS = {"serious", "critical"}


def latest_standing(kr: KeyResult) -> CheckIn:
    return CheckIn.objects.effective().filter(key_result=kr).latest("created_at", "id")


def test_correcting_a_check_in_on_the_key_result_page(page, live_server, demo, sign_in, shoot):
    sign_in(page, "member@demo.okrhub.test")
    kr = KeyResult.objects.get(title=LEADS)
    latest = latest_standing(kr)
    assert latest.value != 432
    page.goto(f"{live_server.url}/c/{DEMO_SLUG}/key-results/{kr.pk}/")
    standing = page.locator(".headline-progress .numbers")
    expect(standing).not_to_contain_text("432")

    page.locator(f"#checkin-{latest.pk}").get_by_role("link", name=re.compile(r"^Correct")).click()
    form = page.locator("#correct-form")
    expect(form.get_by_role("heading", name=re.compile(r"^Correct the check-in of"))).to_be_focused()
    expect(form.get_by_label("Corrected value")).to_have_value(str(int(latest.value)))
    violations = [v for v in Axe().run(page).response["violations"] if v["impact"] in BLOCKING_IMPACTS]
    assert violations == [], violations
    shoot(page, "correct-checkin-inline")
    form.get_by_label("Corrected value").fill("432")
    form.get_by_label("Confidence").select_option("at_risk")
    form.get_by_label("Note").fill("Two leads were counted twice.")
    form.get_by_role("button", name="Save correction").click()

    expect(page.get_by_text(f"Check-in on “{LEADS}” corrected.")).to_be_visible()
    fix = CheckIn.objects.get(corrects=latest)
    old_row, new_row = page.locator(f"#checkin-{latest.pk}"), page.locator(f"#checkin-{fix.pk}")
    expect(old_row).to_have_class("superseded")
    expect(old_row.locator("del").first).to_have_text(re.compile(str(int(latest.value))))
    expect(old_row).to_contain_text("corrected")
    expect(new_row).to_contain_text("432")
    expect(new_row).to_contain_text("correction")
    expect(new_row).to_contain_text("Two leads were counted twice.")
    expect(standing).to_contain_text("432")  # the key result's value follows the correction
    old_row.get_by_role("link", name=re.compile(r"^see the correction")).click()
    assert page.url.endswith(f"#checkin-{fix.pk}")
    shoot(page, "corrected-checkin-history")


def test_correcting_without_javascript(browser, live_server, demo):
    context = browser.new_context(viewport=DESKTOP, locale="en-GB", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("member@demo.okrhub.test")
    page.get_by_label("Password").fill("okrhub-demo")
    page.get_by_role("button", name="Sign in").click()
    kr = KeyResult.objects.get(title=LEADS)
    latest = latest_standing(kr)
    page.goto(f"{live_server.url}/c/{DEMO_SLUG}/key-results/{kr.pk}/")
    page.locator(f"#checkin-{latest.pk}").get_by_role("link", name=re.compile(r"^Correct")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Correct a check-in")
    page.get_by_label("Corrected value").fill("")
    page.get_by_role("button", name="Save correction").click()
    expect(page.locator(".errorlist").first).to_contain_text("required")
    page.get_by_label("Corrected value").fill("433")
    page.get_by_role("button", name="Save correction").click()
    expect(page).to_have_url(f"{live_server.url}/c/{DEMO_SLUG}/key-results/{kr.pk}/")
    expect(page.locator(f"#checkin-{latest.pk}")).to_contain_text("corrected")
    expect(page.locator(".headline-progress .numbers")).to_contain_text("433")
    context.close()


def test_undo_right_after_checking_in(page, live_server, demo, sign_in):
    sign_in(page, "member@demo.okrhub.test")
    kr = KeyResult.objects.get(title=LEADS)
    row = page.locator(f"#kr-{kr.pk}")
    before = row.locator(".value").inner_text()
    row.get_by_text("Check in").click()
    row.get_by_label("New value").fill("990")
    row.get_by_role("button", name="Save check-in").click()
    expect(row.locator(".value")).to_have_text("99%")
    row.get_by_role("button", name=re.compile(r"^Undo")).click()
    expect(row.get_by_role("status")).to_contain_text("Check-in undone.")
    expect(row.get_by_role("status")).to_be_focused()
    expect(row.locator(".value")).to_have_text(before)
    expect(row.get_by_role("button", name=re.compile(r"^Undo"))).to_have_count(0)
    assert KeyResult.objects.get(pk=kr.pk).current_value == latest_standing(kr).value
