"""The conversation in a real browser: a mention autocompletes from the keyboard, the thread updates in place."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from discussion.models import Comment, Mention, Reaction
from objectives.models import Objective
from onboarding.demo import DEMO_SLUG

pytestmark = pytest.mark.django_db(transaction=True)

OBJECTIVE = "Generate 1,000 qualified leads from Germany and France"
BLOCKING_IMPACTS = {"serious", "critical"}


def test_a_mention_autocompletes_and_the_comment_shows_it(
    page, browser, browser_context_args, live_server, demo, sign_in, shoot, settings
):
    settings.OKRHUB_NOTIFICATION_POLL_SECONDS = 1
    objective = Objective.objects.get(title=OBJECTIVE)
    # Max, the colleague about to be mentioned, is reading his own page in another browser.
    max_page = browser.new_context(**browser_context_args).new_page()
    sign_in(max_page, "member@demo.okrhub.test")
    max_page.evaluate("window.__stillHere = true")
    max_bell = max_page.locator("#bell-count")
    expect(max_bell.locator(".badge")).to_have_count(0)
    sign_in(page, "marketing.lead@demo.okrhub.test")
    page.goto(f"{live_server.url}/c/{DEMO_SLUG}/objectives/{objective.pk}/")

    discussion = page.locator("#discussion")
    box = discussion.get_by_label("Add a comment")  # the thread came in by htmx
    expect(box).to_be_visible()
    box.click()
    page.keyboard.type("Great week! @ma")

    listbox = discussion.get_by_role("listbox", name="People to mention")
    expect(listbox).to_be_visible()
    option = listbox.get_by_role("option", name="Max Member member@demo.okrhub.test")
    expect(option).to_be_visible()
    expect(listbox.get_by_role("option")).to_have_count(1)  # the writer is never offered, others do not match
    expect(option).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", option.get_attribute("id"))
    shoot(page, "mention-autocomplete")

    page.keyboard.press("Enter")  # inserts the mention, not a line break
    expect(listbox).to_be_hidden()
    expect(box).to_have_value("Great week! @member@demo.okrhub.test ")
    page.keyboard.type("can you share the list?")
    discussion.get_by_role("button", name="Post comment").click()

    comment = discussion.locator("article.comment").first
    expect(comment.locator(".mention")).to_have_text("@Max Member")
    expect(comment).to_contain_text("Great week! @Max Member can you share the list?")
    expect(discussion.get_by_label("Add a comment")).to_have_value("")
    expect(page.locator("#discussion-status")).to_have_text("Comment posted.")
    saved = Comment.objects.get()
    assert saved.body == "Great week! @member@demo.okrhub.test can you share the list?"
    assert Mention.objects.get().user.email == "member@demo.okrhub.test"
    # Max's bell rises on its own, with no reload of his page, and leads to the mention.
    expect(max_bell.locator(".badge")).to_have_text("1", timeout=10_000)
    assert max_page.evaluate("window.__stillHere") is True
    max_page.locator("a.bell").click()
    expect(max_page.locator("#notifications-unread")).to_contain_text("Mia Marketing mentioned you in a comment on")
    max_page.context.close()

    # Escape closes the list; typing on past a finished address does not reopen it.
    box = discussion.get_by_label("Add a comment")
    box.click()
    page.keyboard.type("@le")
    expect(listbox).to_be_visible()
    page.keyboard.press("Escape")
    expect(listbox).to_be_hidden()

    # A reaction, in place, from the keyboard: the button keeps focus and says it is pressed.
    comment.locator(".react-more > summary").click()  # the kinds nobody gave yet wait behind "React"
    celebrate = comment.get_by_role("button", name="Celebrate")
    celebrate.focus()
    page.keyboard.press("Enter")
    celebrate = discussion.get_by_role("button", name="Celebrate 1")
    expect(celebrate).to_have_attribute("aria-pressed", "true")
    expect(celebrate).to_be_focused()
    assert Reaction.objects.get().kind == "celebrate"
    # Reply: the form comes in place with focus in it, the reply lands under the comment.
    discussion.get_by_role("link", name="Reply to Mia Marketing").click()
    reply_box = discussion.get_by_label("Your reply")
    expect(reply_box).to_be_focused()
    page.keyboard.type("Sent it to you, @le")
    reply_list = page.locator(f"#{reply_box.get_attribute('id')}-mentions")
    expect(reply_list.get_by_role("option", name="Lea Leader leader@demo.okrhub.test")).to_be_visible()
    page.keyboard.press("Escape")
    page.keyboard.type("ader@demo.okrhub.test.")
    discussion.get_by_role("button", name="Post reply").click()
    reply = discussion.locator(".replies article.comment")
    expect(reply).to_contain_text("Sent it to you, @Lea Leader.")
    expect(page.locator("#discussion-status")).to_have_text("Reply posted.")
    assert Comment.objects.get(parent__isnull=False).parent_id == saved.pk
    shoot(page, "discussion-thread")
    violations = [v for v in Axe().run(page).response["violations"] if v["impact"] in BLOCKING_IMPACTS]
    assert violations == [], violations


def test_an_outsider_mention_is_explained_next_to_the_field(page, live_server, demo, sign_in):
    objective = Objective.objects.get(title=OBJECTIVE)
    sign_in(page, "member@demo.okrhub.test")
    page.goto(f"{live_server.url}/c/{DEMO_SLUG}/objectives/{objective.pk}/")
    box = page.get_by_label("Add a comment")
    box.fill("Ask @someone@elsewhere.example")
    page.get_by_role("button", name="Post comment").click()
    summary = page.locator("#discussion [data-error-summary]")
    expect(summary).to_contain_text("is not a member of")
    expect(summary).to_be_focused()
    expect(page.get_by_label("Add a comment")).to_have_value("Ask @someone@elsewhere.example")
    assert not Comment.objects.exists()
