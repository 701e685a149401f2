"""Notifications at volume: one person with 10,000 of them, page and bell through gunicorn.

The bench's member (``Fixture.member_email``, a department lead) is given
10,000 notifications (half unread) about real events on the company's
objectives, private ones among them, so every read takes the visibility
filter. Measured through the running gunicorn: the notifications page, the
bell's unread-count fragment and the API's list and count (targets: page and
count p95 <= 50 ms), and the SQL queries of each at the small company's size
and at this one (they must be equal).
"""

import datetime
import json
import random
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.test import Client as DjangoClient
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.generate import _copy, _next_ids
from bench.http import Client, repeat
from companies.models import User
from notifications.models import Notification, Reason
from objectives.models import Objective

PER_PERSON = 10_000
SMALL = 40


def give_notifications(fixture: Any, count: int) -> int:
    """``count`` notifications for the member, on real events (idempotent: kept if already there)."""
    company = fixture.built.company
    member = User.objects.get(email=fixture.built.member_email)
    if Notification.objects.filter(company=company, user=member).count() >= count:
        return member.pk
    rng = random.Random(11)
    objectives = list(
        Objective.objects.filter(company=company)
        .order_by("id")
        .values("id", "title", "department_id", "cycle_id")[:500]
    )
    actor_id = User.objects.get(email=fixture.built.leader_email).pk
    reasons = Reason.values
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        Notification.objects.filter(company=company, user=member).delete()
        first_event = _next_ids(cursor, "objectives_event", count)
        rows = []
        for n in range(count):
            objective = objectives[n % len(objectives)]
            created = now - datetime.timedelta(minutes=n)
            payload = {
                "comment_id": n + 1,
                "mentioned_user_ids": [member.pk],
                "target_kind": "objective",
                "target_id": objective["id"],
                "body_excerpt": f"Bench comment {n}: {rng.choice(['on track?', 'numbers look good', 'see Lyon'])}",
                "objective_title": objective["title"],
            }
            rows.append((first_event + n, objective, created, payload))
        _copy(
            cursor,
            "objectives_event",
            (
                "id",
                "company_id",
                "actor_id",
                "verb",
                "subject_kind",
                "subject_id",
                "cycle_id",
                "objective_id",
                "department_id",
                "payload",
                "created_at",
            ),
            (
                (
                    pk,
                    company.pk,
                    actor_id,
                    "comment.created",
                    "comment",
                    pk,
                    o["cycle_id"],
                    o["id"],
                    o["department_id"],
                    _json(payload),
                    created,
                )
                for pk, o, created, payload in rows
            ),
        )
        first = _next_ids(cursor, "notifications_notification", count)
        _copy(
            cursor,
            "notifications_notification",
            (
                "id",
                "company_id",
                "user_id",
                "event_id",
                "reason",
                "in_app",
                "email",
                "created_at",
                "read_at",
                "emailed_at",
            ),
            (
                (
                    first + n,
                    company.pk,
                    member.pk,
                    pk,
                    reasons[n % len(reasons)],
                    True,
                    "digest",
                    created,
                    None if n % 2 else created,
                    created,
                )
                for n, (pk, _, created, _) in enumerate(rows)
            ),
        )
        cursor.execute("ANALYZE notifications_notification")
        cursor.execute("ANALYZE objectives_event")
    return member.pk


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value)


def _paths(fixture: Any) -> dict[str, str]:
    slug = fixture.slug
    return {
        "notifications_page": f"/c/{slug}/notifications/",
        "notifications_count": f"/c/{slug}/notifications/count/",
        "notifications_api_list": f"/api/v1/companies/{slug}/notifications/",
        "notifications_api_count": f"/api/v1/companies/{slug}/notifications/unread-count/",
    }


def _query_counts(fixture: Any) -> dict[str, int]:
    counts = {}
    for name, path in _paths(fixture).items():
        client = DjangoClient(SERVER_NAME="127.0.0.1")
        client.cookies[settings.SESSION_COOKIE_NAME] = fixture.member_session
        client.get(path)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{name}: {response.status_code} {response.content[:300]!r}")
        counts[name] = len(captured)
    return counts


def _ms(value: float) -> str:
    return f"{value:.0f} ms" if value >= 10 else f"{value:.1f} ms"


def run(fixture: Any, small: Any, base_url: str, args: Any) -> tuple[dict[str, Any], list[tuple[str, str, str]]]:
    give_notifications(small, SMALL)
    give_notifications(fixture, PER_PERSON)
    results: dict[str, Any] = {"per_person": PER_PERSON}
    counts_small, counts_large = _query_counts(small), _query_counts(fixture)
    results["query_counts"] = {"small": counts_small, "large": counts_large}
    for name, path in _paths(fixture).items():
        client = Client(base_url)
        client.cookies[settings.SESSION_COOKIE_NAME] = fixture.member_session
        status, body, _ = client.request("GET", path)
        if status != 200:
            raise RuntimeError(f"{name}: {status} {body[:300]!r}")
        sample = repeat(client, path, count=args.requests)
        if set(sample.statuses) != {200}:
            raise RuntimeError(f"{name}: statuses {sample.statuses}")
        results[name] = {**sample.summary(), "bytes": len(body)}
    rows = [
        (f"notifications page p95 ({PER_PERSON:,} per person)", _ms(results["notifications_page"]["p95_ms"]),
         "<= 50 ms"),
        ("notifications unread count p95", _ms(results["notifications_count"]["p95_ms"]), "<= 50 ms"),
        ("notifications API list / count p95", f"{_ms(results['notifications_api_list']['p95_ms'])} / "
         f"{_ms(results['notifications_api_count']['p95_ms'])}", ""),
    ]  # fmt: skip
    for name in counts_large:
        rows.append((f"queries: {name} (small / large)", f"{counts_small[name]} / {counts_large[name]}", "equal"))
    results["query_counts_equal"] = counts_small == counts_large
    return results, rows
