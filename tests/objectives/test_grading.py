"""Closing and grading a cycle: hand-computed scores first, then the window's rules.

The maths (worked by hand, before the code):

- an objective's score is the weighted mean of its key results' final scores,
  leaving out the key results marked "not scored" (and those nobody scored):
  weights 2 and 1, scores 0.6 and 0.3 → (2·0.6 + 1·0.3) / 3 = 1.5 / 3 = 0.5;
- mark the second "not scored" → 0.6 (only the first counts);
- every key result not scored → the objective is not scored (None), never 0;
- a key result never checked in gets no score at the close (None): its owner
  scores it (0.9 with weights 2 and 1 and the other at 0.6 → (1.2 + 0.9) / 3 = 0.7)
  or marks it "not scored".
"""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from objectives import services as okr
from objectives.models import Cycle, Event, KeyResult, Objective, Verb
from tests.helpers import refused


@pytest.fixture
def graded(team, frozen_clock):
    """An objective with two key results (weights 2 and 1), both checked in: 60% and 30%."""
    admin = team.actor(team.admin)
    objective = okr.objective_create(
        company=team.company,
        actor=admin,
        cycle=team.cycle,
        title="Win the market",
        department=team.department,
        owner=team.member,
        activate=True,
    )
    heavy = okr.key_result_create(
        company=team.company,
        actor=admin,
        objective=objective,
        title="Revenue from 0 to 10",
        target_value=10,
        weight=Decimal(2),
        owner=team.member,
    )
    light = okr.key_result_create(
        company=team.company,
        actor=admin,
        objective=objective,
        title="Deals from 0 to 100",
        target_value=100,
        weight=Decimal(1),
        owner=team.lead,
    )
    okr.checkin_create(company=team.company, actor=admin, key_result=heavy, value=6, confidence="on_track")
    okr.checkin_create(company=team.company, actor=admin, key_result=light, value=30, confidence="at_risk")
    return objective, heavy, light


def _close(team):
    okr.cycle_close(company=team.company, actor=team.actor(team.admin), cycle=team.cycle)


def _fresh(*rows):
    for row in rows:
        row.refresh_from_db()
    return rows


def test_weights_two_and_one_with_scores_point_six_and_point_three_score_one_half(team, graded):
    objective, heavy, light = graded
    _close(team)
    objective, heavy, light = _fresh(objective, heavy, light)
    assert heavy.final_score == pytest.approx(0.6)
    assert light.final_score == pytest.approx(0.3)
    assert objective.final_score == pytest.approx(0.5)


def test_a_key_result_marked_not_scored_leaves_the_mean(team, graded):
    objective, _heavy, light = graded
    _close(team)
    okr.key_result_grade(
        company=team.company,
        actor=team.actor(team.lead),
        key_result=light,
        score=None,
        not_scored=True,
        reason="The deal pipeline was reorganised mid-quarter",
    )
    objective, light = _fresh(objective, light)
    assert light.not_scored is True
    assert light.final_score is None
    assert objective.final_score == pytest.approx(0.6)


def test_every_key_result_not_scored_leaves_the_objective_not_scored(team, graded):
    objective, heavy, light = graded
    _close(team)
    for kr in (heavy, light):
        okr.key_result_grade(
            company=team.company,
            actor=team.actor(team.admin),
            key_result=kr,
            score=None,
            not_scored=True,
            reason="Measured the wrong thing",
        )
    (objective,) = _fresh(objective)
    assert objective.final_score is None


def test_a_key_result_never_checked_in_gets_no_automatic_score(team, graded):
    objective, _heavy, light = graded
    KeyResult.objects.filter(pk=light.pk).update(current_value=None, progress=None)
    light.checkins.all().delete()
    _close(team)
    objective, light = _fresh(objective, light)
    assert light.final_score is None
    assert light.not_scored is False  # still to be decided by its owner
    assert objective.final_score == pytest.approx(0.6)  # only the scored one counts, until it is scored
    okr.key_result_grade(
        company=team.company,
        actor=team.actor(team.lead),
        key_result=light,
        score="0.9",
        reason="Measured by hand: 90 deals",
    )
    objective, light = _fresh(objective, light)
    assert light.final_score == pytest.approx(0.9)
    assert objective.final_score == pytest.approx(0.7)


def test_the_owner_changes_a_score_with_a_reason_and_an_event_says_so(team, graded):
    objective, heavy, _light = graded
    _close(team)
    okr.key_result_grade(
        company=team.company,
        actor=team.actor(team.member),
        key_result=heavy,
        score=0.75,
        reason="Two contracts signed after the last check-in",
    )
    objective, heavy = _fresh(objective, heavy)
    assert heavy.final_score == pytest.approx(0.75)
    assert heavy.score_reason == "Two contracts signed after the last check-in"
    # (2·0.75 + 1·0.3) / 3 = 1.8 / 3 = 0.6
    assert objective.final_score == pytest.approx(0.6)
    event = Event.objects.get(company=team.company, verb=Verb.KEY_RESULT_GRADED)
    assert event.objective_id == objective.pk
    assert event.payload["score"] == 0.75
    assert event.payload["previous_score"] == pytest.approx(0.6)
    assert event.payload["reason"] == "Two contracts signed after the last check-in"


def test_closing_opens_the_grading_window_of_the_company_setting(team, graded):
    team.company.grading_window_days = 3
    team.company.save()
    _close(team)
    cycle = Cycle.objects.get(pk=team.cycle.pk)
    assert cycle.grading_ends_at == cycle.closed_at + datetime.timedelta(days=3)
    assert cycle.grading_open(timezone.now())


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"score": 0.5, "reason": "  "}, "reason"),
        ({"score": 1.2, "reason": "Too good"}, "score"),
        ({"score": -0.1, "reason": "Too bad"}, "score"),
        ({"score": "lots", "reason": "Words"}, "score"),
        ({"score": None, "reason": "Forgot the score"}, "score"),
        ({"score": "nan", "reason": "Not a number"}, "score"),
    ],
)
def test_bad_grades_name_the_field_and_change_nothing(team, graded, changes, field):
    _objective, heavy, _light = graded
    _close(team)
    with refused(field):
        okr.key_result_grade(company=team.company, actor=team.actor(team.member), key_result=heavy, **changes)


def test_an_open_cycle_is_not_graded(team, graded):
    _objective, heavy, _light = graded
    with refused("cycle", code="cycle_open"):
        okr.key_result_grade(
            company=team.company, actor=team.actor(team.admin), key_result=heavy, score=0.5, reason="Early"
        )


def test_someone_else_may_not_grade(team, graded):
    from django.core.exceptions import PermissionDenied

    _objective, heavy, _light = graded
    _close(team)
    for user in (team.viewer, team.leader):
        with refused("score", exc=PermissionDenied):
            okr.key_result_grade(
                company=team.company, actor=team.actor(user), key_result=heavy, score=0.5, reason="Not mine"
            )


def test_after_the_window_nobody_changes_a_score_and_the_scores_stay(team, graded, frozen_clock):
    objective, heavy, _light = graded
    _close(team)
    frozen_clock.shift(datetime.timedelta(days=7, seconds=1))
    # Before the beat has ended the window: the deadline alone refuses.
    with refused("cycle", code="grading_ended"):
        okr.key_result_grade(
            company=team.company, actor=team.actor(team.admin), key_result=heavy, score=0.9, reason="Late"
        )
    assert okr.cycles_grading_end_all_companies() == 1
    assert okr.cycles_grading_end_all_companies() == 0  # idempotent
    cycle = Cycle.objects.get(pk=team.cycle.pk)
    assert cycle.grading_ended_at is not None
    assert Event.objects.filter(company=team.company, verb=Verb.CYCLE_GRADING_ENDED).count() == 1
    with refused("cycle", code="grading_ended"):
        okr.key_result_grade(
            company=team.company, actor=team.actor(team.admin), key_result=heavy, score=0.9, reason="Late"
        )
    objective, heavy = _fresh(objective, heavy)
    assert heavy.final_score == pytest.approx(0.6)
    assert objective.final_score == pytest.approx(0.5)


def test_the_window_does_not_end_early(team, graded, frozen_clock):
    _close(team)
    frozen_clock.shift(datetime.timedelta(days=6, hours=23))
    assert okr.cycles_grading_end_all_companies() == 0
    assert Cycle.objects.get(pk=team.cycle.pk).grading_ended_at is None


def test_grading_another_companys_key_result_is_not_found(team, other_team, graded):
    from okrhub.errors import NotFound

    _objective, heavy, _light = graded
    _close(team)
    with pytest.raises(NotFound):
        okr.key_result_grade(
            company=other_team.company,
            actor=other_team.actor(other_team.admin),
            key_result=heavy,
            score=0.5,
            reason="Not ours",
        )
    (heavy,) = _fresh(heavy)
    assert heavy.final_score == pytest.approx(0.6)


def test_draft_objectives_are_not_graded(team, graded):
    draft = okr.objective_create(
        company=team.company, actor=team.actor(team.admin), cycle=team.cycle, title="Never started"
    )
    kr = okr.key_result_create(
        company=team.company, actor=team.actor(team.admin), objective=draft, title="Calls from 0 to 5", target_value=5
    )
    _close(team)
    with refused("key_result", code="not_graded"):
        okr.key_result_grade(company=team.company, actor=team.actor(team.admin), key_result=kr, score=1, reason="?")
    assert Objective.objects.get(pk=draft.pk).status == "draft"


def test_the_beat_task_ends_passed_windows_once(team, other_team, graded, frozen_clock):
    from notifications.tasks import end_grading_windows_task

    _close(team)
    other_admin = other_team.actor(other_team.admin)
    okr.cycle_close(company=other_team.company, actor=other_admin, cycle=other_team.cycle)
    Cycle.objects.filter(pk=other_team.cycle.pk).update(grading_ends_at=timezone.now() + datetime.timedelta(days=30))
    frozen_clock.shift(datetime.timedelta(days=8))
    assert end_grading_windows_task.delay().get() == 1  # in-process (eager) in tests, as the worker runs it
    assert end_grading_windows_task.delay().get() == 0
    assert Cycle.objects.get(pk=team.cycle.pk).grading_ended_at == timezone.now()
    assert Cycle.objects.get(pk=other_team.cycle.pk).grading_ended_at is None
    event = Event.objects.get(verb=Verb.CYCLE_GRADING_ENDED)
    assert event.company_id == team.company.pk
    assert event.actor_id is None


@pytest.mark.django_db(transaction=True)
def test_a_grade_racing_the_windows_end_lands_before_it_or_is_refused():
    """Grades and the end take the cycle row's lock: every grade that landed is before the end, none after."""
    import time

    from django.core.exceptions import ValidationError

    from conftest import make_team
    from tests.concurrency import run_concurrently

    team = make_team("grading-race")
    admin = team.actor(team.admin)
    objective = okr.objective_create(
        company=team.company, actor=admin, cycle=team.cycle, title="Race", owner=team.member, activate=True
    )
    kr = okr.key_result_create(
        company=team.company, actor=admin, objective=objective, title="Wins from 0 to 10", target_value=10
    )
    okr.checkin_create(company=team.company, actor=admin, key_result=kr, value=5, confidence="on_track")
    okr.cycle_close(company=team.company, actor=admin, cycle=team.cycle)
    deadline = timezone.now() + datetime.timedelta(milliseconds=300)
    Cycle.objects.filter(pk=team.cycle.pk).update(grading_ends_at=deadline)
    outcomes: list[tuple[str, float | None]] = []

    def grades():
        for n in range(400):
            score = (n % 100) / 100
            try:
                okr.key_result_grade(company=team.company, actor=admin, key_result=kr, score=score, reason=f"Round {n}")
                outcomes.append(("saved", score))
            except ValidationError as error:
                codes = {e.code for errors in error.error_dict.values() for e in errors}
                outcomes.append(("refused", None) if codes == {"grading_ended"} else (f"refused: {codes}", None))
                return

    def end():
        while timezone.now() < deadline:
            time.sleep(0.005)
        return okr.cycles_grading_end_all_companies()

    _, ended = run_concurrently(grades, end)
    assert ended == 1
    saved = [score for outcome, score in outcomes if outcome == "saved"]
    assert saved, "the window ended before any grade"
    assert outcomes[-1] == ("refused", None)
    assert [o for o, _ in outcomes[:-1]] == ["saved"] * (len(outcomes) - 1)
    end_event = Event.objects.get(company=team.company, verb=Verb.CYCLE_GRADING_ENDED)
    graded = Event.objects.filter(company=team.company, verb=Verb.KEY_RESULT_GRADED)
    assert graded.count() == len(saved)
    assert not graded.filter(pk__gt=end_event.pk).exists(), "a grade landed after the window's end"
    assert not graded.filter(created_at__gt=end_event.created_at).exists()
    kr.refresh_from_db()
    assert kr.final_score == pytest.approx(saved[-1])
    # Frozen: nothing changes it afterwards.
    with pytest.raises(ValidationError):
        okr.key_result_grade(company=team.company, actor=admin, key_result=kr, score=1, reason="After")
    kr.refresh_from_db()
    assert kr.final_score == pytest.approx(saved[-1])
