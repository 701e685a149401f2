"""GET /api/v1/companies/<slug>/events/: the activity feed over HTTP (and the shape webhooks will carry)."""

import datetime

import pytest
from django.utils import timezone

from objectives import services as okr
from objectives.feed import event_representation
from objectives.models import Event, Verb
from tests.factories import CycleFactory, DepartmentFactory, KeyResultFactory, ObjectiveFactory

SECRET = "Acquire a competitor"
KEYS = {"id", "verb", "created_at", "actor", "subject", "objective", "key_result", "checkin", "cycle", "department"}


@pytest.fixture
def story(team):
    """Sales with an EMEA team, a private company objective Sales depends on, and their events."""
    company, cycle, admin = team.company, team.cycle, team.actor(team.admin)
    emea = DepartmentFactory(company=company, name="EMEA", slug="emea", parent=team.department)
    secret = ObjectiveFactory(company=company, cycle=cycle, owner=team.leader, private=True, title=SECRET)
    sales = ObjectiveFactory(company=company, cycle=cycle, department=team.department, owner=team.lead, title="Deals")
    emea_objective = ObjectiveFactory(company=company, cycle=cycle, department=emea, parent=sales, title="EMEA deals")
    for objective, value in ((secret, 1), (sales, 10), (emea_objective, 3)):
        kr = KeyResultFactory(company=company, objective=objective, owner=team.admin, title=f"KR of {objective.title}")
        okr.checkin_create(company=company, actor=admin, key_result=kr, value=value, confidence="on_track")
    okr.dependency_create(company=company, actor=admin, from_objective=sales, to_objective=secret)
    return {"team": team, "secret": secret, "sales": sales, "emea": emea, "emea_objective": emea_objective}


def _get(client, team, query: str = ""):
    return client.get(f"/api/v1/companies/{team.company.slug}/events/{query}")


def test_each_event_has_the_documented_shape(story, api):
    team = story["team"]
    body = _get(api(team.leader), team).json()
    assert body["next"] is None
    events = {e.pk: e for e in Event.objects.select_related("actor")}
    assert [item["id"] for item in body["results"]] == sorted(events, reverse=True)
    for item in body["results"]:
        assert set(item) == KEYS | {"payload"}
        assert item == event_representation(events[item["id"]])  # the leader reads everything, payloads whole
        assert item["actor"] == {"id": team.admin.pk, "name": team.admin.display_name}
        assert item["created_at"].endswith("Z")
    checkin = next(item for item in body["results"] if item["verb"] == "checkin.created")
    assert checkin["subject"] == {"kind": "checkin", "id": checkin["checkin"]}


def test_private_objectives_events_stay_private(story, api, api_key):
    team, secret = story["team"], story["secret"]
    for client in (
        api(team.member),
        api(team.viewer),
        api(key=api_key(team.company, "read")),
        api(key=api_key(team.company, "write")),
    ):
        response = _get(client, team)
        assert response.status_code == 200
        assert secret.pk not in {item["objective"] for item in response.json()["results"]}
        assert SECRET not in response.content.decode()
        (dependency,) = [i for i in response.json()["results"] if i["verb"] == Verb.DEPENDENCY_CREATED]
        assert dependency["payload"]["to_objective_id"] == secret.pk
        assert dependency["payload"]["to_objective_title"] is None
        assert _get(client, team, f"?objective={secret.pk}").status_code == 404
    leader = _get(api(team.leader), team).content.decode()
    assert SECRET in leader


def test_filters(story, api):
    team, sales, emea_objective = story["team"], story["sales"], story["emea_objective"]
    client = api(team.admin)

    def objectives(query: str) -> list:
        response = _get(client, team, query)
        assert response.status_code == 200, response.content
        return [item["objective"] for item in response.json()["results"]]

    assert objectives(f"?objective={sales.pk}") == [sales.pk, sales.pk]
    assert set(objectives(f"?department={team.department.pk}")) == {sales.pk, emea_objective.pk}
    assert objectives(f"?department={story['emea'].pk}") == [emea_objective.pk]
    verbs = _get(client, team, "?verb=dependency.created&verb=cycle.closed").json()["results"]
    assert [item["verb"] for item in verbs] == ["dependency.created"]
    later = (timezone.now() + datetime.timedelta(minutes=1)).isoformat().replace("+00:00", "Z")
    assert objectives(f"?since={later}") == []
    assert len(objectives("?since=2000-01-01T00:00:00Z")) == 4
    everything = _get(client, team, "").json()["results"]
    assert _get(client, team, f"?cycle={team.cycle.pk}").json()["results"] == [
        item for item in everything if item["cycle"] == team.cycle.pk
    ]
    later_cycle = CycleFactory(company=team.company, name="Next quarter")
    assert objectives(f"?cycle={later_cycle.pk}") == []


def test_next_links_walk_every_event_once(story, api):
    team = story["team"]
    Event.objects.filter(company=team.company).update(created_at=timezone.now())  # one moment: ties broken by id
    client = api(team.admin)
    seen, url = (
        [],
        f"/api/v1/companies/{team.company.slug}/events/?page_size=1&verb=checkin.created&verb=dependency.created",
    )
    while url:
        body = client.get(url).json()
        assert len(body["results"]) <= 1
        seen += [item["id"] for item in body["results"]]
        url = body["next"]
        assert url is None or ("page_size=1" in url and "verb=checkin.created" in url)
    assert seen == sorted(Event.objects.filter(company=team.company).values_list("id", flat=True), reverse=True)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?cursor=bogus", "cursor"),
        ("?cursor=1-2-3", "cursor"),
        ("?cursor=%C2%B2-1", "cursor"),  # a superscript two is a digit to Python, not to a cursor
        ("?verb=checkin.exploded", "verb"),
        ("?since=yesterday", "since"),
        ("?page_size=0", "page_size"),
        ("?page_size=201", "page_size"),
        ("?objective=0", "objective"),
        ("?department=abc", "department"),
        ("?cycle=0", "cycle"),
        ("?limit=5", "limit"),
        ("?since=2026-01-01T00:00:00Z&since=2026-02-01T00:00:00Z", "since"),
    ],
)
def test_bad_parameters_answer_400_naming_them(story, api, query, field):
    response = _get(api(story["team"].admin), story["team"], query)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    # A repeated parameter's error names the value at fault too: verb[0] is the first verb.
    assert field in {error["field"].partition("[")[0] for error in response.json()["errors"]}


def test_another_companys_objective_or_department_is_not_found(story, other_team, api):
    team = story["team"]
    theirs = ObjectiveFactory(company=other_team.company, cycle=other_team.cycle)
    client = api(team.admin)
    for query in (
        f"?objective={theirs.pk}",
        f"?department={other_team.department.pk}",
        f"?cycle={other_team.cycle.pk}",
        "?objective=987654321",
    ):
        response = _get(client, team, query)
        assert response.status_code == 404, query
    # And through the other company's URL, nothing at all.
    assert _get(api(other_team.admin), team).status_code == 404


def test_the_schema_documents_the_endpoint_with_an_example(api, team):
    schema = api(team.admin).get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/companies/{slug}/events/"]["get"]
    names = {parameter["name"] for parameter in operation["parameters"]}
    assert {"objective", "department", "verb", "since", "cursor", "page_size"} <= names
    content = operation["responses"]["200"]["content"]["application/json"]
    assert content["examples"]["APageOfEvents"]["value"]["results"][0]["verb"] == "checkin.created"
    for verb in Verb.values:
        assert f"`{verb}`" in operation["description"]
