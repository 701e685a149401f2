"""Every endpoint against the permission matrix, the tenant wall and bad input.

Driven by ``tests/api/endpoints.py``: each operation names the roles that
may perform it; every other role must get 403 with the database unchanged.
"""

import pytest

from tests.api.conftest import ROLES
from tests.api.endpoints import BAD_INPUTS, OPS, READS, WRITES, call
from tests.helpers import db_state


def _ids(value):
    return getattr(value, "name", None)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("op", WRITES, ids=_ids)
def test_writes_follow_the_matrix(world, as_role, op, role):
    client = as_role(world, role)
    before = db_state()
    response = call(client, op, world)
    if role in op.allowed:
        assert response.status_code in (200, 201, 204), response.content
        assert db_state() != before, "an allowed write changed nothing"
    else:
        assert response.status_code == 403, response.content
        assert response.json()["code"] == "permission_denied"
        assert db_state() == before


@pytest.mark.parametrize("op", READS, ids=_ids)
def test_reads_follow_the_matrix(world, as_role, op):
    statuses = {role: call(as_role(world, role), op, world).status_code for role in ROLES}
    assert statuses == {role: 200 if role in op.allowed else 403 for role in ROLES}


@pytest.mark.parametrize("intruder", ["admin", "write_key"])
@pytest.mark.parametrize("op", OPS, ids=_ids)
def test_another_companys_objects_answer_404(world, other_world, as_role, op, intruder):
    """Globex's admin and Globex's key reach nothing of Acme's, through either company's URL."""
    client = as_role(other_world, intruder)
    before = db_state()
    through_acme = call(client, op, world)
    assert through_acme.status_code == 404, through_acme.content
    assert through_acme.json()["detail"] == "No such company."
    if op.path(world) != op.path(other_world):  # the path names one of Acme's objects
        through_globex = call(client, op, world, slug=other_world.slug)
        # A role refused the action may be refused before the lookup (403 for every id alike).
        assert through_globex.status_code in ({404} if intruder in op.allowed else {403, 404}), through_globex.content
        assert through_globex["Content-Type"] == "application/problem+json"
    assert db_state() == before


@pytest.mark.parametrize(
    ("op", "field", "body"), BAD_INPUTS, ids=lambda v: _ids(v) or (v if isinstance(v, str) else None)
)
def test_bad_input_names_the_field_and_changes_nothing(world, as_role, op, field, body):
    client = as_role(world, "admin")
    before = db_state()
    response = call(client, op, world, body(world))
    assert response.status_code == 400, response.content
    problem = response.json()
    assert field in {error["field"] for error in problem["errors"]}, problem
    assert db_state() == before


def test_references_to_another_companys_rows_read_as_missing(world, other_world, as_role):
    """Naming Acme's cycle in a Globex write answers exactly like naming no cycle at all."""
    client = as_role(other_world, "admin")
    url = f"/api/v1/companies/{other_world.slug}/objectives/"
    theirs = client.post(url, {"cycle": world.team.cycle.pk, "title": "Borrowed"}, format="json")
    missing = client.post(url, {"cycle": 987654321, "title": "Borrowed"}, format="json")
    assert theirs.status_code == missing.status_code == 400
    assert [(e["field"], e["code"]) for e in theirs.json()["errors"]] == [("cycle", "does_not_exist")]
    assert theirs.json()["errors"][0]["message"].replace(str(world.team.cycle.pk), "N") == missing.json()["errors"][0][
        "message"
    ].replace("987654321", "N")


LISTS = {
    "members/": "companies.Membership",
    "departments/": "departments.Department",
    "cycles/": "objectives.Cycle",
    "objectives/": "objectives.Objective",
    "key-results/": "objectives.KeyResult",
    "dependencies/": "objectives.Dependency",
}


@pytest.mark.parametrize("role", ["admin", "write_key"])
def test_lists_and_the_tree_hold_only_the_companys_rows(world, other_world, as_role, role):
    from django.apps import apps

    client = as_role(world, role)
    for path, label in LISTS.items():
        rows = client.get(f"/api/v1/companies/{world.slug}/{path}?page_size=200").json()["results"]
        model = apps.get_model(label)
        ids = [row["id"] for row in rows]
        assert ids, path
        assert not model.objects.filter(pk__in=ids).exclude(company=world.team.company).exists(), path
    checkins = client.get(f"/api/v1/companies/{world.slug}/key-results/{world.kr.pk}/check-ins/").json()["results"]
    assert [row["id"] for row in checkins] == [world.checkin.pk]
    tree = client.get(f"/api/v1/companies/{world.slug}/alignment/tree/", {"include_drafts": "true"}).json()
    stack, seen = list(tree["roots"]), set()
    while stack:
        row = stack.pop()
        seen.add(row["id"])
        stack += row["children"]
    expected = {world.company_objective.pk, world.sales_objective.pk, world.draft.pk}
    assert seen == expected
    gaps = client.get(f"/api/v1/companies/{world.slug}/alignment/gaps/").json()
    assert {d["id"] for d in gaps["departments_without_objectives"]} == {world.ops.pk}


STATE_REFUSALS = [
    ("post", lambda w: f"cycles/{w.team.cycle.pk}/activate/", {}, "status"),  # already active
    ("post", lambda w: f"objectives/{w.sales_objective.pk}/activate/", {}, "status"),  # already active
    ("delete", lambda w: f"objectives/{w.sales_objective.pk}/", None, "status"),  # active: archive it instead
    ("delete", lambda w: f"objectives/{w.company_objective.pk}/", None, "status"),
    ("patch", lambda w: f"members/{w.team.company.memberships.get(user=w.team.admin).pk}/", {"role": "viewer"}, "role"),
    ("delete", lambda w: f"members/{w.team.company.memberships.get(user=w.team.admin).pk}/", None, "user"),
    ("delete", lambda w: f"departments/{w.team.department.pk}/", None, "department"),  # has objectives
    ("post", lambda w: f"key-results/{w.kr.pk}/check-ins/", {"value": "0.5", "confidence": "on_track"}, None),
    ("patch", lambda w: f"key-results/{w.kr.pk}/grade/", {"score": 0.5, "reason": "Early"}, "cycle"),  # cycle open
    ("put", lambda w: f"objectives/{w.sales_objective.pk}/retrospective/", {"went_well": "Early"}, "cycle"),
    ("post", lambda w: f"cycles/{w.team.cycle.pk}/planning/{w.ops.pk}/submit/", {}, "department"),  # no drafts
    ("post", lambda w: f"cycles/{w.team.cycle.pk}/planning/{w.team.department.pk}/approve/", {}, "state"),  # drafting
    ("post", lambda w: f"cycles/{w.team.cycle.pk}/planning/{w.team.department.pk}/return/", {"comment": "No"}, "state"),
]


@pytest.mark.parametrize(("method", "path", "body", "field"), STATE_REFUSALS)
def test_writes_refused_by_the_objects_state_change_nothing(world, as_role, method, path, body, field):
    client = as_role(world, "admin")
    url = f"/api/v1/companies/{world.slug}/{path(world)}"
    if field is None:  # a check-in on a closed objective
        from objectives.models import Objective

        Objective.objects.filter(pk=world.sales_objective.pk).update(status="closed")
        field = "key_result"
    before = db_state()
    response = getattr(client, method)(url, body, format="json") if body is not None else getattr(client, method)(url)
    assert response.status_code == 400, response.content
    assert field in {error["field"] for error in response.json()["errors"]}
    assert db_state() == before
