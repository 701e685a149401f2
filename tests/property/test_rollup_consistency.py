"""After any sequence of check-ins, re-parentings, weight and status changes, the
stored progress equals a recomputation from scratch (DESIGN §3)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from companies import services as company_services
from objectives import services as okr
from objectives.models import Objective
from objectives.rollup import progress_drift
from tests.factories import DepartmentFactory

N_OBJECTIVES = 6  # 0-1 company level, 2-3 Sales, 4-5 Sales DACH (a team inside Sales)
N_KEY_RESULTS = 8

operations = st.lists(
    st.one_of(
        st.tuples(st.just("checkin"), st.integers(0, N_KEY_RESULTS - 1), st.integers(-20, 140)),
        st.tuples(st.just("reparent"), st.integers(0, N_OBJECTIVES - 1), st.integers(-1, N_OBJECTIVES - 1)),
        st.tuples(st.just("objective_weight"), st.integers(0, N_OBJECTIVES - 1), st.integers(1, 5)),
        st.tuples(st.just("kr_weight"), st.integers(0, N_KEY_RESULTS - 1), st.integers(1, 5)),
        st.tuples(
            st.just("status"),
            st.integers(0, N_OBJECTIVES - 1),
            st.sampled_from(["draft", "active", "closed", "archived"]),
        ),
        st.tuples(st.just("toggle_child_rollup"), st.just(0), st.just(0)),
    ),
    min_size=1,
    max_size=14,
)


class Rollback(Exception):
    pass


def stored_matches_recomputation(company) -> None:
    company.refresh_from_db()
    assert progress_drift(company=company) == ({}, {})


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_stored_progress_equals_recomputation(team, django_capture_on_commit_callbacks, ops):
    company, admin = team.company, team.actor(team.admin)
    try:
        with transaction.atomic():
            dach = DepartmentFactory(company=company, name="Sales DACH", slug="sales-dach", parent=team.department)
            departments = [None, None, team.department, team.department, dach, dach]
            objectives = []
            with django_capture_on_commit_callbacks(execute=True):
                for n, department in enumerate(departments):
                    parent = None if n < 2 else objectives[n % 2] if n < 4 else objectives[n - 2]
                    objectives.append(
                        okr.objective_create(
                            company=company,
                            actor=admin,
                            cycle=team.cycle,
                            department=department,
                            parent=parent,
                            title=f"Objective {n}",
                            activate=True,
                        )
                    )
                key_results = [
                    okr.key_result_create(
                        company=company,
                        actor=admin,
                        objective=objectives[n % N_OBJECTIVES],
                        title=f"Move metric {n} from 0 to 100",
                        start_value=100 if n % 3 == 0 else 0,
                        target_value=0 if n % 3 == 0 else 100,
                        direction="decrease" if n % 3 == 0 else "increase",
                    )
                    for n in range(N_KEY_RESULTS)
                ]
            stored_matches_recomputation(company)

            for op, index, arg in ops:
                try:
                    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
                        if op == "checkin":
                            okr.checkin_create(
                                company=company,
                                actor=admin,
                                key_result=key_results[index],
                                value=Decimal(arg),
                                confidence="on_track",
                            )
                        elif op == "reparent":
                            objective = Objective.objects.get(pk=objectives[index].pk)
                            parent = None if arg < 0 else objectives[arg]
                            okr.objective_update(company=company, actor=admin, objective=objective, parent=parent)
                        elif op == "objective_weight":
                            okr.objective_update(company=company, actor=admin, objective=objectives[index], weight=arg)
                        elif op == "kr_weight":
                            okr.key_result_update(
                                company=company, actor=admin, key_result=key_results[index], weight=arg
                            )
                        elif op == "status":
                            okr.objective_set_status(
                                company=company, actor=admin, objective=objectives[index], status=arg
                            )
                        else:
                            company.refresh_from_db()
                            company_services.company_settings_update(
                                company=company,
                                actor=admin,
                                rollup_child_objectives=not company.rollup_child_objectives,
                            )
                except ValidationError:
                    pass  # a refused change (a loop, an invalid transition) changes nothing
                stored_matches_recomputation(company)
            raise Rollback
    except Rollback:
        pass
