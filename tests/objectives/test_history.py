"""Audit history of objectives and key results: who changed what, when, from what to what."""

from companies.models import CompanyAPIKey
from objectives.models import Objective
from tests.api.conftest import build_world


def _history(client, slug: str, path: str):
    response = client.get(f"/api/v1/companies/{slug}/{path}history/")
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_objective_history_names_the_person_and_the_change(team, api):
    world = build_world(team)
    slug, objective = world.slug, world.sales_objective
    lead = api(team.lead)
    assert (
        lead.patch(
            f"/api/v1/companies/{slug}/objectives/{objective.pk}/", {"title": "Close €6M"}, format="json"
        ).status_code
        == 200
    )
    entries = _history(api(team.viewer), slug, f"objectives/{objective.pk}/")
    newest = entries[0]
    assert newest["type"] == "changed"
    assert newest["via"] == "person"
    assert newest["by"]["email"] == team.lead.email
    assert {"field": "title", "from": "Close new business", "to": "Close €6M"} in newest["changes"]
    # The page shows it too.
    from django.test import Client

    client = Client()
    client.force_login(team.viewer)
    html = client.get(f"/c/{slug}/objectives/{objective.pk}/").content.decode()
    assert "Change history" in html
    assert "Close new business" in html
    assert "Close €6M" in html


def test_key_result_history_records_check_ins_and_names_the_api_key(team, api, api_key):
    world = build_world(team)
    slug, kr = world.slug, world.kr
    secret = api_key(team.company, "write")
    client = api(key=secret)
    response = client.post(
        f"/api/v1/companies/{slug}/key-results/{kr.pk}/check-ins/", {"value": "42", "confidence": "at_risk"}
    )
    assert response.status_code == 201
    entries = _history(api(team.admin), slug, f"key-results/{kr.pk}/")
    newest = entries[0]
    assert newest["via"] == "api_key"
    assert newest["by"] is None
    assert newest["api_key"] == CompanyAPIKey.objects.get(company=team.company, name="integration").prefix
    changed = {c["field"]: (c["from"], c["to"]) for c in newest["changes"]}
    assert changed["current_value"] == ("10.0000", "42.0000")
    assert changed["confidence"][1] == "at_risk"
    assert newest["summary"] == f"API key {newest['api_key']} checked in 42"
    # The page leaves check-ins to the check-in table.
    html = api(team.admin).get(f"/c/{slug}/key-results/{kr.pk}/").content.decode()
    assert "checked in 42" not in html.split('id="audit-h"', 1)[1]


def test_history_is_tenant_scoped_and_respects_privacy(team, other_team, api):
    world = build_world(team)
    other = build_world(other_team)
    slug = world.slug
    assert (
        api(team.admin).get(f"/api/v1/companies/{slug}/objectives/{other.sales_objective.pk}/history/").status_code
        == 404
    )
    assert (
        api(other_team.admin)
        .get(f"/api/v1/companies/{slug}/objectives/{world.sales_objective.pk}/history/")
        .status_code
        == 404
    )
    Objective.objects.filter(pk=world.draft.pk).update(private=True)
    # A viewer outside the department cannot read a private objective, nor its history.
    assert api(team.viewer).get(f"/api/v1/companies/{slug}/objectives/{world.draft.pk}/").status_code == 404
    assert api(team.viewer).get(f"/api/v1/companies/{slug}/objectives/{world.draft.pk}/history/").status_code == 404
