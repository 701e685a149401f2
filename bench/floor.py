"""The floor of the alignment tree: what it costs to produce its JSON with nothing in the way.

One raw psycopg query (each objective once per key result, with the ids it
depends on), nested in Python, and ``orjson.dumps``: no Django, no HTTP.
(Letting PostgreSQL build the key results' JSON with ``json_agg`` was tried
and was slower: ~280 ms of server time for 40,000 key results against ~95 ms
for the flat rows.) It produces the same tree content as
``GET …/alignment/tree/`` for an integration key (which never sees private
objectives); ``tests/alignment/test_floor.py`` holds the two to that.
"""

from datetime import date
from typing import Any

import orjson
import psycopg

from objectives.progress import behind_pace_threshold, expected_progress
from objectives.progress import status as computed_status

FLOOR_SQL = """
SELECT o.id, o.parent_id, o.department_id, d.name, o.owner_id, COALESCE(NULLIF(u.full_name, ''), u.email),
       o.title, o.status, o.weight::text, o.private, o.progress, o.final_score, o.cycle_id, dep.ids,
       kr.id, kr.title, kr.kind, kr.direction, kr.start_value::text, kr.target_value::text,
       kr.current_value::text, kr.unit, kr.currency, kr.weight::text, kr.confidence, kr.progress,
       kr.last_checkin_at, kr.owner_id
FROM objectives_objective o
LEFT JOIN departments_department d ON d.id = o.department_id AND d.company_id = o.company_id
LEFT JOIN companies_user u ON u.id = o.owner_id
LEFT JOIN (
    SELECT dp.from_objective_id, array_agg(dp.to_objective_id ORDER BY dp.to_objective_id) AS ids
    FROM objectives_dependency dp
    JOIN objectives_objective t ON t.company_id = dp.company_id AND t.id = dp.to_objective_id
    WHERE dp.company_id = %(company)s AND NOT t.private
    GROUP BY dp.from_objective_id
) dep ON dep.from_objective_id = o.id
LEFT JOIN objectives_keyresult kr ON kr.company_id = o.company_id AND kr.objective_id = o.id
WHERE o.company_id = %(company)s AND o.cycle_id = %(cycle)s
  AND o.status IN ('active', 'closed') AND NOT o.private
ORDER BY o.id, kr.id
"""
OBJECTIVE_KEYS = (
    "id",
    "parent_id",
    "department_id",
    "department_name",
    "owner_id",
    "owner_name",
    "title",
    "status",
    "weight",
    "private",
    "progress",
    "final_score",
    "cycle_id",
)
KEY_RESULT_KEYS = (
    "id",
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
    "last_checkin_at",
    "owner_id",
)


def connect(url: str) -> psycopg.Connection:
    conn = psycopg.connect(url, autocommit=True)
    conn.execute("SET TimeZone = 'UTC'")  # as Django's connections: timestamps render as +00:00
    conn.execute("SET jit = off")  # as the app's connections (okrhub/settings/base.py)
    return conn


def floor_tree(
    conn: psycopg.Connection, *, company_id: int, cycle_id: int, start: date, end: date, today: date
) -> bytes:
    """The tree's JSON (roots, count, expected_progress, today) from one query."""
    expected = expected_progress(today=today, start=start, end=end)
    behind = behind_pace_threshold(expected)
    # Binary rows with server-side binding: the fastest way psycopg reads numbers and timestamps
    # (named explicitly, as Django's connections default to client-side cursors).
    with psycopg.Cursor(conn) as cursor:
        rows = cursor.execute(FLOOR_SQL, {"company": company_id, "cycle": cycle_id}, binary=True).fetchall()
    nodes: dict[int, dict[str, Any]] = {}
    node: dict[str, Any] = {"id": None}
    for row in rows:
        if row[0] != node["id"]:
            object_id, parent_id, department_id, *_, progress, _score, _cycle, depends_on = row[:14]
            node = nodes[object_id] = {
                **dict(zip(OBJECTIVE_KEYS, row[:13], strict=True)),
                "key_results": [],
                "children": [],
                "depends_on": depends_on or [],
                "behind_pace": progress is not None and progress < behind,
                "pace_status": computed_status(progress, expected).value,
                "at_risk": False,
                "off_track": False,
                "unaligned": department_id is not None and parent_id is None,
                "counts_in_parent": True,
            }
        if row[14] is None:
            continue
        kr = dict(zip(KEY_RESULT_KEYS, row[14:], strict=True))
        kr["objective_id"] = node["id"]
        kr["behind_pace"] = kr["progress"] is not None and kr["progress"] < behind
        kr["pace_status"] = computed_status(kr["progress"], expected).value
        node["key_results"].append(kr)
        node["at_risk"] = node["at_risk"] or kr["confidence"] == "at_risk"
        node["off_track"] = node["off_track"] or kr["confidence"] == "off_track"
    roots: list[dict[str, Any]] = []
    for node in nodes.values():
        parent = nodes.get(node["parent_id"]) if node["parent_id"] is not None else None
        (parent["children"] if parent is not None else roots).append(node)
    return orjson.dumps({"today": today, "expected_progress": expected, "count": len(nodes), "roots": roots})
