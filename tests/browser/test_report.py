"""The cycle report in a real browser: it renders, passes axe, and printing drops the navigation."""

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from companies.tenancy import Actor
from objectives import services as okr
from objectives.models import Cycle
from onboarding.demo import DEMO_SLUG

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path("/tmp/cycle-report-shots")  # noqa: S108  # where screenshots to look at go


def test_the_report_renders_and_prints_without_the_navigation(page, live_server, demo, sign_in, shoot):
    cycle = Cycle.objects.filter(company__slug=DEMO_SLUG).order_by("-start_date").first()  # the quarter, not the year
    company = cycle.company
    admin = company.memberships.get(user__email="admin@demo.okrhub.test").user
    okr.cycle_close(company=company, actor=Actor.for_user(company, admin), cycle=cycle)

    sign_in(page, "admin@demo.okrhub.test")
    page.goto(f"{live_server.url}/c/{DEMO_SLUG}/cycles/{cycle.pk}/report/")
    expect(page.get_by_role("heading", name=f"Report of {cycle.name}")).to_be_visible()
    expect(page.get_by_role("heading", name="Summary")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    sections = page.locator(".report-section")
    assert sections.count() >= 2
    violations = [v for v in Axe().run(page).response["violations"] if v["impact"] in {"serious", "critical"}]
    assert violations == [], violations
    shoot(page, "cycle-report")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SHOTS / "report-screen.png", full_page=True)

    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    expect(page.locator(".report-tools")).to_be_hidden()
    expect(page.get_by_role("heading", name=f"Report of {cycle.name}")).to_be_visible()
    # Each department after the first starts a new sheet.
    breaks = sections.evaluate_all("els => els.map(e => getComputedStyle(e).breakBefore)")
    assert breaks[0] != "page"
    assert set(breaks[1:]) == {"page"}
    page.screenshot(path=SHOTS / "report-print.png", full_page=True)
