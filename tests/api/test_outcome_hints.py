"""The outcome check through the API (DESIGN §1): hints on key-result writes and again at activation."""

from objectives import services as okr

BASE = "/api/v1/companies/acme"


def test_activate_answers_with_the_key_results_activity_hints(team, api):
    draft = okr.objective_create(
        company=team.company, actor=None, cycle=team.cycle, department=team.department, title="Win DACH"
    )
    okr.key_result_create(company=team.company, actor=None, objective=draft, title="Hire 3 SDRs", target_value=3)
    okr.key_result_create(
        company=team.company, actor=None, objective=draft, title="Deliver 99.9% uptime", target_value=99.9
    )
    response = api(team.lead).post(f"{BASE}/objectives/{draft.pk}/activate/")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "active"
    activity = [hint for hint in body["hints"] if hint["code"] == "activity_key_result"]
    assert activity == [
        {
            "code": "activity_key_result",
            "field": "key_results",
            "message": activity[0]["message"],
            "suggestion": "Grow qualified sales pipeline from €X to €Y",
        }
    ]
    assert activity[0]["message"].startswith("“Hire 3 SDRs” describes an activity")


def test_key_result_writes_judge_the_kind_too(team, api):
    objective = okr.objective_create(company=team.company, actor=None, cycle=team.cycle, title="Save money")
    client = api(team.admin)
    payload = {"objective": objective.pk, "title": "Deliver 300k in savings", "start_value": 0, "target_value": 300000}
    response = client.post(f"{BASE}/key-results/", payload)
    assert response.status_code == 201, response.json()
    assert [hint["code"] for hint in response.json()["hints"]] == ["activity_key_result"]
    response = client.post(f"{BASE}/key-results/", payload | {"kind": "currency", "currency": "EUR"})
    assert response.status_code == 201, response.json()
    assert response.json()["hints"] == []
