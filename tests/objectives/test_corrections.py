"""Corrections and undo of check-ins: new entries supersede old ones, and every reader follows the effective ones.

Hand-worked examples on one key result, "Generate 1,000 qualified leads"
(0 → 1,000, so a value of 400 is progress 0.4), owned by the member, in
the Sales objective (its only key result, so the objective's progress is the
key result's) under a company objective.
"""

import datetime
from decimal import Decimal
from functools import partial

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from conftest import make_team
from notifications import reminders
from objectives import selectors
from objectives import services as okr
from objectives.models import UNDO_WINDOW, CheckIn, Event, KeyResult, Objective, Verb
from objectives.rollup import company_full_recompute, progress_drift
from objectives.transfer import company_export
from okrhub.errors import NotFound, PermissionDenied
from tests.concurrency import run_concurrently
from tests.helpers import db_state, refused


def _cascade(team, *, current_value=None, kind="number"):
    top = okr.objective_create(
        company=team.company, actor=None, cycle=team.cycle, title="Expand into new markets", activate=True
    )
    sales = okr.objective_create(
        company=team.company,
        actor=None,
        cycle=team.cycle,
        department=team.department,
        owner=team.lead,
        parent=top,
        title="Win Germany and France",
        activate=True,
    )
    kr = okr.key_result_create(
        company=team.company,
        actor=None,
        objective=sales,
        owner=team.member,
        title="Generate 1,000 qualified leads",
        kind=kind,
        start_value=0,
        target_value=1 if kind == "milestone" else 1000,
        current_value=current_value,
    )
    return top, sales, kr


@pytest.fixture
def cascade(team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return _cascade(team)


def check_in(team, kr, value, *, user=None, days_ago=None, confidence="on_track", note=""):
    recorded_at = timezone.now() - datetime.timedelta(days=days_ago) if days_ago is not None else None
    return okr.checkin_create(
        company=team.company,
        actor=team.actor(user or team.member),
        key_result=kr,
        value=value,
        confidence=confidence,
        note=note,
        recorded_at=recorded_at,
    )


def correct(team, checkin, value, *, user=None, confidence="on_track", note=None):
    return okr.checkin_correct(
        company=team.company,
        actor=team.actor(user or team.member),
        checkin=checkin,
        value=value,
        confidence=confidence,
        note=note,
    )


def undo(team, checkin, *, user=None):
    return okr.checkin_undo(company=team.company, actor=team.actor(user or team.member), checkin=checkin)


def effective_values(kr) -> list[Decimal]:
    return list(
        CheckIn.objects.effective().filter(key_result=kr).order_by("created_at", "id").values_list("value", flat=True)
    )


def progress_of(obj) -> float | None:
    return type(obj).objects.get(pk=obj.pk).progress


# ---------------------------------------------------------------- correcting


def test_correcting_the_latest_moves_the_key_result_and_its_objective(team, cascade):
    _, sales, kr = cascade
    first = check_in(team, kr, 300, days_ago=7)
    latest = check_in(team, kr, 500, note="Trade fair week")
    assert progress_of(kr) == 0.5

    fixed = correct(team, latest, 400, confidence="at_risk")

    stored = KeyResult.objects.get(pk=kr.pk)
    assert stored.current_value == Decimal(400)
    assert stored.confidence == "at_risk"
    assert stored.progress == 0.4
    assert progress_of(sales) == 0.4  # recomputed in the correction's own transaction
    # The correction takes the corrected entry's place in the timeline; it was entered later.
    assert fixed.created_at == latest.created_at
    assert stored.last_checkin_at == latest.created_at
    assert fixed.entered_at >= latest.entered_at
    assert fixed.corrects_id == latest.pk
    assert fixed.note == "Trade fair week"  # no note given: the corrected one's stays
    assert fixed.author_id == team.member.pk
    # Both stay in the history; only the correction counts.
    assert CheckIn.objects.filter(key_result=kr).count() == 3
    assert effective_values(kr) == [Decimal(300), Decimal(400)]
    standing = {c.pk: (c.stands, c.corrected_by_id) for c in CheckIn.objects.with_standing().filter(key_result=kr)}
    assert standing == {first.pk: (True, None), latest.pk: (False, fixed.pk), fixed.pk: (True, None)}


def test_correcting_an_older_check_in_changes_the_history_not_the_current_value(team, cascade):
    _, sales, kr = cascade
    older = check_in(team, kr, 300, days_ago=7)
    check_in(team, kr, 500)

    correct(team, older, 200, note="Double-counted the Lyon fair")

    stored = KeyResult.objects.get(pk=kr.pk)
    assert (stored.current_value, stored.progress) == (Decimal(500), 0.5)
    assert progress_of(sales) == 0.5
    detail = selectors.key_result_detail(company=team.company, actor=team.actor(team.member), key_result_id=kr.pk)
    # The chart plots the effective readings only: 0.2 a week ago (was 0.3), then 0.5.
    assert [progress for _, progress in detail["history"]] == [0.2, 0.5]
    objective = selectors.objective_detail(company=team.company, actor=team.actor(team.member), objective_id=sales.pk)
    assert [progress for _, progress in objective["history"]] == [0.2, 0.5]
    # The page's history shows all three, the corrected one pointing at its correction.
    rows = {c.value: c for c in detail["checkins"]}
    assert rows[Decimal(300)].replaced_by == rows[Decimal(200)]
    assert rows[Decimal(200)].is_correction
    assert rows[Decimal(200)].replaced_by is None


def test_correcting_a_correction_forms_a_chain_whose_last_link_stands(team, cascade):
    _, _, kr = cascade
    original = check_in(team, kr, 300)
    second = correct(team, original, 350)
    third = correct(team, second, 320, user=team.lead)  # a lead of Sales may correct it too

    assert effective_values(kr) == [Decimal(320)]
    assert KeyResult.objects.get(pk=kr.pk).current_value == Decimal(320)
    assert original.created_at == second.created_at == third.created_at
    assert (third.corrects_id, third.author_id) == (second.pk, team.lead.pk)
    # Each link is corrected once: the superseded ones are refused by name, pointing at what stands.
    for superseded in (original, second):
        with refused("checkin", code="already_corrected") as error:
            correct(team, superseded, 999)
    assert "correct the entry that stands" in str(error.value)


def test_correction_of_a_milestone_is_done_or_not(team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _, _, kr = _cascade(team, kind="milestone")
    done = check_in(team, kr, 1)
    with refused("value", code="milestone"):
        correct(team, done, 2)
    correct(team, done, 0)
    assert KeyResult.objects.get(pk=kr.pk).progress == 0.0


@pytest.mark.parametrize(
    ("field", "changes"),
    [
        ("value", {"value": "lots"}),
        ("value", {"value": None}),
        ("value", {"value": "1e30"}),
        ("value", {"value": "NaN"}),
        ("confidence", {"confidence": "meh"}),
        ("note", {"note": "x" * 2001}),
        ("note", {"note": "bell\x07"}),
    ],
)
def test_bad_corrections_name_the_field_and_change_nothing(team, cascade, field, changes):
    _, _, kr = cascade
    checkin = check_in(team, kr, 300)
    arguments = {"value": 400, "confidence": "on_track", "note": None} | changes
    with refused(field):
        okr.checkin_correct(company=team.company, actor=team.actor(team.member), checkin=checkin, **arguments)


def test_an_undo_entry_cannot_be_corrected(team, cascade):
    _, _, kr = cascade
    undone = undo(team, check_in(team, kr, 300))
    with refused("checkin", code="retracted"):
        correct(team, undone, 100)


# ---------------------------------------------------------------- who may correct


@pytest.mark.parametrize("role", ["admin", "lead", "member"])
def test_author_owner_lead_and_admin_may_correct(team, cascade, role):
    _, _, kr = cascade
    checkin = check_in(team, kr, 300, user=team.admin)  # the member owns the key result; the admin wrote it
    fixed = correct(team, checkin, 310, user=getattr(team, role))
    assert fixed.author_id == getattr(team, role).pk


@pytest.mark.parametrize("role", ["viewer", "leader"])
def test_viewers_and_unrelated_members_may_not_correct(team, cascade, role):
    _, _, kr = cascade
    checkin = check_in(team, kr, 300)
    with refused("checkin", exc=PermissionDenied):
        correct(team, checkin, 1, user=getattr(team, role))


def test_the_author_may_correct_after_losing_the_key_result(team, cascade):
    _, _, kr = cascade
    checkin = check_in(team, kr, 300)
    KeyResult.objects.filter(pk=kr.pk).update(owner=team.lead)
    correct(team, checkin, 330)
    assert KeyResult.objects.get(pk=kr.pk).current_value == Decimal(330)


def test_another_companys_check_in_is_not_found(team, other_team, cascade):
    _, _, kr = cascade
    checkin = check_in(team, kr, 300)
    before = db_state()
    with pytest.raises(NotFound):
        okr.checkin_correct(
            company=other_team.company, actor=other_team.actor(other_team.admin), checkin=checkin, value=1,
            confidence="on_track",
        )  # fmt: skip
    with pytest.raises(NotFound):
        okr.checkin_undo(company=other_team.company, actor=other_team.actor(other_team.admin), checkin=checkin)
    assert db_state() == before


def test_closed_cycles_and_objectives_take_no_corrections(team, cascade):
    _, sales, kr = cascade
    checkin = check_in(team, kr, 300)
    Objective.objects.filter(pk=sales.pk).update(status="closed")
    with refused("key_result", code="objective_closed"):
        correct(team, checkin, 100)
    Objective.objects.filter(pk=sales.pk).update(status="active")
    okr.cycle_close(company=team.company, actor=None, cycle=team.cycle)
    with refused("cycle", code="cycle_closed"):
        correct(team, checkin, 100)
    with refused("cycle", code="cycle_closed"):
        undo(team, checkin)


# ---------------------------------------------------------------- undo


def test_undoing_the_only_check_in_makes_progress_unknown_again(team, cascade):
    _top, sales, kr = cascade
    checkin = check_in(team, kr, 300)
    assert progress_of(sales) == 0.3

    entry = undo(team, checkin)

    assert (entry.retracted, entry.corrects_id, entry.created_at) == (True, checkin.pk, checkin.created_at)
    stored = KeyResult.objects.get(pk=kr.pk)
    assert (stored.current_value, stored.progress, stored.confidence, stored.last_checkin_at) == (None, None, "", None)
    assert progress_of(sales) is None  # nothing measurable: unknown, never 0
    assert effective_values(kr) == []


def test_undo_falls_back_to_the_check_in_before(team, cascade):
    _, _, kr = cascade
    before = check_in(team, kr, 300, days_ago=3, confidence="at_risk")
    undo(team, check_in(team, kr, 500))
    stored = KeyResult.objects.get(pk=kr.pk)
    assert (stored.current_value, stored.confidence, stored.last_checkin_at) == (
        Decimal(300),
        "at_risk",
        before.created_at,
    )
    assert stored.progress == 0.3


def test_undo_goes_back_to_the_value_the_key_result_was_created_with(team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _, sales, kr = _cascade(team, current_value=100)
    assert progress_of(kr) == 0.1
    undo(team, check_in(team, kr, 300))
    stored = KeyResult.objects.get(pk=kr.pk)
    assert (stored.current_value, stored.progress, stored.last_checkin_at) == (Decimal(100), 0.1, None)
    assert progress_of(sales) == 0.1


def test_undo_is_open_for_ten_minutes(team, cascade, frozen_clock):
    _, _, kr = cascade
    assert datetime.timedelta(minutes=10) == UNDO_WINDOW
    late = check_in(team, kr, 300)
    frozen_clock.shift(UNDO_WINDOW + datetime.timedelta(seconds=1))
    with refused("checkin", code="undo_expired"):
        undo(team, late)
    in_time = check_in(team, kr, 400)
    frozen_clock.shift(UNDO_WINDOW)
    undo(team, in_time)  # exactly ten minutes: still in time
    assert KeyResult.objects.get(pk=kr.pk).current_value == Decimal(300)


@pytest.mark.parametrize("role", ["admin", "lead", "viewer"])
def test_only_the_author_may_undo(team, cascade, role):
    _, _, kr = cascade
    checkin = check_in(team, kr, 300)
    with refused("checkin", exc=PermissionDenied):
        undo(team, checkin, user=getattr(team, role))


def test_a_key_may_not_undo(team, cascade):
    from companies.tenancy import Actor

    _, _, kr = cascade
    checkin = check_in(team, kr, 300)
    with refused("checkin", exc=PermissionDenied):
        okr.checkin_undo(company=team.company, actor=Actor(company=team.company, role="integration"), checkin=checkin)


def test_only_my_latest_check_in_may_be_undone(team, cascade):
    _, _, kr = cascade
    earlier = check_in(team, kr, 300)
    check_in(team, kr, 400)
    with refused("checkin", code="not_latest"):
        undo(team, earlier)


def test_a_correction_is_corrected_not_undone(team, cascade):
    _, _, kr = cascade
    fixed = correct(team, check_in(team, kr, 300), 310)
    with refused("checkin", code="correction"):
        undo(team, fixed)


def test_undo_is_final_and_does_not_reach_further_back(team, cascade):
    _, _, kr = cascade
    earlier = check_in(team, kr, 300)
    latest = check_in(team, kr, 400)
    undo(team, latest)
    with refused("checkin", code="already_corrected"):
        undo(team, latest)
    # The undone check-in is still the latest the member entered: the one before it stays.
    with refused("checkin", code="not_latest"):
        undo(team, earlier)


# ---------------------------------------------------------------- events


def test_corrections_and_undos_are_events_with_old_and_new_readings(team, cascade):
    _, _, kr = cascade
    checkin = check_in(team, kr, 300, confidence="at_risk", note="first count")
    fixed = correct(team, checkin, 250, confidence="on_track", note="recounted")
    event = Event.objects.get(verb=Verb.CHECKIN_CORRECTED)
    assert (event.checkin_id, event.key_result_id, event.actor_id) == (fixed.pk, kr.pk, team.member.pk)
    assert event.payload | {"recorded_at": None} == {
        "key_result_title": kr.title,
        "objective_title": "Win Germany and France",
        "value": "250",
        "confidence": "on_track",
        "note": "recounted",
        "progress": 0.25,
        "previous_value": "300.0000",
        "previous_confidence": "at_risk",
        "previous_progress": 0.3,
        "recorded_at": None,
        "corrects_id": checkin.pk,
        "retracted": False,
        "old_value": "300.0000",
        "old_confidence": "at_risk",
        "old_note": "first count",
        "current_value": "250.0000",
    }
    latest = check_in(team, kr, 700)
    entry = undo(team, latest)
    event = Event.objects.get(verb=Verb.CHECKIN_UNDONE)
    assert event.checkin_id == entry.pk
    assert (event.payload["value"], event.payload["old_value"], event.payload["current_value"]) == (
        None,
        "700.0000",
        "250.0000",
    )
    assert (event.payload["corrects_id"], event.payload["retracted"]) == (latest.pk, True)


# ---------------------------------------------------------------- every reader follows


def test_the_digest_reads_only_effective_check_ins(team, cascade):
    _, _, kr = cascade
    now = timezone.now()
    older = check_in(team, kr, 300, days_ago=10)
    correct(team, older, 100)
    this_week = check_in(team, kr, 500)
    digest = reminders.weekly_digest(
        company=team.company,
        actor=team.actor(team.admin),
        since=now - datetime.timedelta(days=7),
        until=now + datetime.timedelta(minutes=1),
    )
    (moved,) = digest["moved"]
    assert (moved["before"], moved["after"]) == ("10%", "50%")  # from the corrected 100, not the 300
    undo(team, this_week)
    digest = reminders.weekly_digest(
        company=team.company,
        actor=team.actor(team.admin),
        since=now - datetime.timedelta(days=7),
        until=now + datetime.timedelta(minutes=1),
    )
    assert digest["moved"] == []  # the undone check-in is no check-in this week
    assert [item["title"] for _, items in digest["missed_by_department"] for item in items] == [kr.title]


def test_the_export_keeps_every_entry_and_says_which_supersede_which(team, cascade):
    _, _, kr = cascade
    checkin = check_in(team, kr, 300)
    fixed = correct(team, checkin, 310)
    rows = {row["id"]: row for row in company_export(company=team.company)["check_ins"]}
    assert rows[checkin.pk]["corrects_id"] is None
    assert (rows[fixed.pk]["corrects_id"], rows[fixed.pk]["retracted"], rows[fixed.pk]["value"]) == (
        checkin.pk,
        False,
        "310.0000",
    )
    assert rows[fixed.pk]["entered_at"] == fixed.entered_at.isoformat()


# ---------------------------------------------------------------- roll-up and races


@pytest.mark.django_db(transaction=True)
def test_after_the_queue_drains_stored_progress_equals_a_recomputation():
    team = make_team("drain")
    top, sales, kr = _cascade(team)
    older = check_in(team, kr, 300, days_ago=5)
    latest = check_in(team, kr, 800)
    assert progress_of(top) == 0.8
    correct(team, latest, 600)
    assert progress_of(top) == 0.6  # the ancestors' roll-up ran on commit
    correct(team, older, 100)
    undo(team, check_in(team, kr, 900))
    assert (progress_of(kr), progress_of(sales), progress_of(top)) == (0.6, 0.6, 0.6)
    assert progress_drift(company=team.company) == ({}, {})
    assert company_full_recompute(company=team.company) == 0


@pytest.mark.django_db(transaction=True)
def test_racing_corrections_of_one_check_in_exactly_one_wins():
    team = make_team("racing")
    _, _, kr = _cascade(team)
    checkin = check_in(team, kr, 300)
    people = [team.member, team.lead, team.admin, team.member, team.lead]

    def attempt(n: int, user):
        try:
            return correct(team, checkin, 400 + n, user=user)
        except ValidationError as error:
            return error

    results = run_concurrently(*[partial(attempt, n, user) for n, user in enumerate(people)])
    winners = [r for r in results if isinstance(r, CheckIn)]
    losers = [r for r in results if isinstance(r, ValidationError)]
    assert len(winners) == 1
    assert len(losers) == len(people) - 1
    assert all(error.error_dict["checkin"][0].code == "already_corrected" for error in losers)
    (winner,) = winners
    assert CheckIn.objects.filter(corrects=checkin).count() == 1
    assert KeyResult.objects.get(pk=kr.pk).current_value == winner.value
    assert company_full_recompute(company=team.company) == 0
