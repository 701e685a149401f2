"""The bell in a real browser: another person's action raises it without a reload; the page marks read in place."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.db import transaction
from playwright.sync_api import expect

from companies.tenancy import Actor
from notifications.models import Notification
from objectives import events
from objectives.models import KeyResult, Objective, Verb
from objectives.services import checkin_create
from onboarding.demo import DEMO_SLUG

pytestmark = pytest.mark.django_db(transaction=True)

BLOCKING_IMPACTS = {"serious", "critical"}
MARKETING_LEAD = "marketing.lead@demo.okrhub.test"
PRODUCT_LEAD = "product.lead@demo.okrhub.test"


def notify_everyone(demo, *, by: str = "admin@demo.okrhub.test") -> None:
    """A committed comment on the company objective mentioning every person of the demo (the fan-out runs)."""
    company = demo.company
    top = Objective.objects.get(company=company, title__startswith="Expand into new markets")
    author = demo.users[by]
    mentioned = [user.pk for email, user in demo.users.items() if email != by]
    with transaction.atomic():
        events.record(
            Verb.COMMENT_CREATED,
            company_id=company.pk,
            actor=Actor.for_user(company, author),
            objective=top,
            subject=("comment", 1),
            payload={
                "comment_id": 1,
                "mentioned_user_ids": mentioned,
                "target_kind": "objective",
                "target_id": top.pk,
                "target_owner_id": top.owner_id,
                "body_excerpt": "Everyone: the Q4 plan is in https://intranet.example.com/plans/2026/q4/expand-into-new-markets-and-grow-revenue-by-25-percent",
                "objective_title": top.title,
            },
        )


def test_the_bell_rises_without_a_reload_and_the_page_marks_read_in_place(page, live_server, demo, sign_in, settings):
    settings.OKRHUB_NOTIFICATION_POLL_SECONDS = 1
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    sign_in(page, MARKETING_LEAD)
    page.goto(f"{live_server.url}/c/{DEMO_SLUG}/notifications/")
    expect(page.get_by_text("You are all caught up.")).to_be_visible()
    bell = page.locator("#bell-count")
    expect(bell.locator(".badge")).to_have_count(0)
    page.evaluate("window.__stillHere = true")

    # The product lead checks their key result in off track: Marketing's objective depends on Product's.
    kr = KeyResult.objects.get(title="German version live for all customers")
    product_lead = Actor.for_user(demo.company, demo.users[PRODUCT_LEAD])
    checkin_create(company=demo.company, actor=product_lead, key_result=kr, value=0, confidence="off_track")
    assert Notification.objects.filter(user=demo.users[MARKETING_LEAD]).count() == 1

    expect(bell.locator(".badge")).to_have_text("1", timeout=10_000)
    expect(page.locator(".bell-live")).to_have_attribute("aria-live", "polite")
    expect(bell).to_contain_text("1 unread")
    # A mention too: the bell rises again, still without a reload.
    notify_everyone(demo)
    expect(bell.locator(".badge")).to_have_text("2", timeout=10_000)
    assert page.evaluate("window.__stillHere") is True

    # The bell leads to the page, which lists both, in words.
    page.locator("a.bell").click()
    page.wait_for_url(re.compile(r".*/notifications/$"))
    unread = page.locator("#notifications-unread")
    expect(unread.locator("li.notification")).to_have_count(2)
    expect(unread).to_contain_text("checked in “German version live for all customers” with confidence: off track")
    expect(unread).to_contain_text("mentioned you in a comment on")
    violations = [v for v in Axe().run(page).response["violations"] if v["impact"] in BLOCKING_IMPACTS]
    assert violations == [], violations

    # Mark one read in place: the item turns read and the bell drops, no reload.
    page.evaluate("window.__stillHere = true")
    first = unread.locator("li.notification").first
    first.get_by_role("button", name=re.compile("^Mark read")).click()
    expect(first.get_by_text("Marked read.")).to_be_visible()
    expect(first.get_by_text("Marked read.")).to_be_focused()
    expect(page.locator("#bell-count .badge")).to_have_text("1")
    assert page.evaluate("window.__stillHere") is True

    # Mark all read: the page reloads with nothing unread, and so does the bell.
    page.get_by_role("button", name="Mark all read").click()
    expect(page.get_by_text("Marked 1 notification read.")).to_be_visible()
    expect(page.get_by_text("You are all caught up.")).to_be_visible()
    expect(page.locator("#bell-count .badge")).to_have_count(0)
    assert problems == []  # nothing refused by the Content-Security-Policy, no script error


def test_preferences_page_in_the_browser(page, live_server, demo, sign_in):
    sign_in(page, "member@demo.okrhub.test")
    page.goto(f"{live_server.url}/c/{DEMO_SLUG}/notifications/preferences/")
    page.get_by_label("Email (mentions of you)").select_option("digest")
    page.get_by_label("Show in the app (reactions to your okrs)").uncheck()
    page.get_by_role("button", name="Save preferences").click()
    expect(page.get_by_text("Notification preferences saved.")).to_be_visible()
    expect(page.get_by_label("Email (mentions of you)")).to_have_value("digest")
    expect(page.get_by_label("Show in the app (reactions to your okrs)")).not_to_be_checked()
    violations = [v for v in Axe().run(page).response["violations"] if v["impact"] in BLOCKING_IMPACTS]
    assert violations == [], violations
