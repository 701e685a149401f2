"""Overlaps in a real browser: the Marketing lead finds Sales' pipeline key result on the gaps report, links it
as a dependency in one click (htmx, the page stays), sees it on the objective page, and the typing hint names
another department's item while a new objective's title is typed; or shares the key result into its objective
instead, and finds it under "Shared key results" with its live progress."""

import pytest
from playwright.sync_api import expect

from departments.models import Department
from objectives import overlaps
from objectives.models import Dependency, KeyResult, SharedKeyResult
from onboarding.demo import DEMO_SLUG
from web.templatetags.okr import percent

pytestmark = pytest.mark.django_db(transaction=True)

LEADS = "Generate 1,000 qualified leads from Germany and France"
PIPELINE = "Grow qualified pipeline in DACH and France to €4M"
SALES_GOAL = "Close €5M in new business from target markets"


def c(live_server, path=""):
    return f"{live_server.url}/c/{DEMO_SLUG}/{path}"


def test_the_marketing_lead_links_the_overlap_as_a_dependency_and_the_hint_names_sales(
    page, live_server, demo, sign_in, shoot
):
    overlaps.clear_cache()
    page.set_default_timeout(10_000)
    sign_in(page, "marketing.lead@demo.okrhub.test")
    page.goto(c(live_server, "alignment/gaps/"))
    section = page.locator("section.overlaps")
    expect(section.get_by_role("heading", name="Possible overlaps")).to_be_visible()
    # Sales' pipeline key result against Marketing's lead objective (its key result of that title is a second pair)
    row = (
        section.locator("li.overlap")
        .filter(has_text=PIPELINE)
        .filter(has_text=LEADS)
        .filter(has_not_text="Marketing · key result")
    )
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Sales · key result")
    expect(row).to_contain_text("Marketing")
    expect(row).to_contain_text("shared key terms:")
    expect(row).to_contain_text("leads/pipeline")
    shoot(page, "overlaps-gaps")

    assert not Dependency.objects.filter(from_objective__title=LEADS, to_objective__title=SALES_GOAL).exists()
    # The same two objectives meet a second time, through Marketing's key result of the same words.
    through_key_results = (
        section.locator("li.overlap").filter(has_text=PIPELINE).filter(has_text="Marketing · key result")
    )
    expect(through_key_results).to_have_count(1)
    count = section.locator("#overlaps-count")
    before = int(count.inner_text())
    page.evaluate("window.__stillHere = true")
    row.get_by_role("button", name="Link as a dependency").click()
    status = section.get_by_role("status")
    expect(status).to_contain_text("now depends on")
    expect(through_key_results).to_have_count(0)  # linked objectives overlap no more: that row went too
    expect(count).to_have_text(str(before - 2))  # and the heading counts both gone, as a reload would
    assert page.evaluate("window.__stillHere") is True  # htmx swapped the row, no reload
    shoot(page, "overlaps-linked")

    status.get_by_role("link", name="See its dependencies").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(LEADS)
    dependencies = page.locator("section", has=page.locator("#deps-h"))
    expect(dependencies.get_by_role("link", name=SALES_GOAL)).to_be_visible()  # the objective of Sales' key result
    shoot(page, "overlaps-dependency")

    # Typing a title like another department's item names it (Sales' pipeline key result).
    marketing = Department.objects.get(company=demo.company, name="Marketing")
    page.goto(c(live_server, f"objectives/new/?department={marketing.pk}"))
    page.get_by_label("Objective", exact=True).fill("Grow qualified pipeline in DACH and France")
    hints = page.locator("#objective-hints")
    expect(hints).to_contain_text(PIPELINE)
    expect(hints).to_contain_text("Sales")
    shoot(page, "overlaps-hint")


def test_the_marketing_lead_shares_sales_key_result_into_their_objective_in_one_click(
    page, live_server, demo, sign_in, shoot
):
    overlaps.clear_cache()
    page.set_default_timeout(10_000)
    sign_in(page, "marketing.lead@demo.okrhub.test")
    page.goto(c(live_server, "alignment/gaps/"))
    section = page.locator("section.overlaps")
    row = (
        section.locator("li.overlap")
        .filter(has_text=PIPELINE)
        .filter(has_text=LEADS)
        .filter(has_not_text="Marketing · key result")
    )
    expect(row).to_have_count(1)
    page.evaluate("window.__stillHere = true")
    row.get_by_role("button", name="Share key result").click()
    status = section.get_by_role("status")
    expect(status).to_contain_text(f"“{PIPELINE}” now shows on “{LEADS}”")
    assert page.evaluate("window.__stillHere") is True  # htmx swapped the row, no reload
    assert SharedKeyResult.objects.filter(objective__title=LEADS, key_result__title=PIPELINE).exists()

    status.get_by_role("link", name="See its shared key results").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(LEADS)
    shared = page.locator("section", has=page.locator("#shared-h"))
    expect(shared.get_by_role("link", name=PIPELINE)).to_be_visible()
    expect(shared).to_contain_text(SALES_GOAL)  # the key result's own objective, and its department
    expect(shared).to_contain_text("Sales")
    pipeline = KeyResult.objects.get(objective__company=demo.company, title=PIPELINE)
    expect(shared.locator(".progress .value").first).to_have_text(percent(pipeline.progress))  # its live progress
    shoot(page, "overlaps-shared-key-result")

    # The pair is no longer offered on the gaps report.
    page.goto(c(live_server, "alignment/gaps/"))
    expect(
        page.locator("section.overlaps li.overlap")
        .filter(has_text=PIPELINE)
        .filter(has_text=LEADS)
        .filter(has_not_text="Marketing · key result")
    ).to_have_count(0)
