"""Annual and quarterly cycles: how a quarterly child counts in its annual parent. Worked by hand first.

The rule (``objectives.grading``): a counted child counts with its final score once its cycle is closed
(as it stands during grading, frozen after), with its live progress while its cycle runs; a child with
neither is left out, never 0.

The company: an annual cycle 2026 (1 Jan - 31 Dec) and two quarters inside it, Q3 (closed below) and Q4
(running). The annual objective "Grow revenue by 25%" has

- its own key result "Revenue" at 5 of 10 → 0.5, weight 1;
- "Q3 expansion" (Q3, weight 2): one key result checked in at 9 of 10 → 0.9;
- "Q4 expansion" (Q4, weight 1): one key result checked in at 3 of 10 → 0.3;
- "Q3 pilot" (Q3, weight 1): one key result never checked in.

While Q3 runs: (1·0.5 + 2·0.9 + 1·0.3) / 4 = 2.6 / 4 = 0.65 (the pilot is unknown: left out).
Q3 closes: "Q3 expansion" scores 0.9 (its progress at the close), the pilot has no score: still 0.65.
Its owner grades "Q3 expansion" down to 0.5: (0.5 + 2·0.5 + 0.3) / 4 = 1.8 / 4 = 0.45.
A Q4 check-in at 7 of 10 → (0.5 + 1.0 + 0.7) / 4 = 2.2 / 4 = 0.55.
Grading of Q3 ends: the 0.5 is frozen; nothing can move it any more.

The annual objective's own final score, when 2026 closes with Q4 closed too (Q4 expansion scored 0.7,
the pilot still not scored): (1·0.5 + 2·0.5 + 1·0.7) / 4 = 2.2 / 4 = 0.55; with the company's roll-up
of children off, only its key result counts: 0.5.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from objectives import services as okr
from objectives.models import Cycle, CycleStatus, Objective
from objectives.rollup import company_full_recompute, progress_drift
from tests.factories import CycleFactory


@pytest.fixture
def nested(team, frozen_clock, django_capture_on_commit_callbacks):
    admin = team.actor(team.admin)
    company = team.company
    annual = CycleFactory(company=company, name="2026", start_date=datetime.date(2026, 1, 1),
                          end_date=datetime.date(2026, 12, 31))  # fmt: skip
    q3 = CycleFactory(company=company, name="2026 Q3", start_date=datetime.date(2026, 7, 1),
                      end_date=datetime.date(2026, 9, 30))  # fmt: skip
    q4 = team.cycle  # 2026 Q4, 1 Oct - 31 Dec

    def objective(cycle, title, parent=None, weight=1, department=None):
        return okr.objective_create(
            company=company, actor=admin, cycle=cycle, title=title, parent=parent, weight=Decimal(weight),
            department=department, owner=team.lead if department else team.admin, activate=True,
        )  # fmt: skip

    def key_result(objective, value=None):
        kr = okr.key_result_create(
            company=company, actor=admin, objective=objective, title=f"{objective.title}: 0 to 10", target_value=10,
            owner=objective.owner,
        )  # fmt: skip
        if value is not None:
            okr.checkin_create(company=company, actor=admin, key_result=kr, value=value, confidence="on_track")
        return kr

    with django_capture_on_commit_callbacks(execute=True):
        grow = objective(annual, "Grow revenue by 25%")
        key_result(grow, 5)
        q3_expansion = objective(q3, "Q3 expansion", parent=grow, weight=2, department=team.department)
        q3_kr = key_result(q3_expansion, 9)
        q4_expansion = objective(q4, "Q4 expansion", parent=grow, weight=1, department=team.department)
        q4_kr = key_result(q4_expansion, 3)
        pilot = objective(q3, "Q3 pilot", parent=grow, weight=1, department=team.department)
        key_result(pilot)
    return {"annual": annual, "q3": q3, "q4": q4, "grow": grow, "q3_expansion": q3_expansion,
            "q3_kr": q3_kr, "q4_kr": q4_kr, "pilot": pilot}  # fmt: skip


def _progress(objective):
    return Objective.objects.values_list("progress", flat=True).get(pk=objective.pk)


def _score(objective):
    return Objective.objects.values_list("final_score", flat=True).get(pk=objective.pk)


def test_running_quarters_count_with_their_progress_and_the_unknown_pilot_is_left_out(nested):
    assert _progress(nested["grow"]) == pytest.approx(0.65)
    assert progress_drift(company=nested["grow"].company) == ({}, {})


def test_a_closed_quarter_counts_with_its_final_scores_as_graded(team, nested, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        okr.cycle_close(company=team.company, actor=team.actor(team.admin), cycle=nested["q3"])
    assert _score(nested["q3_expansion"]) == pytest.approx(0.9)
    assert _score(nested["pilot"]) is None  # never checked in: no score, so left out (not 0)
    assert _progress(nested["grow"]) == pytest.approx(0.65)

    with django_capture_on_commit_callbacks(execute=True):
        okr.key_result_grade(company=team.company, actor=team.actor(team.lead), key_result=nested["q3_kr"],
                             score="0.5", reason="Two deals slipped into Q4")  # fmt: skip
    assert _score(nested["q3_expansion"]) == pytest.approx(0.5)
    assert _progress(nested["grow"]) == pytest.approx(0.45)  # the parent follows the grade, not the progress

    with django_capture_on_commit_callbacks(execute=True):
        okr.checkin_create(company=team.company, actor=team.actor(team.admin), key_result=nested["q4_kr"], value=7,
                           confidence="on_track")  # fmt: skip
    assert _progress(nested["grow"]) == pytest.approx(0.55)
    # The incremental roll-up and a recomputation from scratch agree (DESIGN §3's invariant).
    assert progress_drift(company=team.company) == ({}, {})


def test_after_grading_ended_the_frozen_score_counts_for_good(team, nested, frozen_clock,
                                                             django_capture_on_commit_callbacks):  # fmt: skip
    q3 = nested["q3"]
    with django_capture_on_commit_callbacks(execute=True):
        okr.cycle_close(company=team.company, actor=team.actor(team.admin), cycle=q3)
        okr.key_result_grade(company=team.company, actor=team.actor(team.lead), key_result=nested["q3_kr"],
                             score="0.5", reason="Two deals slipped into Q4")  # fmt: skip
    frozen_clock.shift(datetime.timedelta(days=8))
    q3.refresh_from_db()
    assert okr.cycle_grading_end(company=team.company, cycle=q3)
    with pytest.raises(ValidationError):  # the refusal itself is tested in test_grading
        okr.key_result_grade(company=team.company, actor=team.actor(team.admin), key_result=nested["q3_kr"],
                             score="1", reason="Late")  # fmt: skip
    company_full_recompute(company=team.company)
    assert _progress(nested["grow"]) == pytest.approx(0.45)


def test_the_annual_objectives_final_score_counts_its_childrens_scores(team, nested,
                                                                       django_capture_on_commit_callbacks):  # fmt: skip
    admin = team.actor(team.admin)
    with django_capture_on_commit_callbacks(execute=True):
        okr.cycle_close(company=team.company, actor=admin, cycle=nested["q3"])
        okr.key_result_grade(company=team.company, actor=team.actor(team.lead), key_result=nested["q3_kr"],
                             score="0.5", reason="Two deals slipped into Q4")  # fmt: skip
        okr.checkin_create(company=team.company, actor=admin, key_result=nested["q4_kr"], value=7,
                           confidence="on_track")  # fmt: skip
        okr.cycle_close(company=team.company, actor=admin, cycle=nested["q4"])
        okr.cycle_close(company=team.company, actor=admin, cycle=nested["annual"])
    assert _score(nested["grow"]) == pytest.approx(0.55)
    assert progress_drift(company=team.company) == ({}, {})


def test_a_grade_in_a_quarter_moves_the_annual_score_while_both_are_in_grading(
    team, nested, django_capture_on_commit_callbacks
):
    admin = team.actor(team.admin)
    with django_capture_on_commit_callbacks(execute=True):
        okr.cycle_close(company=team.company, actor=admin, cycle=nested["q3"])
        okr.checkin_create(company=team.company, actor=admin, key_result=nested["q4_kr"], value=7,
                           confidence="on_track")  # fmt: skip
        okr.cycle_close(company=team.company, actor=admin, cycle=nested["q4"])
        okr.cycle_close(company=team.company, actor=admin, cycle=nested["annual"])
    # (0.5 + 2·0.9 + 0.7) / 4 = 3.0 / 4 = 0.75
    assert _score(nested["grow"]) == pytest.approx(0.75)
    with django_capture_on_commit_callbacks(execute=True):
        okr.key_result_grade(company=team.company, actor=team.actor(team.lead), key_result=nested["q3_kr"],
                             score="0.5", reason="Two deals slipped into Q4")  # fmt: skip
    assert _score(nested["grow"]) == pytest.approx(0.55)


def test_with_the_roll_up_of_children_off_only_key_results_count(team, nested, django_capture_on_commit_callbacks):
    team.company.rollup_child_objectives = False
    team.company.save(update_fields=["rollup_child_objectives"])
    admin = team.actor(team.admin)
    with django_capture_on_commit_callbacks(execute=True):
        for cycle in ("q3", "q4", "annual"):
            okr.cycle_close(company=team.company, actor=admin, cycle=nested[cycle])
    company_full_recompute(company=team.company)
    assert _progress(nested["grow"]) == pytest.approx(0.5)
    assert _score(nested["grow"]) == pytest.approx(0.5)


def test_a_draft_or_archived_child_never_counts(team, nested, django_capture_on_commit_callbacks):
    Objective.objects.filter(pk=nested["q3_expansion"].pk).update(status="archived")
    company_full_recompute(company=team.company)
    # (0.5 + 0.3) / 2 = 0.4
    assert _progress(nested["grow"]) == pytest.approx(0.4)
    assert Cycle.objects.get(pk=nested["q3"].pk).status == CycleStatus.ACTIVE


def test_a_replayed_day_counts_the_closed_quarter_as_the_stored_roll_up_does(
    team, nested, django_capture_on_commit_callbacks
):
    """The dashboard's history (insights.snapshots.replay) equals the stored columns on the day of the close."""
    from insights.snapshots import replay

    with django_capture_on_commit_callbacks(execute=True):
        okr.cycle_close(company=team.company, actor=team.actor(team.admin), cycle=nested["q3"])
        okr.key_result_grade(company=team.company, actor=team.actor(team.lead), key_result=nested["q3_kr"],
                             score="0.5", reason="Two deals slipped into Q4")  # fmt: skip
    [day] = replay(team.company, [team.company.local_today()])
    [grow] = [row for row in day.objectives if row.objective_id == nested["grow"].pk]
    assert grow.progress == pytest.approx(0.45) == _progress(nested["grow"])


def test_after_the_close_only_the_closed_objectives_ancestors_are_recomputed_as_a_full_recompute_would(
    team, nested, django_capture_on_commit_callbacks
):
    """``rollup_after_close`` (the close's second roll-up) climbs from the closed cycle's objectives.

    A third level: "Q3 detail" (Q3) under "Q3 expansion", its key result at 4 of 10 → 0.4, so "Q3
    expansion" = (0.9 + 0.4) / 2 = 0.65 and "Grow" = (0.5 + 2·0.65 + 0.3) / 4 = 0.525 while Q3 runs; at
    the close "Grow" counts "Q3 expansion"'s final score, (0.9 + 0.4) / 2 = 0.65 too: still 0.525. Then
    "Q3 detail"'s stored score is set to 0 behind the roll-up's back: "Q3 expansion"'s progress becomes
    (0.9 + 0) / 2 = 0.45, and "Grow" stays 0.525 (a closed child counts with its score, not its progress).
    """
    from objectives.rollup import rollup_after_close

    admin = team.actor(team.admin)
    with django_capture_on_commit_callbacks(execute=True):
        detail = okr.objective_create(company=team.company, actor=admin, cycle=nested["q3"], title="Q3 detail",
                                      parent=nested["q3_expansion"], department=team.department, owner=team.lead,
                                      activate=True)  # fmt: skip
        kr = okr.key_result_create(company=team.company, actor=admin, objective=detail, title="Detail: 0 to 10",
                                   target_value=10, owner=team.lead)  # fmt: skip
        okr.checkin_create(company=team.company, actor=admin, key_result=kr, value=4, confidence="on_track")
    assert _progress(nested["q3_expansion"]) == pytest.approx(0.65)
    assert _progress(nested["grow"]) == pytest.approx(0.525)

    with django_capture_on_commit_callbacks(execute=True):
        okr.cycle_close(company=team.company, actor=admin, cycle=nested["q3"])
    assert _score(nested["q3_expansion"]) == pytest.approx(0.65)
    assert _progress(nested["grow"]) == pytest.approx(0.525)
    assert progress_drift(company=team.company) == ({}, {})

    Objective.objects.filter(pk=detail.pk).update(final_score=0.0)
    assert rollup_after_close(company=team.company, cycle_id=nested["q3"].pk) == 1
    assert _progress(nested["q3_expansion"]) == pytest.approx(0.45)
    assert _progress(nested["grow"]) == pytest.approx(0.525)
    assert progress_drift(company=team.company) == ({}, {})
    assert rollup_after_close(company=team.company, cycle_id=nested["q3"].pk) == 0  # nothing left to move
