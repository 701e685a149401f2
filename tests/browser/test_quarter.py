"""A whole quarter's turn in a real browser, as the people of the demo company live it.

An admin opens the next quarter for planning and closes the running one; the
owner of a key result grades it with a reason; the Marketing lead carries the Marketing
objective over; the copy joins Marketing's plan, which the lead submits, a
leader returns with a comment, the lead fixes and resubmits, and the leader
approves. The next quarter's tree then shows the carried objective, linked
both ways to its origin, its key result starting from its last value.
"""

import pytest
from playwright.sync_api import expect

from departments.models import Department
from objectives.models import Cycle, CycleStatus, DepartmentPlan, KeyResult, Objective, ObjectiveStatus, PlanState
from onboarding.demo import DEMO_SLUG

pytestmark = pytest.mark.django_db(transaction=True)

LEADS = "Generate 1,000 qualified leads from Germany and France"


def c(live_server, path=""):
    return f"{live_server.url}/c/{DEMO_SLUG}/{path}"


def test_a_quarter_closes_is_graded_carried_over_planned_with_review_and_shows_in_the_next_tree(
    page, browser, browser_context_args, live_server, demo, sign_in, shoot
):
    company = demo.company
    marketing = Department.objects.get(company=company, name="Marketing")
    kr = KeyResult.objects.select_related("objective__cycle").get(company=company, title=LEADS)
    origin = kr.objective
    quarter = origin.cycle
    last_value = kr.current_value
    assert quarter.status == CycleStatus.ACTIVE

    # The admin opens next quarter for planning, then closes the running one.
    sign_in(page, "admin@demo.okrhub.test")
    page.goto(c(live_server, "settings/#cycles"))
    page.locator("#id_cycle-name").fill("2027 Q1")
    page.locator("#id_cycle-start_date").fill("2027-01-01")
    page.locator("#id_cycle-end_date").fill("2027-03-31")
    page.get_by_role("button", name="Create cycle").click()
    expect(page.locator("#cycles")).to_contain_text("2027 Q1")
    nxt = Cycle.objects.get(company=company, name="2027 Q1")
    assert nxt.status == CycleStatus.PLANNING
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#cycles").get_by_role("button", name=f"Close {quarter.name}").click()
    expect(page.get_by_text(f"Cycle “{quarter.name}” closed")).to_be_visible()

    # The key result's owner grades it with a reason, in a browser of their own…
    owner_context = browser.new_context(**browser_context_args)
    owner = owner_context.new_page()
    sign_in(owner, kr.owner.email)
    owner.goto(c(live_server, f"cycles/{quarter.pk}/grading/"))
    row = owner.locator(f"#grade-{kr.pk}")
    row.get_by_label("Final score (0 to 1)").fill("0.7")
    row.get_by_label("Reason").fill("Fair leads arrived after the last check-in")
    row.get_by_role("button", name="Save grade").click()
    expect(row.get_by_text("Saved.")).to_be_visible()
    owner_context.close()

    # …and the Marketing lead carries the Marketing objective over into next quarter, from the close screen.
    lead_context = browser.new_context(**browser_context_args)
    lead = lead_context.new_page()
    sign_in(lead, "marketing.lead@demo.okrhub.test")
    lead.goto(c(live_server, f"cycles/{quarter.pk}/grading/"))
    lead.get_by_role("link", name="Carry unfinished objectives over to the next cycle").click()
    lead.get_by_label("Carry into").select_option(value=str(nxt.pk))
    lead.locator(f"#carry-{origin.pk} legend").get_by_label(origin.title).check()
    lead.get_by_role("button", name="Carry over as drafts").click()
    expect(lead.get_by_text("Carried 1 objective over to 2027 Q1.")).to_be_visible()
    copy = Objective.objects.get(company=company, carried_from=origin)
    assert (copy.cycle_id, copy.status, copy.department_id) == (nxt.pk, ObjectiveStatus.DRAFT, marketing.pk)
    expect(lead.locator(".carried")).to_contain_text(f"Carried over from {origin.title} ({quarter.name})")
    carried_kr = KeyResult.objects.get(objective=copy, carried_from=kr)
    assert carried_kr.start_value == last_value

    # The lead submits Marketing's plan for next quarter; a leader returns it with a comment.
    section = f"#plan-{marketing.pk}"
    lead.goto(c(live_server, f"cycles/{nxt.pk}/planning/"))
    expect(lead.locator(section)).to_contain_text(origin.title)
    lead.locator(section).get_by_role("button", name="Submit for review").click()
    expect(lead.locator(section).get_by_text("Plan submitted for review.")).to_be_visible()

    leader_context = browser.new_context(**browser_context_args)
    leader = leader_context.new_page()
    sign_in(leader, "leader@demo.okrhub.test")
    leader.goto(c(live_server, f"cycles/{nxt.pk}/planning/"))
    column = leader.locator(section)
    column.get_by_label("Comment").fill("Name the markets: say which countries come next")
    column.get_by_role("button", name="Return with comment").click()
    expect(column.get_by_text("Plan returned.")).to_be_visible()

    # The lead fixes the copy and resubmits; the leader approves and the copy goes live.
    lead.reload()
    expect(lead.locator(section)).to_contain_text("Name the markets: say which countries come next")
    lead.goto(c(live_server, f"objectives/{copy.pk}/edit/"))
    lead.get_by_label("Objective", exact=True).fill("Fill the pipeline in Germany, France and Austria")
    lead.get_by_role("button", name="Save objective").click()
    lead.wait_for_url(f"**/objectives/{copy.pk}/")
    lead.goto(c(live_server, f"cycles/{nxt.pk}/planning/"))
    lead.locator(section).get_by_role("button", name="Submit for review").click()
    expect(lead.locator(section).get_by_text("Plan submitted for review.")).to_be_visible()
    leader.reload()
    leader.locator(section).get_by_role("button", name="Approve").click()
    expect(leader.locator(section).get_by_text("Plan approved.")).to_be_visible()
    assert DepartmentPlan.objects.get(company=company, cycle=nxt, department=marketing).state == PlanState.APPROVED
    assert Objective.objects.get(pk=copy.pk).status == ObjectiveStatus.ACTIVE

    # Next quarter's tree shows the carried objective; its page links back to the graded origin.
    leader.goto(c(live_server, f"alignment/?cycle={nxt.pk}"))
    node = leader.get_by_role("link", name="Fill the pipeline in Germany, France and Austria")
    expect(node).to_be_visible()
    shoot(leader, "quarter-next-tree")
    node.click()
    expect(leader.locator(".carried")).to_contain_text(f"Carried over from {origin.title} ({quarter.name})")
    leader.locator(".carried").get_by_role("link", name=origin.title).click()
    leader.wait_for_url(f"**/objectives/{origin.pk}/")
    expect(leader.locator(".carried")).to_contain_text("Carried over to Fill the pipeline in Germany, France and")
    expect(leader.get_by_text("Fair leads arrived after the last check-in", exact=True)).to_be_visible()
    expect(leader.locator(".bar-pace")).to_have_count(0)
    shoot(leader, "quarter-origin-closed")
    lead_context.close()
    leader_context.close()
