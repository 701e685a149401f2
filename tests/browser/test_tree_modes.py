"""A leader switches the alignment tree between cards, the compact list and the map, and expands and collapses it."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from objectives.models import Objective
from onboarding.demo import DEMO_SLUG

pytestmark = pytest.mark.django_db(transaction=True)

BLOCKING_IMPACTS = {"serious", "critical"}


def _axe(page) -> list:
    return [v for v in Axe().run(page).response["violations"] if v["impact"] in BLOCKING_IMPACTS]


def test_leader_switches_the_tree_to_compact_and_map_modes(page, live_server, demo, sign_in, shoot):
    sign_in(page, "leader@demo.okrhub.test")
    page.goto(f"{live_server.url}/c/{DEMO_SLUG}/alignment/")
    # The quarter's tree (the default); the year's objective above it is context, not a node.
    quarter = Objective.objects.get(company__slug=DEMO_SLUG, title__startswith="Expand into new markets").cycle_id
    visible = Objective.objects.filter(cycle_id=quarter, status__in=["active", "closed"]).count()
    sales = "Close €5M in new business from target markets"
    # Two levels open at first: the company objective and what ladders up to it.
    expect(page.get_by_role("link", name=sales)).to_be_visible()
    toolbar = page.get_by_role("navigation", name="How to show the tree")
    expect(toolbar.get_by_role("link", name="Cards")).to_have_attribute("aria-current", "page")

    # Collapse all folds every open branch in place, and the URL says so (shareable).
    toolbar.get_by_role("link", name="Collapse all").click()
    expect(page.get_by_role("link", name=sales)).to_be_hidden()
    expect(page).to_have_url(re.compile(r"expand=none"))
    # Expand all opens every level (from the server), with key results and dependencies on the cards.
    toolbar.get_by_role("link", name="Expand all").click()
    expect(page).to_have_url(re.compile(r"expand=all"))
    expect(page.get_by_role("link", name=sales)).to_be_visible()
    expect(page.locator(".node")).to_have_count(visible)
    expect(page.locator("button[data-disclosure][aria-expanded=false]")).to_have_count(0)

    # The compact list: one line per objective with its bar, indented by depth.
    toolbar.get_by_role("link", name="Compact list").click()
    expect(page).to_have_url(re.compile(r"mode=list"))
    lines = page.locator("li.line")
    expect(lines).to_have_count(visible)
    expect(lines.first.locator(":scope > .line-head .bar")).to_be_visible()
    nested = page.locator("li.line li.line").first.bounding_box()
    top = lines.first.bounding_box()
    assert nested["x"] > top["x"]  # indentation follows the ladder
    shoot(page, "alignment-compact")
    assert _axe(page) == []

    # The map: an SVG graph, one linked box per objective, with the list one link away.
    page.get_by_role("navigation", name="How to show the tree").get_by_role("link", name="Map").click()
    expect(page).to_have_url(re.compile(r"mode=map"))
    boxes = page.locator("svg.alignment-map a.map-node")
    expect(boxes).to_have_count(visible)
    expect(page.locator("svg.alignment-map path.map-edge")).to_have_count(visible - 1)
    shoot(page, "alignment-map")
    assert _axe(page) == []
    page.locator("svg.alignment-map a.map-node", has_text="Close €5M in new business").click()
    expect(page.get_by_role("heading", name=sales)).to_be_visible()
    page.go_back()
    page.get_by_role("link", name="View as list").click()
    expect(page.locator("li.line")).to_have_count(visible)


def test_the_years_tree_shows_the_quarter_under_the_annual_objective(page, live_server, demo, sign_in, shoot):
    """The demo's year encloses its quarter: the annual objective, with the quarter's company objective under it."""
    top = Objective.objects.select_related("cycle", "parent__cycle").get(
        company__slug=DEMO_SLUG, title__startswith="Expand into new markets"
    )
    sign_in(page, "leader@demo.okrhub.test")
    page.goto(f"{live_server.url}/c/{DEMO_SLUG}/alignment/?cycle={top.parent.cycle_id}")
    annual = page.locator(f"#node-{top.parent_id}")
    expect(annual.get_by_role("link", name=top.parent.title)).to_be_visible()
    child = annual.locator(f"#node-{top.pk}")
    expect(child.get_by_role("link", name=top.title)).to_be_visible()
    expect(child.locator(".cycle-label").first).to_have_text(top.cycle.name)
    assert _axe(page) == []
    shoot(page, "alignment-tree-annual")
    # The quarter's tree shows the year's objective as context above its root.
    page.goto(f"{live_server.url}/c/{DEMO_SLUG}/alignment/")
    expect(page.locator(f"#node-{top.pk} .context-parent")).to_contain_text(top.parent.title)
    shoot(page, "alignment-tree-quarter-context")
