"""When a cycle's grading ends, its leaders and admins are emailed its scores and a link to the report, once."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse

from notifications import emails, services
from notifications.models import EmailMode, Notification, Reason
from notifications.selectors import describe_all, notification_list, with_event
from notifications.tasks import end_grading_windows_task
from objectives.models import Event, Verb
from okrhub.links import site_url
from tests.objectives.test_report import SECRET, quarter  # noqa: F401  # the hand-computed example

pytestmark = pytest.mark.usefixtures("quarter")


def _text(message) -> str:
    return message.subject + message.body + "".join(str(part[0]) for part in message.alternatives)


def _end(frozen_clock, capture) -> int:
    frozen_clock.shift(datetime.timedelta(days=8))
    with capture(execute=True):
        return end_grading_windows_task.delay().get()


def test_the_leaders_and_admins_get_the_scores_and_the_link_once(
    team, frozen_clock, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    assert _end(frozen_clock, django_capture_on_commit_callbacks) == 1
    assert sorted(m.to[0] for m in mail.outbox) == [team.admin.email, team.leader.email]
    url = site_url(reverse("objectives:cycle_report", args=[team.company.slug, team.cycle.pk]))
    for message in mail.outbox:
        assert message.subject == "Acme: Grading of 2026 Q4 ended: its report is ready"
        assert "4 objectives ran; company score 55%" in message.body
        assert "- 0\u201339%: 1\n- 40\u201369%: 1\n- 70\u2013100%: 1\n- not scored: 1" in message.body
        assert "Marketing: 2 objectives, mean score 20%" in message.body
        assert "Sales: 1 objective, mean score 56%" in message.body
        assert "1 objective carried into a later cycle" in message.body
        assert url in message.body
        (html, kind) = message.alternatives[0]
        assert kind == "text/html"
        assert f'href="{url}"' in html
        assert "<strong>55%</strong>" in html
    # Members, leads and viewers are not told; the leaders are, in the app too, linking to the report.
    assert dict(Notification.objects.filter(event__verb=Verb.CYCLE_GRADING_ENDED).values_list("user_id", "reason")) == {
        team.admin.pk: Reason.REPORT,
        team.leader.pk: Reason.REPORT,
    }
    leader = team.actor(team.leader)
    (shown,) = with_event(notification_list(company=team.company, actor=leader).filter(reason=Reason.REPORT))
    (described,) = describe_all([shown], actor=leader)
    assert described.path == reverse("objectives:cycle_report", args=[team.company.slug, team.cycle.pk])


def test_a_second_run_or_a_redelivered_fan_out_sends_nothing_more(
    team, frozen_clock, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    _end(frozen_clock, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert end_grading_windows_task.delay().get() == 0
    event = Event.objects.get(verb=Verb.CYCLE_GRADING_ENDED)
    for notification_id in services.fan_out(company_id=team.company.pk, event_ids=[event.pk]):
        assert not emails.send_immediate(company=team.company, notification_id=notification_id)
    for notification in Notification.objects.filter(event=event):
        assert not emails.send_immediate(company=team.company, notification_id=notification.pk)
    assert len(mail.outbox) == 2


def test_the_email_counts_only_what_its_reader_may_read(team, frozen_clock, django_capture_on_commit_callbacks):
    """Were a member told (a rule widened later), their email would carry their report, not the leaders'."""
    _end(frozen_clock, django_capture_on_commit_callbacks)
    leaders = {m.to[0]: _text(m) for m in mail.outbox}
    assert SECRET not in leaders[team.leader.email]  # titles never go into the email, only counts
    event = Event.objects.get(verb=Verb.CYCLE_GRADING_ENDED)
    told = Notification.objects.create(
        company=team.company, user=team.member, event=event, reason=Reason.REPORT, email=EmailMode.IMMEDIATE
    )
    mail.outbox.clear()
    assert emails.send_immediate(company=team.company, notification_id=told.pk)
    (message,) = mail.outbox
    text = _text(message)
    assert "3 objectives ran; company score 73%" in message.body
    assert "Marketing: 1 objective, mean score —" in message.body
    assert SECRET not in text
    assert "Signups" not in text


def test_a_leader_who_silenced_the_reason_gets_no_email(team, frozen_clock, django_capture_on_commit_callbacks):
    services.preferences_update(
        company=team.company, actor=team.actor(team.leader), changes={Reason.REPORT: {"email": EmailMode.OFF}}
    )
    mail.outbox.clear()
    _end(frozen_clock, django_capture_on_commit_callbacks)
    assert [m.to[0] for m in mail.outbox] == [team.admin.email]
