"""The lists behind the dashboard tiles: the search page's parameters, and its rows.

Every tile links to the filtered list it counts, on the search and list page
(``explore:search``); the parameters are that page's contract
(``explore.params``): ``kind``, ``cycle``, ``department`` (with the teams
inside it), ``owner``, ``status`` (computed), ``confidence``, ``pace=behind``,
``stale=1`` and ``counted=1`` (objectives that count, active or closed, as
the tree counts them, and their key results: every tile's list says so).

:class:`ListFilter` is one such list: :meth:`ListFilter.url` writes its link
(the one place the path is built) and :meth:`Scope.rows` reads its rows
through the search's own selector (``explore.selectors.kind_queryset``), so
a tile counts exactly the rows its link shows, whoever reads it
(``visible_objectives`` inside).
"""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any, Literal
from urllib.parse import urlencode

from django.db.models import Q, QuerySet
from django.urls import reverse

from companies.models import Company
from companies.tenancy import Actor
from departments.ancestry import department_and_descendants
from explore.params import Search
from explore.selectors import kind_queryset
from objectives.models import Cycle, ObjectiveStatus
from objectives.progress import Status
from objectives.selectors import behind_pace_q, stale_key_results_q

Kind = Literal["objective", "key_result"]


@dataclass(frozen=True)
class ListFilter:
    """One filtered list: the search page's parameters (the module docstring)."""

    kind: Kind
    cycle: int
    department: int | None = None
    owner: int | None = None
    status: str | None = None
    confidence: str | None = None
    pace: str | None = None
    stale: bool = False
    counted: bool = True

    def params(self) -> dict[str, str]:
        """The query parameters, in the contract's order, leaving out what is not set."""
        found: dict[str, str] = {}
        for field in fields(self):
            value = getattr(self, field.name)
            if value is None or value is False:
                continue
            found[field.name] = "1" if value is True else str(value)
        return found

    def query(self) -> str:
        return urlencode(self.params())

    def url(self, company_slug: str) -> str:
        return f"{reverse('explore:search', args=[company_slug])}?{self.query()}"

    def but(self, **changes: Any) -> "ListFilter":
        """This list with some parameters changed (``but(status="done")``)."""
        return replace(self, **changes)


@dataclass(frozen=True)
class Scope:
    """Who reads which cycle of which company, on which day: what reading a list needs beyond its parameters.

    ``departments`` is the company's ``id → parent_id`` map (a department's
    list includes its teams); ``behind`` and ``kr_behind`` are the cycle's
    behind-pace conditions on objective and key result rows, for counting
    (``behind_pace_q`` of the one cycle: no query).
    """

    company: Company
    actor: Actor
    cycle: Cycle
    today: datetime.date
    departments: Mapping[int, int | None]
    behind: Q
    kr_behind: Q

    @classmethod
    def build(
        cls,
        *,
        company: Company,
        actor: Actor,
        cycle: Cycle,
        today: datetime.date,
        departments: Mapping[int, int | None],
    ) -> "Scope":
        return cls(
            company=company,
            actor=actor,
            cycle=cycle,
            today=today,
            departments=departments,
            behind=behind_pace_q(company=company, today=today, cycles=[cycle]),
            kr_behind=behind_pace_q(company=company, today=today, cycle_field="objective__cycle_id", cycles=[cycle]),
        )

    def subtree(self, department_id: int) -> list[int]:
        return department_and_descendants(self.departments, department_id)

    def stale(self) -> Q:
        """Key results of active objectives with no check-in within the cadence (closed ones take none).

        The search's ``stale=1`` for key result rows of this cycle (``explore.selectors``).
        """
        return stale_key_results_q(company=self.company, cycle=self.cycle) & Q(objective__status=ObjectiveStatus.ACTIVE)

    def search(self, f: ListFilter) -> Search:
        """The search page's parsed parameters for list ``f`` (what ``explore.params.parse`` makes of its URL)."""
        return Search(
            kind=f.kind,
            cycle=self.cycle,
            department_id=f.department,
            department_ids=tuple(self.subtree(f.department)) if f.department is not None else (),
            owner_id=f.owner,
            status=Status(f.status) if f.status is not None else None,
            confidence=f.confidence,
            behind_pace=f.pace == "behind",
            stale=f.stale,
            counted=f.counted,
            page=None,
            given=f.params(),
        )

    def rows(self, f: ListFilter) -> QuerySet[Any]:
        """The rows of list ``f`` the reader may see: the search page's own selector, unordered."""
        return self.rows_of(self.search(f))

    def rows_of(self, search: Search) -> QuerySet[Any]:
        """The rows of a parsed search of this scope's cycle (objectives or key results), unordered."""
        return kind_queryset(
            search.kind, company=self.company, actor=self.actor, search=search, cycles=[self.cycle], today=self.today
        ).order_by()
