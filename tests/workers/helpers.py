"""Shared set-up for the worker tests: a cascade of objectives and an exactness check."""

from decimal import Decimal

import redis

from conftest import Team
from objectives import coalesce
from objectives import services as okr
from objectives.models import KeyResult, Objective
from objectives.rollup import compute_company_progress
from tests.workers.support import broker_url


def cascade(team: Team, *, departments: int = 1, key_results: int = 1):
    """A company objective with ``departments`` laddered objectives of ``key_results`` key results each."""
    top = okr.objective_create(company=team.company, actor=None, cycle=team.cycle, title="Grow", activate=True)
    objectives, krs = [], []
    for d in range(departments):
        objective = okr.objective_create(
            company=team.company,
            actor=None,
            cycle=team.cycle,
            department=team.department,
            parent=top,
            title=f"Win market {d}",
            activate=True,
        )
        objectives.append(objective)
        for k in range(key_results):
            krs.append(
                okr.key_result_create(
                    company=team.company,
                    actor=None,
                    objective=objective,
                    owner=team.member,
                    title=f"Grow qualified leads {d}.{k} from 0 to 1000",
                    target_value=1000,
                    weight=Decimal(k + 1),
                )
            )
    return top, objectives, krs


def stale_rows(company) -> list[str]:
    """Rows whose stored progress differs from a recomputation from scratch (no writes)."""
    company.refresh_from_db()
    objectives = list(
        Objective.objects.filter(company=company).values("id", "parent_id", "status", "weight", "progress")
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
        )
    )
    kr_progress, objective_progress = compute_company_progress(
        objectives=objectives, key_results=key_results, rollup_children=company.rollup_child_objectives
    )
    stale = [
        f"kr {k['id']}: {k['progress']} != {kr_progress[k['id']]}"
        for k in key_results
        if k["progress"] != kr_progress[k["id"]]
    ]
    stale += [
        f"objective {o['id']}: {o['progress']} != {objective_progress[o['id']]}"
        for o in objectives
        if o["progress"] != objective_progress[o["id"]]
    ]
    return stale


def rollup_pending(company_id: int) -> bool:
    """Whether Redis still holds roll-up work for the company (dirty, scheduled or in flight)."""
    client = redis.Redis.from_url(broker_url())
    return bool(
        client.exists(coalesce.dirty_key(company_id), coalesce.scheduled_key(company_id))
        or any(client.scan_iter(coalesce.inflight_key(company_id, "*")))
    )
