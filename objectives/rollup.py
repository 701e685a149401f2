"""Roll-up: keeping the stored ``progress`` columns equal to the progress maths.

- :func:`rollup_objective_chain` recomputes one objective and walks up its
  parents, each level in its own short transaction with the row locked first
  and its inputs read after the lock (recompute-after-lock): a concurrent
  recompute either sees our write or runs after us, so none leaves a stale value.
- :func:`company_full_recompute` recomputes a company (or one cycle of it)
  from raw values and writes only rows whose value changed.
- :func:`progress_drift` lists the rows whose stored value is wrong (no writes).

Pure computation over the database: this module knows nothing of Celery, the
broker or Redis. Asking for a roll-up later is ``objectives.scheduling``;
coalescing bursts is ``objectives.coalesce``; the tasks are ``objectives.tasks``.
"""

import logging
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from django.db import connection, transaction
from django.db.models import Field, Model

from companies import revision
from companies.models import Company
from objectives.grading import child_value
from objectives.models import COUNTED_STATUSES, CycleStatus, KeyResult, Objective
from objectives.progress import Weighted, key_result_progress, weighted_progress
from okrhub.logs import log_event

log = logging.getLogger(__name__)


def objective_inputs(*, company: Company, objective_id: int) -> list[Weighted]:
    """The stored progress and weight of everything that counts in this objective."""
    return objectives_inputs(company=company, objective_ids=[objective_id])[objective_id]


def objectives_inputs(*, company: Company, objective_ids: Collection[int]) -> dict[int, list[Weighted]]:
    """:func:`objective_inputs` of many objectives at once (one or two queries), each list in id order."""
    inputs: dict[int, list[Weighted]] = {objective_id: [] for objective_id in objective_ids}
    key_results = (
        KeyResult.objects.filter(company=company, objective_id__in=list(inputs))
        .order_by("id")
        .values_list("objective_id", "progress", "weight")
    )
    for objective_id, progress, weight in key_results:
        inputs[objective_id].append(Weighted(progress, float(weight)))
    if company.rollup_child_objectives:
        children = (
            Objective.objects.filter(company=company, parent_id__in=list(inputs), status__in=COUNTED_STATUSES)
            .order_by("id")
            .values_list("parent_id", "progress", "final_score", "cycle__status", "weight")
        )
        for parent_id, progress, final_score, cycle_status, weight in children:
            value = child_value(
                cycle_closed=cycle_status == CycleStatus.CLOSED, progress=progress, final_score=final_score
            )
            inputs[parent_id].append(Weighted(value, float(weight)))
    return inputs


def recompute_objective(*, company: Company, objective_id: int) -> tuple[bool, int | None]:
    """Recompute one objective from its stored inputs, read after its row is locked.

    Returns (whether the stored value changed, the parent id). A concurrent
    recompute of the same row waits for our commit and then reads our inputs,
    so the last writer always wrote from the latest inputs. Inside a caller's
    transaction (a check-in) it takes no savepoint: a failure fails the caller.
    """
    return recompute_objectives(company=company, objective_ids=[objective_id]).get(objective_id, (False, None))


def recompute_objectives(*, company: Company, objective_ids: Iterable[int]) -> dict[int, tuple[bool, int | None]]:
    """:func:`recompute_objective` of several objectives, locked together in ascending id order.

    One statement locks them (the order every writer locks objectives in),
    one or two read their inputs, and each changed row is written: a batch of
    check-ins recomputes the objectives it touched in a constant number of
    queries plus one per objective that moved. Objectives that do not exist
    are left out of the result.
    """
    with transaction.atomic(savepoint=False):
        rows = list(
            Objective.objects.select_for_update()
            .filter(company=company, pk__in=sorted(set(objective_ids)))
            .order_by("id")
            .values("id", "parent_id", "progress")
        )
        if not rows:
            return {}
        inputs = objectives_inputs(company=company, objective_ids=[row["id"] for row in rows])
        result: dict[int, tuple[bool, int | None]] = {}
        for row in rows:
            progress = weighted_progress(inputs[row["id"]])
            changed = progress != row["progress"]
            if changed:
                Objective.objects.filter(company=company, pk=row["id"]).update(progress=progress)
                # A stored progress readers see moved (the tree's bars): a bulk update sends no model signal.
                revision.bump(company.pk)
            result[row["id"]] = (changed, row["parent_id"])
        return result


def rollup_objective_chain(*, company: Company, objective_id: int) -> int:
    """Recompute ``objective_id`` then its ancestors; return how many rows changed.

    Climbing stops at the first objective whose value did not change: nothing
    above it can have moved because of this change.
    """
    return rollup_objectives(company=company, objective_ids=[objective_id])


#: Laddering is validated loop-free; this bounds the climb should a corrupt row slip in.
MAX_LADDER_DEPTH = 100


def rollup_objectives(*, company: Company, objective_ids: Iterable[int]) -> int:
    """Recompute many objectives and their ancestors, level by level; return rows changed.

    All the given objectives are recomputed first, then the parents of those
    that changed, and so on: a parent shared by a burst of changed children is
    recomputed once per level rather than once per child, always after the
    children below it in this pass. Each row is recomputed after its lock
    (:func:`recompute_objective`), so concurrent passes leave no stale value.
    """
    changed = 0
    level = set(objective_ids)
    for _ in range(MAX_LADDER_DEPTH):
        if not level:
            break
        parents: set[int] = set()
        for objective_id in sorted(level):
            did_change, parent_id = recompute_objective(company=company, objective_id=objective_id)
            if did_change:
                changed += 1
                if parent_id is not None:
                    parents.add(parent_id)
        level = parents
    else:
        if level:
            log.error("roll-up of company %s climbed %d levels; a parent cycle?", company.pk, MAX_LADDER_DEPTH)
    return changed


def bulk_set_floats(*, model: type[Model], column: str, company_id: int, values: Mapping[int, float | None]) -> int:
    """Set one float column of many rows of ``model`` (id → value, None: NULL) in one statement; return rows written.

    ``UPDATE ... FROM unnest(ids, values)``: no per-row statement and no CASE of
    thousands of branches (``bulk_update``); like ``bulk_update`` it sends no
    model signal and leaves ``updated_at`` alone. The caller holds the rows' locks.
    """
    if not values:
        return 0
    table = connection.ops.quote_name(model._meta.db_table)
    target = model._meta.get_field(column)
    if not isinstance(target, Field) or not target.column:
        raise TypeError(f"{model.__name__}.{column} is not a column")
    name = connection.ops.quote_name(target.column)
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            # The embedded default (SQLite) has no arrays: one prepared statement per row, run as a batch.
            cursor.executemany(
                f"UPDATE {table} SET {name} = %s WHERE id = %s AND company_id = %s",  # noqa: S608  # as above
                [(value, pk, company_id) for pk, value in values.items()],
            )
            return len(values)
        cursor.execute(
            f"UPDATE {table} AS t SET {name} = v.value "  # noqa: S608  # table and column from the model, quoted
            "FROM (SELECT unnest(%s::bigint[]) AS id, unnest(%s::double precision[]) AS value) AS v "
            "WHERE t.id = v.id AND t.company_id = %s",
            [list(values), list(values.values()), company_id],
        )
        return cursor.rowcount


def rollup_after_close(*, company: Company, cycle_id: int) -> int:
    """Recompute the objectives whose progress the close of ``cycle_id`` moved; return rows changed.

    A closed cycle's objectives count in their parents with their final
    scores (``objectives.grading.child_value``), so the objectives whose
    inputs changed are the parents of the closed cycle's objectives, and
    above them their ancestors (in the cycle itself and in enclosing ones).
    Those (and only those) are locked in id order, their inputs read after
    the locks, and recomputed bottom-up in one pass: each uses its children's
    new values, every other child its stored value. Equal to a full
    recompute after the close (the stored rows outside the set are unchanged
    inputs), at a fraction of its reads; changed rows are written in one statement.
    """
    parent_of = dict(Objective.objects.filter(company=company).values_list("id", "parent_id"))
    frontier = set(
        Objective.objects.filter(company=company, cycle_id=cycle_id, parent_id__isnull=False).values_list(
            "parent_id", flat=True
        )
    )
    affected: set[int] = set()
    for _ in range(MAX_LADDER_DEPTH):
        frontier -= affected
        if not frontier:
            break
        affected |= frontier
        frontier = {parent for o in frontier if (parent := parent_of.get(o)) is not None}
    if not affected:
        return 0
    with transaction.atomic(savepoint=False):
        stored = dict(
            Objective.objects.select_for_update()
            .filter(company=company, pk__in=sorted(affected))
            .order_by("id")
            .values_list("id", "progress")
        )
        own: dict[int, list[Weighted]] = defaultdict(list)
        for objective_id, progress, weight in KeyResult.objects.filter(
            company=company, objective_id__in=list(stored)
        ).values_list("objective_id", "progress", "weight"):
            own[objective_id].append(Weighted(progress, float(weight)))
        children: dict[int, list[tuple[int, float | None, float]]] = defaultdict(list)
        for child_id, parent_id, progress, final_score, cycle_status, weight in Objective.objects.filter(
            company=company, parent_id__in=list(stored), status__in=COUNTED_STATUSES
        ).values_list("id", "parent_id", "progress", "final_score", "cycle__status", "weight"):
            closed = cycle_status == CycleStatus.CLOSED
            # A child whose own progress is recomputed here counts with the new one (unless its cycle closed).
            recomputed = None if closed or child_id not in stored else child_id
            value = child_value(cycle_closed=closed, progress=progress, final_score=final_score)
            children[parent_id].append((recomputed or 0, value, float(weight)))
        computed: dict[int, float | None] = {}
        for root in sorted(stored):
            stack, on_path = [(root, False)], set()
            while stack:
                objective_id, expanded = stack.pop()
                if objective_id in computed:
                    continue
                below = [child for child, _, _ in children.get(objective_id, ()) if child and child not in computed]
                if expanded or not below or objective_id in on_path:
                    on_path.discard(objective_id)
                    items = list(own.get(objective_id, ()))
                    items += [
                        Weighted(computed.get(child, value) if child else value, weight)
                        for child, value, weight in children.get(objective_id, ())
                    ]
                    computed[objective_id] = weighted_progress(items)
                    continue
                on_path.add(objective_id)
                stack.append((objective_id, True))
                stack.extend((child, False) for child in below)
        changed = {pk: value for pk, value in computed.items() if value != stored[pk]}
        bulk_set_floats(model=Objective, column="progress", company_id=company.pk, values=changed)
        if changed:
            revision.bump(company.pk)
    log_event(log, "rollup.after_close", company=company.pk, cycle=cycle_id, changed=len(changed))
    return len(changed)


def compute_company_progress(
    *, objectives: Sequence[Mapping[str, Any]], key_results: Sequence[Mapping[str, Any]], rollup_children: bool
) -> tuple[dict[int, float | None], dict[int, float | None]]:
    """Progress of every key result and objective from raw values (no database).

    ``objectives``: dicts with id, parent_id, status, weight, and optionally
    ``cycle_closed`` and ``final_score``: a child whose cycle is closed counts
    in its parent with its final score (``objectives.grading.child_value``);
    without them every child counts with its progress (a replay of past days).
    ``key_results``: dicts with id, objective_id, kind, direction, start_value,
    target_value, current_value, weight.
    """
    kr_progress: dict[int, float | None] = {}
    inputs: dict[int, list[Weighted]] = defaultdict(list)
    for kr in key_results:
        p = key_result_progress(
            kind=kr["kind"],
            direction=kr["direction"],
            start=kr["start_value"],
            target=kr["target_value"],
            current=kr["current_value"],
        )
        kr_progress[kr["id"]] = p
        inputs[kr["objective_id"]].append(Weighted(p, float(kr["weight"])))

    children: dict[int, list[Mapping[str, Any]]] = defaultdict(list)
    if rollup_children:
        for objective in objectives:
            if objective["parent_id"] is not None and objective["status"] in COUNTED_STATUSES:
                children[objective["parent_id"]].append(objective)

    progress: dict[int, float | None] = {}
    # Iterative post-order walk: deep trees must not hit the recursion limit,
    # and a corrupt parent cycle must not loop forever.
    for root in objectives:
        if root["id"] in progress:
            continue
        stack = [(root, False)]
        on_path: set[int] = set()
        while stack:
            node, expanded = stack.pop()
            node_id = node["id"]
            if node_id in progress:
                continue
            if expanded:
                on_path.discard(node_id)
                items = list(inputs.get(node_id, ()))
                items += [
                    Weighted(
                        child_value(
                            cycle_closed=child.get("cycle_closed", False),
                            progress=progress.get(child["id"]),
                            final_score=child.get("final_score"),
                        ),
                        float(child["weight"]),
                    )
                    for child in children.get(node_id, ())
                ]
                progress[node_id] = weighted_progress(items)
                continue
            if node_id in on_path:
                log.error("parent cycle through objective %s; ignoring the back edge", node_id)
                continue
            on_path.add(node_id)
            stack.append((node, True))
            stack.extend((child, False) for child in children.get(node_id, ()) if child["id"] not in progress)
    return kr_progress, progress


def _company_rows(company: Company) -> tuple[Sequence[Mapping[str, Any]], Sequence[Mapping[str, Any]]]:
    objectives = [
        {**row, "cycle_closed": row["cycle__status"] == CycleStatus.CLOSED}
        for row in Objective.objects.filter(company=company).values(
            "id", "parent_id", "status", "weight", "progress", "cycle_id", "final_score", "cycle__status"
        )
    ]
    key_results = list(
        KeyResult.objects.filter(company=company).values(
            "id",
            "objective_id",
            "kind",
            "direction",
            "start_value",
            "target_value",
            "current_value",
            "weight",
            "progress",
            "objective__cycle_id",
        )
    )
    return objectives, key_results


def _drifted(
    *,
    company: Company,
    cycle_id: int | None,
    objectives: Sequence[Mapping[str, Any]],
    key_results: Sequence[Mapping[str, Any]],
) -> tuple[dict[int, float | None], dict[int, float | None]]:
    """Rows (of ``cycle_id``, or all) whose stored progress differs from the recomputation."""
    kr_progress, objective_progress = compute_company_progress(
        objectives=objectives,
        key_results=key_results,
        rollup_children=company.rollup_child_objectives,
    )
    krs = {
        kr["id"]: kr_progress[kr["id"]]
        for kr in key_results
        if kr_progress[kr["id"]] != kr["progress"] and (cycle_id is None or kr["objective__cycle_id"] == cycle_id)
    }
    found = {
        o["id"]: objective_progress[o["id"]]
        for o in objectives
        if objective_progress[o["id"]] != o["progress"] and (cycle_id is None or o["cycle_id"] == cycle_id)
    }
    return krs, found


def progress_drift(
    *, company: Company, cycle_id: int | None = None
) -> tuple[dict[int, float | None], dict[int, float | None]]:
    """Key results and objectives whose stored progress differs from a recomputation (no writes).

    Returns ``(key results, objectives)``, each mapping id → the recomputed
    value. Empty on a consistent database: the invariant of DESIGN §3.
    """
    objectives, key_results = _company_rows(company)
    return _drifted(company=company, cycle_id=cycle_id, objectives=objectives, key_results=key_results)


def company_full_recompute(*, company: Company, cycle_id: int | None = None) -> int:
    """Recompute from scratch and write only changed rows; return how many changed.

    Objectives ladder across cycles (an annual objective above quarterly ones),
    so the whole company's tree is read; with ``cycle_id`` only that cycle's
    rows are written.

    A first read takes no lock; after a drained queue it finds nothing to
    change and the run ends there. Otherwise the drifted rows are locked (key
    results, then objectives, each in id order), everything is read again
    after the locks, and only locked rows are written from that second read.
    A check-in or roll-up committed before the second read is included; one
    committed after it enqueued its own roll-up, which recomputes after our
    commit. Either way no stale value is left behind (writing the first,
    unlocked read would overwrite a concurrent roll-up with older inputs).
    """
    krs, found = progress_drift(company=company, cycle_id=cycle_id)
    changed = 0
    if krs or found:
        with transaction.atomic():
            locked_krs = set(
                KeyResult.objects.select_for_update()
                .filter(company=company, pk__in=list(krs))
                .order_by("id")
                .values_list("id", flat=True)
            )
            locked_objectives = set(
                Objective.objects.select_for_update()
                .filter(company=company, pk__in=list(found))
                .order_by("id")
                .values_list("id", flat=True)
            )
            objectives, key_results = _company_rows(company)
            krs, found = _drifted(company=company, cycle_id=cycle_id, objectives=objectives, key_results=key_results)
            changed_krs = [KeyResult(pk=pk, progress=p) for pk, p in krs.items() if pk in locked_krs]
            changed_objectives = [Objective(pk=pk, progress=p) for pk, p in found.items() if pk in locked_objectives]
            KeyResult.objects.bulk_update(changed_krs, ["progress"], batch_size=2000)
            Objective.objects.bulk_update(changed_objectives, ["progress"], batch_size=2000)
            if changed_krs or changed_objectives:
                revision.bump(company.pk)
        changed = len(changed_krs) + len(changed_objectives)
    log_event(log, "rollup.full_recompute", company=company.pk, cycle=cycle_id or "all", changed=changed)
    return changed
