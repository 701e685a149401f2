"""DESIGN §1's seed cascade scripted purely through the API with a write key."""

from decimal import Decimal

import pytest

from objectives.models import CheckIn, KeyResult, Objective
from objectives.progress import Weighted, key_result_progress, weighted_progress

BASE = "/api/v1/companies/acme"


def created(response) -> dict:
    assert response.status_code == 201, response.json()
    return response.json()


@pytest.fixture
def departments(team, api):
    """Marketing and Product, created by the admin through the API (keys never manage structure)."""
    admin = api(team.admin)
    ids = {"Sales": team.department.pk}
    for name in ("Marketing", "Product"):
        ids[name] = created(admin.post(f"{BASE}/departments/", {"name": name}))["id"]
    return ids


def test_seed_cascade_through_the_api_rolls_up_in_the_tree(
    team, api, api_key, departments, django_capture_on_commit_callbacks
):
    client = api(key=api_key(team.company, "write"))
    cycle = team.cycle.pk
    with django_capture_on_commit_callbacks(execute=True):
        company = created(
            client.post(
                f"{BASE}/objectives/",
                {"cycle": cycle, "title": "Expand into new markets and grow revenue by 25%", "status": "active"},
            )
        )
        objectives = {}
        for department, title in [
            ("Sales", "Close €5M in new business from target markets"),
            ("Marketing", "Generate 1,000 qualified leads from Germany and France"),
            ("Product", "Launch localized versions of the platform in French and German"),
        ]:
            objectives[department] = created(
                client.post(
                    f"{BASE}/objectives/",
                    {
                        "cycle": cycle,
                        "department": departments[department],
                        "parent": company["id"],
                        "title": title,
                        "status": "active",
                    },
                )
            )
        revenue = created(
            client.post(
                f"{BASE}/key-results/",
                {
                    "objective": objectives["Sales"]["id"],
                    "title": "Grow new-market revenue from €0 to €5,000,000",
                    "kind": "currency",
                    "currency": "eur",
                    "start_value": "0",
                    "target_value": "5000000",
                },
            )
        )
        leads = created(
            client.post(
                f"{BASE}/key-results/",
                {
                    "objective": objectives["Marketing"]["id"],
                    "title": "Raise qualified leads from DE and FR from 0 to 1,000",
                    "kind": "number",
                    "target_value": "1000",
                },
            )
        )
        french, german = (
            created(
                client.post(
                    f"{BASE}/key-results/",
                    {"objective": objectives["Product"]["id"], "title": f"{lang} version live", "kind": "milestone"},
                )
            )
            for lang in ("French", "German")
        )
        for kr, value, confidence in [
            (revenue, "1250000", "at_risk"),
            (revenue, "2000000", "on_track"),
            (leads, "500", "on_track"),
            (french, "1", "on_track"),
            (german, "0", "off_track"),
        ]:
            created(
                client.post(f"{BASE}/key-results/{kr['id']}/check-ins/", {"value": value, "confidence": confidence})
            )

    assert revenue["currency"] == "EUR"
    assert CheckIn.objects.filter(company=team.company).count() == 5
    # The prediction, from the progress maths alone.
    sales = key_result_progress(
        kind="currency", direction="increase", start=0, target=5000000, current=Decimal(2000000)
    )
    marketing = key_result_progress(kind="number", direction="increase", start=0, target=1000, current=Decimal(500))
    product = weighted_progress([Weighted(1.0, 1), Weighted(0.0, 1)])
    expected_company = weighted_progress([Weighted(sales, 1), Weighted(marketing, 1), Weighted(product, 1)])
    assert (sales, marketing, product) == (0.4, 0.5, 0.5)

    tree = client.get(f"{BASE}/alignment/tree/", {"cycle": cycle})
    assert tree.status_code == 200
    body = tree.json()
    assert body["count"] == 4
    [root] = body["roots"]
    assert root["title"] == "Expand into new markets and grow revenue by 25%"
    assert root["progress"] == pytest.approx(expected_company)
    children = {child["department_name"]: child for child in root["children"]}
    assert {name: child["progress"] for name, child in children.items()} == {
        "Sales": pytest.approx(sales),
        "Marketing": pytest.approx(marketing),
        "Product": pytest.approx(product),
    }
    assert children["Sales"]["key_results"][0]["current_value"] == "2000000.0000"
    assert children["Sales"]["key_results"][0]["confidence"] == "on_track"
    assert children["Product"]["off_track"]
    assert not children["Sales"]["off_track"]
    assert not any(child["unaligned"] for child in root["children"])
    # The stored cache agrees with the tree.
    assert Objective.objects.get(pk=company["id"]).progress == pytest.approx(expected_company)
    assert KeyResult.objects.get(pk=leads["id"]).progress == 0.5
