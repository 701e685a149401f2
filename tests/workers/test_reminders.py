"""Check-in reminders and leaders' digests, delivered to a real SMTP server (aiosmtpd).

Once per person and period, whoever runs the dispatcher and however often;
at each company's own local check-in hour.
"""

import datetime
import threading
from decimal import Decimal

import pytest
from celery.exceptions import Retry
from django.db import connection

from conftest import Team, make_team
from notifications.reminders import due_period, latest_period
from notifications.tasks import dispatch_checkin_emails_task
from objectives import services as okr
from objectives.models import EmailKind, PeriodicEmail
from tests.workers.support import SmtpServer, Worker, free_port, reset_redis, tasks_on_redis, wait_for

UTC = datetime.UTC


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


def reminder_world(slug: str, timezone: str) -> Team:
    """A company checking in on Mondays at 09:00 local, with key results in every state.

    - member: "Close 40 deals" (never checked in) and "Book 90 demos" (last
      check-in before the week) are due; a key result on a draft objective is not;
    - lead: "Cut churn" was checked in this week (at risk): nothing due;
    - leader: "Raise NPS" never checked in, but reminders are off.
    """
    team = make_team(slug)
    company = team.company
    company.timezone, company.checkin_weekday, company.checkin_hour = timezone, 0, 9
    company.save()
    top = okr.objective_create(
        company=company, actor=None, cycle=team.cycle, title="Expand into new markets", owner=team.leader, activate=True
    )
    sales = okr.objective_create(
        company=company,
        actor=None,
        cycle=team.cycle,
        department=team.department,
        parent=top,
        title="Close new business in target markets",
        owner=team.lead,
        activate=True,
    )
    okr.objective_create(
        company=company,
        actor=None,
        cycle=team.cycle,
        department=team.department,
        title="Tidy the CRM",
        owner=team.lead,
        activate=True,
    )
    draft = okr.objective_create(
        company=company, actor=None, cycle=team.cycle, department=team.department, title="Someday", owner=team.member
    )

    def kr(objective, owner, title):
        return okr.key_result_create(
            company=company, actor=None, objective=objective, owner=owner, title=title, target_value=1000
        )

    kr(sales, team.member, f"Close 40 deals ({slug})")
    demos = kr(sales, team.member, f"Book 90 demos ({slug})")
    churn = kr(sales, team.lead, f"Cut churn ({slug})")
    kr(top, team.leader, f"Raise NPS ({slug})")
    kr(draft, team.member, f"Draft only ({slug})")
    okr.checkin_create(
        company=company, actor=None, key_result=demos, value=50, confidence="on_track", recorded_at=at(2026, 11, 5)
    )
    okr.checkin_create(
        company=company, actor=None, key_result=churn, value=100, confidence="on_track", recorded_at=at(2026, 11, 3)
    )
    okr.checkin_create(
        company=company, actor=None, key_result=churn, value=300, confidence="at_risk", recorded_at=at(2026, 11, 12)
    )
    team.leader.checkin_reminders = False
    team.leader.save(update_fields=["checkin_reminders"])
    return team


def by_kind(smtp: SmtpServer) -> dict[str, list]:
    found: dict[str, list] = {"reminder": [], "digest": []}
    for rcpts, message in smtp.messages:
        kind = "reminder" if "time to check in" in message["Subject"] else "digest"
        found[kind].append((rcpts, message))
    return found


def bodies(message) -> tuple[str, str]:
    return (
        message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n"),
        message.get_body(preferencelist=("html",)).get_content().replace("\r\n", "\n"),
    )


@pytest.fixture
def smtp(settings):
    with SmtpServer() as server:
        settings.MAILERS = server.mailers_setting()
        yield server


def test_periods_follow_each_company_clock(db):
    tokyo = make_team("tokyo").company
    tokyo.timezone, tokyo.checkin_weekday, tokyo.checkin_hour = "Asia/Tokyo", 0, 9
    # Monday 09:00 in Tokyo is Monday 00:00 UTC.
    assert due_period(tokyo, at(2026, 11, 15, 23, 59)) is None
    assert due_period(tokyo, at(2026, 11, 16, 0, 0)) == datetime.date(2026, 11, 16)
    assert due_period(tokyo, at(2026, 11, 16, 5, 59)) == datetime.date(2026, 11, 16)
    assert due_period(tokyo, at(2026, 11, 16, 6, 0)) is None  # the sending window (6 h) is over
    assert latest_period(tokyo, at(2026, 11, 15, 23, 59)) == datetime.date(2026, 11, 9)
    # Across a daylight-saving change: New York leaves EDT on 1 November 2026.
    new_york = make_team("new-york").company
    new_york.timezone, new_york.checkin_weekday, new_york.checkin_hour = "America/New_York", 0, 9
    assert due_period(new_york, at(2026, 10, 26, 13, 0)) == datetime.date(2026, 10, 26)  # 09:00 EDT
    assert due_period(new_york, at(2026, 11, 2, 13, 0)) is None  # 08:00 EST
    assert due_period(new_york, at(2026, 11, 2, 14, 0)) == datetime.date(2026, 11, 2)  # 09:00 EST


@pytest.mark.django_db(transaction=True)
def test_reminders_and_digests_go_out_at_each_company_local_hour_once(smtp):
    reminder_world("tokyo", "Asia/Tokyo")
    reminder_world("new-york", "America/New_York")
    other = reminder_world("elsewhere", "Europe/Berlin")
    other.company.checkin_weekday = 3  # Thursdays: never due in this test
    other.company.save()

    assert dispatch_checkin_emails_task(at(2026, 11, 15, 23, 55).isoformat()) == 0
    assert smtp.messages == []

    # 00:05 UTC is 09:05 in Tokyo and 19:05 (Sunday) in New York.
    assert dispatch_checkin_emails_task(at(2026, 11, 16, 0, 5).isoformat()) == 1
    sent = by_kind(smtp)
    assert [rcpts for rcpts, _ in sent["reminder"]] == [["member@tokyo.test"]]
    assert sorted(rcpts[0] for rcpts, _ in sent["digest"]) == ["admin@tokyo.test", "leader@tokyo.test"]

    (_, reminder), *_ = sent["reminder"]
    text, html = bodies(reminder)
    for body in (text, html):
        assert "Close 40 deals (tokyo)" in body
        assert "Book 90 demos (tokyo)" in body
        assert "Draft only" not in body
        assert "Cut churn" not in body
        assert "Raise NPS" not in body
        assert "new-york" not in body
        assert "http://127.0.0.1:8000/c/tokyo/" in body
    assert reminder["List-Unsubscribe"].startswith("<http://127.0.0.1:8000/reminders/unsubscribe/")

    _, digest = sent["digest"][0]
    text, html = bodies(digest)
    moved = text.split("WHAT MOVED")[1].split("AT RISK")[0]
    assert "Cut churn (tokyo): 10% -> 30%" in moved
    at_risk = text.split("AT RISK OR BEHIND PACE")[1].split("UNALIGNED")[0]
    assert "Cut churn (tokyo) (30%, at risk" in at_risk
    unaligned = text.split("UNALIGNED")[1].split("MISSED")[0]
    assert "Tidy the CRM (Sales) ladders up to nothing" in unaligned
    assert "Someday" not in unaligned  # a draft
    missed = text.split("MISSED CHECK-INS (3)")[1]
    assert "Sales:\n  - Close 40 deals (tokyo)" in missed
    assert "Book 90 demos (tokyo)" in missed
    assert "Company-level:\n  - Raise NPS (tokyo)" in missed
    assert "Cut churn" not in missed
    assert "Draft only" not in missed
    assert "Cut churn (tokyo)" in html

    # 14:05 UTC is 09:05 in New York and 23:05 in Tokyo: New York only.
    assert dispatch_checkin_emails_task(at(2026, 11, 16, 14, 5).isoformat()) == 1
    sent = by_kind(smtp)
    assert sorted(rcpts[0] for rcpts, _ in sent["reminder"]) == ["member@new-york.test", "member@tokyo.test"]
    assert len(sent["digest"]) == 4

    # The dispatcher runs again, as beat does every 15 minutes: nothing twice.
    for minute in (5, 20):
        dispatch_checkin_emails_task(at(2026, 11, 16, 14, minute).isoformat())
    assert len(smtp.messages) == 6
    claims = PeriodicEmail.objects.filter(period=datetime.date(2026, 11, 16))
    assert claims.count() == 6
    assert not claims.filter(sent_at__isnull=True).exists()
    assert claims.filter(kind=EmailKind.CHECKIN_REMINDER).count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_racing_send_each_email_once(smtp):
    team = reminder_world("racing", "UTC")
    now = at(2026, 11, 16, 9, 1).isoformat()
    racers = 4
    barrier = threading.Barrier(racers)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            dispatch_checkin_emails_task(now)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    sent = by_kind(smtp)
    assert [rcpts for rcpts, _ in sent["reminder"]] == [[team.member.email]]
    assert sorted(rcpts[0] for rcpts, _ in sent["digest"]) == sorted([team.admin.email, team.leader.email])


@pytest.mark.django_db(transaction=True)
def test_a_refused_email_is_retried_and_sent_once(settings, smtp):
    team = reminder_world("flaky", "UTC")
    working = settings.MAILERS
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "timeout": 5},  # nothing listens there
        }
    }
    # In-process, the retries (with backoff on a worker) run at once and all fail.
    with pytest.raises((ConnectionRefusedError, Retry)):
        dispatch_checkin_emails_task(at(2026, 11, 16, 9, 1).isoformat())
    # Nothing went out, so no claim is left to block the next attempt.
    assert not PeriodicEmail.objects.filter(company=team.company).exists()
    settings.MAILERS = working
    dispatch_checkin_emails_task(at(2026, 11, 16, 9, 16).isoformat())
    assert len(by_kind(smtp)["reminder"]) == 1
    assert len(by_kind(smtp)["digest"]) == 2


@pytest.mark.django_db(transaction=True)
def test_a_mailbox_that_does_not_exist_is_not_retried(smtp):
    team = reminder_world("bouncing", "UTC")
    smtp.handler.refuse.add(team.member.email)
    dispatch_checkin_emails_task(at(2026, 11, 16, 9, 1).isoformat())
    dispatch_checkin_emails_task(at(2026, 11, 16, 9, 16).isoformat())
    assert smtp.handler.refused == [team.member.email]  # once: the claim stays, no retry
    claim = PeriodicEmail.objects.get(company=team.company, kind=EmailKind.CHECKIN_REMINDER)
    assert claim.user_id == team.member.pk
    assert claim.sent_at is None
    assert len(by_kind(smtp)["digest"]) == 2  # the others still get theirs


@pytest.mark.django_db(transaction=True)
def test_the_unsubscribe_link_turns_reminders_off(client, smtp):
    team = reminder_world("unsubscribing", "UTC")
    dispatch_checkin_emails_task(at(2026, 11, 16, 9, 1).isoformat())
    (_, reminder), *_ = by_kind(smtp)["reminder"]
    path = reminder["List-Unsubscribe"].strip("<>").removeprefix("http://127.0.0.1:8000")
    assert client.get(path).status_code == 200
    team.member.refresh_from_db()
    assert team.member.checkin_reminders  # a GET (a mail scanner following links) changes nothing
    assert client.post(path).status_code == 200
    team.member.refresh_from_db()
    assert not team.member.checkin_reminders
    assert client.post(path[:-3] + "xx/").status_code == 404

    dispatch_checkin_emails_task(at(2026, 11, 23, 9, 1).isoformat())
    # A week on, the lead's check-in is old too; the member opted out.
    assert [rcpts for rcpts, _ in by_kind(smtp)["reminder"]] == [[team.member.email], [team.lead.email]]
    assert len(by_kind(smtp)["digest"]) == 4  # digests are for leaders, not reminders


@pytest.fixture(scope="module")
def smtp_worker(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), SmtpServer() as server:
        reset_redis()
        worker = Worker("mail", concurrency=3, env={"TEST_SMTP_PORT": str(server.port)})
        yield server, worker
        worker.stop()


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_once_when_the_dispatcher_is_enqueued_twice(smtp_worker):
    smtp, worker = smtp_worker
    team = reminder_world("queued", "Asia/Tokyo")
    now = at(2026, 11, 16, 0, 10).isoformat()
    with tasks_on_redis():
        dispatch_checkin_emails_task.delay(now)
        dispatch_checkin_emails_task.delay(now)

    def settled() -> bool:
        reminders = worker.events("reminder.sent") + worker.events("reminder.skipped")
        digests = worker.events("digest.sent") + worker.events("digest.skipped")
        return len(reminders) == 2 and len(digests) == 4

    wait_for(settled, timeout=30, what="six email tasks on the worker")
    sent = by_kind(smtp)
    assert [rcpts for rcpts, _ in sent["reminder"]] == [[team.member.email]]
    assert sorted(rcpts[0] for rcpts, _ in sent["digest"]) == sorted([team.admin.email, team.leader.email])
    assert len(worker.events("reminder.skipped", reason="already_claimed")) == 1
    assert Decimal(PeriodicEmail.objects.filter(sent_at__isnull=False).count()) == 3
