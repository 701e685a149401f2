"""Who hears about a department's plan: reviewers when it is submitted, the department's leads when it is decided."""

import datetime

import pytest
from django.core import mail

from notifications.models import Notification, Reason
from notifications.rules import RULES
from notifications.selectors import describe_all, notification_list, with_event
from objectives import services as okr
from objectives.models import CycleStatus, Verb
from tests.factories import CycleFactory


def told(verb: Verb) -> dict[str, str]:
    return dict(Notification.objects.filter(event__verb=verb).values_list("user__email", "reason"))


@pytest.fixture
def planning(team):
    cycle = CycleFactory(
        company=team.company,
        name="2027 Q1",
        start_date=datetime.date(2027, 1, 1),
        end_date=datetime.date(2027, 3, 31),
        status=CycleStatus.PLANNING,
    )
    okr.objective_create(
        company=team.company,
        actor=team.actor(team.member),
        cycle=cycle,
        title="Win the north",
        department=team.department,
    )
    return cycle


def _step(team, cycle, step, capture, **extra):
    where = {"company": team.company, "cycle": cycle, "department": team.department}
    with capture(execute=True):
        if step == "submit":
            okr.plan_submit(actor=team.actor(team.lead), **where)
        elif step == "return":
            okr.plan_return(actor=team.actor(team.leader), comment=extra.get("comment", "Measure outcomes"), **where)
        else:
            okr.plan_approve(actor=team.actor(team.admin), **where)


def test_each_plan_verb_has_its_rule():
    assert {Verb.PLAN_SUBMITTED, Verb.PLAN_APPROVED, Verb.PLAN_RETURNED} <= set(RULES)


def test_a_submission_tells_the_reviewers_at_once(team, planning, django_capture_on_commit_callbacks):
    _step(team, planning, "submit", django_capture_on_commit_callbacks)
    assert told(Verb.PLAN_SUBMITTED) == {"leader@acme.test": Reason.PLAN, "admin@acme.test": Reason.PLAN}
    assert {m.to[0] for m in mail.outbox} >= {"leader@acme.test", "admin@acme.test"}


def test_a_return_tells_the_lead_with_the_comment(team, planning, django_capture_on_commit_callbacks):
    _step(team, planning, "submit", django_capture_on_commit_callbacks)
    _step(team, planning, "return", django_capture_on_commit_callbacks, comment="Tie it to Grow revenue")
    assert told(Verb.PLAN_RETURNED) == {"lead@acme.test": Reason.PLAN}
    lead = team.actor(team.lead)
    notifications = list(with_event(notification_list(company=team.company, actor=lead)))
    assert [n.event.verb for n in notifications] == [Verb.PLAN_RETURNED]  # a member reads an event about no objective
    described = describe_all(notifications, actor=lead)[0]
    assert described.text == f"{team.leader.display_name} returned Sales's plan for 2027 Q1"
    assert described.excerpt == "Tie it to Grow revenue"
    assert described.path == f"/c/acme/cycles/{planning.pk}/planning/#plan-{team.department.pk}"
    email = next(m for m in mail.outbox if m.to == ["lead@acme.test"])
    assert "returned Sales's plan for 2027 Q1" in email.body
    assert "Tie it to Grow revenue" in email.body
    assert f"/c/acme/cycles/{planning.pk}/planning/" in email.body


def test_an_approval_tells_the_lead(team, planning, django_capture_on_commit_callbacks):
    _step(team, planning, "submit", django_capture_on_commit_callbacks)
    _step(team, planning, "approve", django_capture_on_commit_callbacks)
    assert told(Verb.PLAN_APPROVED) == {"lead@acme.test": Reason.PLAN}
