"""A closed cycle sends no reminder and puts nothing "behind pace" in the digest, by email, Slack or Teams.

Reminders and digests read the active cycles only (``notifications.reminders``); the digest's status flag
is the tree's ``pace_status``, null once a cycle closed (``objectives.progress.pace``). Slack and Teams
build their messages from the same ``reminder_key_results`` and ``period_digest``.
"""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from chat import blocks, cards
from companies.models import Membership
from notifications import reminders
from objectives import services as okr
from objectives.models import KeyResult

pytestmark = pytest.mark.django_db

TITLE = "Deals signed 0 to 10"


@pytest.fixture
def stale_and_behind(team, frozen_clock):
    """The member's key result at 10% on 15 Nov (expected 49%), last checked in on 1 Oct: behind and stale."""
    objective = okr.objective_create(
        company=team.company, actor=None, cycle=team.cycle, department=team.department, title="Win", activate=True
    )
    kr = okr.key_result_create(
        company=team.company, actor=None, objective=objective, owner=team.member, title=TITLE, target_value=10
    )
    okr.checkin_create(company=team.company, actor=None, key_result=kr, value=1, confidence="on_track")
    KeyResult.objects.filter(pk=kr.pk).update(last_checkin_at=datetime.datetime(2026, 10, 1, tzinfo=datetime.UTC))
    return kr


def _week(team):
    now = timezone.now()
    period = reminders.latest_period(team.company, now)
    digest = reminders.period_digest(company=team.company, actor=team.actor(team.leader), period=period, now=now)
    membership = Membership.objects.get(company=team.company, user=team.member)
    return (
        period,
        now,
        digest,
        reminders.reminder_key_results(membership=membership, since=reminders.period_start(team.company, period)),
    )


def _flags(digest) -> list[tuple[str, str]]:
    return [(row["title"], row["flags"]) for row in digest["at_risk"]]


def test_while_the_cycle_runs_the_key_result_is_due_and_behind_pace(team, stale_and_behind):
    period, _, digest, due = _week(team)
    assert [kr["title"] for kr in due] == [TITLE]
    assert team.member.pk in reminders.recipients(company=team.company, period=period)[0]
    assert _flags(digest) == [(TITLE, "Behind pace")]
    assert digest["missed_count"] == 1


def test_once_closed_no_reminder_and_nothing_behind_pace_anywhere(team, stale_and_behind, settings):
    okr.cycle_close(company=team.company, actor=team.actor(team.admin), cycle=team.cycle)
    period, now, digest, due = _week(team)
    assert due == []
    reminded, leaders = reminders.recipients(company=team.company, period=period)
    assert reminded == []
    mail.outbox.clear()
    assert reminders.send_checkin_reminder(company=team.company, user_id=team.member.pk, period=period) is False
    assert _flags(digest) == []
    assert digest["missed_count"] == 0
    assert team.leader.pk in leaders
    assert reminders.send_weekly_digest(company=team.company, user_id=team.leader.pk, period=period, now=now)
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body + "".join(str(content) for content, _ in mail.outbox[0].alternatives)
    assert TITLE not in body
    # Slack and Teams say what the email says.
    slack = str(blocks.digest_message(digest=digest, person="Lee", url="https://okr.test/"))
    teams = str(cards.digest_card(digest=digest, url="https://okr.test/"))
    for text in (slack, teams):
        assert TITLE not in text
        assert "Behind pace" not in text
