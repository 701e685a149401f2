"""What a search lists: objectives, key results, people and departments, filtered, ranked and counted.

:func:`kind_queryset` is the one selector of each kind: the company's rows,
narrowed to what the actor may read (``visible_objectives``: a private
objective and its key results are there for its readers only; people are the
company's members), then by the filters and the text of a parsed
:class:`~explore.params.Search`. The page, the API and the exports all read
through it, so a count, a page and a download hold the same rows.

Reads are flat ``.values()`` rows with the names they show (owner,
department, objective) joined in, so a list costs one query per kind
whatever its length (a ranked search two: the ids, rank and count of every
match, then the columns of the rows shown); a page of one kind also counts
the other kinds (one query each), and people come with their departments
(one query).
"""

import datetime
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import CharField, Count, Exists, F, Model, OuterRef, Q, QuerySet, Value, Window
from django.db.models.functions import Coalesce, NullIf

from companies.models import Company, Membership
from companies.tenancy import Actor
from departments.models import Department, DepartmentMembership
from explore.params import ALL, KINDS, OKR_KINDS, PAGE_SIZE, PER_KIND, Search
from explore.search import engine
from objectives.models import COUNTED_STATUSES, Cycle, KeyResult, Objective, ObjectiveStatus
from objectives.progress import pace
from objectives.progress import status as computed_status
from objectives.selectors import behind_pace_q, stale_key_results_q, status_q, visible_objectives


def person_name(path: str) -> Coalesce:
    """A person's name as the pages show it: the full name, else the email address."""
    return Coalesce(NullIf(F(f"{path}__full_name"), Value("")), F(f"{path}__email"), output_field=CharField())


#: The columns of each kind's rows, by the name a row carries: a field (its path) or an expression.
COLUMNS: dict[str, dict[str, str | Any]] = {
    "objective": {
        "id": "id",
        "title": "title",
        "cycle_id": "cycle_id",
        "department_id": "department_id",
        "department_name": "department__name",
        "owner_id": "owner_id",
        "owner_name": person_name("owner"),
        "objective_status": "status",
        "private": "private",
        "progress": "progress",
    },
    "key_result": {
        "id": "id",
        "title": "title",
        "objective_id": "objective_id",
        "objective_title": "objective__title",
        "cycle_id": "objective__cycle_id",
        "department_id": "objective__department_id",
        "department_name": "objective__department__name",
        "owner_id": "owner_id",
        "owner_name": person_name("owner"),
        "private": "objective__private",
        "progress": "progress",
        "confidence": "confidence",
        "last_checkin_at": "last_checkin_at",
        "kr_kind": "kind",
        "current_value": "current_value",
        "target_value": "target_value",
        "unit": "unit",
        "currency": "currency",
    },
    # A person's row is their membership; it carries the user's id (``id``, renamed in ``_finish``).
    "person": {
        "user_id": "user_id",
        "title": person_name("user"),
        "email": "user__email",
        "role": "role",
    },
    "department": {
        "id": "id",
        "title": "name",
        "slug": "slug",
        "department_id": "parent_id",
        "department_name": "parent__name",
    },
}

#: Each kind's order without a text (a ranked search puts the best match first, then this).
ORDER: dict[str, tuple[Any, ...]] = {
    "objective": (F("department__name").asc(nulls_first=True), "title", "id"),
    "key_result": (F("objective__department__name").asc(nulls_first=True), "objective__title", "objective_id", "id"),
    "person": ("user__full_name", "user__email", "user_id"),
    "department": ("name", "id"),
}


#: Each kind's order among equally ranked matches: its own columns only, so ranking needs no join.
RANKED_ORDER: dict[str, tuple[str, ...]] = {
    "objective": ("title", "id"),
    "key_result": ("title", "id"),
    "person": ("user__full_name", "user_id"),
    "department": ("name", "id"),
}


def expected_by_cycle(cycles: Sequence[Cycle], today: datetime.date) -> dict[int, float | None]:
    """Each cycle's expected progress today (DESIGN §3), for the pace mark and status of its rows.

    None for a closed cycle (``objectives.progress.pace``): its rows show no pace mark and no status.
    """
    return {c.pk: pace(today=today, start=c.start_date, end=c.end_date, closed=c.is_closed) for c in cycles}


def kind_queryset(
    kind: str, *, company: Company, actor: Actor, search: Search, cycles: Sequence[Cycle], today: datetime.date
) -> QuerySet[Any]:
    """The rows of ``kind`` the actor may see that match the search, ranked (``rank``) when it has words."""
    queryset: QuerySet[Any]
    if kind == "objective":
        queryset = _objectives(company=company, actor=actor, search=search, cycles=cycles, today=today)
    elif kind == "key_result":
        queryset = _key_results(company=company, actor=actor, search=search, cycles=cycles, today=today)
    elif kind == "person":
        queryset = Membership.objects.filter(company=company)
        if search.department_ids:
            queryset = queryset.filter(
                Exists(
                    DepartmentMembership.objects.filter(
                        company=company, user_id=OuterRef("user_id"), department_id__in=search.department_ids
                    )
                )
            )
    elif kind == "department":
        queryset = Department.objects.filter(company=company)
        if search.department_ids:
            queryset = queryset.filter(id__in=search.department_ids)
    else:
        raise ValueError(f"unknown kind {kind!r}")
    if search.q and not search.words:
        return queryset.none()  # only punctuation typed: nothing to look for
    if search.words:
        queryset = engine().match(queryset, kind=kind, words=search.words)
        return queryset.order_by("-rank", *RANKED_ORDER[kind])
    return queryset.order_by(*ORDER[kind])


def _company_rows(kind: str, company: Company) -> QuerySet[Any]:
    """Every row of ``kind`` in the company, to read the columns of rows already chosen by id."""
    models: dict[str, type[Model]] = {
        "objective": Objective,
        "key_result": KeyResult,
        "person": Membership,
        "department": Department,
    }
    return models[kind]._default_manager.filter(company=company)


def _cycles_searched(search: Search, cycles: Sequence[Cycle]) -> list[Cycle]:
    if search.all_cycles:
        return list(cycles)
    return [search.cycle] if search.cycle is not None else []


def _stale_key_results(*, company: Company, search: Search, cycles: Sequence[Cycle]) -> Q:
    """Key results of active objectives with no check-in within the cadence (``stale_key_results_q``), per cycle."""
    condition = Q(pk__in=[])
    for cycle in _cycles_searched(search, cycles):
        condition |= Q(objective__cycle_id=cycle.pk) & stale_key_results_q(company=company, cycle=cycle)
    return condition & Q(objective__status=ObjectiveStatus.ACTIVE)


def _objectives(
    *, company: Company, actor: Actor, search: Search, cycles: Sequence[Cycle], today: datetime.date
) -> QuerySet[Objective]:
    queryset = visible_objectives(Objective.objects.filter(company=company), actor=actor)
    if not search.all_cycles:
        queryset = queryset.filter(cycle=search.cycle) if search.cycle is not None else queryset.none()
    if search.department_ids:
        queryset = queryset.filter(department_id__in=search.department_ids)
    if search.owner_id is not None:
        queryset = queryset.filter(owner_id=search.owner_id)
    if search.counted:
        queryset = queryset.filter(status__in=COUNTED_STATUSES)
    if search.status is not None:
        queryset = queryset.filter(status_q(search.status, company=company, today=today))
    if search.behind_pace:
        queryset = queryset.filter(behind_pace_q(company=company, today=today))
    key_results = KeyResult.objects.filter(company=company, objective_id=OuterRef("pk"))
    if search.confidence is not None:
        queryset = queryset.filter(Exists(key_results.filter(confidence=search.confidence)))
    if search.stale:
        stale = _stale_key_results(company=company, search=search, cycles=cycles)
        queryset = queryset.filter(Exists(key_results.filter(stale)))
    return queryset


def _key_results(
    *, company: Company, actor: Actor, search: Search, cycles: Sequence[Cycle], today: datetime.date
) -> QuerySet[KeyResult]:
    queryset = visible_objectives(KeyResult.objects.filter(company=company), actor=actor, prefix="objective__")
    if not search.all_cycles:
        queryset = queryset.filter(objective__cycle=search.cycle) if search.cycle is not None else queryset.none()
    if search.department_ids:
        queryset = queryset.filter(objective__department_id__in=search.department_ids)
    if search.owner_id is not None:
        queryset = queryset.filter(owner_id=search.owner_id)
    if search.counted:
        queryset = queryset.filter(objective__status__in=COUNTED_STATUSES)
    if search.status is not None:
        queryset = queryset.filter(
            status_q(search.status, company=company, today=today, cycle_field="objective__cycle_id")
        )
    if search.behind_pace:
        queryset = queryset.filter(behind_pace_q(company=company, today=today, cycle_field="objective__cycle_id"))
    if search.confidence is not None:
        queryset = queryset.filter(confidence=search.confidence)
    if search.stale:
        queryset = queryset.filter(_stale_key_results(company=company, search=search, cycles=cycles))
    return queryset


def _values(
    queryset: QuerySet[Any], kind: str, *, rank: bool, description: bool = False, key: bool = False
) -> QuerySet[Any]:
    """The rows' columns (:data:`COLUMNS`), with the rank, the description and the primary key when asked."""
    fields = [name for name, column in COLUMNS[kind].items() if column == name]
    renamed = {
        name: F(column) if isinstance(column, str) else column
        for name, column in COLUMNS[kind].items()
        if column != name
    }
    if description:
        fields.append("description")
    if rank:
        fields.append("rank")
    if key:
        fields.append("pk")
    return queryset.values(*fields, **renamed)


def _slice(
    queryset: QuerySet[Any], kind: str, *, company: Company, ranked: bool, start: int, stop: int, description: bool
) -> tuple[list[dict[str, Any]], int | None]:
    """Rows ``start:stop`` of ``queryset`` with their columns, and how many rows it has (None past its end).

    A ranked search reads in two steps: ids, rank and count first (every
    match is ranked, and no names are joined in for them), then the columns
    of the rows shown, by id. At 40,000 matches, joining the names of every
    match cost more than ranking them.
    """
    total = Window(Count("pk"))
    if not ranked:
        rows = list(_values(queryset, kind, rank=False, description=description).annotate(total=total)[start:stop])
        return rows, rows[0]["total"] if rows else None
    chosen = list(queryset.annotate(total=total).values_list("pk", "rank", "total")[start:stop])
    if not chosen:
        return [], None
    shown = _company_rows(kind, company).filter(pk__in=[pk for pk, _, _ in chosen])
    by_pk = {row.pop("pk"): row for row in _values(shown, kind, rank=False, description=description, key=True)}
    rows = []
    for pk, rank, _ in chosen:
        row = by_pk[pk]
        row["rank"] = rank
        rows.append(row)
    return rows, chosen[0][2]


def _finish(rows: list[dict[str, Any]], kind: str, expected: dict[int, float | None]) -> list[dict[str, Any]]:
    """What each row shows beyond its columns: its kind, and the computed status against its cycle's pace."""
    for row in rows:
        row["kind"] = kind
        if kind == "person":
            row["id"] = row.pop("user_id")
        elif kind in OKR_KINDS:
            row["expected"] = pace = expected.get(row["cycle_id"])
            row["pace_status"] = computed_status(row["progress"], pace).value if pace is not None else None
    return rows


# ---------------------------------------------------------------- the listing


@dataclass
class Listing:
    """What a search shows: rows per listed kind (a page of one kind, or the best few of each), and counts."""

    search: Search
    counts: dict[str, int]
    rows: dict[str, list[dict[str, Any]]]
    expected: dict[int, float | None]
    page_count: int = 1
    departments_of: dict[int, list[str]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def search_listing(
    *, company: Company, actor: Actor, search: Search, cycles: Sequence[Cycle], today: datetime.date
) -> Listing:
    """The search's rows and counts, from one query per listed kind (plus the people's departments).

    Every kind at once (``kind=all``): the best :data:`PER_KIND` of each with
    its count (every row of each for ``page=all``). One kind: a page of
    :data:`PAGE_SIZE` rows (every row for ``page=all``) with its count, and
    the counts of the other kinds.
    """
    expected = expected_by_cycle(cycles, today)
    counts: dict[str, int] = {}
    rows: dict[str, list[dict[str, Any]]] = {}

    def queryset(kind: str) -> QuerySet[Any]:
        return kind_queryset(kind, company=company, actor=actor, search=search, cycles=cycles, today=today)

    ranked = bool(search.words)
    page_count = 1
    if search.kind == ALL and search.page is None:
        for kind in search.kinds:
            description = ranked and kind == "objective"
            rows[kind] = _finish(
                list(_values(queryset(kind), kind, rank=ranked, description=description)), kind, expected
            )
            counts[kind] = len(rows[kind])
    elif search.kind == ALL:
        for kind in search.kinds:
            found, total = _slice(
                queryset(kind), kind, company=company, ranked=ranked, start=0, stop=PER_KIND,
                description=ranked and kind == "objective",
            )  # fmt: skip
            counts[kind] = total or 0
            rows[kind] = _finish(found, kind, expected)
    else:
        kind = search.kind
        description = ranked and kind == "objective"
        if search.page is None:
            found = list(_values(queryset(kind), kind, rank=ranked, description=description))
            counts[kind] = len(found)
        else:
            start = (search.page - 1) * PAGE_SIZE
            found, total = _slice(
                queryset(kind), kind, company=company, ranked=ranked, start=start, stop=start + PAGE_SIZE,
                description=description,
            )  # fmt: skip
            # Past the last page there is no row to read the count from: count them (a query only then).
            counts[kind] = total if total is not None else (queryset(kind).count() if start else 0)
            page_count = max(1, -(-counts[kind] // PAGE_SIZE))
        rows[kind] = _finish(found, kind, expected)
        for other in _other_kinds(search):
            counts[other] = queryset(other).count()
    departments_of = _departments_of(company, [row["id"] for row in rows.get("person", [])])
    return Listing(
        search=search,
        counts=counts,
        rows=rows,
        expected=expected,
        page_count=page_count,
        departments_of=departments_of,
    )


def _other_kinds(search: Search) -> list[str]:
    """The kinds a page of one kind also counts (for the tabs): those the same filters describe."""
    listed = OKR_KINDS if search.okr_filtered else KINDS
    return [kind for kind in listed if kind != search.kind]


def _departments_of(company: Company, user_ids: list[int]) -> dict[int, list[str]]:
    """The names of the departments each person belongs to (one query; none without people)."""
    if not user_ids:
        return {}
    names: dict[int, list[str]] = defaultdict(list)
    for user_id, name in (
        DepartmentMembership.objects.filter(company=company, user_id__in=user_ids)
        .order_by("department__name")
        .values_list("user_id", "department__name")
    ):
        names[user_id].append(name)
    return dict(names)


# ---------------------------------------------------------------- exports


def export_rows(
    *, company: Company, actor: Actor, search: Search, cycles: Sequence[Cycle], today: datetime.date
) -> Iterator[dict[str, Any]]:
    """Every row the search matches and the actor may see, kind after kind (one query per kind, plus people's
    departments): what a download holds, whatever page is on screen."""
    expected = expected_by_cycle(cycles, today)
    for kind in search.kinds:
        queryset = kind_queryset(kind, company=company, actor=actor, search=search, cycles=cycles, today=today)
        rows = _finish(
            list(_values(queryset, kind, rank=bool(search.words), description=kind == "objective")), kind, expected
        )
        if kind == "person":
            departments = _departments_of(company, [row["id"] for row in rows])
            for row in rows:
                row["departments"] = departments.get(row["id"], [])
        yield from rows
