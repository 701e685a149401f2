"""The overlaps API: a cycle's pairs with scores and reasons, dismiss, convert; roles, tenancy, bad input."""

import pytest

from objectives import overlaps
from objectives.models import Dependency, OverlapDismissal
from tests.factories import ObjectiveFactory

ALLOWED = {"admin", "lead", "write_key"}  # MANAGE_DEPENDENCY on either side (Sales here; nobody leads Operations)
ROLES = ["admin", "leader", "lead", "member", "viewer", "read_key", "write_key"]


@pytest.fixture(autouse=True)
def _fresh_overlaps():
    overlaps.clear_cache()
    yield
    overlaps.clear_cache()


@pytest.fixture
def ops_twin(world):
    """Operations writes what Sales already chases: "Close new business" in other words."""
    return ObjectiveFactory(
        company=world.team.company, cycle=world.team.cycle, department=world.ops, title="Close new business in Europe"
    )


def base(world) -> str:
    return f"/api/v1/companies/{world.slug}/cycles/{world.team.cycle.pk}/overlaps/"


def pair_of(world, ops_twin) -> str:
    return overlaps.pair_key(f"o{world.sales_objective.pk}", f"o{ops_twin.pk}")


@pytest.mark.parametrize("role", ROLES)
def test_every_reader_lists_the_pair_with_its_score_and_reasons(world, ops_twin, as_role, role):
    response = as_role(world, role).get(base(world))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    found = body["results"][0]
    assert found["pair"] == pair_of(world, ops_twin)
    assert {found["first"]["department"], found["second"]["department"]} == {"Sales", "Operations"}
    assert found["score"] >= overlaps.DEFAULT_THRESHOLD
    assert found["reasons"][0] == "shared key terms: business"
    assert found["can_act"] is (role in ALLOWED)


def test_a_private_side_hides_the_pair_from_who_may_not_read_it(world, ops_twin, as_role):
    ops_twin.private = True
    ops_twin.save()
    assert as_role(world, "member").get(base(world)).json() == {"count": 0, "results": []}
    assert as_role(world, "admin").get(base(world)).json()["count"] == 1


@pytest.mark.parametrize("role", ROLES)
def test_who_may_dismiss(world, ops_twin, as_role, role):
    response = as_role(world, role).post(base(world) + "dismiss/", {"pair": pair_of(world, ops_twin)})
    assert response.status_code == (200 if role in ALLOWED else 403)
    assert OverlapDismissal.objects.filter(company=world.team.company).exists() is (role in ALLOWED)
    if role in ALLOWED:
        assert response.json()["pair"] == pair_of(world, ops_twin)
        assert as_role(world, "viewer").get(base(world)).json()["count"] == 0


@pytest.mark.parametrize("role", ROLES)
def test_who_may_convert(world, ops_twin, as_role, role):
    response = as_role(world, role).post(base(world) + "convert/", {"pair": pair_of(world, ops_twin)})
    assert response.status_code == (201 if role in ALLOWED else 403)
    made = Dependency.objects.filter(
        company=world.team.company, from_objective=world.sales_objective, to_objective=ops_twin
    )
    assert made.exists() is (role in ALLOWED)
    if role in ALLOWED:
        assert response.json()["from_objective"] == world.sales_objective.pk
        assert as_role(world, "admin").get(base(world)).json()["count"] == 0


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("dismiss/", {}, "pair"),
        ("dismiss/", {"pair": "o1"}, "pair"),
        ("dismiss/", {"pair": "o1|x2"}, "pair"),
        ("convert/", {"pair": ""}, "pair"),
        ("convert/", {"pair": "PAIR", "depending": "sideways"}, "depending"),
    ],
)
def test_bad_input_answers_400_naming_the_field(world, ops_twin, as_role, path, body, field):
    if body.get("pair") == "PAIR":
        body = {**body, "pair": pair_of(world, ops_twin)}
    response = as_role(world, "admin").post(base(world) + path, body)
    assert response.status_code == 400
    assert field in str(response.json())


def test_a_bad_limit_answers_400_naming_it(world, ops_twin, as_role):
    for bad in ("0", "x", "1001", "-1"):
        response = as_role(world, "admin").get(base(world) + f"?limit={bad}")
        assert response.status_code == 400
        assert "limit" in str(response.json())
    response = as_role(world, "admin").get(base(world) + "?limit=1")
    assert response.status_code == 200, response.content
    assert response.json()["count"] == 1


def test_an_unlisted_pair_is_not_found(world, ops_twin, as_role):
    response = as_role(world, "admin").post(base(world) + "dismiss/", {"pair": f"o{world.draft.pk}|o{ops_twin.pk}"})
    assert response.status_code == 404


def test_another_companys_cycle_and_pairs_are_not_found(world, other_world, ops_twin, as_role):
    client = as_role(world, "admin")
    foreign = f"/api/v1/companies/{world.slug}/cycles/{other_world.team.cycle.pk}/overlaps/"
    assert client.get(foreign).status_code == 404
    assert client.post(foreign + "dismiss/", {"pair": pair_of(world, ops_twin)}).status_code == 404
    other_slug = f"/api/v1/companies/{other_world.slug}/cycles/{other_world.team.cycle.pk}/overlaps/"
    assert client.get(other_slug).status_code == 404
    twin = ObjectiveFactory(
        company=other_world.team.company, cycle=other_world.team.cycle, department=other_world.ops,
        title="Close new business in Europe",
    )  # fmt: skip
    foreign_pair = overlaps.pair_key(f"o{other_world.sales_objective.pk}", f"o{twin.pk}")
    assert client.post(base(world) + "convert/", {"pair": foreign_pair}).status_code == 404


def test_the_list_costs_a_constant_number_of_queries(world, ops_twin, as_role, django_assert_max_num_queries):
    client = as_role(world, "admin")
    client.get(base(world))
    with django_assert_max_num_queries(8):  # auth, membership, departments, cycle, dismissals (the pairs are kept)
        assert client.get(base(world)).json()["count"] == 1
    for n in range(10):
        ObjectiveFactory(company=world.team.company, cycle=world.team.cycle, department=world.ops, title=f"Plan {n}")
    client.get(base(world))
    with django_assert_max_num_queries(8):
        client.get(base(world))


def test_the_schema_describes_the_overlap_operations(api, world):
    schema = api(world.team.admin).get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = [p for p in schema["paths"] if "/overlaps/" in p]
    assert len(paths) == 3
