"""Closing and grading in a real browser: an admin closes the cycle, an owner changes one score with a reason."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from objectives.models import Cycle, KeyResult
from onboarding.demo import DEMO_SLUG

pytestmark = pytest.mark.django_db(transaction=True)

BLOCKING_IMPACTS = {"serious", "critical"}


def c(live_server, path=""):
    return f"{live_server.url}/c/{DEMO_SLUG}/{path}"


def assert_accessible(page) -> None:
    violations = [v for v in Axe().run(page).response["violations"] if v["impact"] in BLOCKING_IMPACTS]
    assert violations == [], violations


def test_an_admin_closes_the_cycle_and_an_owner_changes_one_score_with_a_reason(
    page, browser, browser_context_args, live_server, demo, sign_in, shoot
):
    page.set_default_timeout(10_000)
    kr = KeyResult.objects.select_related("objective__cycle").get(
        title="Generate 1,000 qualified leads from Germany and France"
    )
    cycle = kr.objective.cycle

    sign_in(page, "admin@demo.okrhub.test")
    page.goto(c(live_server, "settings/#cycles"))
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#cycles").get_by_role("button", name=f"Close {cycle.name}").click()
    expect(page.get_by_text(f"Cycle “{cycle.name}” closed")).to_be_visible()
    assert Cycle.objects.get(pk=cycle.pk).status == "closed"

    # The owner grades, in a browser of their own.
    context = browser.new_context(**browser_context_args)
    owner = context.new_page()
    owner.set_default_timeout(10_000)
    sign_in(owner, kr.owner.email)
    owner.goto(c(live_server, f"cycles/{cycle.pk}/grading/"))
    expect(owner.get_by_role("heading", name=f"Grade {cycle.name}")).to_be_visible()
    owner.evaluate("window.__stillHere = true")
    row = owner.locator(f"#grade-{kr.pk}")
    expect(row.get_by_label("Final score (0 to 1)")).to_have_value("0.62")
    assert_accessible(owner)
    shoot(owner, "grading")

    # No reason: refused in place, the error next to the field.
    row.get_by_label("Final score (0 to 1)").fill("0.7")
    row.get_by_role("button", name="Save grade").click()
    expect(row.locator(".errorlist")).to_contain_text("a grade always comes with its reason")
    expect(row.locator("[data-error-summary]")).to_be_focused()

    row.get_by_label("Reason").fill("Leads from the Munich fair came in after the last check-in")
    row.get_by_role("button", name="Save grade").click()
    expect(row.get_by_text("Saved.")).to_be_visible()
    expect(row).to_contain_text("final score 70%")
    assert owner.evaluate("window.__stillHere") is True
    kr.refresh_from_db()
    assert kr.final_score == pytest.approx(0.7)
    assert_accessible(owner)

    # The objective page of the closed cycle: final scores, no pace.
    owner.goto(c(live_server, f"objectives/{kr.objective_id}/"))
    expect(owner.get_by_text("Final score 70%")).to_be_visible()
    expect(owner.get_by_text("Leads from the Munich fair came in after the last check-in", exact=True)).to_be_visible()
    # The activity feed says who graded it, with the reason.
    expect(owner.locator(".feed-line").filter(has_text="graded")).to_contain_text("70%")
    expect(owner.locator(".bar-pace")).to_have_count(0)
    expect(owner.locator(".badge.pace-status")).to_have_count(0)
    assert_accessible(owner)
    shoot(owner, "objective-closed-cycle")
    context.close()
