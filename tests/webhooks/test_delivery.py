"""Webhooks end to end in-process: events committed, fanned out, signed, POSTed to a local receiver.

Tasks run eagerly (test settings), so committing an event delivers it at
once; the retry schedule is walked by calling ``services.attempt`` with a
clock (``now``) instead of waiting.
"""

import datetime
import socket
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from objectives import services as okr
from objectives.models import CheckIn
from okrhub import outbound
from tests.webhooks.receiver import Answer
from tests.workers.helpers import cascade
from webhooks import services
from webhooks.events import EVENT_TYPES
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db


def endpoint_for(team, url, **kwargs) -> Endpoint:
    return services.endpoint_create(
        company=team.company, actor=team.actor(team.admin), url=url, **{"event_types": [], **kwargs}
    )


def committed(capture, write):
    with capture(execute=True):
        return write()


def checkin(team, kr, value=10, **kwargs):
    return okr.checkin_create(
        company=team.company, actor=team.actor(team.member), key_result=kr, value=value, confidence="on_track", **kwargs
    )


def test_a_checkin_reaches_the_receiver_signed_as_standard_webhooks_specify(
    team, receiver, django_capture_on_commit_callbacks
):
    _, (objective,), (kr,) = cascade(team)
    endpoint = endpoint_for(team, receiver.url, event_types=["checkin.created"])
    committed(django_capture_on_commit_callbacks, lambda: checkin(team, kr, 42, note="Good week"))

    (request,) = receiver.received
    assert request.verified_with(endpoint.secret)
    assert request.headers["webhook-id"].startswith("msg_")
    assert request.headers["content-type"] == "application/json"
    body = request.json
    assert body["type"] == "checkin.created"
    assert body["timestamp"] == body["data"]["created_at"]
    data = body["data"]
    assert data["verb"] == "checkin.created"
    assert (data["objective"], data["key_result"]) == (objective.pk, kr.pk)
    assert data["actor"] == {"id": team.member.pk, "name": team.member.display_name}
    assert data["payload"]["value"] in ("42", "42.0000", 42)
    assert data["payload"]["note"] == "Good week"
    assert data["payload"]["key_result_title"] == kr.title
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_response_code) == ("delivered", 1, 200)
    assert delivery.response_excerpt == "ok"
    assert delivery.msg_id == request.headers["webhook-id"]


def test_each_type_is_sent_under_its_public_name_and_the_filter_holds(
    team, receiver, other_receiver, django_capture_on_commit_callbacks
):
    everything = endpoint_for(team, receiver.url)
    objectives_only = endpoint_for(team, other_receiver.url, event_types=["objective.created", "cycle.closed"])
    admin = team.actor(team.admin)

    def story():
        objective = okr.objective_create(company=team.company, actor=admin, cycle=team.cycle, title="Launch")
        okr.objective_activate(company=team.company, actor=admin, objective=objective)
        kr = okr.key_result_create(
            company=team.company, actor=admin, objective=objective, owner=team.member, title="Leads", target_value=10
        )
        okr.key_result_update(company=team.company, actor=admin, key_result=kr, title="Qualified leads")
        first = checkin(team, kr, 3)
        okr.checkin_correct(company=team.company, actor=admin, checkin=first, value=4, confidence="at_risk")
        okr.cycle_close(company=team.company, actor=admin, cycle=team.cycle)

    committed(django_capture_on_commit_callbacks, story)
    types = [r.json["type"] for r in receiver.received]
    assert types == [
        "objective.created",
        "objective.activated",
        "key_result.created",
        "key_result.updated",
        "checkin.created",
        "checkin.corrected",
        "cycle.closed",
    ]
    assert all(r.verified_with(everything.secret) for r in receiver.received)
    assert [r.json["type"] for r in other_receiver.received] == ["objective.created", "cycle.closed"]
    assert all(r.verified_with(objectives_only.secret) for r in other_receiver.received)
    assert set(types) <= set(EVENT_TYPES)


def test_a_company_endpoint_never_receives_another_companys_events(
    team, other_team, receiver, other_receiver, django_capture_on_commit_callbacks
):
    _, _, (kr,) = cascade(team)
    endpoint_for(team, receiver.url)
    endpoint_for(other_team, other_receiver.url)
    committed(django_capture_on_commit_callbacks, lambda: checkin(team, kr))
    assert [r.json["type"] for r in receiver.received] == ["checkin.created"]
    assert other_receiver.received == []
    assert not Delivery.objects.filter(company=other_team.company).exists()


def test_private_objectives_events_go_only_to_endpoints_that_include_private(
    team, receiver, other_receiver, django_capture_on_commit_callbacks
):
    public = endpoint_for(team, receiver.url)
    private = endpoint_for(team, other_receiver.url, include_private=True)
    admin = team.actor(team.admin)

    def story():
        hidden = okr.objective_create(
            company=team.company, actor=admin, cycle=team.cycle, title="Secret acquisition", private=True, activate=True
        )
        okr.objective_create(company=team.company, actor=admin, cycle=team.cycle, title="Open plan", activate=True)
        return hidden

    committed(django_capture_on_commit_callbacks, story)
    assert [r.json["data"]["payload"]["title"] for r in receiver.received] == ["Open plan"]
    assert [r.json["data"]["payload"]["title"] for r in other_receiver.received] == ["Secret acquisition", "Open plan"]
    assert b"Secret acquisition" not in b"".join(r.body for r in receiver.received)
    assert not Delivery.objects.filter(endpoint=public, event__objective__private=True).exists()
    assert Delivery.objects.filter(endpoint=private).count() == 2


def test_an_objective_made_private_before_the_attempt_is_not_sent(team, receiver, django_capture_on_commit_callbacks):
    endpoint = endpoint_for(team, receiver.url)
    receiver.default = Answer(status=503)
    objective = committed(
        django_capture_on_commit_callbacks,
        lambda: okr.objective_create(
            company=team.company, actor=None, cycle=team.cycle, title="Soon hidden", activate=True
        ),
    )
    assert len(receiver.received) == 1
    objective.__class__.objects.filter(pk=objective.pk).update(private=True)
    delivery = Delivery.objects.get(endpoint=endpoint)
    assert services.attempt(delivery.pk, now=timezone.now() + datetime.timedelta(minutes=1)) == "failed"
    assert len(receiver.received) == 1


# ---------------------------------------------------------------- retries


def _one_delivery(team, receiver, capture) -> Delivery:
    _, _, (kr,) = cascade(team)
    endpoint_for(team, receiver.url)
    committed(capture, lambda: checkin(team, kr))
    return Delivery.objects.get()


def test_5xx_is_retried_on_the_schedule_then_given_up(team, receiver, django_capture_on_commit_callbacks):
    receiver.default = Answer(status=500, body="boom")
    delivery = _one_delivery(team, receiver, django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_response_code) == ("pending", 1, 500)
    assert delivery.response_excerpt == "boom"
    waits = []
    now = delivery.last_attempt_at
    while delivery.status == "pending":
        waits.append(delivery.next_attempt_at - now)
        now = delivery.next_attempt_at
        assert services.attempt(delivery.pk, now=now - datetime.timedelta(seconds=1)) is None  # not due yet
        services.attempt(delivery.pk, now=now)
        delivery.refresh_from_db()
    assert [w.total_seconds() for w in waits] == [5, 300, 1800, 7200, 18000, 36000, 36000]
    assert (delivery.status, delivery.attempts) == ("given_up", 8)
    assert len(receiver.received) == 8
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1  # the same message every time


@pytest.mark.parametrize(("status", "outcome"), [(429, "pending"), (408, "pending"), (400, "failed"), (410, "failed")])
def test_which_answers_are_retried(team, receiver, django_capture_on_commit_callbacks, status, outcome):
    receiver.default = Answer(status=status)
    delivery = _one_delivery(team, receiver, django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_response_code) == (outcome, status)


def test_a_timeout_is_retried(team, receiver, settings, django_capture_on_commit_callbacks):
    settings.OKRHUB_WEBHOOK_READ_TIMEOUT_SECONDS = 0.2
    receiver.answers.append(Answer(delay=1.0))
    delivery = _one_delivery(team, receiver, django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_response_code) == ("pending", None)
    assert "Timed out" in delivery.last_error
    services.attempt(delivery.pk, now=delivery.next_attempt_at)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_response_code) == ("delivered", 2, 200)


def test_a_refused_connection_is_retried(team, local_receivers, django_capture_on_commit_callbacks):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed when the block ends: nothing listens there
    _, _, (kr,) = cascade(team)
    endpoint_for(team, f"http://127.0.0.1:{port}/hook")
    committed(django_capture_on_commit_callbacks, lambda: checkin(team, kr))
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("pending", 1, "Connection refused.")


def test_a_redirect_is_not_followed_even_to_a_private_address(team, receiver, django_capture_on_commit_callbacks):
    receiver.default = Answer(status=302, location="http://169.254.169.254/latest/meta-data/")
    with mock.patch("socket.create_connection", wraps=socket.create_connection) as connect:
        delivery = _one_delivery(team, receiver, django_capture_on_commit_callbacks)
    assert [c.args[0][0] for c in connect.call_args_list] == ["127.0.0.1"]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_response_code) == ("failed", 302)
    assert "redirects are not followed" in delivery.last_error
    assert len(receiver.received) == 1


def test_redeliver_sends_the_same_message_again(team, receiver, django_capture_on_commit_callbacks):
    receiver.answers.append(Answer(status=400, body="bad"))
    delivery = _one_delivery(team, receiver, django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    assert delivery.status == "failed"
    services.redeliver(company=team.company, actor=team.actor(team.admin), delivery=delivery)
    assert services.attempt(delivery.pk) == "delivered"
    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert first.json == second.json


def test_an_endpoint_failing_for_days_is_disabled_and_its_admins_emailed_once(
    team, receiver, django_capture_on_commit_callbacks
):
    receiver.default = Answer(status=503)
    delivery = _one_delivery(team, receiver, django_capture_on_commit_callbacks)
    endpoint = Endpoint.objects.get()
    started = endpoint.failing_since
    assert started is not None
    mail.outbox.clear()
    # A second event keeps failing days later; the first delivery's retries too.
    delivery.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.attempt(delivery.pk, now=delivery.next_attempt_at)
        assert Endpoint.objects.get().enabled
        later = started + datetime.timedelta(days=5, minutes=1)
        Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=later)
        services.attempt(delivery.pk, now=later)
    endpoint.refresh_from_db()
    assert not endpoint.enabled
    assert "5 days" in endpoint.disabled_reason
    (email,) = mail.outbox
    assert email.to == [team.admin.email]
    assert endpoint.url in email.body
    # Disabled: nothing more is fanned out or sent, and no second email.
    _, _, (kr,) = cascade(team)
    with django_capture_on_commit_callbacks(execute=True):
        checkin(team, kr)
    assert Delivery.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_success_forgets_the_failures(team, receiver, django_capture_on_commit_callbacks):
    receiver.answers.append(Answer(status=500))
    delivery = _one_delivery(team, receiver, django_capture_on_commit_callbacks)
    assert Endpoint.objects.get().failing_since is not None
    delivery.refresh_from_db()
    services.attempt(delivery.pk, now=delivery.next_attempt_at)
    assert Endpoint.objects.get().failing_since is None


# ---------------------------------------------------------------- secrets


def test_during_a_rotation_both_secrets_verify_then_only_the_new_one(team, receiver):
    endpoint = endpoint_for(team, receiver.url)
    old = endpoint.secret
    now = timezone.now()
    services.endpoint_rotate_secret(company=team.company, actor=team.actor(team.admin), endpoint=endpoint, now=now)
    assert endpoint.secret != old
    first = services.send_test(company=team.company, actor=team.actor(team.admin), endpoint=endpoint)
    assert services.attempt(first.pk) == "delivered"
    (request,) = receiver.received
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    assert request.verified_with(old)
    assert request.verified_with(endpoint.secret)
    assert request.json["type"] == "webhook.test"
    assert services.signing_secrets(endpoint, now + datetime.timedelta(hours=24, seconds=1)) == [endpoint.secret]


# ---------------------------------------------------------------- the sweep


def test_the_sweep_catches_a_lost_fan_out_and_hands_out_due_deliveries(team, receiver):
    _, _, (kr,) = cascade(team)
    endpoint_for(team, receiver.url)
    checkin(team, kr)  # committed, but its on-commit fan-out never ran (a process that died)
    assert not Delivery.objects.exists()
    due = services.sweep_all_companies()
    assert len(due) == 1
    assert services.attempt(due[0]) == "delivered"
    assert services.sweep_all_companies() == []
    assert [r.json["type"] for r in receiver.received] == ["checkin.created"]


def test_a_claimed_delivery_is_not_attempted_twice(team, receiver):
    endpoint = endpoint_for(team, receiver.url)
    delivery = services.send_test(company=team.company, actor=team.actor(team.admin), endpoint=endpoint)
    now = timezone.now()
    assert services.claim(delivery.pk, now=now)
    assert not services.claim(delivery.pk, now=now)
    assert services.attempt(delivery.pk, now=now) is None  # held by the first claim's lease
    assert services.attempt(delivery.pk, now=now + services.LEASE) == "delivered"


# ---------------------------------------------------------------- SSRF
# The rule itself is tested once, in tests/test_outbound.py; here: webhooks go through it.


@pytest.mark.parametrize("url", ["https://10.1.2.3/hook", "https://169.254.169.254/latest/meta-data/"])
def test_private_addresses_are_refused_naming_the_field(team, url):
    with pytest.raises(ValidationError) as refused:
        endpoint_for(team, url)
    assert "only public addresses" in refused.value.message_dict["url"][0]


def test_a_name_resolving_to_a_private_address_is_refused(team):
    answers = [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 443)),
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", 443)),
    ]
    with (
        mock.patch.object(outbound.socket, "getaddrinfo", return_value=answers),
        pytest.raises(ValidationError) as refused,
    ):
        endpoint_for(team, "https://hooks.example.com/in")
    assert "10.0.0.7" in refused.value.message_dict["url"][0]


def test_plain_http_is_refused_unless_the_operator_allows_it(team, settings):
    public = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 80))]
    with mock.patch.object(outbound.socket, "getaddrinfo", return_value=public):
        with pytest.raises(ValidationError):
            endpoint_for(team, "http://hooks.example.com/")
        settings.OKRHUB_OUTBOUND_ALLOW_HTTP = True
        assert endpoint_for(team, "http://hooks.example.com/").pk


def test_dns_that_changes_to_a_private_address_is_refused_at_delivery(team, receiver, settings):
    endpoint = Endpoint.objects.create(
        company=team.company, url=receiver.url.replace("127.0.0.1", "hooks.example.com"), secret=services.new_secret()
    )
    delivery = services.send_test(company=team.company, actor=team.actor(team.admin), endpoint=endpoint)
    rebound = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.9", 80))]
    with mock.patch.object(outbound.socket, "getaddrinfo", return_value=rebound):
        assert services.attempt(delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert "10.0.0.9" in delivery.last_error
    assert receiver.received == []


def test_the_operator_allows_networks(team, settings):
    settings.OKRHUB_OUTBOUND_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    assert endpoint_for(team, "https://10.1.2.3/hook").pk


def test_checkins_still_commit_when_no_endpoint_exists(team, django_capture_on_commit_callbacks):
    _, _, (kr,) = cascade(team)
    committed(django_capture_on_commit_callbacks, lambda: checkin(team, kr))
    assert CheckIn.objects.filter(key_result=kr).exists()
    assert not Delivery.objects.exists()


def test_an_endpoint_deleted_during_an_attempt_leaves_nothing_behind(team, receiver):
    endpoint = endpoint_for(team, receiver.url)
    delivery = services.send_test(company=team.company, actor=team.actor(team.admin), endpoint=endpoint)
    real_post = services.sending.post

    def post_then_delete(**kwargs):
        outcome = real_post(**kwargs)
        Endpoint.objects.filter(pk=endpoint.pk).delete()
        return outcome

    with mock.patch.object(services.sending, "post", side_effect=post_then_delete):
        assert services.attempt(delivery.pk) == "delivered"
    assert not Delivery.objects.exists()
    assert services.attempt(delivery.pk) is None


def test_with_the_broker_away_the_deliveries_wait_for_the_sweep(team, receiver, django_capture_on_commit_callbacks):
    import kombu.exceptions

    from objectives import receivers

    _, _, (kr,) = cascade(team)
    endpoint_for(team, receiver.url)
    with mock.patch.object(receivers, "publish", side_effect=kombu.exceptions.OperationalError("down")):
        committed(django_capture_on_commit_callbacks, lambda: checkin(team, kr))
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("pending", 0)
    assert receiver.received == []
    assert services.sweep_all_companies() == [delivery.pk]
    assert services.attempt(delivery.pk) == "delivered"
    assert [r.json["type"] for r in receiver.received] == ["checkin.created"]


def test_the_sweep_hands_a_backlog_out_once_per_lease(team, receiver):
    endpoint = endpoint_for(team, receiver.url)
    delivery = services.send_test(company=team.company, actor=team.actor(team.admin), endpoint=endpoint)
    now = timezone.now()
    assert services.sweep_all_companies(now=now) == [delivery.pk]
    # Not attempted yet (a queue the worker has not reached): the next sweeps leave it alone...
    assert services.sweep_all_companies(now=now + datetime.timedelta(seconds=15)) == []
    # ...until a lease has passed with it still undelivered (its task was lost).
    assert services.sweep_all_companies(now=now + services.LEASE) == [delivery.pk]


def test_the_beat_task_delivers_what_the_sweep_finds(team, receiver):
    from webhooks import tasks

    _, _, (kr,) = cascade(team)
    endpoint_for(team, receiver.url)
    checkin(team, kr)  # its on-commit fan-out never ran
    assert tasks.sweep_task.delay().get() == 1
    assert [r.json["type"] for r in receiver.received] == ["checkin.created"]
    assert Delivery.objects.get().status == "delivered"
