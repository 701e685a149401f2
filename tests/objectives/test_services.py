"""Objective, key result, check-in and cycle services: the rules they enforce."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from companies.models import FocusMode
from objectives import services as okr
from objectives.models import CheckIn, CycleStatus, KeyResult, Objective, ObjectiveStatus
from objectives.rollup import company_full_recompute
from okrhub.errors import NotFound, PermissionDenied
from tests.factories import CycleFactory, DepartmentFactory, ObjectiveFactory
from tests.helpers import refused


@pytest.fixture
def company_objective(team):
    return okr.objective_create(
        company=team.company,
        actor=team.actor(team.leader),
        cycle=team.cycle,
        title="Expand into new markets and grow revenue by 25%",
        activate=True,
    )


@pytest.fixture
def sales_objective(team, company_objective):
    return okr.objective_create(
        company=team.company,
        actor=team.actor(team.lead),
        cycle=team.cycle,
        department=team.department,
        parent=company_objective,
        title="Close €5M in new business from target markets",
        activate=True,
    )


@pytest.fixture
def revenue_kr(team, sales_objective):
    return okr.key_result_create(
        company=team.company,
        actor=team.actor(team.lead),
        objective=sales_objective,
        owner=team.member,
        title="Close €5M in new business from Germany and France",
        kind="currency",
        currency="eur",
        start_value=0,
        target_value=5_000_000,
    )


# ------------------------------------------------------------------ creating


def test_seed_cascade_rolls_up(
    team, company_objective, sales_objective, revenue_kr, django_capture_on_commit_callbacks
):
    assert revenue_kr.currency == "EUR"
    assert sales_objective.parent_id == company_objective.pk
    with django_capture_on_commit_callbacks(execute=True):
        okr.checkin_create(
            company=team.company,
            actor=team.actor(team.member),
            key_result=revenue_kr,
            value=1_250_000,
            confidence="on_track",
        )
    revenue_kr.refresh_from_db()
    sales_objective.refresh_from_db()
    company_objective.refresh_from_db()
    assert revenue_kr.progress == 0.25
    assert sales_objective.progress == 0.25
    assert company_objective.progress == 0.25


def test_key_result_progress_unknown_until_first_checkin(team, sales_objective, revenue_kr):
    assert revenue_kr.progress is None
    assert revenue_kr.current_value is None
    sales_objective.refresh_from_db()
    assert sales_objective.progress is None


def test_key_result_with_initial_value_has_progress(team, sales_objective, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        kr = okr.key_result_create(
            company=team.company,
            actor=team.actor(team.lead),
            objective=sales_objective,
            title="Raise win rate from 18% to 25%",
            kind="percent",
            start_value=18,
            target_value=25,
            current_value=21.5,
        )
    assert kr.progress == 0.5
    assert kr.unit == "%"
    sales_objective.refresh_from_db()
    assert sales_objective.progress == 0.5


def test_milestone_is_zero_to_one(team, sales_objective):
    milestone = {"title": "French version live for all customers", "kind": "milestone"}
    with refused("target_value", code="milestone"):
        okr.key_result_create(
            company=team.company, actor=team.actor(team.lead), objective=sales_objective, target_value=7, **milestone
        )
    kr = okr.key_result_create(
        company=team.company, actor=team.actor(team.lead), objective=sales_objective, start_value=3, **milestone
    )
    assert (kr.start_value, kr.target_value, kr.direction) == (0, 1, "increase")
    with refused("value", code="milestone"):
        okr.checkin_create(company=team.company, actor=None, key_result=kr, value="0.5", confidence="on_track")


# ------------------------------------------------------------------ bad input, one rule each


def test_start_equal_to_target_is_refused(team, sales_objective):
    with refused("target_value", code="target"):
        okr.key_result_create(
            company=team.company,
            actor=None,
            objective=sales_objective,
            title="Keep NPS at 40",
            start_value=40,
            target_value=40,
        )


def test_decrease_target_above_start_is_refused(team, sales_objective):
    with refused("target_value", code="target"):
        okr.key_result_create(
            company=team.company,
            actor=None,
            objective=sales_objective,
            title="Cut churn from 5% to 8%",
            direction="decrease",
            start_value=5,
            target_value=8,
        )


@pytest.mark.parametrize("bad", ["abc", "NaN", "Infinity", "1e40", ""])
def test_target_must_be_a_finite_number(team, sales_objective, bad):
    with refused("target_value"):
        okr.key_result_create(
            company=team.company,
            actor=None,
            objective=sales_objective,
            title="Grow leads",
            target_value=bad,
        )


def test_unknown_kind_is_refused(team, sales_objective):
    with refused("kind"):
        okr.key_result_create(
            company=team.company,
            actor=None,
            objective=sales_objective,
            title="Grow leads",
            kind="vibes",
            target_value=10,
        )


def test_currency_needs_iso_code(team, sales_objective):
    with refused("currency", code="currency"):
        okr.key_result_create(
            company=team.company,
            actor=None,
            objective=sales_objective,
            title="Grow bookings",
            kind="currency",
            currency="euro",
            target_value=10,
        )


def test_weight_must_be_positive(team, sales_objective):
    with refused("weight"):
        okr.key_result_create(
            company=team.company,
            actor=None,
            objective=sales_objective,
            title="Grow leads",
            target_value=10,
            weight=0,
        )


def test_title_is_required(team):
    with refused("title"):
        okr.objective_create(company=team.company, actor=None, cycle=team.cycle, title="")


def test_checkin_needs_valid_confidence(team, revenue_kr):
    with refused("confidence", code="invalid_choice"):
        okr.checkin_create(company=team.company, actor=None, key_result=revenue_kr, value=1, confidence="great")


def test_checkin_cannot_be_in_the_future(team, revenue_kr):
    with refused("recorded_at", code="future"):
        okr.checkin_create(
            company=team.company,
            actor=None,
            key_result=revenue_kr,
            value=1,
            confidence="on_track",
            recorded_at=timezone.now() + datetime.timedelta(days=1),
        )


def test_owner_must_be_a_member(team, other_team, sales_objective):
    with refused("owner"):
        okr.key_result_create(
            company=team.company,
            actor=None,
            objective=sales_objective,
            title="Grow leads",
            target_value=10,
            owner=other_team.member,
        )


# ------------------------------------------------------------------ laddering


def test_parent_must_overlap_in_time(team, company_objective):
    next_year = CycleFactory(
        company=team.company,
        name="2027 Q2",
        start_date=datetime.date(2027, 4, 1),
        end_date=datetime.date(2027, 6, 30),
    )
    with refused("parent", code="parent_cycle_window"):
        okr.objective_create(
            company=team.company,
            actor=None,
            cycle=next_year,
            department=team.department,
            parent=company_objective,
            title="Win Spain",
        )


def test_parent_in_an_overlapping_annual_cycle_is_fine(team):
    annual = CycleFactory(
        company=team.company,
        name="2026",
        start_date=datetime.date(2026, 1, 1),
        end_date=datetime.date(2026, 12, 31),
    )
    top = okr.objective_create(company=team.company, actor=None, cycle=annual, title="Be the leader in DACH")
    child = okr.objective_create(
        company=team.company,
        actor=None,
        cycle=team.cycle,
        department=team.department,
        parent=top,
        title="Win DACH",
    )
    assert child.parent == top


def test_parent_cannot_create_a_loop(team, company_objective, sales_objective):
    team_dept = DepartmentFactory(company=team.company, name="Sales DACH", slug="sales-dach", parent=team.department)
    grandchild = okr.objective_create(
        company=team.company,
        actor=None,
        cycle=team.cycle,
        department=team_dept,
        parent=sales_objective,
        title="Win DE",
    )
    with refused("parent", code="parent_cycle"):
        okr.objective_update(company=team.company, actor=None, objective=sales_objective, parent=grandchild)
    with refused("parent", code="parent_cycle"):
        okr.objective_update(company=team.company, actor=None, objective=sales_objective, parent=sales_objective)


def test_company_objective_cannot_ladder_to_a_department(team, sales_objective):
    with refused("parent", code="parent_department"):
        okr.objective_create(company=team.company, actor=None, cycle=team.cycle, parent=sales_objective, title="Grow")


def test_department_cannot_ladder_to_a_sibling_department(team, sales_objective):
    marketing = DepartmentFactory(company=team.company, name="Marketing", slug="marketing")
    with refused("parent", code="parent_department"):
        okr.objective_create(
            company=team.company,
            actor=None,
            cycle=team.cycle,
            department=marketing,
            parent=sales_objective,
            title="Generate leads",
        )


def test_unaligned_department_objective_gets_a_hint(team):
    objective = okr.objective_create(
        company=team.company,
        actor=None,
        cycle=team.cycle,
        department=team.department,
        title="Win DACH",
    )
    assert [h.code for h in objective.hints] == ["unaligned"]


# ------------------------------------------------------------------ OKR practice


def test_activity_key_result_is_flagged_with_a_suggestion(team, sales_objective):
    kr = okr.key_result_create(
        company=team.company,
        actor=None,
        objective=sales_objective,
        title="Send out 3 surveys",
        target_value=3,
    )
    (hint,) = kr.hints
    assert hint.code == "activity_key_result"
    assert "activity" in hint.message
    assert "CSAT" in hint.suggestion


def test_outcome_key_result_is_not_flagged(team, sales_objective):
    kr = okr.key_result_create(
        company=team.company,
        actor=None,
        objective=sales_objective,
        title="Improve CSAT from 72 to 85",
        start_value=72,
        target_value=85,
    )
    assert kr.hints == []


def test_focus_limit_warns_by_default(team):
    team.company.max_objectives_per_department = 2
    team.company.save()
    for n in range(2):
        objective = okr.objective_create(
            company=team.company,
            actor=None,
            cycle=team.cycle,
            department=team.department,
            title=f"Objective {n}",
            activate=True,
        )
        assert "focus_limit" not in [h.code for h in objective.hints]
    third = okr.objective_create(
        company=team.company,
        actor=None,
        cycle=team.cycle,
        department=team.department,
        title="One too many",
        activate=True,
    )
    assert "focus_limit" in [h.code for h in third.hints]
    assert Objective.objects.filter(department=team.department).count() == 3


def test_focus_limit_counts_committed_objectives_not_drafts(team):
    """Drafting past the limit is co-creation (a hint); activating past it is what block mode refuses."""
    team.company.max_objectives_per_department = 1
    team.company.focus_mode = FocusMode.BLOCK
    team.company.save()
    okr.objective_create(
        company=team.company,
        actor=None,
        cycle=team.cycle,
        department=team.department,
        title="Running",
        activate=True,
    )
    draft = okr.objective_create(
        company=team.company,
        actor=team.actor(team.member),
        cycle=team.cycle,
        department=team.department,
        title="Proposal",
    )
    assert draft.status == ObjectiveStatus.DRAFT
    assert "focus_limit" in [h.code for h in draft.hints]
    with refused("__all__", code="focus_limit"):
        okr.objective_activate(company=team.company, actor=team.actor(team.lead), objective=draft)
    with refused("__all__", code="focus_limit"):
        okr.objective_create(
            company=team.company,
            actor=None,
            cycle=team.cycle,
            department=team.department,
            title="Another",
            activate=True,
        )


def test_focus_limit_blocks_in_block_mode(team, sales_objective):
    team.company.focus_mode = FocusMode.BLOCK
    team.company.max_key_results_per_objective = 1
    team.company.save()
    okr.key_result_create(
        company=team.company,
        actor=None,
        objective=sales_objective,
        title="Grow ARR from 1 to 2",
        target_value=2,
    )
    with refused("__all__", code="focus_limit"):
        okr.key_result_create(
            company=team.company,
            actor=None,
            objective=sales_objective,
            title="Grow NRR from 1 to 2",
            target_value=2,
        )


def test_member_drafts_and_lead_activates(team, company_objective):
    draft = okr.objective_create(
        company=team.company,
        actor=team.actor(team.member),
        cycle=team.cycle,
        department=team.department,
        parent=company_objective,
        title="Open the Paris office",
    )
    assert draft.status == ObjectiveStatus.DRAFT
    assert draft.owner == team.member
    # The drafter may keep editing the draft, but not activate it.
    okr.objective_update(company=team.company, actor=team.actor(team.member), objective=draft, title="Open Paris")
    with refused("status", exc=PermissionDenied):
        okr.objective_activate(company=team.company, actor=team.actor(team.member), objective=draft)
    active = okr.objective_activate(company=team.company, actor=team.actor(team.lead), objective=draft)
    assert active.status == ObjectiveStatus.ACTIVE
    # Once active, only leads (not the drafter) edit it.
    with refused("title", exc=PermissionDenied):
        okr.objective_update(company=team.company, actor=team.actor(team.member), objective=active, title="x")


def test_member_cannot_create_active_objective(team):
    with refused("status", exc=PermissionDenied):
        okr.objective_create(
            company=team.company,
            actor=team.actor(team.member),
            cycle=team.cycle,
            department=team.department,
            title="Go live",
            activate=True,
        )


def test_refused_caller_gets_permission_denied_even_for_bad_input(team, revenue_kr):
    with refused("value", exc=PermissionDenied):
        okr.checkin_create(
            company=team.company, actor=team.actor(team.viewer), key_result=revenue_kr, value="NaN", confidence="??"
        )


def test_viewer_cannot_check_in(team, revenue_kr):
    with refused("value", exc=PermissionDenied):
        okr.checkin_create(
            company=team.company,
            actor=team.actor(team.viewer),
            key_result=revenue_kr,
            value=1,
            confidence="on_track",
        )


def test_member_checks_in_only_on_own_key_results(team, revenue_kr, sales_objective):
    okr.checkin_create(
        company=team.company,
        actor=team.actor(team.member),
        key_result=revenue_kr,
        value=1,
        confidence="on_track",
    )
    other = okr.key_result_create(
        company=team.company,
        actor=None,
        objective=sales_objective,
        owner=team.lead,
        title="Grow NRR from 1 to 2",
        target_value=2,
    )
    with refused("value", exc=PermissionDenied):
        okr.checkin_create(
            company=team.company,
            actor=team.actor(team.member),
            key_result=other,
            value=1,
            confidence="on_track",
        )


def test_drafts_do_not_count_in_the_parent(team, company_objective, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        draft = okr.objective_create(
            company=team.company,
            actor=None,
            cycle=team.cycle,
            department=team.department,
            parent=company_objective,
            title="Draft",
        )
        okr.key_result_create(
            company=team.company,
            actor=None,
            objective=draft,
            title="Grow from 0 to 10",
            target_value=10,
            current_value=10,
        )
    company_objective.refresh_from_db()
    assert company_objective.progress is None
    with django_capture_on_commit_callbacks(execute=True):
        okr.objective_activate(company=team.company, actor=None, objective=draft)
    company_objective.refresh_from_db()
    assert company_objective.progress == 1.0
    with django_capture_on_commit_callbacks(execute=True):
        okr.objective_set_status(company=team.company, actor=None, objective=draft, status="archived")
    company_objective.refresh_from_db()
    assert company_objective.progress is None


# ------------------------------------------------------------------ check-ins


def test_checkin_updates_key_result_in_the_same_transaction(team, revenue_kr):
    checkin = okr.checkin_create(
        company=team.company,
        actor=team.actor(team.member),
        key_result=revenue_kr,
        value="2500000",
        confidence="at_risk",
        note="Two deals slipped",
    )
    kr = KeyResult.objects.get(pk=revenue_kr.pk)
    assert kr.current_value == Decimal(2_500_000)
    assert kr.confidence == "at_risk"
    assert kr.last_checkin_at == checkin.created_at
    assert kr.progress == 0.5
    assert checkin.author == team.member


def test_backdated_checkin_does_not_override_a_newer_one(team, revenue_kr):
    okr.checkin_create(company=team.company, actor=None, key_result=revenue_kr, value=3, confidence="on_track")
    okr.checkin_create(
        company=team.company,
        actor=None,
        key_result=revenue_kr,
        value=1,
        confidence="off_track",
        recorded_at=timezone.now() - datetime.timedelta(days=7),
    )
    revenue_kr.refresh_from_db()
    assert revenue_kr.current_value == 3
    assert CheckIn.objects.filter(key_result=revenue_kr).count() == 2


def test_closed_objective_takes_no_checkins(team, revenue_kr, sales_objective):
    okr.objective_set_status(company=team.company, actor=None, objective=sales_objective, status="closed")
    with refused("key_result", code="objective_closed"):
        okr.checkin_create(company=team.company, actor=None, key_result=revenue_kr, value=1, confidence="on_track")


# ------------------------------------------------------------------ cycles


def test_closing_a_cycle_freezes_checkins_and_stores_final_scores(
    team, company_objective, sales_objective, revenue_kr, django_capture_on_commit_callbacks
):
    okr.checkin_create(
        company=team.company,
        actor=None,
        key_result=revenue_kr,
        value=4_000_000,
        confidence="on_track",
    )
    # The key result's own objective moved with the check-in; no on-commit roll-up ran for its
    # parent: closing must not trust the (stale) cache.
    sales_objective.refresh_from_db()
    company_objective.refresh_from_db()
    assert sales_objective.progress == 0.8
    assert company_objective.progress is None
    okr.cycle_close(company=team.company, actor=team.actor(team.admin), cycle=team.cycle)
    team.cycle.refresh_from_db()
    assert team.cycle.status == CycleStatus.CLOSED
    sales_objective.refresh_from_db()
    revenue_kr.refresh_from_db()
    company_objective.refresh_from_db()
    assert revenue_kr.final_score == 0.8
    assert sales_objective.final_score == 0.8
    # A company objective with no key results of its own is scored by its counted children (DESIGN §3,
    # objectives.grading): its only child scored 0.8.
    assert company_objective.final_score == 0.8
    assert sales_objective.status == ObjectiveStatus.CLOSED
    with refused("cycle", code="cycle_closed"):
        okr.checkin_create(company=team.company, actor=None, key_result=revenue_kr, value=1, confidence="on_track")
    with refused("cycle", code="cycle_closed"):
        okr.cycle_close(company=team.company, actor=None, cycle=team.cycle)
    assert company_full_recompute(company=team.company) == 0


def test_only_admins_close_cycles(team):
    with refused("status", exc=PermissionDenied):
        okr.cycle_close(company=team.company, actor=team.actor(team.leader), cycle=team.cycle)


def test_cycle_dates_must_be_ordered(team):
    with refused("end_date", code="dates"):
        okr.cycle_create(
            company=team.company,
            actor=None,
            name="Backwards",
            start_date=datetime.date(2027, 3, 31),
            end_date=datetime.date(2027, 1, 1),
        )


def test_cycle_names_unique_in_company(team):
    with refused("name", code="unique"):
        okr.cycle_create(
            company=team.company,
            actor=None,
            name=team.cycle.name,
            start_date=datetime.date(2027, 1, 1),
            end_date=datetime.date(2027, 3, 31),
        )


# ------------------------------------------------------------------ dependencies


def test_dependency_rules(team, company_objective, sales_objective):
    dependency = okr.dependency_create(
        company=team.company,
        actor=team.actor(team.lead),
        from_objective=sales_objective,
        to_objective=company_objective,
        note="needs pricing",
    )
    assert dependency.note == "needs pricing"
    with refused("to_objective", code="unique"):
        okr.dependency_create(
            company=team.company,
            actor=None,
            from_objective=sales_objective,
            to_objective=company_objective,
        )
    with refused("to_objective", code="self"):
        okr.dependency_create(
            company=team.company,
            actor=None,
            from_objective=sales_objective,
            to_objective=sales_objective,
        )


# ------------------------------------------------------------------ other companies


def test_services_refuse_objects_of_another_company_as_not_found(team, other_team, sales_objective, revenue_kr):
    theirs = ObjectiveFactory(company=other_team.company, cycle=other_team.cycle)
    with refused("parent", exc=NotFound):
        okr.objective_create(company=team.company, actor=None, cycle=team.cycle, title="x", parent=theirs)
    with refused("cycle", exc=NotFound):
        okr.objective_create(company=team.company, actor=None, cycle=other_team.cycle, title="x")
    with refused("department", exc=NotFound):
        okr.objective_create(
            company=team.company,
            actor=None,
            cycle=team.cycle,
            department=other_team.department,
            title="x",
        )
    with refused("key_result", exc=NotFound):
        okr.checkin_create(
            company=other_team.company,
            actor=None,
            key_result=revenue_kr,
            value=1,
            confidence="at_risk",
        )
    with refused("objective", exc=NotFound):
        okr.objective_update(company=other_team.company, actor=None, objective=sales_objective, title="hijacked")
    with refused("objective", exc=NotFound):
        okr.key_result_create(
            company=other_team.company,
            actor=None,
            objective=sales_objective,
            title="x",
            target_value=1,
        )
    with refused("to_objective", exc=NotFound):
        okr.dependency_create(company=team.company, actor=None, from_objective=sales_objective, to_objective=theirs)
    with refused("cycle", exc=NotFound):
        okr.cycle_close(company=team.company, actor=None, cycle=other_team.cycle)
    with refused("objective", exc=NotFound):
        okr.objective_set_status(company=other_team.company, actor=None, objective=sales_objective, status="archived")
