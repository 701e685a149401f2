"""A leader finds things in a real browser: the header search, live results, filters in the URL, a download."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from openpyxl import load_workbook
from playwright.sync_api import expect

from departments.models import Department
from objectives.models import Objective
from onboarding.demo import DEMO_SLUG

pytestmark = pytest.mark.django_db(transaction=True)

LEADS = "Generate 1,000 qualified leads from Germany and France"
BLOCKING_IMPACTS = {"serious", "critical"}


def test_leader_searches_from_the_header_filters_and_downloads(page, live_server, demo, sign_in, shoot, tmp_path):
    sign_in(page, "leader@demo.okrhub.test")

    # Two clicks from anywhere: the header's search box, then the result.
    page.get_by_role("searchbox", name=re.compile("^Search Northwind")).fill("lead")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/c/{DEMO_SLUG}/search/\?q=lead$"))
    results = page.locator("#search-results")
    # The objective (its key result of the same name is listed too, under key results).
    objective = results.locator("li[id^='objective-']").get_by_role("link", name=LEADS)
    expect(objective).to_be_visible()
    expect(results.locator("mark").first).to_have_text(re.compile("^lead", re.IGNORECASE))
    shoot(page, "search")

    # Typing refines the results in place (no reload) and keeps the address shareable.
    page.evaluate("window.__stillHere = true")
    box = page.get_by_role("searchbox", name="Search for")
    box.fill("qualified germ")
    expect(page).to_have_url(re.compile(r"\?q=qualified\+germ$"))
    expect(results.get_by_role("heading", name=re.compile("^Objectives"))).to_contain_text("1")
    expect(objective).to_be_visible()
    expect(page.locator("#search-status")).to_have_text(re.compile("for “qualified germ”"))
    assert page.evaluate("window.__stillHere") is True

    # A filter lands in the address: what is on screen can be shared as it is.
    marketing = Department.objects.get(company=demo.company, name="Marketing")
    box.fill("")
    page.get_by_label("Department").select_option(label="Marketing")
    expect(page).to_have_url(re.compile(rf"department={marketing.pk}"))
    expect(objective).to_be_visible()
    marketing_titles = set(
        Objective.objects.filter(company=demo.company, department=marketing).values_list("title", flat=True)
    )
    shown = set(results.locator(".result-title").all_inner_texts())
    assert shown == marketing_titles
    shared = page.url
    page.goto(shared)  # the address alone gives the same list
    assert set(page.locator("#search-results .result-title").all_inner_texts()) == marketing_titles
    assert page.get_by_label("Department").input_value() == str(marketing.pk)
    violations = [v for v in Axe().run(page).response["violations"] if v["impact"] in BLOCKING_IMPACTS]
    assert violations == [], violations

    # The XLSX holds the rows on screen, and opens with the library.
    with page.expect_download() as download:
        page.get_by_role("link", name="XLSX").click()
    assert download.value.suggested_filename == f"{DEMO_SLUG}-objectives.xlsx"
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    sheet = load_workbook(saved).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("ID", "Title")
    assert {row[1] for row in rows[1:]} == marketing_titles
    ids_on_screen = [int(i.split("-")[1]) for i in page.locator("#search-results .result").evaluate_all(
        "items => items.map(item => item.id)"
    )]  # fmt: skip
    assert [row[0] for row in rows[1:]] == ids_on_screen

    # Following a result opens it.
    objective.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(LEADS)
