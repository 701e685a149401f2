"""Reads of the company alignment tree and its gaps, from a constant number of queries.

The whole tree (:func:`alignment_tree`, behind the API) comes from one raw
query; the page's bounded forest (:func:`alignment_forest`) from a few flat
``.values()`` queries per level it opens, each bounded (:class:`Bounds`).
Either way the count does not grow with the company.
"""

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol, cast

from django.db import connection
from django.db.models import Count, F, FilteredRelation, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from companies.models import Company
from companies.tenancy import Actor
from departments.models import Department
from objectives.grading import child_value
from objectives.models import (
    COUNTED_STATUSES,
    Confidence,
    Cycle,
    CycleStatus,
    Dependency,
    KeyResult,
    Objective,
    ObjectiveStatus,
    overlapping_cycles_q,
)
from objectives.progress import behind_pace_or_none, pace, status_or_none
from objectives.selectors import pace_of, reads_objective, stale_key_results_q, visible_objectives_q
from okrhub.permissions import Action

OBJECTIVE_FIELDS = (
    "id",
    "parent_id",
    "department_id",
    "department__name",
    "owner_id",
    "owner__full_name",
    "owner__email",
    "title",
    "status",
    "weight",
    "private",
    "progress",
    "final_score",
    "cycle_id",
    "cycle__name",
    "cycle__status",
    "cycle__start_date",
    "cycle__end_date",
)
KEY_RESULT_FIELDS = (
    "id",
    "objective_id",
    "title",
    "kind",
    "direction",
    "start_value",
    "target_value",
    "current_value",
    "unit",
    "currency",
    "weight",
    "confidence",
    "progress",
    "final_score",
    "not_scored",
    "last_checkin_at",
    "owner_id",
)


def visible_objectives[Row: Mapping[str, Any]](*, actor: Actor, rows: list[Row]) -> list[Row]:
    """Drop private objectives the actor may not read (no query)."""
    return [
        row
        for row in rows
        if reads_objective(actor, private=row["private"], department_id=row["department_id"], owner_id=row["owner_id"])
    ]


#: The whole tree of a cycle in one query: each objective (with its department, its owner and the ids it
#: depends on) once per key result, in id order; with the cycle's own objectives come their children of
#: other cycles (the quarterly objectives laddering up to an annual one), one level deep. Key results are
#: found by joining on the objective, not through a list of ids. Decimals come as text (what the API
#: shows), so none becomes a Python Decimal.
TREE_SQL = """
SELECT o.id, o.parent_id, o.department_id, d.name, o.owner_id, u.full_name, u.email,
       o.title, o.status, o.weight::text, o.private, o.progress, o.final_score, o.cycle_id, dep.ids, dep.private_ids,
       kr.id, kr.title, kr.kind, kr.direction, kr.start_value::text, kr.target_value::text,
       kr.current_value::text, kr.unit, kr.currency, kr.weight::text, kr.confidence, kr.progress,
       kr.last_checkin_at, kr.owner_id
FROM objectives_objective o
LEFT JOIN departments_department d ON d.company_id = o.company_id AND d.id = o.department_id
LEFT JOIN companies_user u ON u.id = o.owner_id
LEFT JOIN (
    SELECT dp.from_objective_id,
           array_agg(dp.to_objective_id ORDER BY dp.to_objective_id) FILTER (WHERE NOT t.private) AS ids,
           array_agg(dp.to_objective_id ORDER BY dp.to_objective_id) FILTER (WHERE t.private) AS private_ids
    FROM objectives_dependency dp
    JOIN objectives_objective t ON t.company_id = dp.company_id AND t.id = dp.to_objective_id
    WHERE dp.company_id = %(company)s
    GROUP BY dp.from_objective_id
) dep ON dep.from_objective_id = o.id
LEFT JOIN objectives_keyresult kr ON kr.company_id = o.company_id AND kr.objective_id = o.id
WHERE o.company_id = %(company)s AND o.status = ANY(%(statuses)s) AND (
    o.cycle_id = %(cycle)s
    OR o.parent_id IN (
        SELECT p.id FROM objectives_objective p
        WHERE p.company_id = %(company)s AND p.cycle_id = %(cycle)s AND p.status = ANY(%(statuses)s)
    )
)
ORDER BY o.id, kr.id
"""


def tree_rows(*, company: Company, cycle: Cycle, statuses: list[str]) -> list[tuple[Any, ...]]:
    """The rows of :data:`TREE_SQL`: one raw query on PostgreSQL, three ORM queries elsewhere.

    The embedded default runs on SQLite, which has neither ``::text`` casts,
    ``array_agg … FILTER`` nor ``= ANY``; :func:`tree_rows_portable` yields the
    very same tuples (a test compares both on PostgreSQL).
    """
    if connection.vendor != "postgresql":
        return tree_rows_portable(company=company, cycle=cycle, statuses=statuses)
    with connection.cursor() as cursor:
        cursor.execute(TREE_SQL, {"company": company.pk, "cycle": cycle.pk, "statuses": statuses})
        rows: list[tuple[Any, ...]] = cursor.fetchall()
        return rows


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def tree_rows_portable(*, company: Company, cycle: Cycle, statuses: list[str]) -> list[tuple[Any, ...]]:
    """:data:`TREE_SQL`'s rows from the ORM, for databases other than PostgreSQL."""
    in_cycle = Objective.objects.filter(company=company, cycle=cycle, status__in=statuses)
    shown = Objective.objects.filter(company=company, status__in=statuses).filter(
        Q(cycle=cycle) | Q(parent_id__in=in_cycle.values("id"))
    )
    objectives = list(
        shown.order_by("id").values_list(
            "id", "parent_id", "department_id", "department__name", "owner_id", "owner__full_name",
            "owner__email", "title", "status", "weight", "private", "progress", "final_score", "cycle_id",
        )
    )  # fmt: skip
    ids = [row[0] for row in objectives]
    depends: dict[int, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    for from_id, to_id, to_private in (
        Dependency.objects.filter(company=company, from_objective_id__in=ids)
        .order_by("from_objective_id", "to_objective_id")
        .values_list("from_objective_id", "to_objective_id", "to_objective__private")
    ):
        depends[from_id][1 if to_private else 0].append(to_id)
    key_results: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for kr in (
        KeyResult.objects.filter(company=company, objective_id__in=ids)
        .order_by("id")
        .values_list(
            "objective_id", "id", "title", "kind", "direction", "start_value", "target_value", "current_value",
            "unit", "currency", "weight", "confidence", "progress", "last_checkin_at", "owner_id",
        )
    ):  # fmt: skip
        key_results[kr[0]].append(
            (*kr[1:5], _text(kr[5]), _text(kr[6]), _text(kr[7]), kr[8], kr[9], _text(kr[10]), *kr[11:])
        )
    rows: list[tuple[Any, ...]] = []
    no_key_result = (None,) * 14
    for objective in objectives:
        public, private = depends.get(objective[0], ([], []))
        head = (*objective[:9], _text(objective[9]), *objective[10:], public or None, private or None)
        rows.extend((*head, *kr) for kr in key_results.get(objective[0]) or [no_key_result])
    return rows


def _status_value(progress: float | None, expected: float | None) -> str | None:
    found = status_or_none(progress, expected)
    return None if found is None else found.value


def _cycle_paces(*, company: Company, today: date) -> dict[int, float | None]:
    """Every cycle's pace today (``progress.pace``: None once closed), for children of other cycles (one query)."""
    return {
        row["id"]: pace(
            today=today, start=row["start_date"], end=row["end_date"], closed=row["status"] == CycleStatus.CLOSED
        )
        for row in Cycle.objects.filter(company=company).values("id", "start_date", "end_date", "status")
    }


def alignment_tree(
    *,
    company: Company,
    actor: Actor,
    cycle: Cycle,
    department_id: int | None = None,
    today: date | None = None,
    include_drafts: bool = False,
) -> dict[str, Any]:
    """The cycle's objectives as a forest with key results, pace and flags, from one query.

    Roots are objectives whose parent is outside the result (company
    objectives, and unaligned department objectives). With
    ``department_id``, only that department's objectives and their ancestors
    are kept, so the department's branch is shown in context. Private
    objectives the actor may not read are left out, and so are dependencies
    on them (``depends_on`` lists readable objectives of any cycle).

    The rows are read with a raw cursor and assembled here: at 10,000
    objectives and 40,000 key results, building model instances or
    ``.values()`` dicts cost several times the query itself. Nodes are plain
    dicts in the API's shape (``objectives/api`` renders them with orjson).
    """
    today = today or company.local_today()
    expected = pace_of(company, cycle, today)
    other_paces: dict[int, float | None] | None = None  # read on the first child of another cycle
    statuses: list[str] = [ObjectiveStatus.ACTIVE, ObjectiveStatus.CLOSED]
    if include_drafts:
        statuses.append(ObjectiveStatus.DRAFT)
    sees_all_private = actor.can(Action.READ_PRIVATE)
    rows = tree_rows(company=company, cycle=cycle, statuses=statuses)

    nodes: dict[int, dict[str, Any]] = {}
    hidden: set[int] = set()
    node: dict[str, Any] = {}
    key_results: list[dict[str, Any]] = []
    for (
        object_id,
        parent_id,
        object_department_id,
        department_name,
        owner_id,
        owner_full_name,
        owner_email,
        title,
        status,
        weight,
        private,
        progress,
        final_score,
        object_cycle_id,
        depends_on,
        depends_on_private,
        kr_id,
        kr_title,
        kind,
        direction,
        start_value,
        target_value,
        current_value,
        unit,
        currency,
        kr_weight,
        confidence,
        kr_progress,
        last_checkin_at,
        kr_owner_id,
    ) in rows:
        if object_id != node.get("id"):
            if object_id in hidden:
                continue
            if private and not reads_objective(
                actor, private=private, department_id=object_department_id, owner_id=owner_id
            ):
                hidden.add(object_id)
                continue
            key_results = []
            if object_cycle_id == cycle.pk:
                node_expected = expected
            else:
                other_paces = other_paces if other_paces is not None else _cycle_paces(company=company, today=today)
                node_expected = other_paces[object_cycle_id]
            node = nodes[object_id] = {
                "id": object_id,
                "parent_id": parent_id,
                "department_id": object_department_id,
                "department_name": department_name,
                "owner_id": owner_id,
                "owner_name": owner_full_name or owner_email,
                "title": title,
                "status": status,
                "weight": weight,
                "private": private,
                "progress": progress,
                "final_score": final_score,
                "cycle_id": object_cycle_id,
                "behind_pace": behind_pace_or_none(progress, node_expected),
                "pace_status": _status_value(progress, node_expected),
                "at_risk": False,
                "off_track": False,
                "unaligned": object_department_id is not None and parent_id is None,
                "counts_in_parent": status in COUNTED_STATUSES,
                "depends_on": depends_on or [],
                "_depends_on_private": depends_on_private,
                "key_results": key_results,
                "children": [],
                "_expected": node_expected,
            }
        if kr_id is None:
            continue
        key_results.append(
            {
                "id": kr_id,
                "objective_id": object_id,
                "title": kr_title,
                "kind": kind,
                "direction": direction,
                "start_value": start_value,
                "target_value": target_value,
                "current_value": current_value,
                "unit": unit,
                "currency": currency,
                "weight": kr_weight,
                "confidence": confidence,
                "progress": kr_progress,
                "last_checkin_at": last_checkin_at,
                "owner_id": kr_owner_id,
                "behind_pace": behind_pace_or_none(kr_progress, node["_expected"]),
                "pace_status": _status_value(kr_progress, node["_expected"]),
            }
        )
        if confidence == Confidence.AT_RISK:
            node["at_risk"] = True
        elif confidence == Confidence.OFF_TRACK:
            node["off_track"] = True

    if department_id is not None:
        keep: set[int] = set()
        for object_id, row in nodes.items():
            if row["department_id"] == department_id:
                current: int | None = object_id
                while current is not None and current in nodes and current not in keep:
                    keep.add(current)
                    current = nodes[current]["parent_id"]
        nodes = {object_id: row for object_id, row in nodes.items() if object_id in keep}

    roots: list[dict[str, Any]] = []
    for row in nodes.values():
        del row["_expected"]
        private_targets = row.pop("_depends_on_private")
        if private_targets:
            # Private objectives appear only where the actor may read them: in this tree, or anywhere for
            # those who read every private objective (others' private targets elsewhere stay hidden).
            readable = [to_id for to_id in private_targets if sees_all_private or to_id in nodes]
            row["depends_on"] = sorted(row["depends_on"] + readable)
        parent = nodes.get(row["parent_id"]) if row["parent_id"] is not None else None
        (parent["children"] if parent is not None else roots).append(row)
    return {
        "cycle": cycle,
        "expected_progress": expected,
        "today": today,
        "roots": roots,
        "count": len(nodes),
    }


def alignment_gaps(*, company: Company, actor: Actor, cycle: Cycle) -> dict[str, Any]:
    """DESIGN §1 "no disconnected goals", from four queries.

    - department objectives with no parent;
    - company objectives that nothing (active or closed) supports;
    - departments with no objective in the cycle;
    - key results of active objectives with no check-in within the company's
      cadence (``stale_key_results_q``);
    - ``objective_count``: the visible objectives of the cycle (0 is an empty
      company, not a gap-free one).
    """
    rows = visible_objectives(
        actor=actor,
        # Plain dicts: the API renames a column in them (alignment/api/views.py).
        rows=cast(
            list[dict[str, Any]],
            list(
                Objective.objects.filter(company=company, cycle=cycle)
                .exclude(status=ObjectiveStatus.ARCHIVED)
                .order_by("id")
                .values(
                    "id",
                    "title",
                    "department_id",
                    "department__name",
                    "parent_id",
                    "status",
                    "private",
                    "owner_id",
                )
            ),
        ),
    )
    supported = set(
        Objective.objects.filter(company=company, parent__isnull=False, status__in=COUNTED_STATUSES)
        .values_list("parent_id", flat=True)
        .distinct()
    )
    departments_with_objectives = {row["department_id"] for row in rows if row["department_id"]}
    stale = list(
        KeyResult.objects.filter(
            company=company,
            objective_id__in=[row["id"] for row in rows if row["status"] == ObjectiveStatus.ACTIVE],
        )
        .filter(stale_key_results_q(company=company, cycle=cycle))
        .order_by("last_checkin_at", "id")
        .values("id", "title", "objective_id", "objective__title", "owner_id", "owner__full_name", "last_checkin_at")
    )
    return {
        "objective_count": len(rows),
        "stale_key_results": [
            {
                "id": kr["id"],
                "title": kr["title"],
                "objective_id": kr["objective_id"],
                "objective_title": kr["objective__title"],
                "owner_id": kr["owner_id"],
                "owner_name": kr["owner__full_name"] or None,
                "last_checkin_at": kr["last_checkin_at"],
            }
            for kr in stale
        ],
        "unaligned_objectives": [row for row in rows if row["department_id"] and row["parent_id"] is None],
        "unsupported_company_objectives": [
            row for row in rows if row["department_id"] is None and row["id"] not in supported
        ],
        "departments_without_objectives": [
            {"id": d["id"], "name": d["name"]}
            for d in Department.objects.filter(company=company).order_by("name").values("id", "name")
            if d["id"] not in departments_with_objectives
        ],
    }


# ---------------------------------------------------------------- the tree page: a bounded forest


def _pace_node(
    node: dict[str, Any],
    key_results: list[dict[str, Any]],
    *,
    company: Company,
    today: date,
    paces: dict[int, float | None],
) -> None:
    """A node's shown value and pace, against its own cycle (a quarterly child on an annual tree has its quarter's).

    ``shown`` is what counts in the parent (``objectives.grading.child_value``): the final score once the
    node's cycle closed, else its progress. A closed cycle has no pace (``pace_of``): ``expected``,
    ``behind_pace`` and ``pace_status`` are None, and the page draws no mark and no status.
    """
    closed = node["cycle__status"] == CycleStatus.CLOSED
    if node["cycle_id"] not in paces:
        paces[node["cycle_id"]] = pace(
            today=today, start=node["cycle__start_date"], end=node["cycle__end_date"], closed=closed
        )
    expected = node["expected"] = paces[node["cycle_id"]]
    node["shown"] = child_value(cycle_closed=closed, progress=node["progress"], final_score=node["final_score"])
    node["behind_pace"] = behind_pace_or_none(node["progress"], expected)
    found = status_or_none(node["progress"], expected)
    node["pace_status"] = None if found is None else found.value
    for kr in key_results:
        kr["expected"] = expected
        kr["shown"] = kr["final_score"] if closed else kr["progress"]
        kr["behind_pace"] = behind_pace_or_none(kr["progress"], expected)
        found = status_or_none(kr["progress"], expected)
        kr["pace_status"] = None if found is None else found.value


def _context_parents(
    *, company: Company, actor: Actor, cycle: Cycle, nodes: list[dict[str, Any]]
) -> dict[int, dict[str, Any]]:
    """The parents in other cycles of the first level's nodes, that the reader may read (one query, or none).

    A quarter's tree shows what its objectives ladder up to in the annual
    cycle as context: title, cycle and link, not as a node of this tree.
    """
    outside = {node["parent_id"] for node in nodes if node["parent_id"] is not None}
    if not outside:
        return {}
    return {
        row["id"]: dict(row)
        for row in Objective.objects.filter(company=company, pk__in=outside)
        .exclude(cycle=cycle)
        .filter(visible_objectives_q(actor=actor))
        .values("id", "title", "cycle__name")
    }


#: Levels a page may open at most (company → division → team → … ; laddering is rarely deeper).
MAX_DEPTH = 8


@dataclass(frozen=True)
class Bounds:
    """How much of the tree one page shows, whatever the company's size.

    ``depth`` levels are opened (1 = the first level only), at most ``page``
    objectives per level of one parent (the rest behind a "show more"), and at
    most ``budget`` objectives in all: opening stops at the first parent
    whose next children would not fit, and what is left closed loads on
    demand. So a first load at 50,000 objectives reads and draws as much as
    one at 500.
    """

    depth: int = 1
    budget: int = 100
    page: int = 25


#: A level's order: company objectives first, then by department, then by age.
LEVEL_ORDER = (F("department_id").asc(nulls_first=True), F("id").asc())


class _Levels(Protocol):
    def level(self, parent_id: int | None, offset: int, page: int) -> tuple[list[dict[str, Any]], int]: ...
    def children(self, parent_ids: list[int], page: int) -> list[dict[str, Any]]: ...
    def child_counts(self, ids: list[int]) -> dict[int, int]: ...
    def count(self) -> int: ...


class _SqlLevels:
    """Levels read straight from the database, each a bounded query (no pass over the whole cycle).

    The roots are the cycle's; below them, children come from any cycle: an
    annual objective shows the quarterly objectives laddering up to it.
    """

    def __init__(self, *, company: Company, actor: Actor, cycle: Cycle) -> None:
        self.readable = Objective.objects.filter(company=company, status__in=COUNTED_STATUSES).filter(
            visible_objectives_q(actor=actor)
        )
        self.visible = self.readable.filter(cycle=cycle)
        shown_parent = Q(parent__cycle=cycle, parent__status__in=COUNTED_STATUSES) & visible_objectives_q(
            actor=actor, prefix="parent__"
        )
        self.with_shown_parent = self.visible.annotate(shown_parent=FilteredRelation("parent", condition=shown_parent))

    def level(self, parent_id: int | None, offset: int, page: int) -> tuple[list[dict[str, Any]], int]:
        if parent_id is None:
            # Roots: no parent among the objectives of the cycle this reader sees: a left join on the parent
            # under those same conditions (a hash anti join; NOT EXISTS in an aggregate probed once per row).
            level: QuerySet[Objective] = self.with_shown_parent.filter(shown_parent__isnull=True)
        else:
            level = self.readable.filter(parent_id=parent_id)
        # The level's size rides along as a window count: one pass, not a second query over the cycle.
        rows = list(
            level.annotate(level_total=Window(Count("id")))
            .order_by(*LEVEL_ORDER)[offset : offset + page]
            .values(*OBJECTIVE_FIELDS, "level_total")
        )
        total = rows[0]["level_total"] if rows else level.count()
        for row in rows:
            del row["level_total"]
        return rows, total

    def children(self, parent_ids: list[int], page: int) -> list[dict[str, Any]]:
        ranked = self.readable.filter(parent_id__in=parent_ids).annotate(
            rank=Window(RowNumber(), partition_by=[F("parent_id")], order_by=list(LEVEL_ORDER))
        )
        return list(ranked.filter(rank__lte=page).order_by("parent_id", *LEVEL_ORDER).values(*OBJECTIVE_FIELDS))

    def child_counts(self, ids: list[int]) -> dict[int, int]:
        if not ids:
            return {}
        return dict(
            self.readable.filter(parent_id__in=ids)
            .order_by()
            .values("parent_id")
            .annotate(n=Count("id"))
            .values_list("parent_id", "n")
        )

    def count(self) -> int:
        """Objectives in the whole tree this reader sees (the page's status line)."""
        return self.visible.count()


#: A department's objectives in the cycle and in the cycles overlapping it (an annual cycle's quarters), with
#: every ancestor of theirs in those cycles, in one query (PostgreSQL and SQLite). A quarterly objective
#: laddering up to an annual one is on the annual tree (``_SqlLevels``: children come from any cycle), so
#: it is on the annual tree's branch of its department too. Only objectives of overlapping cycles may
#: ladder up into the cycle (``objectives.models.cycles_overlap``); ``{cycles}`` is that rule's own filter
#: (``overlapping_cycles_q``), compiled into the query.
BRANCH_SQL = """
WITH RECURSIVE branch(id, parent_id) AS (
    SELECT id, parent_id FROM objectives_objective
    WHERE company_id = %s AND department_id = %s AND status IN ({statuses}) AND cycle_id IN ({cycles})
    UNION
    SELECT o.id, o.parent_id FROM objectives_objective o JOIN branch b ON o.id = b.parent_id
    WHERE o.company_id = %s AND o.status IN ({statuses}) AND o.cycle_id IN ({cycles})
)
SELECT id FROM branch
"""


class _BranchLevels:
    """A department's branch (its objectives and what they ladder up to), small enough to hold in memory.

    The rows come from two queries: the branch's ids (:data:`BRANCH_SQL`) and
    their readable rows. A chain stops below an objective the reader may not
    read, as on the whole tree. As on the whole tree, the nodes are the
    cycle's objectives and what ladders up to them from other cycles: the
    department's objectives of an annual cycle's quarters are kept when their
    chain reaches an objective of the cycle, and a chain is cut above its
    topmost objective of the cycle (a quarter's tree shows the year's parent
    as context, not as a node).
    """

    def __init__(self, *, company: Company, actor: Actor, cycle: Cycle, department_id: int) -> None:
        statuses = list(COUNTED_STATUSES)
        overlapping = (
            Cycle.objects.filter(company=company)
            .filter(overlapping_cycles_q(company_id=company.pk, cycle_id=cycle.pk))
            .values("id")
        )
        cycles_sql, cycles_params = overlapping.query.sql_with_params()
        sql = BRANCH_SQL.format(statuses=", ".join(["%s"] * len(statuses)), cycles=cycles_sql)
        with connection.cursor() as cursor:
            cursor.execute(
                sql,
                [company.pk, department_id, *statuses, *cycles_params, company.pk, *statuses, *cycles_params],
            )
            ids = [row[0] for row in cursor.fetchall()]
        rows = {
            row["id"]: row
            for row in Objective.objects.filter(company=company, id__in=ids)
            .filter(visible_objectives_q(actor=actor))
            .order_by(*LEVEL_ORDER)
            .values(*OBJECTIVE_FIELDS)
        }
        keep: set[int] = set()
        for object_id, row in rows.items():
            if row["department_id"] != department_id:
                continue
            chain: list[int] = []
            current: int | None = object_id
            while current is not None and current in rows and current not in keep:
                chain.append(current)
                current = rows[current]["parent_id"]
            if current in keep:  # joins a kept chain: on the tree below it
                keep.update(chain)
                continue
            # On this cycle's tree up to its topmost objective of the cycle; none: not on this tree.
            own = [index for index, link in enumerate(chain) if rows[link]["cycle_id"] == cycle.pk]
            if own:
                keep.update(chain[: own[-1] + 1])
        self.rows = [row for object_id, row in rows.items() if object_id in keep]
        self.by_parent: dict[int | None, list[dict[str, Any]]] = defaultdict(list)
        for row in self.rows:
            self.by_parent[row["parent_id"] if row["parent_id"] in keep else None].append(row)

    def level(self, parent_id: int | None, offset: int, page: int) -> tuple[list[dict[str, Any]], int]:
        level = self.by_parent.get(parent_id, [])
        return [dict(row) for row in level[offset : offset + page]], len(level)

    def children(self, parent_ids: list[int], page: int) -> list[dict[str, Any]]:
        return [dict(row) for parent_id in parent_ids for row in self.by_parent.get(parent_id, [])[:page]]

    def child_counts(self, ids: list[int]) -> dict[int, int]:
        return {object_id: len(self.by_parent[object_id]) for object_id in ids if object_id in self.by_parent}

    def count(self) -> int:
        return len(self.rows)


def alignment_forest(
    *,
    company: Company,
    actor: Actor,
    cycle: Cycle,
    bounds: Bounds,
    department_id: int | None = None,
    parent_id: int | None = None,
    offset: int = 0,
    details: bool = True,
    today: date | None = None,
) -> dict[str, Any]:
    """A bounded piece of the cycle's alignment tree, for the tree page in every mode and its lazy loads.

    ``parent_id=None`` starts from the roots (company objectives, and
    department objectives whose parent is outside what the reader sees of the
    cycle's active tree); else from that objective's children. ``offset``
    pages through that first level. Below it, levels open breadth-first within
    :class:`Bounds`. With ``department_id``, only that department's
    objectives and their ancestors are kept.

    Returns ``nodes`` (the first level, each with ``children`` when opened),
    ``rows`` (every node in reading order, with ``depth``), ``total`` (the
    first level's size), ``next_offset`` and ``remaining`` (what "show more"
    loads), and ``count`` (objectives in the whole filtered tree). Each node
    has ``child_count`` and ``more_children`` (those not shown). With
    ``details``, nodes carry their key results and dependencies (the cards);
    the compact list and the map need neither.

    Queries: the first level's page (its size counted along) and, for the
    roots, the tree's size; two per further level opened (child counts,
    children); two for details. Only the roots and the size read the whole
    cycle, each in one pass; no Python ever walks it.
    """
    today = today or company.local_today()
    expected = pace_of(company, cycle, today)
    levels: _Levels = (
        _SqlLevels(company=company, actor=actor, cycle=cycle)
        if department_id is None
        else _BranchLevels(company=company, actor=actor, cycle=cycle, department_id=department_id)
    )
    first, total = levels.level(parent_id, offset, bounds.page)
    rendered = list(first)
    frontier = first
    budget = bounds.budget - len(first)
    for node in first:
        node["depth"] = 1
    for depth in range(1, bounds.depth + 1):
        counts = levels.child_counts([node["id"] for node in frontier])
        opened: list[int] = []
        for node in frontier:
            node["child_count"] = counts.get(node["id"], 0)
            node["children"] = None
        if depth == bounds.depth:
            break
        for node in frontier:
            wanted = min(node["child_count"], bounds.page)
            if not wanted:
                continue
            if wanted > budget:
                break
            budget -= wanted
            opened.append(node["id"])
            node["children"] = []
        if not opened:
            break
        by_id = {node["id"]: node for node in frontier}
        frontier = levels.children(opened, bounds.page)
        for child in frontier:
            child["depth"] = depth + 1
            by_id[child["parent_id"]]["children"].append(child)
        rendered.extend(frontier)

    ids = [node["id"] for node in rendered]
    krs_by_objective: dict[int, list[dict[str, Any]]] = defaultdict(list)
    depends_on: dict[int, list[dict[str, Any]]] = defaultdict(list)
    depended_by: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if details and ids:
        for kr in (
            KeyResult.objects.filter(company=company, objective_id__in=ids).order_by("id").values(*KEY_RESULT_FIELDS)
        ):
            krs_by_objective[kr["objective_id"]].append(kr)
        # The other end counts when the reader sees it on this cycle's tree (the rule the tree's nodes follow).
        shown = set(ids)
        for dep in (
            Dependency.objects.filter(company=company)
            .filter(Q(from_objective_id__in=ids) | Q(to_objective_id__in=ids))
            .filter(from_objective__cycle=cycle, from_objective__status__in=COUNTED_STATUSES)
            .filter(to_objective__cycle=cycle, to_objective__status__in=COUNTED_STATUSES)
            .filter(visible_objectives_q(actor=actor, prefix="from_objective__"))
            .filter(visible_objectives_q(actor=actor, prefix="to_objective__"))
            .order_by("id")
            .values("from_objective_id", "to_objective_id", "from_objective__title", "to_objective__title", "note")
        ):
            if dep["from_objective_id"] in shown:
                depends_on[dep["from_objective_id"]].append(
                    {"id": dep["to_objective_id"], "title": dep["to_objective__title"], "note": dep["note"]}
                )
            if dep["to_objective_id"] in shown:
                depended_by[dep["to_objective_id"]].append(
                    {"id": dep["from_objective_id"], "title": dep["from_objective__title"], "note": dep["note"]}
                )
    context_parents = _context_parents(
        company=company, actor=actor, cycle=cycle, nodes=first if parent_id is None else []
    )
    paces = {cycle.pk: expected}
    rows: list[dict[str, Any]] = []
    for node in rendered:
        krs = krs_by_objective.get(node["id"], [])
        node["key_results"] = krs
        node["depends_on"] = depends_on.get(node["id"], [])
        node["depended_by"] = depended_by.get(node["id"], [])
        _pace_node(node, krs, company=company, today=today, paces=paces)
        node["other_cycle"] = node["cycle_id"] != cycle.pk
        node["context_parent"] = context_parents.get(node["parent_id"])
        node["at_risk"] = any(kr["confidence"] == Confidence.AT_RISK for kr in krs)
        node["off_track"] = any(kr["confidence"] == Confidence.OFF_TRACK for kr in krs)
        node["unaligned"] = node["department_id"] is not None and node["parent_id"] is None
        node["more_children"] = node["child_count"] - len(node["children"] or ())

    def walk(nodes: list[dict[str, Any]]) -> None:
        for node in nodes:
            rows.append(node)
            walk(node["children"] or [])

    walk(first)
    shown_count = offset + len(first)
    return {
        "cycle": cycle,
        "expected_progress": expected,
        "today": today,
        "nodes": first,
        "rows": rows,
        "total": total,
        "offset": offset,
        "next_offset": shown_count if shown_count < total else None,
        "remaining": max(0, total - shown_count),
        "count": levels.count() if parent_id is None else None,
    }
