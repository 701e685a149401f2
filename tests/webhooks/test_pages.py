"""The webhooks settings pages and API for admins: lists, forms, secrets shown once, tests and redelivery."""

import pytest

from tests.webhooks.receiver import Answer
from webhooks import services
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db


def _endpoint(team, url, **kwargs) -> Endpoint:
    return services.endpoint_create(
        company=team.company, actor=team.actor(team.admin), url=url, event_types=[], **kwargs
    )


def test_the_settings_page_links_to_webhooks(team, client_for):
    response = client_for(team.admin).get(f"/c/{team.company.slug}/settings/")
    assert f'href="/c/{team.company.slug}/webhooks/"'.encode() in response.content


def test_an_admin_adds_an_endpoint_and_sees_its_secret_once(team, client_for, receiver, django_assert_max_num_queries):
    client = client_for(team.admin)
    base = f"/c/{team.company.slug}/webhooks/"
    response = client.post(
        base, {"url": receiver.url, "description": "CRM", "event_types": ["checkin.created", "cycle.closed"]}
    )
    assert response.status_code == 201
    endpoint = Endpoint.objects.get()
    assert endpoint.secret.encode() in response.content
    assert response["Cache-Control"] == "no-store"
    assert (endpoint.event_types, endpoint.include_private) == (["checkin.created", "cycle.closed"], False)
    with django_assert_max_num_queries(8):
        page = client.get(base)
    assert receiver.url.encode() in page.content
    assert endpoint.secret.encode() not in page.content
    with django_assert_max_num_queries(9):
        detail = client.get(f"{base}{endpoint.pk}/")
    assert detail.status_code == 200
    assert endpoint.secret.encode() not in detail.content


def test_bad_input_answers_422_naming_the_field(team, client_for):
    client = client_for(team.admin)
    response = client.post(f"/c/{team.company.slug}/webhooks/", {"url": "https://10.0.0.1/hook"})
    assert response.status_code == 422
    assert b"private address" in response.content
    assert b'id="id_url"' in response.content
    assert b"aria-invalid" in response.content
    assert not Endpoint.objects.exists()


def test_send_test_rotate_and_redeliver_from_the_pages(team, client_for, receiver):
    endpoint = _endpoint(team, receiver.url)
    client = client_for(team.admin)
    base = f"/c/{team.company.slug}/webhooks/{endpoint.pk}/"
    receiver.answers.append(Answer(status=404, body="no such hook"))
    assert client.post(f"{base}test/").status_code == 302
    delivery = Delivery.objects.get()
    assert (delivery.event_type, delivery.status, delivery.last_response_code) == ("webhook.test", "failed", 404)
    log = client.get(base).content
    assert b"webhook.test" in log
    assert b"no such hook" in log
    assert b"404" in log
    redelivered = client.post(f"/c/{team.company.slug}/webhooks/deliveries/{delivery.pk}/redeliver/")
    assert redelivered.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    old = endpoint.secret
    rotated = client.post(f"{base}rotate-secret/")
    endpoint.refresh_from_db()
    assert endpoint.secret != old
    assert endpoint.previous_secret == old
    assert endpoint.secret.encode() in rotated.content
    assert client.post(f"{base}delete/").status_code == 302
    assert not Endpoint.objects.exists()
    assert not Delivery.objects.exists()


def test_editing_and_disabling_an_endpoint(team, client_for, receiver):
    endpoint = _endpoint(team, receiver.url)
    client = client_for(team.admin)
    base = f"/c/{team.company.slug}/webhooks/{endpoint.pk}/"
    response = client.post(base, {"url": receiver.url, "event_types": ["comment.created"], "include_private": "on"})
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.event_types, endpoint.include_private) == (["comment.created"], True)
    client.post(base, {"url": receiver.url, "enabled": "0"})
    endpoint.refresh_from_db()
    assert not endpoint.enabled
    bad = client.post(base, {"url": "https://[::1]/"})
    assert bad.status_code == 422
    endpoint.refresh_from_db()
    assert endpoint.url == receiver.url


@pytest.mark.parametrize("role", ["leader", "member", "viewer"])
def test_only_admins_reach_the_pages(team, client_for, role):
    endpoint = Endpoint.objects.create(company=team.company, url="https://203.0.113.1/", secret=services.new_secret())
    client = client_for(getattr(team, role))
    assert client.get(f"/c/{team.company.slug}/webhooks/").status_code == 403
    assert client.get(f"/c/{team.company.slug}/webhooks/{endpoint.pk}/").status_code == 403


def test_another_companys_endpoint_is_missing(team, other_team, client_for):
    theirs = Endpoint.objects.create(company=other_team.company, url="https://203.0.113.1/", secret="whsec_x")
    client = client_for(team.admin)
    assert client.get(f"/c/{team.company.slug}/webhooks/{theirs.pk}/").status_code == 404
    assert client.post(f"/c/{team.company.slug}/webhooks/{theirs.pk}/test/").status_code == 404
    assert not Delivery.objects.exists()


# ---------------------------------------------------------------- API


def test_the_api_creates_tests_and_lists_deliveries(team, api, receiver, django_assert_max_num_queries):
    client = api(team.admin)
    base = f"/api/v1/companies/{team.company.slug}/webhooks/"
    created = client.post(base, {"url": receiver.url, "event_types": ["checkin.created"]}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["secret"].startswith("whsec_")
    assert created["Cache-Control"] == "no-store"
    endpoint_id = body["id"]
    listed = client.get(base).json()
    assert "secret" not in listed["results"][0]
    tested = client.post(f"{base}{endpoint_id}/test/")
    assert tested.status_code == 201
    assert (tested.json()["status"], tested.json()["last_response_code"]) == ("delivered", 200)
    assert receiver.received[0].verified_with(body["secret"])
    for _ in range(3):
        services.attempt(
            services.send_test(company=team.company, actor=team.actor(team.admin), endpoint=Endpoint.objects.get()).pk
        )
    with django_assert_max_num_queries(6):
        deliveries = client.get(f"{base}{endpoint_id}/deliveries/")
    assert [d["event_type"] for d in deliveries.json()["results"]] == ["webhook.test"] * 4
    rotated = client.post(f"{base}{endpoint_id}/rotate-secret/").json()
    assert rotated["secret"] != body["secret"]
    assert rotated["previous_secret_expires_at"]
    patched = client.patch(f"{base}{endpoint_id}/", {"enabled": False}, format="json")
    assert patched.json()["enabled"] is False
    delivery_id = deliveries.json()["results"][0]["id"]
    refused = client.post(f"/api/v1/companies/{team.company.slug}/webhook-deliveries/{delivery_id}/redeliver/")
    assert refused.status_code == 400
    assert "endpoint" in {e["field"] for e in refused.json()["errors"]}
