"""Shared key results over HTTP: an objective's list, share, stop sharing; converting an overlap into one."""

import pytest

from objectives import overlaps
from objectives.models import SharedKeyResult
from tests.factories import KeyResultFactory, ObjectiveFactory

ALLOWED = {"admin", "lead", "write_key"}  # MANAGE_DEPENDENCY on the receiving Sales objective
ROLES = ["admin", "leader", "lead", "member", "viewer", "read_key", "write_key"]
MISSING = 987654321


@pytest.fixture(autouse=True)
def _fresh_overlaps():
    overlaps.clear_cache()
    yield
    overlaps.clear_cache()


@pytest.fixture
def ops_kr(world):
    """An Operations key result that chases what Sales' objective says: "Close new business" in other words."""
    ops_objective = ObjectiveFactory(
        company=world.team.company, cycle=world.team.cycle, department=world.ops, title="Run a lean back office"
    )
    return KeyResultFactory(
        company=world.team.company, objective=ops_objective, title="Close new business in Europe", progress=0.4
    )


def shares_url(world, objective_id: int) -> str:
    return f"/api/v1/companies/{world.slug}/objectives/{objective_id}/shared-key-results/"


def fields_of(response) -> str:
    return str(response.json())


@pytest.mark.parametrize("role", ROLES)
def test_who_may_share_into_an_objective_and_everyone_reads_it(world, ops_kr, as_role, role):
    response = as_role(world, role).post(shares_url(world, world.sales_objective.pk), {"key_result": ops_kr.pk})
    assert response.status_code == (201 if role in ALLOWED else 403), response.content
    if role not in ALLOWED:
        assert not SharedKeyResult.objects.exists()
        return
    body = response.json()
    assert (body["objective"], body["key_result"]) == (world.sales_objective.pk, ops_kr.pk)
    assert body["key_result_objective"] == ops_kr.objective_id
    assert body["key_result_department"] == "Operations"
    listed = as_role(world, "viewer").get(shares_url(world, world.sales_objective.pk))
    assert listed.status_code == 200
    assert [(row["key_result"], row["key_result_title"], row["progress"]) for row in listed.json()["results"]] == [
        (ops_kr.pk, "Close new business in Europe", 0.4)
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "key_result"),
        ({"key_result": "twelve"}, "key_result"),
        ({"key_result": MISSING}, "key_result"),
        ({"key_result": "OWN"}, "key_result"),  # the objective's own key result
        ({"key_result": "TWICE"}, "key_result"),  # already shared
    ],
)
def test_bad_input_answers_400_naming_the_field(world, ops_kr, as_role, body, field):
    client = as_role(world, "admin")
    url = shares_url(world, world.sales_objective.pk)
    if body.get("key_result") == "OWN":
        body = {"key_result": world.kr.pk}
    if body.get("key_result") == "TWICE":
        assert client.post(url, {"key_result": ops_kr.pk}).status_code == 201
        body = {"key_result": ops_kr.pk}
    response = client.post(url, body)
    assert response.status_code == 400
    assert field in fields_of(response)


def test_another_companys_objective_or_key_result_is_refused(world, other_world, ops_kr, as_role):
    client = as_role(world, "admin")
    assert client.get(shares_url(world, other_world.sales_objective.pk)).status_code == 404
    assert client.post(shares_url(world, other_world.sales_objective.pk), {"key_result": ops_kr.pk}).status_code == 404
    foreign = client.post(shares_url(world, world.sales_objective.pk), {"key_result": other_world.kr.pk})
    assert foreign.status_code == 400  # a key result of another company reads as one that does not exist
    assert "key_result" in fields_of(foreign)
    assert client.delete(shares_url(world, other_world.sales_objective.pk) + f"{other_world.kr.pk}/").status_code == 404
    other_slug = f"/api/v1/companies/{other_world.slug}/objectives/{other_world.sales_objective.pk}/shared-key-results/"
    assert client.get(other_slug).status_code == 404
    assert not SharedKeyResult.objects.exists()


def test_a_private_key_result_is_neither_listed_nor_shareable_by_who_may_not_read_it(world, ops_kr, as_role):
    ops_objective = ops_kr.objective
    admin = as_role(world, "admin")
    assert admin.post(shares_url(world, world.sales_objective.pk), {"key_result": ops_kr.pk}).status_code == 201
    ops_objective.private = True
    ops_objective.save()
    # The Sales lead may not read Operations' private objective: the share is not listed, nor made, nor removed.
    lead = as_role(world, "lead")
    assert lead.get(shares_url(world, world.sales_objective.pk)).json() == {"results": []}
    other = KeyResultFactory(company=world.team.company, objective=ops_objective, title="Cut invoice time")
    refused = lead.post(shares_url(world, world.sales_objective.pk), {"key_result": other.pk})
    assert refused.status_code == 400
    assert "key_result" in fields_of(refused)
    assert lead.delete(shares_url(world, world.sales_objective.pk) + f"{ops_kr.pk}/").status_code == 404
    assert SharedKeyResult.objects.filter(key_result=ops_kr).exists()
    # A private objective's own list is as private as the objective.
    assert lead.get(shares_url(world, ops_objective.pk)).status_code == 404
    assert [row["key_result"] for row in admin.get(shares_url(world, world.sales_objective.pk)).json()["results"]] == [
        ops_kr.pk
    ]


@pytest.mark.parametrize("role", ROLES)
def test_who_may_stop_sharing(world, ops_kr, as_role, role):
    url = shares_url(world, world.sales_objective.pk)
    assert as_role(world, "admin").post(url, {"key_result": ops_kr.pk}).status_code == 201
    response = as_role(world, role).delete(url + f"{ops_kr.pk}/")
    assert response.status_code == (204 if role in ALLOWED else 403)
    assert SharedKeyResult.objects.filter(key_result=ops_kr).exists() is (role not in ALLOWED)
    if role in ALLOWED:
        assert as_role(world, "admin").delete(url + f"{ops_kr.pk}/").status_code == 404  # no longer shared


# ---------------------------------------------------------------- an overlap converted into a shared key result


def overlaps_url(world) -> str:
    return f"/api/v1/companies/{world.slug}/cycles/{world.team.cycle.pk}/overlaps/"


def test_converting_an_overlap_shares_its_key_result_and_the_pair_goes(world, ops_kr, as_role):
    client = as_role(world, "lead")
    pair = overlaps.pair_key(f"o{world.sales_objective.pk}", f"k{ops_kr.pk}")
    listed = {row["pair"]: row for row in client.get(overlaps_url(world)).json()["results"]}
    assert listed[pair]["can_share"] is True  # the lead may link Sales' objective, the receiving side
    viewer = {row["pair"]: row for row in as_role(world, "viewer").get(overlaps_url(world)).json()["results"]}
    assert viewer[pair]["can_share"] is False
    response = client.post(overlaps_url(world) + "convert/", {"pair": pair, "kind": "shared_key_result"})
    assert response.status_code == 201, response.content
    assert (response.json()["objective"], response.json()["key_result"]) == (world.sales_objective.pk, ops_kr.pk)
    assert pair not in {row["pair"] for row in client.get(overlaps_url(world)).json()["results"]}
    assert [row["key_result"] for row in client.get(shares_url(world, world.sales_objective.pk)).json()["results"]] == [
        ops_kr.pk
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "merge"}, "kind"),
        ({"kind": "shared_key_result", "key_result": "third"}, "key_result"),
        ({"kind": "shared_key_result", "pair": "OBJECTIVES"}, "kind"),  # two objectives: no key result to share
    ],
)
def test_bad_convert_input_answers_400_naming_the_field(world, ops_kr, as_role, body, field):
    twin = ObjectiveFactory(
        company=world.team.company, cycle=world.team.cycle, department=world.ops, title="Close new business in Asia"
    )
    pair = overlaps.pair_key(f"o{world.sales_objective.pk}", f"k{ops_kr.pk}")
    if body.get("pair") == "OBJECTIVES":
        pair = overlaps.pair_key(f"o{world.sales_objective.pk}", f"o{twin.pk}")
    response = as_role(world, "admin").post(overlaps_url(world) + "convert/", {**body, "pair": pair})
    assert response.status_code == 400, response.content
    assert field in fields_of(response)
    assert not SharedKeyResult.objects.exists()


def test_the_schema_describes_the_shared_key_result_operations(api, world):
    schema = api(world.team.admin).get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    base = "/api/v1/companies/{slug}/objectives/{id}/shared-key-results/"
    assert {p for p in schema["paths"] if "/shared-key-results/" in p} == {base, base + "{key_result_id}/"}
    assert set(schema["paths"][base]) >= {"get", "post"}
    assert "delete" in schema["paths"][base + "{key_result_id}/"]
    convert = next(v for p, v in schema["paths"].items() if p.endswith("/overlaps/convert/"))["post"]
    request = convert["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert {"kind", "key_result"} <= set(schema["components"]["schemas"][request]["properties"])
    converted = convert["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert len(schema["components"]["schemas"][converted]["oneOf"]) == 2  # a dependency or a shared key result
