"""The activity feed at scale: the company's activity page, a division's feed and the events API.

The generator writes the company straight into PostgreSQL, so the event table
the services would have filled is filled here the same way (COPY), once per
company: an ``objective.created`` and an ``objective.activated`` per
objective, a ``key_result.created`` per key result, a ``dependency.created``
per dependency and a ``checkin.created`` per check-in (at the check-in's
time, with the payload ``checkin_payload`` writes). At scale 1 that is about
265,000 events; the check-ins the core figures post add theirs through the
services. Measured through gunicorn: the activity page (this week) and a
division's feed with its teams (all time) as a member, so the visibility rule
is in the query, and the events API as a key; each must answer p95 <= 150 ms
with the same number of queries at both sizes.
"""

import datetime
from typing import Any

import orjson
from django.db import connection, transaction
from django.test import Client as DjangoClient
from django.test.utils import CaptureQueriesContext

from bench.http import Client, repeat
from departments.models import Department
from objectives.models import Event, Verb
from objectives.progress import key_result_progress

TARGET_MS = 150.0
COLUMNS = (
    "company_id",
    "actor_id",
    "verb",
    "subject_kind",
    "subject_id",
    "cycle_id",
    "objective_id",
    "key_result_id",
    "checkin_id",
    "department_id",
    "payload",
    "created_at",
)


def _json(payload: dict[str, Any]) -> str:
    return orjson.dumps(payload).decode()


def _decimal(value: Any) -> str | None:
    return None if value is None else f"{value:.4f}"


def ensure_events(company: Any) -> int:
    """Fill the company's event table as the services would have (once); return how many events it holds."""
    if Event.objects.filter(company=company, verb=Verb.OBJECTIVE_CREATED).exists():
        return Event.objects.filter(company=company).count()
    cid = company.pk
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT o.id, o.cycle_id, o.department_id, o.owner_id, o.parent_id, o.title, o.status, o.private, "
            "o.weight, c.start_date FROM objectives_objective o JOIN objectives_cycle c ON c.id = o.cycle_id "
            "WHERE o.company_id = %s ORDER BY o.id",
            [cid],
        )
        objectives = {row[0]: row for row in cursor.fetchall()}
        cursor.execute(
            "SELECT id, objective_id, owner_id, title, kind, direction, start_value, target_value, weight "
            "FROM objectives_keyresult WHERE company_id = %s ORDER BY id",
            [cid],
        )
        key_results = {row[0]: row for row in cursor.fetchall()}
        cursor.execute(
            "SELECT id, key_result_id, author_id, value, confidence, note, created_at FROM objectives_checkin "
            "WHERE company_id = %s ORDER BY key_result_id, created_at, id",
            [cid],
        )
        checkins = cursor.fetchall()
        cursor.execute(
            "SELECT id, from_objective_id, to_objective_id, note, created_at FROM objectives_dependency "
            "WHERE company_id = %s",
            [cid],
        )
        dependencies = cursor.fetchall()

        def begun(start_date: datetime.date, hours: int) -> datetime.datetime:
            return datetime.datetime.combine(start_date, datetime.time(8), tzinfo=datetime.UTC) + datetime.timedelta(
                hours=hours
            )

        def rows():
            for n, (oid, cycle, department, owner, parent, title, status, private, weight, start) in enumerate(
                objectives.values()
            ):
                payload = {
                    "title": title,
                    "description": "",
                    "owner_id": owner,
                    "parent_id": parent,
                    "weight": f"{weight:.2f}",
                    "private": private,
                    "department_id": department,
                    "status": "draft",
                    "cycle_id": cycle,
                }
                at = begun(start, n % 48)
                yield (cid, owner, Verb.OBJECTIVE_CREATED, "objective", oid, cycle, oid, None, None, department,
                       _json(payload), at)  # fmt: skip
                if status == "active":
                    activated = {"title": title, "from": "draft", "to": "active"}
                    yield (cid, owner, Verb.OBJECTIVE_ACTIVATED, "objective", oid, cycle, oid, None, None, department,
                           _json(activated), at + datetime.timedelta(days=1))  # fmt: skip
            for kid, oid, owner, title, kind, direction, start_value, target, weight in key_results.values():
                _, cycle, department, _, _, objective_title, *_, start = objectives[oid]
                payload = {
                    "key_result_id": kid,
                    "objective_title": objective_title,
                    "title": title,
                    "kind": kind,
                    "direction": direction,
                    "start_value": _decimal(start_value),
                    "target_value": _decimal(target),
                    "unit": "",
                    "currency": "",
                    "weight": f"{weight:.2f}",
                    "owner_id": owner,
                    "current_value": None,
                }
                yield (cid, owner, Verb.KEY_RESULT_CREATED, "key_result", kid, cycle, oid, kid, None, department,
                       _json(payload), begun(start, 2 + kid % 48))  # fmt: skip
            for did, from_id, to_id, note, _created in dependencies:
                _, cycle, department, owner, _, title, *_, start = objectives[from_id]
                payload = {
                    "dependency_id": did,
                    "objective_title": title,
                    "to_objective_id": to_id,
                    "to_objective_title": objectives[to_id][5],
                    "note": note,
                }
                yield (cid, owner, Verb.DEPENDENCY_CREATED, "dependency", did, cycle, from_id, None, None, department,
                       _json(payload), begun(start, 72))  # fmt: skip
            previous: tuple[Any, Any, Any] = (None, None, None)
            last_kr = None
            for chid, kid, author, value, confidence, note, created in checkins:
                if kid != last_kr:
                    previous, last_kr = (None, None, None), kid
                _, oid, _, kr_title, kind, direction, start_value, target, _ = key_results[kid]
                _, cycle, department, _, _, objective_title, *_ = objectives[oid]
                progress = key_result_progress(
                    kind=kind, direction=direction, start=start_value, target=target, current=value
                )
                payload = {
                    "key_result_title": kr_title,
                    "objective_title": objective_title,
                    "value": _decimal(value),
                    "confidence": confidence,
                    "note": note,
                    "progress": progress,
                    "previous_value": _decimal(previous[0]),
                    "previous_confidence": previous[1],
                    "previous_progress": previous[2],
                    "recorded_at": created.isoformat(),
                }
                previous = (value, confidence, progress)
                yield (cid, author, Verb.CHECKIN_CREATED, "checkin", chid, cycle, oid, kid, chid, department,
                       _json(payload), created)  # fmt: skip

        with cursor.copy(f"COPY objectives_event ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in rows():
                copy.write_row(row)
        cursor.execute("ANALYZE objectives_event")
    return Event.objects.filter(company=company).count()


def _requests(fixture: Any) -> dict[str, tuple[str, str]]:
    """name -> (path, who)."""
    slug = fixture.slug
    division = (
        Department.objects.filter(company=fixture.built.company, parent__isnull=True, children__isnull=False)
        .order_by("id")
        .values_list("id", flat=True)
        .first()
    )
    return {
        "feed_page": (f"/c/{slug}/activity/", "member"),
        "feed_division": (f"/c/{slug}/activity/?department={division}&period=all", "member"),
        "events_api": (f"/api/v1/companies/{slug}/events/", "key"),
    }


def _query_counts(fixture: Any) -> dict[str, int]:
    counts = {}
    for name, (path, who) in _requests(fixture).items():
        client = DjangoClient(SERVER_NAME="127.0.0.1")
        for cookie, value in fixture.cookies(who).items():
            client.cookies[cookie] = value
        client.get(path, headers=fixture.headers(who))
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path, headers=fixture.headers(who))
        if response.status_code != 200:
            raise RuntimeError(f"{name}: {response.status_code} {response.content[:300]!r}")
        counts[name] = len(captured)
    return counts


def run(fixture: Any, small: Any, base_url: str, args: Any) -> tuple[dict[str, Any], list[tuple[str, str, str]]]:
    events = ensure_events(fixture.built.company)
    ensure_events(small.built.company)
    counts = {"small": _query_counts(small), "large": _query_counts(fixture)}
    results: dict[str, Any] = {"events": events, "query_counts": counts}
    rows = [("feed: events in the company", f"{events:,}", "")]
    for name, (path, who) in _requests(fixture).items():
        client = Client(base_url, headers=fixture.headers(who))
        client.cookies.update(fixture.cookies(who))
        sample = repeat(client, path, count=args.requests)
        if set(sample.statuses) != {200}:
            raise RuntimeError(f"{name}: statuses {sample.statuses}")
        results[name] = sample.summary()
        p50, p95 = results[name]["p50_ms"], results[name]["p95_ms"]
        rows.append((f"feed: {name} p50 / p95", f"{p50:.0f} ms / {p95:.0f} ms", f"p95 <= {TARGET_MS:.0f} ms"))
    equal = counts["small"] == counts["large"]
    results["query_counts_equal"] = equal
    for name in counts["large"]:
        rows.append(
            (f"feed: queries {name} (small / large)", f"{counts['small'][name]} / {counts['large'][name]}", "equal")
        )
    return results, rows
