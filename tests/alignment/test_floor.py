"""The benchmark compares the tree API with its floor: both must produce the same tree."""

import orjson
import pytest
from django.db import connection

from bench.floor import floor_tree
from bench.generate import build_company
from objectives.models import Dependency, Objective


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen_clock")  # the API reads "today" during the request, the floor after it
def test_the_floor_and_the_api_produce_the_same_tree(api, api_key):
    built = build_company(scale=0.02, slug="floor-check")
    company, cycle = built.company, built.company.cycle_set.get()
    department_objectives = Objective.objects.filter(company=company, department__isnull=False).order_by("id")
    # Make sure both privacy paths are exercised: a private objective, and a dependency on one.
    hidden, other = department_objectives[0], department_objectives[1]
    Objective.objects.filter(pk=hidden.pk).update(private=True)
    Dependency.objects.create(company=company, from_objective=other, to_objective=hidden)
    assert Dependency.objects.filter(company=company).count() > 1

    body = api(key=api_key(company, "read")).get(
        f"/api/v1/companies/{company.slug}/alignment/tree/", {"cycle": cycle.pk}
    )
    assert body.status_code == 200
    from_api = orjson.loads(body.content)
    connection.ensure_connection()
    from_floor = orjson.loads(
        floor_tree(
            connection.connection,
            company_id=company.pk,
            cycle_id=cycle.pk,
            start=cycle.start_date,
            end=cycle.end_date,
            today=company.local_today(),
        )
    )
    assert from_api["count"] == from_floor["count"] > 150
    for name in ("today", "expected_progress", "count", "roots"):
        assert from_api[name] == from_floor[name], name
    stack, linked = list(from_api["roots"]), set()
    while stack:
        node = stack.pop()
        assert node["id"] != hidden.pk
        linked.update(node["depends_on"])
        stack += node["children"]
    assert linked
    assert hidden.pk not in linked
