"""The conversation at size: a long thread on one objective, read as the page's fragment and through the API.

On both generated companies the objective of the first checked-in key result
gets a thread (replies, a mention and reactions on each comment; a few hundred
comments at scale 1), built once and kept with ``--reuse``. Measured: the SQL
queries of the thread fragment and of the API list at both sizes (they must be
equal) and their latency through gunicorn.
"""

from typing import Any

from django.db import connection
from django.test import Client as DjangoClient
from django.test.utils import CaptureQueriesContext

from bench.http import Client, repeat
from companies.models import User
from discussion.models import Comment, Mention, Reaction
from objectives.models import KeyResult

#: Comments in the thread at scale 1 (at least 20 at any scale).
COMMENTS_AT_SCALE_1 = 400


def _thread_objective(fixture: Any) -> int:
    kr_id = fixture.checkin_key_results[0][0]
    return KeyResult.objects.values_list("objective_id", flat=True).get(pk=kr_id)


def _build_thread(fixture: Any, scale: float) -> int:
    """The thread, written once (``--reuse`` finds it): every other comment a reply, each mentioning someone."""
    company = fixture.built.company
    objective_id = _thread_objective(fixture)
    wanted = max(20, round(COMMENTS_AT_SCALE_1 * scale))
    if Comment.objects.filter(company=company, objective_id=objective_id).count() >= wanted:
        return objective_id
    leader = User.objects.get(email=fixture.built.leader_email)
    member = User.objects.get(email=fixture.built.member_email)
    tops = Comment.objects.bulk_create(
        Comment(company=company, objective_id=objective_id, author=leader, body=f"Week {i}: @{member.email} see this")
        for i in range(wanted // 2)
    )
    replies = Comment.objects.bulk_create(
        Comment(company=company, objective_id=objective_id, author=member, parent=top, body="On it") for top in tops
    )
    Mention.objects.bulk_create(Mention(company=company, comment=top, user=member) for top in tops)
    Reaction.objects.bulk_create(
        Reaction(company=company, comment=comment, user=user, kind=kind)
        for comment in [*tops, *replies]
        for user, kind in ((leader, "thumbs_up"), (member, "celebrate"))
    )
    return objective_id


def _requests(fixture: Any, objective_id: int) -> dict[str, tuple[str, str, dict[str, str]]]:
    slug = fixture.slug
    return {
        "thread_fragment": (f"/c/{slug}/discussion/objectives/{objective_id}/", "leader", {"HX-Request": "true"}),
        "comments_api": (
            f"/api/v1/companies/{slug}/objectives/{objective_id}/comments/?page_size=200",
            "key",
            {},
        ),
    }


def _query_counts(fixture: Any, objective_id: int) -> dict[str, int]:
    counts = {}
    for name, (path, who, extra) in _requests(fixture, objective_id).items():
        client = DjangoClient(SERVER_NAME="127.0.0.1")
        for cookie, value in fixture.cookies(who).items():
            client.cookies[cookie] = value
        headers = {**fixture.headers(who), **extra}
        client.get(path, headers=headers)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"{name}: {response.status_code} {response.content[:300]!r}")
        counts[name] = len(captured)
    return counts


def run(fixture: Any, small: Any, base_url: str, args: Any) -> tuple[dict[str, Any], list[tuple[str, str, str]]]:
    small_id = _build_thread(small, args.small_scale)
    large_id = _build_thread(fixture, args.scale)
    small_counts, counts = _query_counts(small, small_id), _query_counts(fixture, large_id)
    results: dict[str, Any] = {
        "comments": Comment.objects.filter(company=fixture.built.company, objective_id=large_id).count(),
        "query_counts": {"small": small_counts, "large": counts},
        "query_counts_equal": small_counts == counts,
    }
    rows = []
    for name, (path, who, extra) in _requests(fixture, large_id).items():
        client = Client(base_url, headers={**fixture.headers(who), **extra})
        client.cookies.update(fixture.cookies(who))
        sample = repeat(client, path, count=args.requests)
        if set(sample.statuses) != {200}:
            raise RuntimeError(f"{name}: statuses {sample.statuses}")
        results[name] = sample.summary()
        label = "thread fragment" if name == "thread_fragment" else "comments API (200 a page)"
        rows.append(
            (
                f"{label} p50 / p95 ({results['comments']} comments)",
                f"{results[name]['p50_ms']:.0f} ms / {results[name]['p95_ms']:.0f} ms",
                "p95 <= 100 ms" if name == "comments_api" else "p95 <= 200 ms",
            )
        )
        rows.append((f"queries: {name} (small / large)", f"{small_counts[name]} / {counts[name]}", "equal"))
    return results, rows
