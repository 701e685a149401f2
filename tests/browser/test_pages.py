"""People using the pages in a real browser: check-ins, the tree, drafting and activating, viewers, axe."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from objectives.models import KeyResult, Objective, ObjectiveStatus
from onboarding.demo import DEMO_SLUG

pytestmark = pytest.mark.django_db(transaction=True)

BLOCKING_IMPACTS = {"serious", "critical"}


def c(live_server, path=""):
    return f"{live_server.url}/c/{DEMO_SLUG}/{path}"


def test_employee_checks_in_and_sees_progress_roll_up(page, live_server, demo, sign_in, shoot):
    sign_in(page, "member@demo.okrhub.test")
    kr = KeyResult.objects.get(title="Generate 1,000 qualified leads from Germany and France")
    row = page.locator(f"#kr-{kr.pk}")
    objective_progress = page.locator(f"#objective-{kr.objective_id}-progress .value")
    expect(row.locator(".value")).to_have_text("62%")
    before = objective_progress.inner_text()
    shoot(page, "my-key-results")
    # A marker on the window survives only if the page is not reloaded.
    page.evaluate("window.__stillHere = true")

    row.get_by_text("Check in").click()
    row.get_by_label("New value").fill("900")
    row.get_by_label("Confidence").select_option("at_risk")
    row.get_by_label("Note").fill("Trade fair in Munich brought a wave of leads.")
    row.get_by_role("button", name="Save check-in").click()

    expect(row.locator(".value")).to_have_text("90%")
    expect(row.get_by_text("Checked in.")).to_be_visible()
    expect(row.locator(".badge.confidence")).to_have_text("Confidence: at risk")
    expect(row.locator(".badge.pace-status")).to_have_text("On track")  # 90% is ahead of pace: status, not confidence
    expect(objective_progress).not_to_have_text(before)
    kr.objective.refresh_from_db()
    expect(objective_progress).to_have_text(f"{round(kr.objective.progress * 100)}%")
    assert page.evaluate("window.__stillHere") is True
    shoot(page, "my-key-results-after-checkin")
    row.get_by_text("Check in").click()
    violations = [v for v in Axe().run(page).response["violations"] if v["impact"] in BLOCKING_IMPACTS]
    assert violations == [], violations

    # A wrong value is explained next to the field, in place.
    row.get_by_label("New value").fill("")
    row.get_by_role("button", name="Save check-in").click()
    expect(row.locator(".errorlist")).to_contain_text("required")
    # The swapped-in fragment's error summary takes focus; its link leads to the field.
    expect(row.locator("[data-error-summary]")).to_be_focused()
    row.locator("[data-error-summary] a").first.click()
    expect(row.get_by_label("New value")).to_be_focused()
    assert page.evaluate("window.__stillHere") is True


def test_leader_expands_the_tree_with_the_keyboard_and_filters_by_department(page, live_server, demo, sign_in, shoot):
    sign_in(page, "leader@demo.okrhub.test")
    page.goto(c(live_server, "alignment/?expand=none"))  # collapsed: the first level only
    toggle = page.get_by_role("button", name=re.compile("^3 objectives laddering up to Expand"))
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_role("link", name="Close €5M in new business from target markets")).to_have_count(0)

    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    sales = page.get_by_role("link", name="Close €5M in new business from target markets")
    expect(sales).to_be_visible()
    expect(page.get_by_text("Depends on:")).to_be_visible()
    expect(page.get_by_text("Confidence: off track").first).to_be_visible()
    shoot(page, "alignment-tree")

    page.keyboard.press("Space")  # collapse again, still from the keyboard
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(sales).to_be_hidden()

    page.get_by_label("Department").select_option(label="Marketing")
    expect(page).to_have_url(re.compile(r"department=\d+"))
    toggle = page.get_by_role("button", name=re.compile("^1 objective laddering up to Expand"))
    toggle.click()
    expect(page.get_by_role("link", name="Generate 1,000 qualified leads from Germany and France")).to_be_visible()
    expect(page.get_by_role("link", name="Close €5M in new business from target markets")).to_have_count(0)


def test_member_drafts_an_objective_and_the_lead_activates_it(page, live_server, demo, sign_in, shoot):
    sign_in(page, "member@demo.okrhub.test")
    page.goto(c(live_server, "departments/marketing/"))
    page.get_by_role("link", name="New objective").click()
    form = page.locator("#objective-form")
    form.get_by_label("Objective", exact=True).fill("Become the best-known brand in French fintech")
    # The live hint says a department objective should ladder up; picking a parent clears it.
    form.get_by_label("Department", exact=True).select_option(label="Marketing")
    expect(page.locator("#objective-hints")).to_contain_text("ladders up to nothing")
    page.get_by_label("Find a parent objective").fill("expand")
    parent = form.get_by_label("Ladders up to")
    expect(parent.locator("option")).to_have_count(2)  # "nothing yet" and the company objective
    parent.select_option(label="Company: Expand into new markets and grow revenue by 25%")
    expect(page.locator("#objective-hints")).not_to_contain_text("ladders up to nothing")
    expect(form.get_by_role("button", name="Create and activate")).to_have_count(0)
    shoot(page, "objective-form")
    form.get_by_role("button", name="Save as draft").click()

    expect(page.get_by_role("heading", name="Become the best-known brand in French fintech")).to_be_visible()
    expect(page.locator(".page-head .badge.status-draft")).to_have_text("Draft")
    draft = Objective.objects.get(title="Become the best-known brand in French fintech")
    assert draft.status == ObjectiveStatus.DRAFT

    # The member adds a key result; an activity-style title gets a live hint with an outcome suggestion.
    page.get_by_role("link", name="Add key result").click()
    page.get_by_label("Key result", exact=True).fill("Publish 10 blog posts")
    expect(page.locator("#kr-hints")).to_contain_text("describes an activity")
    expect(page.locator("#kr-hints")).to_contain_text("Grow organic visits")
    shoot(page, "key-result-form")
    page.get_by_role("button", name="Use this suggestion").click()
    expect(page.get_by_label("Key result", exact=True)).to_have_value("Grow organic visits from X to Y per month")
    expect(page.locator("#kr-hints")).not_to_contain_text("describes an activity")
    page.get_by_label("Key result", exact=True).fill("Raise aided brand awareness in France from 4% to 12%")
    expect(page.locator("#kr-hints")).not_to_contain_text("describes an activity")
    page.get_by_label("Kind").select_option("percent")
    page.get_by_label("Start").fill("4")
    page.get_by_label("Target").fill("2")
    page.get_by_role("button", name="Add key result").click()
    expect(page.locator("#id_target_value_error")).to_contain_text("above the start")
    page.get_by_label("Target").fill("12")
    page.get_by_role("button", name="Add key result").click()
    new_kr = page.get_by_role("link", name="Raise aided brand awareness in France from 4% to 12%", exact=True)
    expect(new_kr).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "marketing.lead@demo.okrhub.test")
    page.goto(c(live_server, "departments/marketing/"))
    card = page.locator("section.objective", has_text="Become the best-known brand in French fintech")
    shoot(page, "department")
    card.get_by_role("button", name=re.compile("^Activate")).click()
    expect(page.get_by_role("status").first).to_contain_text("activated")
    draft.refresh_from_db()
    assert draft.status == ObjectiveStatus.ACTIVE


#: Names of controls that change something. "Close" is the cycle's button and "Close objective"; the demo's
#: objective "Close €5M in new business…" is a link to read it (the tree shows it open at first), not a control.
EDIT_CONTROLS = re.compile(
    r"^(Check in|New objective|Edit|Add key result|Activate|Archive|Close(?! €5M)|Delete|Add dependency|Save)",
    re.IGNORECASE,
)


def test_viewer_finds_no_edit_controls(page, live_server, demo, sign_in, shoot):
    sign_in(page, "viewer@demo.okrhub.test")
    # The viewer owns nothing: the empty state keeps its distance from the company's goals below it.
    empty, goals = page.locator(".empty").bounding_box(), page.locator(".company-goals").bounding_box()
    assert goals["y"] - (empty["y"] + empty["height"]) >= 12
    shoot(page, "viewer-my-key-results")
    objective = Objective.objects.get(title="Generate 1,000 qualified leads from Germany and France")
    kr = objective.key_results.first()
    paths = ["", "departments/", "departments/marketing/", f"objectives/{objective.pk}/", f"key-results/{kr.pk}/"]
    for path in [*paths, "alignment/"]:
        page.goto(c(live_server, path))
        assert page.get_by_role("button", name=EDIT_CONTROLS).count() == 0, path
        assert page.get_by_role("link", name=EDIT_CONTROLS).count() == 0, path
        assert page.locator(f"form[method=post][action^='/c/{DEMO_SLUG}/']").count() == 0, path
        assert page.get_by_role("link", name="Settings").count() == 0, path
    page.goto(c(live_server, "settings/"))
    expect(page.get_by_role("heading", name=re.compile("do that here"))).to_be_visible()


def _axe(page, where: str) -> list[str]:
    results = Axe().run(page)
    return [
        f"{where}: {v['id']} ({v['impact']}) {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in BLOCKING_IMPACTS
    ]


def test_every_page_passes_axe_and_is_photographed(page, live_server, demo, sign_in, shoot):
    problems: list[str] = []
    page.goto(f"{live_server.url}/accounts/login/")
    problems += _axe(page, "login")
    shoot(page, "sign-in")
    page.goto(f"{live_server.url}/accounts/password-reset/")
    problems += _axe(page, "password reset")

    sign_in(page, "admin@demo.okrhub.test")
    objective = Objective.objects.get(title="Generate 1,000 qualified leads from Germany and France")
    kr = objective.key_results.get(title__startswith="Reduce cost per lead")
    pages = {
        "departments": "departments/",
        "objective": f"objectives/{objective.pk}/",
        "key-result": f"key-results/{kr.pk}/",
        "gaps": "alignment/gaps/",
        "settings": "settings/",
        "new-objective": f"objectives/new/?department={objective.department_id}",
        "edit-key-result": f"key-results/{kr.pk}/edit/",
    }
    for name, path in pages.items():
        page.goto(c(live_server, path))
        problems += _axe(page, name)
        shoot(page, name)
        if name == "departments":  # every card's bar carries the expected-pace mark
            expect(page.locator(".department-card .bar-pace")).to_have_count(page.locator(".department-card").count())
    page.goto(c(live_server))
    problems += _axe(page, "my key results (nothing owned)")
    page.goto(c(live_server, "alignment/"))  # two levels open by default
    expect(page.get_by_role("button", name=re.compile("^3 objectives laddering up"))).to_have_attribute(
        "aria-expanded", "true"
    )
    expect(page.get_by_text("Depends on:")).to_be_visible()
    problems += _axe(page, "alignment tree, expanded")
    page.goto(f"{live_server.url}/accounts/profile/")
    problems += _axe(page, "profile")
    box = page.get_by_role("checkbox").bounding_box()
    label = page.get_by_text("Email me a reminder").bounding_box()
    assert abs(label["y"] + label["height"] / 2 - (box["y"] + box["height"] / 2)) < 12  # side by side
    shoot(page, "profile")
    page.goto(c(live_server, "objectives/999999/"))
    problems += _axe(page, "404")
    shoot(page, "not-found")
    assert problems == []
