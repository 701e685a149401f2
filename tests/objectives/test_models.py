"""Database constraints hold even when the services are bypassed."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from objectives.models import CheckIn, Dependency, KeyResult, Objective
from tests.factories import CycleFactory, KeyResultFactory, ObjectiveFactory


@pytest.fixture
def objective(team):
    return ObjectiveFactory(company=team.company, cycle=team.cycle)


def assert_refused(create, name):
    with pytest.raises(IntegrityError, match=name), transaction.atomic():
        create()


def test_increase_needs_target_above_start(team, objective):
    assert_refused(
        lambda: KeyResultFactory(company=team.company, objective=objective, start_value=5, target_value=5),
        "key_result_target_matches_direction",
    )
    assert_refused(
        lambda: KeyResultFactory(
            company=team.company,
            objective=objective,
            direction="decrease",
            start_value=5,
            target_value=9,
        ),
        "key_result_target_matches_direction",
    )
    assert not KeyResult.objects.exists()


def test_weights_must_be_positive(team, objective):
    assert_refused(
        lambda: KeyResultFactory(company=team.company, objective=objective, weight=0),
        "weight_positive",
    )
    assert_refused(
        lambda: ObjectiveFactory(company=team.company, cycle=team.cycle, weight=-1),
        "objective_weight_positive",
    )


def test_enums_are_checked(team, objective):
    assert_refused(
        lambda: KeyResultFactory(company=team.company, objective=objective, kind="vibes"),
        "kind_valid",
    )
    assert_refused(
        lambda: ObjectiveFactory(company=team.company, cycle=team.cycle, status="someday"),
        "objective_status_valid",
    )


def test_currency_kind_needs_iso_code(team, objective):
    assert_refused(
        lambda: KeyResultFactory(company=team.company, objective=objective, kind="currency", currency=""),
        "key_result_currency_code",
    )


def test_cycle_must_end_after_it_starts(team):
    assert_refused(
        lambda: CycleFactory(
            company=team.company,
            start_date=datetime.date(2026, 5, 1),
            end_date=datetime.date(2026, 4, 1),
        ),
        "cycle_dates_ordered",
    )


def test_cycle_names_unique_per_company_only(team, other_team):
    CycleFactory(company=other_team.company, name="2027 Q1")
    CycleFactory(company=team.company, name="2027 Q1")
    assert_refused(lambda: CycleFactory(company=team.company, name="2027 Q1"), "cycle_name_per_company")


def test_objective_cannot_be_its_own_parent(objective):
    objective.parent_id = objective.pk
    with pytest.raises(IntegrityError, match="objective_not_own_parent"), transaction.atomic():
        objective.save()


def test_dependency_not_on_itself(team, objective):
    assert_refused(
        lambda: Dependency.objects.create(company=team.company, from_objective=objective, to_objective=objective),
        "dependency_not_self",
    )


def test_checkins_are_append_only(team, objective):
    kr = KeyResultFactory(company=team.company, objective=objective)
    checkin = CheckIn.objects.create(company=team.company, key_result=kr, value=5, confidence="on_track")
    checkin.value = 6
    with pytest.raises(ValueError, match="append-only"):
        checkin.save()
    assert CheckIn.objects.get().value == 5
    assert Objective.objects.count() == 1
