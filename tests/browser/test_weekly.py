"""The weekly check-in in a real browser: keyboard only, five key results, three changed, one submit."""

from decimal import Decimal

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from objectives.formatting import plain_decimal
from objectives.models import CheckIn, KeyResult, Objective
from onboarding.demo import DEMO_SLUG

pytestmark = pytest.mark.django_db(transaction=True)

BLOCKING_IMPACTS = {"serious", "critical"}


def _percent(progress: float | None) -> str:
    return "—" if progress is None else f"{round(progress * 100)}%"


def test_employee_tabs_through_five_key_results_changes_three_and_submits_once(page, live_server, demo, sign_in, shoot):
    sign_in(page, "member@demo.okrhub.test")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Check in").click()
    page.wait_for_url(f"{live_server.url}/c/{DEMO_SLUG}/check-in/")
    expect(page.get_by_role("heading", name="Weekly check-in")).to_be_visible()
    # The page's rows: the demo member's five key results, in the page's order (objective, then key result).
    krs = list(
        KeyResult.objects.filter(company=demo.company, owner__email="member@demo.okrhub.test").order_by(
            "objective_id", "id"
        )
    )
    assert len(krs) == 5
    objectives = {kr.objective_id for kr in krs}
    before = {kr.pk: CheckIn.objects.filter(key_result=kr).count() for kr in krs}
    for kr in krs:  # prefilled with the current value
        expect(page.locator(f"#id_kr{kr.pk}-value")).to_have_value(plain_decimal(kr.current_value))
    page.evaluate("window.__stillHere = true")
    shoot(page, "weekly-checkin")

    # Change the first, third and fifth: a small step each (nothing the sanity checks would flag).
    changed = {krs[0].pk, krs[2].pk, krs[4].pk}
    new_values = {kr.pk: kr.current_value + (kr.target_value - kr.start_value) / 20 for kr in krs if kr.pk in changed}
    notes = {krs[2].pk: "Webinar in Lyon went well."}

    page.locator(f"#id_kr{krs[0].pk}-value").focus()
    previous_objective = krs[0].objective_id
    for index, kr in enumerate(krs):
        if kr.objective_id != previous_objective:
            # Between two objectives: the next objective's heading link, then its first key result's value.
            title = Objective.objects.get(pk=kr.objective_id).title
            expect(page.get_by_role("link", name=title)).to_be_focused()
            page.keyboard.press("Tab")
            previous_objective = kr.objective_id
        value = page.locator(f"#id_kr{kr.pk}-value")
        expect(value).to_be_focused()
        if kr.pk in new_values:
            page.keyboard.press("Control+A")
            page.keyboard.type(plain_decimal(new_values[kr.pk]))
        page.keyboard.press("Tab")
        expect(page.locator(f"#id_kr{kr.pk}-confidence")).to_be_focused()
        page.keyboard.press("Tab")
        expect(page.locator(f"#id_kr{kr.pk}-note")).to_be_focused()
        if kr.pk in notes:
            page.keyboard.type(notes[kr.pk])
        if index < len(krs) - 1:
            page.keyboard.press("Tab")
    # One submit: Enter in the last row's note.
    page.keyboard.press("Enter")

    status = page.locator(".weekly-saved")
    expect(status).to_contain_text("Saved 3 check-ins:")
    expect(status).to_be_focused()
    assert page.evaluate("window.__stillHere") is True  # swapped in place, no reload

    after = {kr.pk: CheckIn.objects.filter(key_result=kr).count() for kr in krs}
    assert {pk for pk in after if after[pk] != before[pk]} == changed
    assert all(after[pk] - before[pk] == 1 for pk in changed)
    assert CheckIn.objects.filter(key_result_id=krs[2].pk).latest("id").note == notes[krs[2].pk]
    # On screen, without a reload: the new values, each key result's bar and each objective's roll-up.
    for kr in KeyResult.objects.filter(pk__in=[k.pk for k in krs]):
        expect(page.locator(f"#id_kr{kr.pk}-value")).to_have_value(plain_decimal(kr.current_value))
        expect(page.locator(f'[data-progress="kr-{kr.pk}"] .value')).to_have_text(_percent(kr.progress))
        if kr.pk in changed:
            assert kr.current_value == Decimal(new_values[kr.pk])
    for objective in Objective.objects.filter(pk__in=objectives):
        expect(page.locator(f'[data-progress="objective-{objective.pk}"] .value')).to_have_text(
            _percent(objective.progress)
        )
    shoot(page, "weekly-checkin-saved")
    violations = [v for v in Axe().run(page).response["violations"] if v["impact"] in BLOCKING_IMPACTS]
    assert violations == [], violations


def test_a_value_that_looks_wrong_is_confirmed_before_it_is_saved(page, live_server, demo, sign_in, shoot):
    sign_in(page, "member@demo.okrhub.test")
    page.goto(f"{live_server.url}/c/{DEMO_SLUG}/check-in/")
    kr = KeyResult.objects.get(title="Generate 1,000 qualified leads from Germany and France")
    count = CheckIn.objects.filter(key_result=kr).count()
    value = page.locator(f"#id_kr{kr.pk}-value")
    value.fill("6200")  # an extra zero
    value.press("Enter")
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("far outside this key result")
    assert CheckIn.objects.filter(key_result=kr).count() == count
    shoot(page, "weekly-checkin-confirm")
    # The summary's link leads to the box that confirms the value; ticking it and submitting saves it.
    summary.get_by_role("link").first.click()
    confirm = page.get_by_label("This value is right: save it anyway")
    expect(confirm).to_be_focused()
    page.keyboard.press("Space")
    expect(confirm).to_be_checked()
    page.get_by_role("button", name="Save check-ins").click()
    expect(page.locator(".weekly-saved")).to_contain_text("Saved 1 check-in:")
    kr.refresh_from_db()
    assert kr.current_value == 6200
