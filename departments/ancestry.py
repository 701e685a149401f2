"""Department ancestry from the database: a department and every department enclosing it.

Departments nest (teams inside departments). Every walk up the chain goes
through :func:`okrhub.ancestry.walk_up` (pure, with a loop guard; plumbing,
so ``companies.tenancy`` can walk it too), re-exported here, or
:func:`department_and_ancestors` (one query).
"""

from companies.models import Company
from departments.models import Department
from okrhub.ancestry import walk_up

__all__ = ["department_and_ancestors", "department_parents", "walk_up"]


def department_parents(company: Company) -> dict[int, int | None]:
    """The company's ``id → parent_id`` map (one query)."""
    return dict(Department.objects.filter(company=company).values_list("id", "parent_id"))


def department_and_ancestors(company: Company, department_id: int | None) -> list[int]:
    """The department and every department enclosing it, nearest first (one query)."""
    if department_id is None:
        return []
    return list(walk_up(department_parents(company), department_id))
