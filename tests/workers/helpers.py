"""Shared set-up for the worker tests: a cascade of objectives and an exactness check."""

from decimal import Decimal

from conftest import Team
from objectives import coalesce
from objectives import services as okr
from objectives.rollup import progress_drift


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
    key_results, objectives = progress_drift(company=company)
    return [f"kr {pk}: should be {value}" for pk, value in key_results.items()] + [
        f"objective {pk}: should be {value}" for pk, value in objectives.items()
    ]


def rollup_pending(company_id: int) -> bool:
    """Whether Redis still holds roll-up work for the company (dirty, scheduled or in flight)."""
    return coalesce.pending(company_id)
