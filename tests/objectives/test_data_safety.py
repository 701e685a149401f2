"""Data safety through the API, on real PostgreSQL connections from real threads.

50 concurrent check-ins lose none; two writers with the same If-Match: one
wins, the other gets 412; a database error late in a write leaves nothing;
closing a cycle while check-ins arrive: each lands before the close or is
refused, and the final scores are those of the landed check-ins.
"""

import time
from decimal import Decimal
from unittest import mock

import pytest
from django.db import IntegrityError
from django.utils import timezone
from rest_framework.test import APIClient

from companies.models import CompanyAPIKey
from conftest import make_team
from objectives import services as okr
from objectives.models import CheckIn, Cycle, KeyResult, Objective
from objectives.progress import key_result_progress
from objectives.rollup import company_full_recompute
from tests.concurrency import run_concurrently
from tests.helpers import db_state

CHECKINS = 50


def _key(company) -> str:
    key = CompanyAPIKey(company=company, name="load", scope="write", last_used_at=timezone.now())
    secret = CompanyAPIKey.objects.assign_key(key)
    key.save(force_insert=True)
    return secret


def _client(secret: str) -> APIClient:
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    return client


def _seed(slug: str, key_results: int = 1):
    team = make_team(slug)
    objective = okr.objective_create(
        company=team.company, actor=None, cycle=team.cycle, department=team.department, title="Win DACH", activate=True
    )
    krs = [
        okr.key_result_create(
            company=team.company,
            actor=None,
            objective=objective,
            owner=team.member,
            title=f"Grow qualified leads {n} from 0 to 1000",
            target_value=1000,
        )
        for n in range(key_results)
    ]
    return team, objective, krs


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_api_checkins_lose_none(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}
    team, _, (kr,) = _seed("fifty")
    secret = _key(team.company)
    url = f"/api/v1/companies/{team.company.slug}/key-results/{kr.pk}/check-ins/"
    statuses: list[int] = []

    def check_in(n: int):
        def work():
            response = _client(secret).post(url, {"value": str(n + 1), "confidence": "on_track"}, format="json")
            statuses.append(response.status_code)

        return work

    run_concurrently(*[check_in(n) for n in range(CHECKINS)], timeout=120)
    assert statuses == [201] * CHECKINS
    checkins = list(CheckIn.objects.filter(key_result=kr).order_by("id"))
    assert sorted(c.value for c in checkins) == [Decimal(n + 1) for n in range(CHECKINS)]
    stored = KeyResult.objects.get(pk=kr.pk)
    assert stored.current_value == checkins[-1].value  # the last to commit is the newest row
    assert stored.progress == float(checkins[-1].value) / 1000
    assert company_full_recompute(company=team.company) == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_edits_with_the_same_if_match_one_wins_the_other_gets_412():
    team, objective, _ = _seed("ifmatch")
    secret = _key(team.company)
    url = f"/api/v1/companies/{team.company.slug}/objectives/{objective.pk}/"
    etag = _client(secret).get(url)["ETag"]
    results: dict[str, int] = {}

    def edit(title: str):
        def work():
            response = _client(secret).patch(url, {"title": title}, format="json", HTTP_IF_MATCH=etag)
            results[title] = response.status_code

        return work

    titles = [f"Win DACH, attempt {n}" for n in range(6)]
    run_concurrently(*[edit(title) for title in titles], timeout=120)
    assert sorted(results.values()) == [200] + [412] * (len(titles) - 1)
    winner = next(title for title, status in results.items() if status == 200)
    assert Objective.objects.get(pk=objective.pk).title == winner


@pytest.mark.django_db(transaction=True)
def test_a_database_error_late_in_a_write_leaves_nothing_half_written():
    team, _, (kr,) = _seed("fault")
    secret = _key(team.company)
    url = f"/api/v1/companies/{team.company.slug}/key-results/{kr.pk}/check-ins/"
    before = db_state()
    # The check-in row and the key result's new value are written; then scheduling the roll-up fails.
    with mock.patch("objectives.services.checkins.schedule_rollup", side_effect=IntegrityError("forced failure")):
        response = _client(secret).post(
            url, {"value": "500", "confidence": "on_track"}, format="json", HTTP_IDEMPOTENCY_KEY="retry-me"
        )
    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    assert db_state() == before  # no check-in, no new current value, no idempotency record
    retry = _client(secret).post(
        url, {"value": "500", "confidence": "on_track"}, format="json", HTTP_IDEMPOTENCY_KEY="retry-me"
    )
    assert retry.status_code == 201


@pytest.mark.django_db(transaction=True)
def test_closing_a_cycle_while_checkins_arrive(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}
    team, _, krs = _seed("closing", key_results=4)
    secret = _key(team.company)
    slug = team.company.slug
    outcomes: list[tuple[int, int, str]] = []

    def check_ins(kr):
        def work():
            client = _client(secret)
            for n in range(8):
                response = client.post(
                    f"/api/v1/companies/{slug}/key-results/{kr.pk}/check-ins/",
                    {"value": str(100 + n), "confidence": "on_track"},
                    format="json",
                )
                outcomes.append((kr.pk, response.status_code, response.content.decode()))

        return work

    def close():
        # Close once check-ins are flowing, so some land before and some arrive after.
        deadline = time.monotonic() + 30
        while CheckIn.objects.filter(company=team.company).count() < 8 and time.monotonic() < deadline:
            time.sleep(0.005)
        admin = APIClient()
        admin.force_login(team.admin)
        assert admin.post(f"/api/v1/companies/{slug}/cycles/{team.cycle.pk}/close/").status_code == 200

    workers = [check_ins(kr) for kr in krs for _ in range(2)] + [close]
    run_concurrently(*workers, timeout=120)
    cycle = Cycle.objects.get(pk=team.cycle.pk)
    assert cycle.status == "closed"
    landed = [o for o in outcomes if o[1] == 201]
    refused = [o for o in outcomes if o[1] != 201]
    assert len(landed) + len(refused) == 64
    assert landed, "the close came before any check-in"
    assert refused, "every check-in beat the close; nothing raced"
    assert all(status == 400 and "cycle" in body for _, status, body in refused), refused[:3]
    assert CheckIn.objects.filter(company=team.company).count() == len(landed)
    # Every landed check-in committed before the close; none after.
    assert not CheckIn.objects.filter(company=team.company, created_at__gt=cycle.closed_at).exists()
    for kr in KeyResult.objects.filter(company=team.company):
        last = CheckIn.objects.filter(key_result=kr).order_by("-created_at", "-id").first()
        expected_value = last.value if last else None
        assert kr.current_value == expected_value
        assert kr.final_score == key_result_progress(
            kind=kr.kind, direction=kr.direction, start=kr.start_value, target=kr.target_value, current=expected_value
        )
    print(f"cycle close under load: {len(landed)} check-ins landed, {len(refused)} refused")
