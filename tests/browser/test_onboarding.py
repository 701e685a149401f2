"""A new team in a real browser: sign up, confirm the email, load the example, invite, the colleague joins."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core import mail
from playwright.sync_api import expect

from companies.models import Company, Membership, Role

pytestmark = pytest.mark.django_db(transaction=True)

BLOCKING_IMPACTS = {"serious", "critical"}
PASSWORD = "Quarterly-outcomes-2026"


def emailed_path(pattern: str) -> str:
    """The path of the newest email's link matching ``pattern`` (the host is the configured base URL)."""
    return re.search(rf"https?://[^/\s]+({pattern}\S+)", mail.outbox[-1].body).group(1)


def secret_value_absent(page, key_name: str) -> bool:
    """The settings page lists the key by name and prefix, never with its secret."""
    expect(page.locator("#api-keys table")).to_contain_text(key_name)
    return page.locator("#api-key-secret").count() == 0 and ".sha512$" not in page.content()


def assert_accessible(page) -> None:
    violations = [v for v in Axe().run(page).response["violations"] if v["impact"] in BLOCKING_IMPACTS]
    assert violations == [], violations


def test_a_new_team_signs_up_loads_the_example_and_brings_a_colleague_in(
    page, browser, browser_context_args, live_server, shoot
):
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name="Create your company").click()
    expect(page.get_by_role("heading", name="Create your company")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Your name").fill("Nora Founder")
    page.get_by_label("Work email").fill("nora@fjord.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Company name").fill("Fjord Analytics")
    page.get_by_role("button", name="Create company").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    # The confirmation link, then sign in.
    assert mail.outbox[-1].to == ["nora@fjord.test"]
    page.goto(live_server.url + emailed_path("/accounts/verify/"))
    expect(page.get_by_text("nora@fjord.test is confirmed")).to_be_visible()
    page.get_by_label("Email").fill("nora@fjord.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/c/fjord-analytics/")

    # First run: three ways to start; load the example cascade.
    expect(page.get_by_role("heading", name="Get Fjord Analytics started")).to_be_visible()
    expect(page.get_by_role("link", name="Import from CSV")).to_be_visible()
    assert_accessible(page)
    shoot(page, "first-run")
    # The example is weeks of check-ins replayed in the request: on a busy 2-core machine, over 10 s.
    page.get_by_role("button", name="Load the example cascade").click(timeout=60_000)
    page.wait_for_url(f"{live_server.url}/c/fjord-analytics/alignment/", timeout=60_000)
    expect(page.get_by_role("link", name="Expand into new markets and grow revenue by 25%")).to_be_visible()

    # Invite a colleague from the settings page.
    page.get_by_role("link", name="Settings").click()
    invitations = page.locator("#invitations")
    invitations.get_by_label("Email address").fill("omar@fjord.test")
    invitations.get_by_label("Role", exact=True).select_option("leader")
    invitations.get_by_label("Marketing").check()
    invitations.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Invitation sent to omar@fjord.test.")).to_be_visible()
    expect(page.locator("#invitations table")).to_contain_text("omar@fjord.test")
    assert mail.outbox[-1].to == ["omar@fjord.test"]
    link = live_server.url + emailed_path("/invitations/")

    # The colleague, in a browser of their own, accepts and lands in the company.
    context = browser.new_context(**browser_context_args)
    try:
        colleague = context.new_page()
        colleague.set_default_timeout(10_000)
        colleague.goto(link)
        expect(colleague.get_by_role("heading", name="Join Fjord Analytics")).to_be_visible()
        assert_accessible(colleague)
        colleague.get_by_label("Your name").fill("Omar Colleague")
        colleague.get_by_label("Choose a password").fill(PASSWORD)
        colleague.get_by_role("button", name="Accept and join").click()
        colleague.wait_for_url(f"{live_server.url}/c/fjord-analytics/")
        expect(colleague.get_by_text("Welcome to Fjord Analytics.")).to_be_visible()
        expect(colleague.locator(".topbar .company")).to_have_text("Fjord Analytics")
        colleague.get_by_role("link", name="Alignment", exact=True).click()
        expect(colleague.get_by_role("link", name="Expand into new markets and grow revenue by 25%")).to_be_visible()

        # The link works once.
        colleague.goto(link)
        expect(colleague.get_by_role("heading", name="This invitation was already used")).to_be_visible()
    finally:
        context.close()

    # The admin creates an API key (the secret shown once) and revokes it.
    page.goto(f"{live_server.url}/c/fjord-analytics/settings/#api-keys")
    keys = page.locator("#api-keys")
    keys.get_by_label("Key name").fill("CRM sync")
    keys.get_by_label("Scope").select_option("write")
    keys.get_by_role("button", name="Create key").click()
    secret = page.get_by_label("Your new read and write key")
    expect(secret).to_have_value(re.compile(r"^\w{8}\.\w+$"))
    expect(page.get_by_text("it is shown only this once")).to_be_visible()
    assert_accessible(page)
    shoot(page, "api-key-created")
    page.get_by_role("link", name="Back to settings").click()
    assert secret_value_absent(page, "CRM sync")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#api-keys").get_by_role("button", name="Revoke key CRM sync").click()
    expect(page.locator("#api-keys table")).to_contain_text("Revoked")
    assert_accessible(page)

    company = Company.objects.get(slug="fjord-analytics")
    roles = dict(Membership.objects.filter(company=company).values_list("user__email", "role"))
    assert roles == {"nora@fjord.test": Role.ADMIN, "omar@fjord.test": Role.LEADER}
