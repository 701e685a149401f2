"""Notification emails delivered to a real SMTP server (aiosmtpd), with links that open the right page.

Mentions and replies go out at once; everything else in one daily digest at
the company's local morning, at most once per person and day, however often
and however concurrently the dispatcher runs.
"""

import datetime
from functools import partial
from urllib.parse import urlsplit

import pytest
from django.db import transaction

from conftest import make_team
from notifications import emails, services
from notifications.models import EmailMode, Notification, NotificationDigest, Reason
from notifications.tasks import dispatch_notification_digests_task
from objectives import events
from objectives.models import Dependency, KeyResult, Verb
from tests.concurrency import run_concurrently
from tests.factories import KeyResultFactory, ObjectiveFactory
from tests.notifications.conftest import comment, comment_payload
from tests.workers.support import SmtpServer


@pytest.fixture
def smtp(settings):
    with SmtpServer() as server:
        settings.MAILERS = server.mailers_setting()
        yield server


def bodies(message) -> tuple[str, str]:
    return (
        message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n"),
        message.get_body(preferencelist=("html",)).get_content().replace("\r\n", "\n"),
    )


def links(text: str) -> list[str]:
    return [word for word in text.split() if word.startswith("http")]


def open_link(client, url: str) -> int:
    """Follow an email's link with the test client (the site's address is OKRHUB_BASE_URL)."""
    parts = urlsplit(url)
    return client.get(parts.path + (f"?{parts.query}" if parts.query else "")).status_code


def next_morning(company, hour: int = 8) -> datetime.datetime:
    """A local digest moment plus five minutes, at least an hour after every notification made now."""
    local = datetime.datetime.now(company.tzinfo)
    moment = datetime.datetime.combine(local.date(), datetime.time(hour, 5), tzinfo=company.tzinfo)
    if moment <= local + datetime.timedelta(hours=1):
        moment += datetime.timedelta(days=1)
    return moment


def test_a_mention_is_emailed_at_once_with_working_links(okrs, commit, smtp, client_for, settings):
    team = okrs.team
    comment(commit, okrs, by=team.lead, target=okrs.kr, mentioned=(team.member,), excerpt="Lyon leads count?")
    [(rcpts, message)] = smtp.messages
    assert rcpts == ["member@acme.test"]
    assert "mentioned you in a comment on “Sign 40 customers”" in message["Subject"]
    text, html = bodies(message)
    assert "Lyon leads count?" in text
    assert "Lyon leads count?" in html
    urls = links(text)
    assert all(url.startswith(settings.OKRHUB_BASE_URL + "/") for url in urls)
    target = f"{settings.OKRHUB_BASE_URL}/c/acme/key-results/{okrs.kr.pk}/#comment-88"
    assert target in urls
    assert f'href="{target}"' in html
    member = client_for(team.member)
    assert [open_link(member, url) for url in urls] == [200] * len(urls)
    assert f"{settings.OKRHUB_BASE_URL}/c/acme/notifications/preferences/" in urls
    assert Notification.objects.get(user=team.member).emailed_at is not None


def test_a_reply_is_emailed_at_once_and_the_owner_waits_for_the_digest(okrs, commit, smtp):
    team = okrs.team
    comment(commit, okrs, by=team.viewer, target=okrs.sales_goal, parent_author=team.member)
    assert [rcpts for rcpts, _ in smtp.messages] == [["member@acme.test"]]
    lead = Notification.objects.get(user=team.lead)
    assert (lead.reason, lead.email, lead.emailed_at) == (Reason.COMMENT, EmailMode.DIGEST, None)


def test_preferences_stop_or_defer_the_email(okrs, commit, smtp):
    team = okrs.team
    services.preferences_update(
        company=team.company, actor=team.actor(team.member), changes={"mention": {"email": "off"}}
    )
    services.preferences_update(
        company=team.company, actor=team.actor(team.lead), changes={"mention": {"email": "digest"}}
    )
    comment(commit, okrs, by=team.viewer, target=okrs.fair, mentioned=(team.member, team.lead))
    assert smtp.messages == []
    assert Notification.objects.get(user=team.lead).email == EmailMode.DIGEST


def test_changing_ones_mind_before_the_email_goes_stops_it(okrs, commit, smtp, django_capture_on_commit_callbacks):
    """The "at once" email checks the preference again when it is sent."""
    team = okrs.team
    with django_capture_on_commit_callbacks(execute=False), transaction.atomic():
        event = events.record(
            Verb.COMMENT_CREATED,
            company_id=team.company.pk,
            actor=team.actor(team.lead),
            objective=okrs.fair,
            subject=("comment", 3),
            payload=comment_payload(target=okrs.fair, mentioned=(team.member,)),
        )
    [notification_id] = services.fan_out(company_id=team.company.pk, event_ids=[event.pk])
    services.preferences_update(
        company=team.company, actor=team.actor(team.member), changes={"mention": {"email": "off"}}
    )
    assert not emails.send_immediate(company=team.company, notification_id=notification_id)
    assert smtp.messages == []


def _digest_world(okrs, commit):
    """The lead is told of a comment and a reaction (digest kind); the admin of an off-track dependency."""
    team = okrs.team
    comment(commit, okrs, by=team.viewer, target=okrs.sales_goal, excerpt="Great start")
    commit(
        Verb.REACTION_ADDED,
        team,
        by=team.member,
        objective=okrs.sales_goal,
        subject=("reaction", 1),
        payload={
            "kind": "thumbs_up",
            "target_kind": "objective",
            "target_id": okrs.sales_goal.pk,
            "target_author_id": team.lead.pk,
        },
    )
    KeyResult.objects.filter(pk=okrs.kr.pk).update(confidence="off_track")  # as the check-in service leaves it
    commit(
        Verb.CHECKIN_CREATED,
        team,
        by=team.member,
        key_result=okrs.kr,
        payload={"confidence": "off_track", "previous_confidence": "on_track", "note": "Fair cancelled"},
    )


def test_the_daily_digest_goes_out_at_the_local_morning_once(okrs, commit, smtp, client_for, settings):
    team = okrs.team
    team.company.timezone = "Asia/Tokyo"
    team.company.save()
    _digest_world(okrs, commit)
    assert smtp.messages == []
    morning = next_morning(team.company)
    assert dispatch_notification_digests_task((morning - datetime.timedelta(minutes=10)).isoformat()) == 0
    assert dispatch_notification_digests_task(morning.isoformat()) == 1
    sent = {rcpts[0]: message for rcpts, message in smtp.messages}
    assert set(sent) == {"lead@acme.test", "admin@acme.test"}
    text, html = bodies(sent["lead@acme.test"])
    assert "commented on your objective “Close new business”" in text
    assert "reacted (thumbs_up) to your objective on “Close new business”" in text
    assert "Great start" in html
    admin_text, _ = bodies(sent["admin@acme.test"])
    assert "checked in “Sign 40 customers” with confidence: off track" in admin_text
    assert "Fair cancelled" in admin_text
    lead = client_for(team.lead)
    assert [open_link(lead, url) for url in links(text)] == [200] * len(links(text))
    # Again the same morning, with something new waiting: no second digest today.
    comment(commit, okrs, by=team.admin, target=okrs.sales_goal, comment_id=99)
    assert dispatch_notification_digests_task((morning + datetime.timedelta(minutes=30)).isoformat()) == 1
    assert len(smtp.messages) == 2
    # The next morning it goes out, with only what was not emailed yet.
    assert dispatch_notification_digests_task((morning + datetime.timedelta(days=1)).isoformat()) == 1
    assert len(smtp.messages) == 3
    (rcpts, message) = smtp.messages[-1]
    assert rcpts == ["lead@acme.test"]
    assert bodies(message)[0].count("commented on your objective") == 1
    assert NotificationDigest.objects.filter(sent_at__isnull=False).count() == 3


def test_the_digest_leaves_out_reasons_switched_off_since(okrs, commit, smtp):
    team = okrs.team
    _digest_world(okrs, commit)
    services.preferences_update(
        company=team.company, actor=team.actor(team.lead), changes={"reaction": {"email": "off"}}
    )
    dispatch_notification_digests_task(next_morning(team.company).isoformat())
    [message] = [m for rcpts, m in smtp.messages if rcpts == ["lead@acme.test"]]
    text, _ = bodies(message)
    assert "commented on your objective" in text
    assert "reacted" not in text


def test_an_at_once_email_that_never_left_goes_with_the_digest(okrs, smtp, django_capture_on_commit_callbacks):
    """No broker when the mention happened: the fan-out ran, the email did not; the digest carries it."""
    team = okrs.team
    with transaction.atomic():
        event = events.record(
            Verb.COMMENT_CREATED,
            company_id=team.company.pk,
            actor=team.actor(team.lead),
            objective=okrs.fair,
            subject=("comment", 3),
            payload=comment_payload(target=okrs.fair, mentioned=(team.member,)),
        )
    services.fan_out(company_id=team.company.pk, event_ids=[event.pk])
    dispatch_notification_digests_task(next_morning(team.company).isoformat())
    sent = {rcpts[0]: message for rcpts, message in smtp.messages}
    assert set(sent) == {"member@acme.test", "admin@acme.test"}  # the admin owns the objective commented on
    assert "mentioned you" in bodies(sent["member@acme.test"])[0]


@pytest.mark.django_db(transaction=True)
def test_racing_dispatchers_send_one_digest_per_person(smtp):
    team = make_team("racing")
    company_goal = ObjectiveFactory(company=team.company, cycle=team.cycle, owner=team.lead, title="Grow")
    kr = KeyResultFactory(company=team.company, objective=company_goal, owner=team.member, confidence="off_track")
    dependent = ObjectiveFactory(company=team.company, cycle=team.cycle, owner=team.admin, title="Depends")
    Dependency.objects.create(company=team.company, from_objective=dependent, to_objective=company_goal)
    for n in range(3):
        with transaction.atomic():
            events.record(
                Verb.CHECKIN_CREATED,
                company_id=team.company.pk,
                actor=team.actor(team.member),
                key_result=kr,
                payload={"confidence": "off_track", "previous_confidence": None, "note": f"note {n}"},
            )
    assert Notification.objects.filter(user=team.admin).count() == 3
    now = next_morning(team.company).isoformat()
    run_concurrently(*[partial(dispatch_notification_digests_task, now)] * 4)
    assert [rcpts for rcpts, _ in smtp.messages] == [["admin@racing.test"]]
    text, _ = bodies(smtp.messages[0][1])
    assert all(f"note {n}" in text for n in range(3))
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()


def test_a_refused_digest_releases_its_claims_for_the_retry(okrs, commit, settings):
    team = okrs.team
    _digest_world(okrs, commit)
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 2},
        }
    }
    with pytest.raises(ConnectionRefusedError):
        emails.send_digest(
            company=team.company, user_id=team.lead.pk, day=datetime.date(2026, 11, 16), now=next_morning(team.company)
        )
    assert not NotificationDigest.objects.exists()
    assert not Notification.objects.filter(user=team.lead, emailed_at__isnull=False).exists()
