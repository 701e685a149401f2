"""Feature benchmarks that run after the core figures, each in a module of its own.

An entry is a callable ``(fixture, small, base_url, args) -> (results, rows)``:
``fixture`` and ``small`` are the two generated companies (``measure.Fixture``),
``base_url`` the gunicorn the core figures used (still running), ``args`` the
command line. ``results`` is merged into the JSON under the entry's name,
``rows`` (label, measured, target) are appended to the printed table. An
entry builds any extra data it needs itself, idempotently (``--reuse`` keeps
the companies), and keeps within the run's ``--requests``.
"""

from collections.abc import Callable
from typing import Any

from bench import (
    corrections,
    discussion,
    explore,
    feed,
    grading,
    insights,
    notifications,
    outgoing_webhooks,
    overlaps,
    report,
    tree_cache,
    weekly,
)

Entry = Callable[[Any, Any, str, Any], tuple[dict[str, Any], list[tuple[str, str, str]]]]

#: name -> entry, run in this order.
ENTRIES: dict[str, Entry] = {
    "corrections": corrections.measure,
    "notifications": notifications.run,
    "explore": explore.run,
    "discussion": discussion.run,
    "tree_cache": tree_cache.run,
    "weekly": weekly.run,  # the weekly check-in page (15 key results) and a batch of 10 check-ins
    "insights": insights.run,  # snapshots and dashboards (issue 16)
    "feed": feed.run,
    "grading": grading.run,  # closing a cycle: every final score computed and stored (issue 15)
    "report": report.run,  # the report of the closed cycle: page, one department, API (issue 15)
    "webhooks": outgoing_webhooks.run,  # 1,000 events to a local receiver; check-ins with webhooks on/off (issue 18)
    "overlaps": overlaps.run,  # a whole cycle's overlaps computed and unchanged, and the typing hint (issue 19)
}
