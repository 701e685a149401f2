"""Planning in a real browser: a lead submits Sales's drafts, a leader returns them with a comment, the lead
resubmits after a fix, and the leader approves (the drafts go live)."""

import datetime

import pytest
from playwright.sync_api import expect

from companies.tenancy import Actor
from departments.models import Department
from objectives import services as okr
from objectives.models import CycleStatus, DepartmentPlan, Objective, ObjectiveStatus, PlanState
from onboarding.demo import DEMO_SLUG

pytestmark = pytest.mark.django_db(transaction=True)


def c(live_server, path=""):
    return f"{live_server.url}/c/{DEMO_SLUG}/{path}"


def test_a_lead_submits_a_leader_returns_the_lead_resubmits_and_the_leader_approves(
    page, browser, browser_context_args, live_server, demo, sign_in, shoot
):
    page.set_default_timeout(10_000)
    company = demo.company
    sales = Department.objects.get(company=company, name="Sales")
    lead_user = company.memberships.get(user__email="sales.lead@demo.okrhub.test").user
    cycle = okr.cycle_create(
        company=company,
        actor=None,
        name="Next quarter",
        start_date=datetime.date(2027, 1, 1),
        end_date=datetime.date(2027, 3, 31),
        status=CycleStatus.PLANNING,
    )
    draft = okr.objective_create(
        company=company,
        actor=Actor.for_user(company, lead_user),
        cycle=cycle,
        title="Open the Nordic market",
        department=sales,
    )
    okr.key_result_create(
        company=company,
        actor=Actor.for_user(company, lead_user),
        objective=draft,
        title="Nordic revenue from €0 to €300k",
        target_value=300_000,
    )
    section = f"#plan-{sales.pk}"

    # The lead finds the board from the departments page and submits.
    sign_in(page, "sales.lead@demo.okrhub.test")
    page.goto(c(live_server, "departments/"))
    page.get_by_role("link", name="open the planning board").click()
    expect(page.get_by_role("heading", name="Plan Next quarter")).to_be_visible()
    board = page.locator(section)
    expect(board).to_contain_text("Open the Nordic market")
    expect(board).to_contain_text("Unaligned")
    page.evaluate("window.__stillHere = true")
    board.get_by_role("button", name="Submit for review").click()
    expect(board.get_by_text("Plan submitted for review.")).to_be_visible()
    assert page.evaluate("window.__stillHere") is True  # htmx swapped the section, no reload

    # The leader returns it: first without a comment (refused beside the field), then with one.
    context = browser.new_context(**browser_context_args)
    leader = context.new_page()
    leader.set_default_timeout(10_000)
    sign_in(leader, "leader@demo.okrhub.test")
    leader.goto(c(live_server, f"cycles/{cycle.pk}/planning/"))
    column = leader.locator(section)
    column.get_by_role("button", name="Return with comment").click()
    expect(column.locator(".errorlist")).to_contain_text("a returned plan always comes with a comment")
    column.get_by_label("Comment").fill("Ladder it to Grow revenue in Europe")
    column.get_by_role("button", name="Return with comment").click()
    expect(column.get_by_text("Plan returned.")).to_be_visible()
    shoot(leader, "planning-returned")

    # The lead sees the comment, fixes the draft on its edit page, and resubmits.
    page.goto(c(live_server, f"cycles/{cycle.pk}/planning/"))
    expect(board).to_contain_text("Ladder it to Grow revenue in Europe")
    page.goto(c(live_server, f"objectives/{draft.pk}/edit/"))
    page.get_by_label("Objective", exact=True).fill("Open the Nordic market this year")
    page.get_by_role("button", name="Save objective").click()
    page.wait_for_url(f"**/objectives/{draft.pk}/")
    page.goto(c(live_server, f"cycles/{cycle.pk}/planning/"))
    expect(board).to_contain_text("Open the Nordic market this year")
    board.get_by_role("button", name="Submit for review").click()
    expect(board.get_by_text("Plan submitted for review.")).to_be_visible()

    # The leader approves: the draft goes live.
    leader.reload()
    leader.locator(section).get_by_role("button", name="Approve").click()
    expect(leader.locator(section).get_by_text("Plan approved.")).to_be_visible()
    shoot(leader, "planning-approved")
    assert DepartmentPlan.objects.get(company=company, cycle=cycle, department=sales).state == PlanState.APPROVED
    assert Objective.objects.get(pk=draft.pk).status == ObjectiveStatus.ACTIVE
    context.close()
