"""The demo company: the seed cascade with progress, built through the services."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from objectives.models import CheckIn, Dependency, KeyResult, Objective
from objectives.rollup import company_full_recompute
from onboarding.demo import DEMO_PASSWORD, load_demo


@pytest.mark.django_db(transaction=True)
def test_load_demo_command_builds_the_cascade_and_prints_logins():
    out = StringIO()
    call_command("load_demo", stdout=out)
    text = out.getvalue()
    assert "admin@demo.okrhub.test" in text
    assert DEMO_PASSWORD in text
    assert "/c/demo/" in text

    top = Objective.objects.get(title="Expand into new markets and grow revenue by 25%")
    children = {o.department.name: o for o in top.children.select_related("department")}
    assert set(children) == {"Sales", "Marketing", "Product"}
    assert children["Sales"].title == "Close €5M in new business from target markets"
    sales_kr = KeyResult.objects.get(title="Close €5M in new business from Germany and France")
    assert (sales_kr.kind, sales_kr.currency, sales_kr.start_value, sales_kr.target_value) == (
        "currency",
        "EUR",
        0,
        5_000_000,
    )
    leads = KeyResult.objects.get(title="Generate 1,000 qualified leads from Germany and France")
    assert (leads.kind, leads.target_value) == ("number", 1000)
    assert set(children["Product"].key_results.values_list("kind", flat=True)) == {"milestone"}
    assert Dependency.objects.count() == 1
    assert CheckIn.objects.values("confidence").distinct().count() == 3
    assert all(o.progress is not None for o in Objective.objects.all())
    assert company_full_recompute(company=top.company) == 0

    # A second run finds the company and changes nothing.
    call_command("load_demo", stdout=StringIO())
    assert Objective.objects.count() == 5

    client = Client()
    assert client.login(username="viewer@demo.okrhub.test", password=DEMO_PASSWORD)
    html = client.get("/c/demo/").content.decode()
    assert "Expand into new markets" in html
    assert f"{round(top.progress * 100)}%" in html


def test_demo_can_be_loaded_under_another_slug_next_to_the_real_one(db):
    first = load_demo()
    second = load_demo(slug="demo-two")
    assert first.company != second.company
    assert Objective.objects.filter(company=second.company).count() == 5


def test_the_demo_member_can_do_the_weekly_update(db, django_capture_on_commit_callbacks):
    """A newcomer signing in as the demo member finds five key results on the weekly page and saves an update."""
    with django_capture_on_commit_callbacks(execute=True):
        demo = load_demo()
    member = demo.users["member@demo.okrhub.test"]
    mine = list(KeyResult.objects.filter(company=demo.company, owner=member).order_by("id"))
    assert len(mine) == 5
    assert len({kr.objective_id for kr in mine}) == 2
    client = Client()
    assert client.login(username=member.email, password=DEMO_PASSWORD)
    home = client.get("/c/demo/").content.decode()
    assert 'href="/c/demo/check-in/"' in home
    page = client.get("/c/demo/check-in/").content.decode()
    data = {}
    for kr in mine:
        assert kr.title in page
        assert kr.current_value is not None
        data |= {
            f"kr{kr.pk}-value": str(kr.current_value.normalize()),
            f"kr{kr.pk}-confidence": kr.confidence,
            f"kr{kr.pk}-note": "",
        }
    leads = mine[0]
    data[f"kr{leads.pk}-value"] = str(leads.current_value + 30)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/c/demo/check-in/", data)
    assert response.status_code == 302
    leads.refresh_from_db()
    assert leads.last_checkin_at is not None
    assert CheckIn.objects.filter(key_result=leads).latest("id").value == leads.current_value
    assert "Saved 1 check-in" in client.get(response["Location"]).content.decode()
    assert company_full_recompute(company=demo.company) == 0


def test_the_demo_nests_the_quarter_in_its_year(db, django_capture_on_commit_callbacks):
    """The quarter's company objective ladders up to the year's; the year's tree shows it, labelled."""
    with django_capture_on_commit_callbacks(execute=True):
        demo = load_demo()
    top = Objective.objects.select_related("cycle", "parent__cycle").get(
        company=demo.company, title__startswith="Expand into new markets"
    )
    year = top.parent.cycle
    assert year.status == "active"
    assert year.name == str(top.cycle.start_date.year)
    assert year.start_date <= top.cycle.start_date
    assert top.cycle.end_date <= year.end_date
    assert top.parent.progress is not None
    assert company_full_recompute(company=demo.company) == 0
    client = Client()
    assert client.login(username="viewer@demo.okrhub.test", password=DEMO_PASSWORD)
    tree = client.get(f"/c/demo/alignment/?cycle={year.pk}").content.decode()
    assert "Become a European company" in tree
    assert f'<span class="badge cycle-label">{top.cycle.name}</span>' in tree
    # The quarter's tree (the default) shows the year's objective as context.
    assert "Ladders up to" in client.get("/c/demo/alignment/").content.decode()
