"""Hostile input on every API write and every page form (hypothesis, bounded).

Each write is sent its valid body with one field replaced by something
nasty: very long strings, control characters, NUL, lone surrogates, NaN and
Infinity (as JSON numbers and as strings), numbers beyond the columns' range,
dates out of order, HTML and SQL, wrong JSON types. Whatever comes, the
answer is never a 5xx; a refusal is a 4xx naming the field and leaves the
database exactly as it was. Bodies that are not UTF-8 answer 400. HTML and
SQL that are accepted come back verbatim and are shown escaped on the pages.
"""

import json

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from objectives.models import Objective
from tests.api.endpoints import WRITES, Op
from tests.helpers import db_state

NASTY_STRINGS = [
    "",
    " ",
    "x" * 5000,
    "\x00",
    "a\x00b",
    "\ud800",
    "\x1b[31mred\x07",
    "\u202eevil",
    "NaN",
    "Infinity",
    "-Infinity",
    "1e309",
    "9" * 40,
    "-1e30",
    "0.0000000001",
    "2027-02-30",
    "0001-01-01",
    "9999-12-31",
    "<script>alert(1)</script>",
    "'; DROP TABLE objectives_objective; --",
    "1 OR 1=1",
]
nasty = st.one_of(
    st.sampled_from(NASTY_STRINGS),
    st.text(alphabet=st.characters(categories=["Cc", "Cs", "Co", "Zl"]), min_size=1, max_size=30),
    st.text(min_size=201, max_size=3000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.none(),
    st.booleans(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)

HYPOTHESIS = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

_NO_BODY = Op.__dataclass_fields__["body"].default
WRITE_WITH_BODY = [op for op in WRITES if op.method in ("post", "patch") and op.body is not _NO_BODY]


@pytest.fixture
def no_throttles(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}


def _in_savepoint(check):
    """Run one example and undo whatever it wrote, so examples start from the same data."""
    with transaction.atomic():
        check()
        transaction.set_rollback(True)


def _assert_refusal_is_clean(response, field: str | None, before) -> None:
    assert response.status_code < 500, response.content[:500]
    if response.status_code >= 400:
        assert response["Content-Type"] == "application/problem+json"
        body = response.json()
        assert body["status"] == response.status_code
        if response.status_code == 400 and field is not None:
            named = {(e["field"] or "").split(".")[0].split("[")[0] for e in body["errors"]}
            assert field in named, (field, body)
        assert db_state() == before


@pytest.mark.parametrize("op", WRITE_WITH_BODY, ids=lambda op: op.name)
def test_api_writes_refuse_hostile_fields_cleanly(op: Op, world, as_role, no_throttles):
    client = as_role(world, "admin")
    url = f"/api/v1/companies/{world.slug}/{op.path(world)}"
    fields = sorted(op.body(world)) or ["status"]

    @HYPOTHESIS
    @given(field=st.sampled_from(fields), value=nasty)
    def example(field, value):
        def check():
            body = {**op.body(world), field: value}
            before = db_state()
            raw = json.dumps(body, allow_nan=True).encode()
            response = getattr(client, op.method)(url, raw, content_type="application/json")
            _assert_refusal_is_clean(response, field, before)

        _in_savepoint(check)

    example()


@pytest.mark.parametrize("op", WRITE_WITH_BODY, ids=lambda op: op.name)
def test_api_writes_refuse_bodies_that_are_not_utf8(op: Op, world, as_role):
    client = as_role(world, "admin")
    url = f"/api/v1/companies/{world.slug}/{op.path(world)}"
    before = db_state()
    response = getattr(client, op.method)(url, b'{"title": "\xff\xfe\xfd"}', content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert db_state() == before


# ---------------------------------------------------------------- page forms


def _page_forms(w):
    slug = w.slug
    kr = w.kr.pk
    objective = {
        "title": "Win the DACH mid-market",
        "description": "",
        "cycle": w.team.cycle.pk,
        "department": w.team.department.pk,
        "parent": "",
        "owner": "",
        "weight": "1",
    }
    key_result = {
        "title": "Raise win rate from 18% to 25%",
        "kind": "percent",
        "direction": "increase",
        "start_value": "18",
        "target_value": "25",
        "unit": "",
        "currency": "",
        "weight": "1",
        "owner": "",
    }
    return {
        "objective_create": (f"/c/{slug}/objectives/new/", objective),
        "objective_edit": (f"/c/{slug}/objectives/{w.sales_objective.pk}/edit/", objective),
        "key_result_create": (f"/c/{slug}/objectives/{w.sales_objective.pk}/key-results/new/", key_result),
        "key_result_edit": (f"/c/{slug}/key-results/{kr}/edit/", key_result),
        "check_in": (
            f"/c/{slug}/key-results/{kr}/check-in/",
            {f"kr{kr}-value": "12", f"kr{kr}-confidence": "on_track", f"kr{kr}-note": ""},
        ),
        "dependency_add": (
            f"/c/{slug}/objectives/{w.sales_objective.pk}/dependencies/",
            {"to_objective": w.draft.pk, "note": ""},
        ),
        "cycle_add": (
            f"/c/{slug}/settings/cycles/",
            {"cycle-name": "2027 Q2", "cycle-start_date": "2027-04-01", "cycle-end_date": "2027-06-30"},
        ),
        "department_add": (f"/c/{slug}/settings/departments/", {"name": "Legal"}),
        "profile": ("/accounts/profile/", {"full_name": "Ann", "checkin_reminders": "on"}),
        "company_settings": (
            f"/c/{slug}/settings/",
            {
                "settings-name": "Acme",
                "settings-timezone": "Europe/Berlin",
                "settings-focus_mode": "warn",
                "settings-max_objectives_per_department": "3",
                "settings-max_key_results_per_objective": "5",
                "settings-checkin_weekday": "0",
                "settings-checkin_hour": "9",
                "settings-rollup_child_objectives": "on",
                "settings-grading_window_days": "7",
            },
        ),
        "member_role": (f"/c/{slug}/settings/members/{w.extra.pk}/role/", {f"m{w.extra.pk}-role": "leader"}),
    }


form_text = st.one_of(
    st.sampled_from([s for s in NASTY_STRINGS if "\ud800" not in s]),
    st.text(alphabet=st.characters(categories=["Cc", "Co", "Zl"]), min_size=1, max_size=30),
    st.text(min_size=201, max_size=3000).filter(lambda s: "\x00" not in s),
)

ROLES = {"admin", "leader", "member", "viewer"}

PAGE_FORMS = [
    "objective_create",
    "objective_edit",
    "key_result_create",
    "key_result_edit",
    "check_in",
    "dependency_add",
    "cycle_add",
    "department_add",
    "profile",
    "company_settings",
    "member_role",
]


@pytest.mark.parametrize("form", PAGE_FORMS)
def test_page_forms_refuse_hostile_fields_cleanly(form, world, client_for):
    client = client_for(world.team.admin, htmx=True)
    path, valid = _page_forms(world)[form]

    @HYPOTHESIS
    @given(field=st.sampled_from(sorted(valid)), value=form_text)
    def example(field, value):
        def check():
            before = db_state()
            response = client.post(path, {**valid, field: value})
            assert response.status_code < 500
            if response.status_code in (400, 422):
                assert db_state() == before
                assert "error" in response.content.decode().lower()
            elif form == "member_role" and value not in ROLES:  # refused with a message after a redirect
                assert db_state() == before

        _in_savepoint(check)

    example()


def test_html_and_sql_in_titles_are_kept_verbatim_and_shown_escaped(world, as_role, client_for):
    title = "<script>alert(1)</script> '; DROP TABLE objectives_objective; --"
    response = as_role(world, "admin").patch(
        f"/api/v1/companies/{world.slug}/objectives/{world.sales_objective.pk}/", {"title": title}, format="json"
    )
    assert response.status_code == 200
    assert Objective.objects.get(pk=world.sales_objective.pk).title == title
    client = client_for(world.team.admin)
    for path in (
        f"/c/{world.slug}/objectives/{world.sales_objective.pk}/",
        f"/c/{world.slug}/alignment/",
        f"/c/{world.slug}/departments/sales/",
        f"/c/{world.slug}/key-results/{world.kr.pk}/",
    ):
        html = client.get(path).content.decode()
        assert "<script>alert(1)</script>" not in html, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path


@pytest.mark.parametrize("op", WRITE_WITH_BODY, ids=lambda op: op.name)
def test_api_writes_refuse_characters_the_database_cannot_store(op: Op, world, as_role, no_throttles):
    """NUL and lone surrogates pass JSON parsing but not PostgreSQL: they must be a 400, not a 500."""
    client = as_role(world, "admin")
    url = f"/api/v1/companies/{world.slug}/{op.path(world)}"
    for field in sorted(op.body(world)):
        for value in ("a\x00b", "\ud800", "ok \udfff"):

            def check(field=field, value=value):
                before = db_state()
                raw = json.dumps({**op.body(world), field: value}).encode()
                response = getattr(client, op.method)(url, raw, content_type="application/json")
                _assert_refusal_is_clean(response, field, before)

            _in_savepoint(check)


def test_page_forms_take_bodies_that_are_not_utf8_without_error(world, client_for):
    client = client_for(world.team.admin, htmx=True)
    before = db_state()
    response = client.generic(
        "POST",
        f"/c/{world.slug}/objectives/new/",
        b"title=%FF%FE%FD&cycle=" + str(world.team.cycle.pk).encode() + b"&weight=\xff\xfe",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code < 500
    if response.status_code >= 400:
        assert db_state() == before
