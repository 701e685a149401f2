"""schemathesis against the live schema: no 5xx, every response as documented.

Every operation gets a bounded number of generated requests (positive data,
with a populated company) from an admin session and from a write key; the
checks are that nothing answers 5xx and status codes, content types,
headers and bodies all conform to the OpenAPI document.
"""

import time
from collections import Counter

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_OPERATION = 6
CSRF = "k" * 32


@pytest.fixture
def wsgi_app():
    """Django's WSGI app, sharing the test's connection and transaction (as the test client does)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _path_parameters(world, path: str) -> dict:
    """Point ids at real rows, so requests reach more than the 404 branch."""
    ids = {
        "/members/": world.extra.pk,
        "/invitations/": world.invitation.pk,
        "/departments/": world.ops.pk,
        "/cycles/": world.planning_cycle.pk,
        "/objectives/": world.draft.pk,
        "/key-results/": world.kr.pk,
        "/dependencies/": world.dependency.pk,
    }
    parameters = {"slug": world.slug}
    for fragment, pk in ids.items():
        if fragment in path and "{id}" in path:
            parameters["id"] = pk
    if "{prefix}" in path:
        parameters["prefix"] = world.admin_key.prefix
    if "{user_id}" in path:
        parameters["user_id"] = world.team.lead.pk
    return parameters


def _run(schema, world, headers: dict, statuses: Counter, cookies: dict | None = None) -> int:
    calls = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        strategy = operation.as_strategy(
            path_parameters=_path_parameters(world, operation.path) if "{" in operation.path else None,
            headers=headers,
            cookies=cookies,
        )

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def check(case) -> None:
            nonlocal calls
            calls += 1
            response = case.call_and_validate(headers=headers, checks=CHECKS)
            statuses[response.status_code] += 1

        check()
    return calls


def test_every_operation_conforms_to_the_schema(world, wsgi_app, api):
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", wsgi_app)
    admin = api(world.team.admin)
    session = admin.cookies["sessionid"].value
    statuses: Counter = Counter()
    started = time.monotonic()
    calls = _run(schema, world, {"X-CSRFToken": CSRF}, statuses, cookies={"sessionid": session, "csrftoken": CSRF})
    calls += _run(schema, world, {"Authorization": f"Api-Key {world.secrets['write_key']}"}, statuses)
    elapsed = time.monotonic() - started
    operations = len(list(schema.get_all_operations()))
    print(f"schemathesis: {calls} requests over {operations} operations in {elapsed:.1f}s; statuses {dict(statuses)}")
    assert operations >= 46
    # The generated requests reach the success paths, not only the refusals.
    assert sum(n for status, n in statuses.items() if status < 300) >= calls // 4
