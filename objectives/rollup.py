"""Roll-up: keeping the stored ``progress`` columns equal to the progress maths.

- :func:`rollup_objective_chain` recomputes one objective and walks up its
  parents, each level in its own short transaction with the row locked first
  and its inputs read after the lock (recompute-after-lock): a concurrent
  recompute either sees our write or runs after us, so none leaves a stale value.
- :func:`company_full_recompute` recomputes a company (or one cycle of it)
  from raw values and writes only rows whose value changed.
- :func:`schedule_rollup` enqueues the chain recompute after the surrounding
  transaction commits; with no broker, Celery runs it in-process.
"""

import logging
from collections import defaultdict

from django.db import transaction

from companies.models import Company
from objectives.models import COUNTED_STATUSES, KeyResult, Objective
from objectives.progress import Weighted, key_result_progress, weighted_progress

log = logging.getLogger(__name__)


def schedule_rollup(*, company_id: int, objective_id: int | None) -> None:
    """Recompute ``objective_id`` and its ancestors once the current transaction commits."""
    if objective_id is None:
        return
    from objectives.tasks import rollup_objective_chain_task

    transaction.on_commit(lambda: rollup_objective_chain_task.delay(company_id, objective_id), robust=True)


def schedule_full_recompute(*, company_id: int) -> None:
    from objectives.tasks import full_recompute_task

    transaction.on_commit(lambda: full_recompute_task.delay(company_id), robust=True)


def objective_inputs(*, company: Company, objective_id: int) -> list[Weighted]:
    """The stored progress and weight of everything that counts in this objective."""
    items = [
        Weighted(progress, float(weight))
        for progress, weight in KeyResult.objects.filter(company=company, objective_id=objective_id).values_list(
            "progress", "weight"
        )
    ]
    if company.rollup_child_objectives:
        items += [
            Weighted(progress, float(weight))
            for progress, weight in Objective.objects.filter(
                company=company, parent_id=objective_id, status__in=COUNTED_STATUSES
            ).values_list("progress", "weight")
        ]
    return items


def rollup_objective_chain(*, company: Company, objective_id: int) -> int:
    """Recompute ``objective_id`` then its ancestors; return how many rows changed.

    Climbing stops at the first objective whose value did not change: nothing
    above it can have moved because of this change.
    """
    changed = 0
    seen: set[int] = set()
    current: int | None = objective_id
    while current is not None and current not in seen:
        seen.add(current)
        with transaction.atomic():
            row = (
                Objective.objects.select_for_update()
                .filter(company=company, pk=current)
                .values("parent_id", "progress")
                .first()
            )
            if row is None:
                break
            progress = weighted_progress(objective_inputs(company=company, objective_id=current))
            if progress == row["progress"]:
                break
            Objective.objects.filter(company=company, pk=current).update(progress=progress)
            changed += 1
        current = row["parent_id"]
    return changed


def compute_company_progress(
    *, objectives: list[dict], key_results: list[dict], rollup_children: bool
) -> tuple[dict[int, float | None], dict[int, float | None]]:
    """Progress of every key result and objective from raw values (no database).

    ``objectives``: dicts with id, parent_id, status, weight.
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

    children: dict[int, list[dict]] = defaultdict(list)
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
                    Weighted(progress.get(child["id"]), float(child["weight"])) for child in children.get(node_id, ())
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


def company_full_recompute(*, company: Company, cycle_id: int | None = None) -> int:
    """Recompute from scratch and write only changed rows; return how many changed.

    Objectives ladder across cycles (an annual objective above quarterly ones),
    so the whole company's tree is read; with ``cycle_id`` only that cycle's
    rows are written.
    """
    objectives = list(
        Objective.objects.filter(company=company).values("id", "parent_id", "status", "weight", "progress", "cycle_id")
    )
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
    kr_progress, objective_progress = compute_company_progress(
        objectives=objectives,
        key_results=key_results,
        rollup_children=company.rollup_child_objectives,
    )
    changed_krs = [
        KeyResult(pk=kr["id"], progress=kr_progress[kr["id"]])
        for kr in key_results
        if kr_progress[kr["id"]] != kr["progress"] and (cycle_id is None or kr["objective__cycle_id"] == cycle_id)
    ]
    changed_objectives = [
        Objective(pk=o["id"], progress=objective_progress[o["id"]])
        for o in objectives
        if objective_progress[o["id"]] != o["progress"] and (cycle_id is None or o["cycle_id"] == cycle_id)
    ]
    with transaction.atomic():
        KeyResult.objects.bulk_update(changed_krs, ["progress"], batch_size=2000)
        Objective.objects.bulk_update(changed_objectives, ["progress"], batch_size=2000)
    changed = len(changed_krs) + len(changed_objectives)
    log.info(
        "full recompute of company %s%s: %d rows changed",
        company.pk,
        f" cycle {cycle_id}" if cycle_id else "",
        changed,
    )
    return changed
