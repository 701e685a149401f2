"""The leaders' dashboard in a real browser: the demo leader lands on it and reaches any list in two clicks."""

from urllib.parse import parse_qs, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from departments.models import Department
from objectives.models import Confidence, KeyResult, Objective
from onboarding.demo import DEMO_SLUG
from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.django_db(transaction=True)

BLOCKING_IMPACTS = {"serious", "critical"}


def _axe(page) -> list:
    return [v for v in Axe().run(page).response["violations"] if v["impact"] in BLOCKING_IMPACTS]


def test_the_demo_leader_lands_on_the_dashboard_and_follows_a_tile_to_its_list(page, live_server, demo, sign_in, shoot):
    sign_in(page, "leader@demo.okrhub.test")
    # Signing in lands on the company dashboard: the quarter at a glance.
    expect(page).to_have_url(f"{live_server.url}/c/{DEMO_SLUG}/dashboard/")
    expect(page.get_by_role("heading", name="Company dashboard", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Dashboard")).to_have_attribute("aria-current", "page")
    # The quarter (the dashboard's default), not the year that encloses it.
    cycle = Objective.objects.get(company=demo.company, title__startswith="Expand into new markets").cycle
    at_risk = KeyResult.objects.filter(company=demo.company, confidence=Confidence.AT_RISK).count()
    glance = page.get_by_role("region", name="The cycle at a glance")
    expect(glance.get_by_role("link", name=f"At risk {at_risk} key results")).to_be_visible()
    # The chart shows the quarter so far, from the snapshots the demo replayed, with its table alternative.
    chart = page.locator("#progress-over-time-title").locator("xpath=..")
    expect(chart.locator("polyline.actual")).to_have_count(1)
    assert len(chart.locator("polyline.actual").get_attribute("points").split()) > 7
    page.get_by_text("The chart as a table").click()
    expect(page.get_by_role("region", name="Progress by day").get_by_role("row")).not_to_have_count(1)
    # Every department is a row of the heatmap.
    heatmap = page.locator("table.heatmap")
    for name in ("Sales", "Marketing", "Product"):
        expect(heatmap.get_by_role("link", name=name, exact=True)).to_be_visible()
    assert _axe(page) == []
    shoot(page, "dashboard-company")
    page.emulate_media(media="print")
    page.screenshot(path=ARTIFACTS / "dashboard-company-print.png", full_page=True)
    expect(page.locator(".topbar")).to_be_hidden()
    page.emulate_media(media="screen")

    # Second click: the tile opens the list it counts (the search page: its contract's parameters).
    glance.get_by_role("link", name=f"At risk {at_risk} key results").click()
    page.wait_for_url(f"{live_server.url}/c/{DEMO_SLUG}/search/**")
    query = parse_qs(urlsplit(page.url).query)
    assert query == {"kind": ["key_result"], "cycle": [str(cycle.pk)], "confidence": ["at_risk"], "counted": ["1"]}
    # The list behind the tile holds exactly the tile's number of rows.
    expect(page.locator("#search-results .results > li")).to_have_count(at_risk)


def test_a_department_dashboard_from_the_heatmap(page, live_server, demo, sign_in, shoot):
    sign_in(page, "admin@demo.okrhub.test")
    page.goto(f"{live_server.url}/c/{DEMO_SLUG}/dashboard/")
    page.locator("table.heatmap").get_by_role("link", name="Marketing", exact=True).click()
    marketing = Department.objects.get(company=demo.company, name="Marketing")
    page.wait_for_url(f"{live_server.url}/c/{DEMO_SLUG}/dashboard/departments/{marketing.pk}/**")
    expect(page.get_by_role("heading", name="Marketing dashboard", level=1)).to_be_visible()
    assert _axe(page) == []
    shoot(page, "dashboard-department")
    # A status count opens the department's objectives of that status.
    cell = page.locator("table.heatmap tbody td.heat.behind_pace a").first
    cell.click()
    query = parse_qs(urlsplit(page.url).query)
    assert query["department"] == [str(marketing.pk)]
    assert query["status"] == ["behind_pace"]
    assert query["kind"] == ["objective"]


def test_a_member_goes_to_their_department_dashboard(page, live_server, demo, sign_in):
    sign_in(page, "member@demo.okrhub.test")
    expect(page).to_have_url(f"{live_server.url}/c/{DEMO_SLUG}/")  # members land where they check in
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name="Marketing dashboard", level=1)).to_be_visible()
