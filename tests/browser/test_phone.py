"""The pages on a phone, and the figures a check-in moves, in a real browser.

- After an inline check-in on My key results, every progress figure on the
  page (``[data-progress]``) reads what a fresh load of the page reads: the
  out-of-band swaps leave no stale number behind.
- Every page, as each role, fits a 390 px wide screen: the document is no
  wider than the viewport (nothing scrolls sideways; wide tables and charts
  scroll inside their own box).
"""

import time

import pytest
from playwright.sync_api import expect

from objectives.models import CheckIn, KeyResult, Objective
from onboarding.demo import DEMO_SLUG
from tests.browser.conftest import ARTIFACTS, DESKTOP, PHONE
from tests.browser.test_notifications import notify_everyone
from tests.test_tenant_sweep import all_routes

pytestmark = pytest.mark.django_db(transaction=True)

#: Each figure a write can move, by its ``data-progress`` name: its text and its bar's geometry.
SNAPSHOT = """() => Object.fromEntries([...document.querySelectorAll('[data-progress]')].map(e => [
  e.dataset.progress,
  e.innerText.replace(/\\s+/g, ' ').trim() + ' | ' +
    [...e.querySelectorAll('svg rect, svg line')].map(r => r.getAttribute('width') ?? r.getAttribute('x1')).join(','),
]))"""

SETTLED = "() => document.querySelectorAll('.htmx-request, .htmx-swapping, .htmx-settling').length === 0"


def test_checkin_leaves_no_stale_figure_on_my_key_results(page, live_server, demo, sign_in):
    sign_in(page, "member@demo.okrhub.test")
    kr = KeyResult.objects.get(title="Generate 1,000 qualified leads from Germany and France")
    company_goal = Objective.objects.get(department__isnull=True, children__pk=kr.objective_id)
    before = page.evaluate(SNAPSHOT)
    assert {f"kr-{kr.pk}", f"objective-{kr.objective_id}", f"company-{company_goal.pk}"} <= before.keys()

    row = page.locator(f"#kr-{kr.pk}")
    row.get_by_text("Check in").click()
    row.get_by_label("New value").fill("1000")
    row.get_by_label("Confidence").select_option("on_track")
    row.get_by_role("button", name="Save check-in").click()
    expect(row.get_by_text("Checked in.")).to_be_visible()
    page.wait_for_function(SETTLED)
    swapped = page.evaluate(SNAPSHOT)

    # The company objective's figure moved with the roll-up (so the comparison below has teeth)...
    assert swapped[f"company-{company_goal.pk}"] != before[f"company-{company_goal.pk}"]
    assert swapped[f"objective-{kr.objective_id}"] != before[f"objective-{kr.objective_id}"]
    # ...and every figure on the page equals what a fresh load of the same page shows.
    page.reload()
    assert page.evaluate(SNAPSHOT) == swapped


# ---------------------------------------------------------------- every page at 390 px

OBJECTIVE = "Generate 1,000 qualified leads from Germany and France"

#: Every page route under /c/<slug>/ and /accounts/ (and the token pages), filled with the demo's
#: objects; ``None`` marks a route that is no page (POST only, or an htmx fragment), with why.
PAGES: dict[str, str | None] = {
    "accounts/login/": "/accounts/login/",
    "accounts/logout/": None,  # POST only (sign out)
    "accounts/password-reset/": "/accounts/password-reset/",
    "accounts/password-reset/sent/": "/accounts/password-reset/sent/",
    "accounts/reset/<uidb64>/<token>/": "/accounts/reset/MQ/not-a-token/",
    "accounts/reset/done/": "/accounts/reset/done/",
    "accounts/profile/": "/accounts/profile/",
    "accounts/signup/": "/accounts/signup/",
    "accounts/signup/sent/": "/accounts/signup/sent/",
    "accounts/verify/resend/": None,  # POST only
    "accounts/verify/<str:token>/": "/accounts/verify/not-a-token/",
    "c/<slug:company_slug>/": "/c/{slug}/",
    "c/<slug:company_slug>/check-in/": "/c/{slug}/check-in/",
    "c/<slug:company_slug>/activity/": "/c/{slug}/activity/?period=all",
    "c/<slug:company_slug>/leave/": "/c/{slug}/leave/",
    "c/<slug:company_slug>/start/example/": None,  # POST only (load the example)
    "c/<slug:company_slug>/alignment/": "/c/{slug}/alignment/",
    "c/<slug:company_slug>/alignment/nodes/<int:objective_id>/children/": None,  # htmx fragment of the tree
    "c/<slug:company_slug>/alignment/gaps/": "/c/{slug}/alignment/gaps/",
    "c/<slug:company_slug>/settings/": "/c/{slug}/settings/",
    "c/<slug:company_slug>/settings/members/<int:membership_id>/role/": None,  # POST only
    "c/<slug:company_slug>/settings/invitations/": None,  # POST only
    "c/<slug:company_slug>/settings/invitations/<int:invitation_id>/<str:action>/": None,  # POST only
    "c/<slug:company_slug>/settings/cycles/": None,  # POST only
    "c/<slug:company_slug>/settings/cycles/<int:cycle_id>/<str:action>/": None,  # POST only
    "c/<slug:company_slug>/settings/api-keys/": None,  # POST only
    "c/<slug:company_slug>/settings/api-keys/<str:prefix>/revoke/": None,  # POST only
    "c/<slug:company_slug>/settings/departments/": None,  # POST only
    "c/<slug:company_slug>/settings/slack/": "/c/{slug}/settings/slack/",
    "c/<slug:company_slug>/settings/slack/connect/": None,  # redirects to Slack
    "c/<slug:company_slug>/settings/slack/disconnect/": None,  # POST only
    "c/<slug:company_slug>/settings/slack/test/": None,  # POST only
    "c/<slug:company_slug>/settings/teams/": "/c/{slug}/settings/teams/",
    "c/<slug:company_slug>/settings/teams/remove/": None,  # POST only
    "c/<slug:company_slug>/settings/teams/test/": None,  # POST only
    "c/<slug:company_slug>/webhooks/": "/c/{slug}/webhooks/",
    # The demo has no endpoint: the endpoint page is tested in tests/webhooks/test_pages.py.
    "c/<slug:company_slug>/webhooks/<int:endpoint_id>/": None,
    "c/<slug:company_slug>/webhooks/<int:endpoint_id>/delete/": None,  # POST only
    "c/<slug:company_slug>/webhooks/<int:endpoint_id>/rotate-secret/": None,  # POST only
    "c/<slug:company_slug>/webhooks/<int:endpoint_id>/test/": None,  # POST only
    "c/<slug:company_slug>/webhooks/deliveries/<int:delivery_id>/redeliver/": None,  # POST only
    "c/<slug:company_slug>/settings/departments/people/": None,  # POST only
    "c/<slug:company_slug>/settings/members/<int:membership_id>/remove/": (
        "/c/{slug}/settings/members/{membership}/remove/"
    ),
    "c/<slug:company_slug>/departments/": "/c/{slug}/departments/",
    "c/<slug:company_slug>/departments/<slug:department_slug>/": "/c/{slug}/departments/marketing/",
    "c/<slug:company_slug>/objectives/new/": "/c/{slug}/objectives/new/",
    "c/<slug:company_slug>/objectives/parents/": None,  # htmx fragment of the objective form
    "c/<slug:company_slug>/objectives/hints/": None,  # htmx fragment of the objective form
    "c/<slug:company_slug>/objectives/<int:objective_id>/": "/c/{slug}/objectives/{objective}/",
    "c/<slug:company_slug>/objectives/<int:objective_id>/edit/": "/c/{slug}/objectives/{objective}/edit/",
    "c/<slug:company_slug>/objectives/<int:objective_id>/status/": None,  # POST only
    "c/<slug:company_slug>/objectives/<int:objective_id>/key-results/new/": (
        "/c/{slug}/objectives/{objective}/key-results/new/"
    ),
    "c/<slug:company_slug>/objectives/<int:objective_id>/dependencies/": None,  # POST only
    "c/<slug:company_slug>/objectives/<int:objective_id>/dependencies/<int:dependency_id>/delete/": None,  # POST only
    "c/<slug:company_slug>/objectives/<int:objective_id>/shared-key-results/<int:key_result_id>/remove/": None,  # POST
    "c/<slug:company_slug>/cycles/<int:cycle_id>/overlaps/dismiss/": None,  # POST only
    "c/<slug:company_slug>/cycles/<int:cycle_id>/overlaps/convert/": None,  # POST only
    "c/<slug:company_slug>/import/": "/c/{slug}/import/",
    "c/<slug:company_slug>/search/": "/c/{slug}/search/?q=lead",
    "c/<slug:company_slug>/search/export.csv": None,  # a download of the search, not a page
    "c/<slug:company_slug>/search/export.xlsx": None,  # a download of the search, not a page
    "c/<slug:company_slug>/key-results/hints/": None,  # htmx fragment of the key result form
    "c/<slug:company_slug>/key-results/<int:key_result_id>/": "/c/{slug}/key-results/{key_result}/",
    "c/<slug:company_slug>/key-results/<int:key_result_id>/edit/": "/c/{slug}/key-results/{key_result}/edit/",
    "c/<slug:company_slug>/key-results/<int:key_result_id>/delete/": None,  # POST only
    "c/<slug:company_slug>/key-results/<int:key_result_id>/check-in/": None,  # POST only
    "c/<slug:company_slug>/check-ins/<int:checkin_id>/correct/": "/c/{slug}/check-ins/{checkin}/correct/",
    "c/<slug:company_slug>/check-ins/<int:checkin_id>/undo/": None,  # POST only
    # A closed cycle's page: the demo's only cycle is open (tests/browser/test_grading.py photographs it).
    "c/<slug:company_slug>/cycles/<int:cycle_id>/grading/": None,
    "c/<slug:company_slug>/key-results/<int:key_result_id>/grade/": None,  # POST only
    # Closed-cycle pages too (the demo's only cycle is open): tested in tests/objectives/test_carry_over.py.
    "c/<slug:company_slug>/cycles/<int:cycle_id>/carry-over/": None,
    # The report of a closed cycle (the demo's only cycle is open): photographed in tests/browser/test_report.py.
    "c/<slug:company_slug>/cycles/<int:cycle_id>/report/": None,
    "c/<slug:company_slug>/cycles/<int:cycle_id>/report.csv": None,  # a download of the report, not a page
    "c/<slug:company_slug>/objectives/<int:objective_id>/retrospective/": None,  # POST only (on the objective)
    "c/<slug:company_slug>/cycles/<int:cycle_id>/planning/": "/c/{slug}/cycles/{cycle}/planning/",
    "c/<slug:company_slug>/cycles/<int:cycle_id>/planning/<int:department_id>/<str:action>/": None,  # POST only
    "c/<slug:company_slug>/notifications/": "/c/{slug}/notifications/",
    "c/<slug:company_slug>/notifications/count/": None,  # htmx fragment of the bell
    "c/<slug:company_slug>/notifications/read-all/": None,  # POST only
    "c/<slug:company_slug>/notifications/<int:notification_id>/read/": None,  # POST only
    "c/<slug:company_slug>/notifications/preferences/": "/c/{slug}/notifications/preferences/",
    "c/<slug:company_slug>/discussion/objectives/<int:objective_id>/": "/c/{slug}/discussion/objectives/{objective}/",
    "c/<slug:company_slug>/discussion/objectives/<int:objective_id>/check-ins/": None,  # htmx fragment (out of band)
    "c/<slug:company_slug>/discussion/key-results/<int:key_result_id>/": (
        "/c/{slug}/discussion/key-results/{key_result}/"
    ),
    "c/<slug:company_slug>/discussion/key-results/<int:key_result_id>/check-ins/": None,  # htmx fragment
    "c/<slug:company_slug>/discussion/check-ins/<int:checkin_id>/": "/c/{slug}/discussion/check-ins/{checkin}/",
    "c/<slug:company_slug>/discussion/check-ins/<int:checkin_id>/react/": None,  # POST only
    "c/<slug:company_slug>/discussion/comments/<int:comment_id>/reply/": (
        "/c/{slug}/discussion/comments/{comment}/reply/"
    ),
    "c/<slug:company_slug>/discussion/comments/<int:comment_id>/delete/": None,  # POST only
    "c/<slug:company_slug>/discussion/comments/<int:comment_id>/react/": None,  # POST only
    "c/<slug:company_slug>/discussion/mentions/": None,  # htmx fragment of the comment box
    "invitations/<str:token>/": "/invitations/not-a-token/",
    "c/<slug:company_slug>/dashboard/": "/c/{slug}/dashboard/",
    "c/<slug:company_slug>/dashboard/departments/<int:department_id>/": "/c/{slug}/dashboard/departments/{department}/",
    "c/<slug:company_slug>/dashboard/export/": None,  # a download (CSV or XLSX), not a page
}
#: Views of a route besides its plain one: the alignment tree's compact list and map.
MODES = ["/c/{slug}/alignment/?mode=list", "/c/{slug}/alignment/?mode=map&expand=all"]
ROLES = {
    "admin": "admin@demo.okrhub.test",
    "leader": "leader@demo.okrhub.test",
    "lead": "sales.lead@demo.okrhub.test",
    "member": "member@demo.okrhub.test",
    "viewer": "viewer@demo.okrhub.test",
}
TOO_WIDE = "() => document.documentElement.scrollWidth - window.innerWidth"


def test_the_page_list_names_every_page_route():
    routes = {r for r in all_routes() if r.startswith(("c/", "accounts/", "invitations/")) and "/api/" not in r}
    assert set(PAGES) == routes


def _shot_name(role: str, path: str) -> str:
    """A name that stays the same from run to run: ids become "id"."""
    path = path.replace("?", "/").replace("&", "-").replace("=", "-")
    words = ["id" if part.isdigit() else part for part in path.strip("/").split("/") if part not in ("c", DEMO_SLUG)]
    return f"phone-{role}-" + ("-".join(words) or "home")


def _visit(page, base: str, paths: list[str], role: str) -> list[str]:
    wide = []
    for path in paths:
        page.set_viewport_size(PHONE)
        response = page.goto(base + path)
        assert response is not None, (role, path)
        assert response.status < 500, (role, path)
        overflow = page.evaluate(TOO_WIDE)
        if overflow > 0:
            wide.append(f"{role} {path}: {overflow}px too wide")
        name = _shot_name(role, path)
        page.screenshot(path=ARTIFACTS / f"{name}-phone.png", full_page=True)
        page.set_viewport_size(DESKTOP)
        page.screenshot(path=ARTIFACTS / f"{name}-desktop.png")
    return wide


def _seed_conversation(demo, objective, kr) -> int:
    """The id of the objective thread's first comment."""
    from companies.tenancy import Actor
    from discussion import selectors, services

    people = {email: demo.company.memberships.get(user__email=email).user for email in ROLES.values()}
    lead, member = (Actor.for_user(demo.company, people[ROLES[r]]) for r in ("lead", "member"))
    checkin = CheckIn.objects.effective().filter(key_result=kr).latest("created_at", "id")
    tops = []
    for target in (
        selectors.objective_target(company=demo.company, actor=lead, objective_id=objective.pk),
        selectors.checkin_target(company=demo.company, actor=lead, checkin_id=checkin.pk),
    ):
        top = services.comment_create(
            company=demo.company,
            actor=lead,
            target=target,
            body="A long first comment that wraps on a phone, mentioning @member@demo.okrhub.test and a long "
            "address-like word averyveryverylongwordwithoutanyspacesthatmustwrapsomewhereonaphone.",
        )
        services.comment_create(company=demo.company, actor=member, target=target, body="On it.", parent=top)
        services.reaction_set(company=demo.company, actor=member, target=top, kind="celebrate", present=True)
        tops.append(top.pk)
    return tops[0]


def test_every_page_fits_a_phone_as_every_role(browser, live_server, demo):
    ARTIFACTS.mkdir(exist_ok=True)
    started = time.monotonic()
    objective = Objective.objects.get(title=OBJECTIVE)
    kr = objective.key_results.first()
    ids = {
        "slug": DEMO_SLUG,
        "objective": objective.pk,
        "key_result": kr.pk,
        "checkin": CheckIn.objects.effective().filter(key_result=kr).latest("created_at", "id").pk,
        "membership": demo.company.memberships.get(user__email=ROLES["member"]).pk,
        "department": objective.department_id,
        "cycle": objective.cycle_id,  # the planning board reads any cycle's departments and drafts
    }
    notify_everyone(demo)  # a long-worded notification on everyone's list
    # A thread with a reply, a mention and reactions, so the conversation pages are measured with content.
    ids["comment"] = _seed_conversation(demo, objective, kr)
    paths = [p.format(**ids) for p in [*PAGES.values(), *MODES] if p]
    anonymous = [p for p in paths if not p.startswith("/c/") and p != "/accounts/profile/"]
    signed_in = [p for p in paths if p not in anonymous]
    wide: list[str] = []

    context = browser.new_context(viewport=PHONE, locale="en-GB")
    wide += _visit(context.new_page(), live_server.url, anonymous, "anonymous")
    context.close()
    for role, email in ROLES.items():
        context = browser.new_context(viewport=PHONE, locale="en-GB")
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill("okrhub-demo")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live_server.url}/c/**")
        wide += _visit(page, live_server.url, signed_in, role)
        context.close()
    assert wide == []
    print(f"\n{len(anonymous) + len(signed_in) * len(ROLES)} page views in {time.monotonic() - started:.1f}s")
