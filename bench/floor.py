"""The floor of the alignment tree: what it costs to produce its JSON with nothing in the way.

One raw psycopg query (objectives with their key results aggregated as JSON
by PostgreSQL, and their dependencies as an array), nested in Python, and
``orjson.dumps``: no Django, no HTTP. It produces the same tree content as
``GET …/alignment/tree/`` for an integration key (which never sees private
objectives); ``tests/alignment/test_floor.py`` holds the two to that.
"""

from datetime import date
from typing import Any

import orjson
import psycopg

from objectives.progress import BEHIND_PACE_MARGIN, expected_progress

FLOOR_SQL = """
SELECT o.id, o.parent_id, o.department_id, d.name, o.owner_id, COALESCE(NULLIF(u.full_name, ''), u.email),
       o.title, o.status, o.weight::text, o.private, o.progress,
       k.items::text, COALESCE(k.at_risk, false), COALESCE(k.off_track, false), dep.ids
FROM objectives_objective o
LEFT JOIN departments_department d ON d.id = o.department_id AND d.company_id = o.company_id
LEFT JOIN companies_user u ON u.id = o.owner_id
LEFT JOIN LATERAL (
    SELECT json_agg(json_build_object(
               'id', kr.id, 'objective_id', kr.objective_id, 'title', kr.title, 'kind', kr.kind,
               'direction', kr.direction, 'start_value', kr.start_value::text,
               'target_value', kr.target_value::text, 'current_value', kr.current_value::text,
               'unit', kr.unit, 'currency', kr.currency, 'weight', kr.weight::text,
               'confidence', kr.confidence, 'progress', kr.progress, 'last_checkin_at', kr.last_checkin_at,
               'owner_id', kr.owner_id, 'behind_pace', COALESCE(kr.progress < %(behind)s, false)
           ) ORDER BY kr.id) AS items,
           bool_or(kr.confidence = 'at_risk') AS at_risk,
           bool_or(kr.confidence = 'off_track') AS off_track
    FROM objectives_keyresult kr
    WHERE kr.company_id = o.company_id AND kr.objective_id = o.id
) k ON true
LEFT JOIN LATERAL (
    SELECT array_agg(dp.to_objective_id ORDER BY dp.to_objective_id) AS ids
    FROM objectives_dependency dp
    JOIN objectives_objective t ON t.company_id = dp.company_id AND t.id = dp.to_objective_id
    WHERE dp.company_id = o.company_id AND dp.from_objective_id = o.id AND NOT t.private
) dep ON true
WHERE o.company_id = %(company)s AND o.cycle_id = %(cycle)s
  AND o.status IN ('active', 'closed') AND NOT o.private
ORDER BY o.id
"""


def connect(url: str) -> psycopg.Connection:
    conn = psycopg.connect(url, autocommit=True)
    conn.execute("SET TimeZone = 'UTC'")  # as Django's connections: timestamps render as +00:00
    return conn


def floor_tree(
    conn: psycopg.Connection, *, company_id: int, cycle_id: int, start: date, end: date, today: date
) -> bytes:
    """The tree's JSON (roots, count, expected_progress, today) from one query."""
    expected = expected_progress(today=today, start=start, end=end)
    rows = conn.execute(
        FLOOR_SQL, {"company": company_id, "cycle": cycle_id, "behind": expected - BEHIND_PACE_MARGIN}
    ).fetchall()
    nodes: dict[int, dict[str, Any]] = {}
    roots: list[dict[str, Any]] = []
    for (
        object_id,
        parent_id,
        department_id,
        department_name,
        owner_id,
        owner_name,
        title,
        status,
        weight,
        private,
        progress,
        key_results,
        at_risk,
        off_track,
        depends_on,
    ) in rows:
        node = {
            "id": object_id,
            "parent_id": parent_id,
            "department_id": department_id,
            "department_name": department_name,
            "owner_id": owner_id,
            "owner_name": owner_name,
            "title": title,
            "status": status,
            "weight": weight,
            "private": private,
            "progress": progress,
            "key_results": orjson.loads(key_results) if key_results else [],
            "children": [],
            "depends_on": depends_on or [],
            "behind_pace": progress is not None and progress < expected - BEHIND_PACE_MARGIN,
            "at_risk": at_risk,
            "off_track": off_track,
            "unaligned": department_id is not None and parent_id is None,
            "counts_in_parent": True,
        }
        nodes[object_id] = node
    for node in nodes.values():
        parent = nodes.get(node["parent_id"]) if node["parent_id"] is not None else None
        (parent["children"] if parent is not None else roots).append(node)
    return orjson.dumps({"today": today, "expected_progress": expected, "count": len(nodes), "roots": roots})
