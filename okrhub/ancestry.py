"""The walk up a department chain: a department, its parent, its parent's parent… with a loop guard.

The one home of department ancestry. It is pure (an ``id → parent_id`` map a
caller already holds), so it sits in the plumbing layer: ``companies.tenancy``
walks it to resolve a role held in an enclosing department, and
``departments.ancestry`` builds the map from the database for everyone else.
A corrupt chain that loops back on itself ends the walk instead of spinning forever.
"""

from collections.abc import Iterator, Mapping


def walk_up(parents: Mapping[int, int | None], department_id: int | None) -> Iterator[int]:
    """``department_id`` and then each enclosing department, nearest first, each once (no query)."""
    seen: set[int] = set()
    current = department_id
    while current is not None and current not in seen:
        seen.add(current)
        yield current
        current = parents.get(current)
