"""Department ancestry from the database: a department and every department enclosing it.

Departments nest (teams inside departments). Every walk up the chain goes
through :func:`okrhub.ancestry.walk_up` (pure, with a loop guard; plumbing,
so ``companies.tenancy`` can walk it too), re-exported here, or
:func:`department_and_ancestors` (one query). The walk down (a department and
the teams inside it, :func:`department_and_descendants`) is the same walk
read the other way.
"""

from collections.abc import Mapping

from companies.models import Company
from departments.models import Department
from okrhub.ancestry import walk_up

__all__ = ["department_and_ancestors", "department_and_descendants", "department_parents", "walk_up"]


def department_parents(company: Company) -> dict[int, int | None]:
    """The company's ``id → parent_id`` map (one query)."""
    return dict(Department.objects.filter(company=company).values_list("id", "parent_id"))


def department_and_ancestors(company: Company, department_id: int | None) -> list[int]:
    """The department and every department enclosing it, nearest first (one query)."""
    if department_id is None:
        return []
    return list(walk_up(department_parents(company), department_id))


def department_and_descendants(parents: Mapping[int, int | None], department_id: int) -> list[int]:
    """The department and every department inside it (teams, teams of teams), from an ``id → parent_id`` map.

    No query: callers pass :func:`department_parents` or the map they already hold.
    """
    return [candidate for candidate in parents if department_id in walk_up(parents, candidate)]
