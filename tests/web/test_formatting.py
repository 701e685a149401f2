"""Issue 17 item 3: values per unit without trailing zeros, decreases as "→ target", plural counts."""

from decimal import Decimal

import pytest
from django.urls import reverse

from objectives.formatting import count, format_value, kr_standing, plain_decimal
from objectives.forms import KeyResultForm
from tests.factories import DepartmentFactory, DepartmentMembershipFactory, KeyResultFactory, ObjectiveFactory


@pytest.mark.parametrize(
    ("value", "kind", "unit", "currency", "text"),
    [
        (Decimal("1000.0000"), "number", "", "", "1,000"),
        (Decimal("0.0000"), "number", "", "", "0"),
        (Decimal("620.0000"), "number", "leads", "", "620 leads"),
        (Decimal("12.5000"), "number", "days", "", "12.5 days"),
        (Decimal("45.0000"), "percent", "", "", "45%"),
        (Decimal("4.2500"), "number", "%", "", "4.25%"),
        (Decimal("2300000.0000"), "currency", "", "EUR", "€2,300,000"),
        (Decimal("108.0000"), "currency", "", "EUR", "€108"),
        (Decimal("12.5000"), "currency", "", "USD", "$12.50"),
        (Decimal("-40.0000"), "currency", "", "GBP", "-£40"),
        (Decimal("5000.0000"), "currency", "", "SEK", "5,000 SEK"),
        (Decimal("1.0000"), "milestone", "", "", "Done"),
        (Decimal("0.0000"), "milestone", "", "", "Not done"),
        (None, "number", "leads", "", "—"),
    ],
)
def test_values_read_per_unit_without_trailing_zeros(value, kind, unit, currency, text):
    assert format_value(value, kind=kind, unit=unit, currency=currency) == text


@pytest.mark.parametrize(
    ("direction", "current", "target", "text"),
    [
        ("decrease", Decimal("108.0000"), Decimal("80.0000"), "€108 → €80 target"),
        ("at_most", Decimal("95.0000"), Decimal("100.0000"), "€95 → €100 target"),
        ("increase", Decimal("1500.0000"), Decimal("3000.0000"), "€1,500 of €3,000"),
        ("at_least", Decimal("3000.0000"), Decimal("3000.0000"), "€3,000 of €3,000"),
        ("decrease", None, Decimal("80.0000"), "target €80"),
    ],
)
def test_a_decrease_reads_towards_its_target(direction, current, target, text):
    kr = {"kind": "currency", "unit": "", "currency": "EUR", "direction": direction}
    assert kr_standing({**kr, "current_value": current, "target_value": target}) == text


@pytest.mark.parametrize(
    ("kind", "unit", "text"),
    [("number", "leads", "620 of 1,000 leads"), ("number", "%", "620% of 1,000%"), ("percent", "", "620% of 1,000%"),
     ("number", "", "620 of 1,000")],
)  # fmt: skip
def test_an_increase_names_its_unit_once(kind, unit, text):
    kr = {"kind": kind, "unit": unit, "currency": "", "direction": "increase"}
    assert kr_standing({**kr, "current_value": Decimal(620), "target_value": Decimal(1000)}) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(Decimal("1000.0000"), "1000"), (Decimal("0.0000"), "0"), (Decimal("1.00"), "1"), (Decimal("12.5000"), "12.5"),
     (Decimal("1E+3"), "1000"), (Decimal("0.0001"), "0.0001"), (None, "")],
)  # fmt: skip
def test_form_inputs_show_plain_numbers(value, text):
    assert plain_decimal(value) == text


@pytest.mark.parametrize(
    ("n", "text"), [(0, "0 check-ins"), (1, "1 check-in"), (2, "2 check-ins"), (1200, "1,200 check-ins")]
)
def test_counts_use_the_plural_form(n, text):
    assert count(n, "check-in", "check-ins") == text


@pytest.mark.django_db
def test_key_result_form_shows_stored_decimals_without_trailing_zeros(team):
    form = KeyResultForm(
        company=team.company,
        initial={"start_value": Decimal("0.0000"), "target_value": Decimal("1000.0000"), "weight": Decimal("1.00")},
    )
    html = str(form["target_value"]) + str(form["start_value"]) + str(form["weight"])
    assert 'value="1000"' in html
    assert 'value="0"' in html
    assert 'value="1"' in html
    assert "1000.0000" not in html
    assert "0.0000" not in html
    assert "1.00" not in html


def test_edit_key_result_page_and_rows_show_plain_values(team, client_for):
    objective = ObjectiveFactory(company=team.company, cycle=team.cycle, department=team.department)
    kr = KeyResultFactory(
        company=team.company,
        objective=objective,
        title="Cut cost per lead from €120 to €80",
        kind="currency",
        currency="EUR",
        direction="decrease",
        start_value=120,
        target_value=80,
        current_value=108,
        progress=0.3,
    )
    client = client_for(team.admin)
    slug = team.company.slug
    edit = client.get(reverse("objectives:key_result_edit", kwargs={"company_slug": slug, "key_result_id": kr.pk}))
    html = edit.content.decode()
    assert 'value="120"' in html
    assert 'value="80"' in html
    assert ".0000" not in html
    page = client.get(reverse("objectives:objective", kwargs={"company_slug": slug, "objective_id": objective.pk}))
    assert "€108 → €80 target" in page.content.decode()
    assert "€108 of €80" not in page.content.decode()


def test_department_member_count_is_pluralised(team, client_for):
    finance = DepartmentFactory(company=team.company, name="Finance", slug="finance")
    DepartmentMembershipFactory(company=team.company, department=finance, user=team.viewer, role="member")
    html = client_for(team.admin).get(reverse("companies:settings", args=[team.company.slug])).content.decode()
    assert "0 leads, 1 person" in html
    assert "1 people" not in html


ONE_OBJECTIVE_CSV = """type,ref,title,cycle,department,parent,objective,owner,activate,kind,direction,start,target,unit
objective,grow,Grow the Nordics,2026 Q4,,,,admin@acme.test,yes,,,,,
key_result,,Raise NPS from 20 to 45,,,,grow,,,number,increase,20,45,points
"""


def test_import_message_uses_singular_counts(team, client_for):
    response = client_for(team.admin).post(
        reverse("objectives:import", args=[team.company.slug]),
        {"csv_text": ONE_OBJECTIVE_CSV, "intent": "import"},
        follow=True,
    )
    html = response.content.decode()
    assert "Imported 1 objective and 1 key result." in html
    assert "1 objectives" not in html
