"""The tree's portable query path (SQLite, the embedded default) returns exactly the PostgreSQL rows."""

import pytest

from alignment.selectors import tree_rows, tree_rows_portable
from objectives import services as okr
from objectives.models import Objective, ObjectiveStatus
from onboarding.demo import load_demo


@pytest.mark.parametrize("with_drafts", [False, True])
def test_portable_rows_equal_the_raw_query(db, django_capture_on_commit_callbacks, with_drafts):
    with django_capture_on_commit_callbacks(execute=True):
        demo = load_demo()
    company = demo.company
    marketing = Objective.objects.get(company=company, title__startswith="Generate 1,000")
    cycle = marketing.cycle  # the quarter: its company objective ladders up to the year's, in another cycle
    secret = okr.objective_create(
        company=company, actor=None, cycle=cycle, title="Acquire a competitor", private=True, activate=True
    )
    okr.dependency_create(company=company, actor=None, from_objective=marketing, to_objective=secret)
    okr.objective_create(company=company, actor=None, cycle=cycle, title="A draft without key results")
    okr.objective_create(company=company, actor=None, cycle=cycle, title="Active, nothing measured", activate=True)
    statuses = [ObjectiveStatus.ACTIVE, ObjectiveStatus.CLOSED] + ([ObjectiveStatus.DRAFT] if with_drafts else [])

    raw = tree_rows(company=company, cycle=cycle, statuses=statuses)
    portable = tree_rows_portable(company=company, cycle=cycle, statuses=statuses)

    # One row per key result, and one for each objective that has none.
    expected_ids = set(
        Objective.objects.filter(company=company, cycle=cycle, status__in=statuses).values_list("id", flat=True)
    )
    assert {row[0] for row in raw} == expected_ids
    assert any(row[14] for row in raw), "the dependency on a readable objective is in the rows"
    assert any(row[15] for row in raw), "the dependency on a private objective is in the rows"
    assert portable == raw
