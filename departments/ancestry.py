"""Department ancestry: a department, its parent, its parent's parent… in one place, with a loop guard.

Departments nest (teams inside departments). Every walk up the chain goes
through :func:`walk_up` (pure, on an ``id → parent_id`` map a caller already
holds) or :func:`department_and_ancestors` (one query). A corrupt chain that
loops back on itself ends the walk instead of spinning forever.
"""

from collections.abc import Iterator, Mapping

from companies.models import Company
from departments.models import Department


def walk_up(parents: Mapping[int, int | None], department_id: int | None) -> Iterator[int]:
    """``department_id`` and then each enclosing department, nearest first, each once (no query)."""
    seen: set[int] = set()
    current = department_id
    while current is not None and current not in seen:
        seen.add(current)
        yield current
        current = parents.get(current)


def department_parents(company: Company) -> dict[int, int | None]:
    """The company's ``id → parent_id`` map (one query)."""
    return dict(Department.objects.filter(company=company).values_list("id", "parent_id"))


def department_and_ancestors(company: Company, department_id: int | None) -> list[int]:
    """The department and every department enclosing it, nearest first (one query)."""
    if department_id is None:
        return []
    return list(walk_up(department_parents(company), department_id))
