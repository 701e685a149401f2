"""Writes of grading: a key result's final score changed during the window, and the window's end.

The window opens when the cycle closes (``cycle_close`` prefills every final
score) and lasts the company's ``grading_window_days``. Every write takes
the cycle row first, FOR NO KEY UPDATE as ``cycle_close`` does, so a grade
racing the window's end either lands before the end is recorded or is
refused; after the deadline the clock alone refuses (the beat task only
records the end). Frozen scores never change afterwards.
"""

import datetime
import math
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from companies import revision
from companies.models import Company
from companies.tenancy import Actor
from objectives import events
from objectives.grading import child_value, objective_score
from objectives.models import (
    COUNTED_STATUSES,
    Cycle,
    CycleStatus,
    KeyResult,
    Objective,
    ObjectiveStatus,
    Verb,
    grading_refusal,
)
from objectives.rollup import MAX_LADDER_DEPTH, bulk_set_floats
from objectives.scheduling import schedule_rollup
from objectives.services import _payloads
from objectives.services._common import _same_company
from okrhub.errors import invalid, not_found
from okrhub.permissions import Action

#: A grade's reason, at most (the column's ``max_length``, which Django checks in forms only).
REASON_MAX_LENGTH = KeyResult._meta.get_field("score_reason").max_length or 1000


def store_objective_scores(*, company: Company, objective_ids: Iterable[int], closing: bool = False) -> int:
    """Store the final score of each objective from its key results' and counted children's; return how many moved.

    The maths and how a child counts are ``objectives.grading``. A child
    among ``objective_ids`` is scored first and counts with its new score;
    any other child with what it holds now (its stored final score when its
    cycle is closed, else its progress). Three queries and one bulk update
    whatever the number of objectives (the close of a cycle of 10,000 runs
    this once). Sends no model signal: the caller bumps the company revision.

    ``closing`` (the cycle's close): the same write also moves every active
    one of ``objective_ids`` to closed, so each row is written once, not twice.
    """
    ids = set(objective_ids)
    if not ids:
        return 0
    scores: dict[int, list[tuple[float | None, float]]] = defaultdict(list)
    for objective_id, score, weight in KeyResult.objects.filter(company=company, objective_id__in=ids).values_list(
        "objective_id", "final_score", "weight"
    ):
        scores[objective_id].append((score, float(weight)))
    children: dict[int, list[tuple[int, float | None, float]]] = defaultdict(list)
    if company.rollup_child_objectives:
        for child_id, parent_id, progress, final_score, cycle_status, weight in (
            Objective.objects.filter(company=company, parent_id__in=ids, status__in=COUNTED_STATUSES)
            .order_by("id")
            .values_list("id", "parent_id", "progress", "final_score", "cycle__status", "weight")
        ):
            value = child_value(
                cycle_closed=cycle_status == CycleStatus.CLOSED, progress=progress, final_score=final_score
            )
            children[parent_id].append((child_id, value, float(weight)))
    computed: dict[int, float | None] = {}
    # Post-order over the given objectives (laddering is loop-free; ``on_path`` guards a corrupt row).
    for root in sorted(ids):
        stack, on_path = [(root, False)], set()
        while stack:
            objective_id, expanded = stack.pop()
            if objective_id in computed:
                continue
            below = [child_id for child_id, _, _ in children.get(objective_id, ()) if child_id in ids]
            if expanded or not below:
                on_path.discard(objective_id)
                counted = [
                    (computed.get(child_id) if child_id in ids else value, weight)
                    for child_id, value, weight in children.get(objective_id, ())
                ]
                computed[objective_id] = objective_score(scores.get(objective_id, []), counted)
                continue
            if objective_id in on_path:
                computed[objective_id] = objective_score(scores.get(objective_id, []))
                continue
            on_path.add(objective_id)
            stack.append((objective_id, True))
            stack.extend((child_id, False) for child_id in below if child_id not in computed)
    changed = {
        pk: computed[pk]
        for pk, stored in Objective.objects.filter(company=company, pk__in=ids).values_list("pk", "final_score")
        if computed[pk] != stored
    }
    if closing:
        _store_scores_and_close(company_id=company.pk, scores=computed)
    else:
        bulk_set_floats(model=Objective, column="final_score", company_id=company.pk, values=changed)
    return len(changed)


def _store_scores_and_close(*, company_id: int, scores: dict[int, float | None]) -> None:
    """Set each objective's final score and close the active ones, in one statement (the close's write)."""
    if connection.vendor != "postgresql":  # the embedded default (SQLite): the portable two steps
        bulk_set_floats(model=Objective, column="final_score", company_id=company_id, values=scores)
        Objective.objects.filter(company_id=company_id, pk__in=list(scores), status=ObjectiveStatus.ACTIVE).update(
            status=ObjectiveStatus.CLOSED
        )
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {connection.ops.quote_name(Objective._meta.db_table)} AS t "  # noqa: S608  # the model's table, no input
            "SET final_score = v.value, status = CASE WHEN t.status = %s THEN %s ELSE t.status END "
            "FROM (SELECT unnest(%s::bigint[]) AS id, unnest(%s::double precision[]) AS value) AS v "
            "WHERE t.id = v.id AND t.company_id = %s",
            [ObjectiveStatus.ACTIVE, ObjectiveStatus.CLOSED, list(scores), list(scores.values()), company_id],
        )


def _graded_ancestors(*, company: Company, parent_id: int | None, now: datetime.datetime) -> list[int]:
    """Above a graded objective, the ancestors whose score follows it: those in a grading window, bottom-up.

    Climbs from ``parent_id`` while the ancestor's cycle is in its grading
    window (its score counts the child's); stops below one whose cycle runs
    (it has no score yet) or whose scores are frozen. One query per level.
    """
    graded: list[int] = []
    for _ in range(MAX_LADDER_DEPTH):
        if parent_id is None:
            break
        parent = Objective.objects.select_related("cycle").filter(company=company, pk=parent_id).first()
        if parent is None or not parent.cycle.grading_open(now):
            break
        graded.append(parent.pk)
        parent_id = parent.parent_id
    return graded


def _score(value: Any) -> float:
    if value is None or value == "":
        raise invalid("score", "Give a score from 0 to 1, or mark the key result not scored.", "required")
    try:
        score = float(value)
    except (TypeError, ValueError):
        raise invalid("score", "Enter a number from 0 to 1.", "invalid") from None
    if not math.isfinite(score) or not 0 <= score <= 1:
        raise invalid("score", "A score is from 0 to 1 (0.7 is 70%).", "out_of_range")
    return score


@transaction.atomic
def key_result_grade(
    *,
    company: Company,
    actor: Actor,
    key_result: KeyResult,
    score: Any = None,
    reason: str,
    not_scored: bool = False,
) -> KeyResult:
    """Change a key result's final score (or mark it "not scored") during its cycle's grading window.

    The owner, a lead of its department (a leader for a company-level
    objective) and admins grade (``Action.GRADE``), always with a reason;
    the objective's score follows (``objectives.grading``). Refused on
    ``cycle`` outside the window (``grading_refusal``), on ``score`` outside
    [0, 1], on ``reason`` when empty.
    """
    _same_company(company, key_result=key_result)
    rows = KeyResult.objects.filter(company=company, pk=key_result.pk)
    cycle_id = rows.values_list("objective__cycle_id", flat=True).first()
    if cycle_id is None:
        raise not_found("key result")
    # FOR NO KEY UPDATE, before the key result: the window's end takes the same lock, so it is either
    # after this grade or seen by it; a check-in's event insert (FOR KEY SHARE on the cycle) does not wait.
    cycle = Cycle.objects.select_for_update(no_key=True).get(pk=cycle_id, company=company)
    kr = (
        KeyResult.objects.select_for_update(of=("self",))
        .select_related("objective")
        .get(pk=key_result.pk, company=company)
    )
    objective = kr.objective
    objective.cycle = cycle
    # Permission before validation: a refused caller learns nothing about the input rules.
    actor.require(Action.GRADE, department_id=objective.department_id, owner_id=kr.owner_id)
    refusal = grading_refusal(cycle, objective, timezone.now())
    if refusal is not None:
        raise invalid(*refusal)
    reason = (reason or "").strip()
    new_score = None if not_scored else _score(score)
    if not reason:
        raise invalid("reason", "Say why: a grade always comes with its reason.", "required")
    if len(reason) > REASON_MAX_LENGTH:
        raise invalid("reason", f"Keep the reason to {REASON_MAX_LENGTH:,} characters.", "max_length")
    previous = {"previous_score": kr.final_score, "previous_not_scored": kr.not_scored}
    kr.final_score, kr.not_scored, kr.score_reason = new_score, not_scored, reason
    kr.save(update_fields=["final_score", "not_scored", "score_reason", "updated_at"])
    # The objective's score, then those of the ancestors in grading that count it (bottom-up, in one pass);
    # the parents' progress counts a closed child's score too: their roll-up runs after commit, as a check-in's.
    graded = _graded_ancestors(company=company, parent_id=objective.parent_id, now=timezone.now())
    store_objective_scores(company=company, objective_ids=[objective.pk, *graded])
    if company.rollup_child_objectives:
        schedule_rollup(company_id=company.pk, objective_id=objective.parent_id)
    objective.final_score = Objective.objects.values_list("final_score", flat=True).get(pk=objective.pk)
    revision.bump(company.pk)  # the objective's score moved by a bulk update (no model signal)
    events.record(
        Verb.KEY_RESULT_GRADED,
        company_id=company.pk,
        actor=actor,
        key_result=kr,
        payload={
            "key_result_id": kr.pk,
            "title": kr.title,
            "objective_title": objective.title,
            "score": new_score,
            "not_scored": not_scored,
            "reason": reason,
            **previous,
            "objective_score": objective.final_score,
        },
    )
    return kr


@transaction.atomic
def cycle_grading_end(*, company: Company, cycle: Cycle, now: datetime.datetime | None = None) -> bool:
    """Record the end of a closed cycle's grading window once it has passed; False when there is nothing to end.

    Idempotent: a second run (a redelivered task) finds it recorded. Key
    results nobody scored stay without a score, out of their objectives'.
    """
    _same_company(company, cycle=cycle)
    now = now or timezone.now()
    cycle = Cycle.objects.select_for_update(no_key=True).get(pk=cycle.pk, company=company)
    if (
        cycle.status != CycleStatus.CLOSED
        or cycle.grading_ends_at is None
        or cycle.grading_ended_at is not None
        or now < cycle.grading_ends_at
    ):
        return False
    cycle.grading_ended_at = now
    cycle.save(update_fields=["grading_ended_at"])
    events.record(
        Verb.CYCLE_GRADING_ENDED,
        company_id=company.pk,
        actor=None,
        cycle=cycle,
        payload={**_payloads.cycle(cycle), "grading_ends_at": cycle.grading_ends_at.isoformat()},
    )
    return True


def cycles_grading_end_all_companies(now: datetime.datetime | None = None) -> int:
    """End every grading window that has passed, in every company (the beat's task); return how many ended."""
    now = now or timezone.now()
    due = Cycle.objects.filter(
        status=CycleStatus.CLOSED, grading_ended_at__isnull=True, grading_ends_at__lte=now
    ).select_related("company")
    return sum(cycle_grading_end(company=cycle.company, cycle=cycle, now=now) for cycle in due)
