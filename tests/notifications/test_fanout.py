"""Who is told about what: the rules of each verb, through the real after-commit fan-out.

Events are recorded by hand (``events.record`` in a committed transaction,
the way services write them) or by the check-in service itself; the fan-out
runs in-process after the commit, as it does when tasks run eagerly.
"""

from django.core import mail
from django.db import transaction

from companies.tenancy import Actor
from departments.models import DepartmentMembership
from notifications import services
from notifications.models import EmailMode, Notification, NotificationPreference, Reason
from notifications.rules import RULES, strongest
from notifications.selectors import notification_list, preference_for, unread_count
from objectives.models import Event, KeyResult, Objective, Verb
from objectives.services import checkin_correct, checkin_create
from tests.factories import MembershipFactory, UserFactory
from tests.notifications.conftest import comment


def told(event: Event) -> dict[str, str]:
    """Who the event notified and why, by email (readable failures)."""
    return dict(Notification.objects.filter(event=event).values_list("user__email", "reason"))


def test_every_verb_with_a_rule_is_a_real_verb():
    assert set(RULES) <= set(Verb.values)


# ---------------------------------------------------------------- comment.created


def test_a_comment_tells_the_mentioned_the_parent_author_and_the_owner(okrs, commit):
    team = okrs.team
    event = comment(
        commit, okrs, by=team.viewer, target=okrs.sales_goal, mentioned=(team.member,), parent_author=team.leader
    )
    assert told(event) == {
        "member@acme.test": Reason.MENTION,
        "leader@acme.test": Reason.REPLY,
        "lead@acme.test": Reason.COMMENT,  # owns the objective commented on
    }


def test_one_notification_per_person_the_strongest_reason_wins(okrs, commit):
    team = okrs.team
    # The lead owns the objective, wrote the parent comment and is mentioned: one mention.
    event = comment(
        commit, okrs, by=team.member, target=okrs.sales_goal, mentioned=(team.lead,), parent_author=team.lead
    )
    assert told(event) == {"lead@acme.test": Reason.MENTION}
    # The owner of the commented key result who wrote the parent comment: one reply.
    event = comment(commit, okrs, by=team.lead, target=okrs.kr, parent_author=team.member, comment_id=89)
    assert told(event) == {"member@acme.test": Reason.REPLY}


def test_the_actor_is_never_told_about_their_own_action(okrs, commit):
    team = okrs.team
    event = comment(commit, okrs, by=team.lead, target=okrs.sales_goal, mentioned=(team.lead,), parent_author=team.lead)
    assert told(event) == {}


def test_mentions_of_people_outside_the_company_tell_no_one(okrs, commit, other_team):
    team = okrs.team
    stranger = UserFactory()
    inactive = MembershipFactory(company=team.company, user=UserFactory(is_active=False)).user
    event = comment(
        commit, okrs, by=team.lead, target=okrs.sales_goal, mentioned=(other_team.member, stranger, inactive)
    )
    assert told(event) == {}
    assert not Notification.objects.filter(company=other_team.company).exists()


def test_a_comment_on_a_private_objective_tells_no_one_who_may_not_read_it(okrs, commit):
    team = okrs.team
    Objective.objects.filter(pk=okrs.sales_goal.pk).update(private=True)
    okrs.sales_goal.refresh_from_db()
    # Mentioned: the viewer (no Sales membership, may not read), the leader (reads everything).
    event = comment(commit, okrs, by=team.lead, target=okrs.sales_goal, mentioned=(team.viewer, team.leader))
    assert told(event) == {"leader@acme.test": Reason.MENTION}


def test_garbage_in_a_payload_is_no_candidate(okrs, commit):
    team = okrs.team
    payload = {"mentioned_user_ids": ["x", True, None, -3, {"id": 1}], "parent_id": 7, "parent_author_id": "oops"}
    event = commit(
        Verb.COMMENT_CREATED, team, by=team.viewer, objective=okrs.sales_goal, subject=("comment", 1), payload=payload
    )
    # No target owner in the payload and no target kind: nobody; the lead is not guessed at.
    assert told(event) == {}


def test_a_comment_without_the_owner_in_its_payload_reaches_the_owner_of_its_target(okrs, commit):
    team = okrs.team
    payload = {"target_kind": "key_result", "target_id": okrs.kr.pk, "comment_id": 5}
    event = commit(
        Verb.COMMENT_CREATED, team, by=team.lead, key_result=okrs.kr, subject=("comment", 5), payload=payload
    )
    assert told(event) == {"member@acme.test": Reason.COMMENT}


# ---------------------------------------------------------------- reaction.added


def test_a_reaction_tells_the_author_of_what_was_reacted_to(okrs, commit):
    team = okrs.team
    payload = {"kind": "celebrate", "target_kind": "comment", "target_id": 88, "target_author_id": team.member.pk}
    event = commit(
        Verb.REACTION_ADDED, team, by=team.lead, objective=okrs.sales_goal, subject=("reaction", 3), payload=payload
    )
    assert told(event) == {"member@acme.test": Reason.REACTION}
    payload["target_author_id"] = team.lead.pk  # reacting to your own comment
    event = commit(
        Verb.REACTION_ADDED, team, by=team.lead, objective=okrs.sales_goal, subject=("reaction", 4), payload=payload
    )
    assert told(event) == {}


# ---------------------------------------------------------------- check-ins


def _check_in(okrs, django_capture_on_commit_callbacks, confidence: str, *, by=None):
    team = okrs.team
    actor = team.actor(by or team.member)
    with django_capture_on_commit_callbacks(execute=True):
        checkin_create(company=team.company, actor=actor, key_result=okrs.kr, value=10, confidence=confidence)
    return Event.objects.filter(verb=Verb.CHECKIN_CREATED).latest("id")


def test_a_key_result_falling_off_track_tells_the_owners_of_what_depends_on_it(
    okrs, django_capture_on_commit_callbacks
):
    on_track = _check_in(okrs, django_capture_on_commit_callbacks, "on_track")
    assert told(on_track) == {}
    off_track = _check_in(okrs, django_capture_on_commit_callbacks, "off_track")
    # The admin owns "Run the Lyon fair", which depends on the key result's objective.
    assert told(off_track) == {"admin@acme.test": Reason.DEPENDENCY_OFF_TRACK}
    # Still off track: nothing new happened.
    again = _check_in(okrs, django_capture_on_commit_callbacks, "off_track")
    assert told(again) == {}
    back = _check_in(okrs, django_capture_on_commit_callbacks, "at_risk")
    assert told(back) == {}


def test_the_owner_who_checks_in_off_track_is_not_told_about_their_own_check_in(
    okrs, django_capture_on_commit_callbacks
):
    Objective.objects.filter(pk=okrs.fair.pk).update(owner=okrs.team.member)
    assert told(_check_in(okrs, django_capture_on_commit_callbacks, "off_track")) == {}


def test_a_correction_counts_only_when_it_puts_the_reading_that_stands_off_track(
    okrs, django_capture_on_commit_callbacks
):
    team = okrs.team
    actor = team.actor(team.member)
    older = _check_in(okrs, django_capture_on_commit_callbacks, "on_track")
    latest = _check_in(okrs, django_capture_on_commit_callbacks, "on_track")
    # The older entry corrected to off track: the latest reading still stands, on track.
    with django_capture_on_commit_callbacks(execute=True):
        checkin_correct(company=team.company, actor=actor, checkin=older.checkin, value=10, confidence="off_track")
    assert told(Event.objects.filter(verb=Verb.CHECKIN_CORRECTED).latest("id")) == {}
    with django_capture_on_commit_callbacks(execute=True):
        checkin_correct(company=team.company, actor=actor, checkin=latest.checkin, value=10, confidence="off_track")
    corrected = Event.objects.filter(verb=Verb.CHECKIN_CORRECTED).latest("id")
    assert told(corrected) == {"admin@acme.test": Reason.DEPENDENCY_OFF_TRACK}


def test_a_backdated_off_track_check_in_behind_the_latest_tells_no_one(okrs, commit):
    team = okrs.team
    KeyResult.objects.filter(pk=okrs.kr.pk).update(confidence="on_track")
    okrs.kr.refresh_from_db()
    payload = {"confidence": "off_track", "previous_confidence": "on_track"}
    event = commit(Verb.CHECKIN_CREATED, team, by=team.member, key_result=okrs.kr, payload=payload)
    assert told(event) == {}


# ---------------------------------------------------------------- laddering


def test_an_objective_laddered_under_yours_tells_you(okrs, commit):
    team = okrs.team
    created = commit(
        Verb.OBJECTIVE_CREATED,
        team,
        by=team.lead,
        objective=okrs.sales_goal,
        payload={"title": okrs.sales_goal.title, "parent_id": okrs.company_goal.pk},
    )
    assert told(created) == {"leader@acme.test": Reason.LADDERED}
    unparented = commit(
        Verb.OBJECTIVE_CREATED, team, by=team.lead, objective=okrs.fair, payload={"title": "x", "parent_id": None}
    )
    assert told(unparented) == {}


def test_only_a_move_under_a_new_parent_counts_as_laddering(okrs, commit):
    team = okrs.team
    renamed = commit(
        Verb.OBJECTIVE_UPDATED,
        team,
        by=team.lead,
        objective=okrs.sales_goal,
        payload={"title": "New", "parent_id": okrs.company_goal.pk, "previous_parent_id": okrs.company_goal.pk},
    )
    assert told(renamed) == {}
    no_previous = commit(
        Verb.OBJECTIVE_UPDATED,
        team,
        by=team.lead,
        objective=okrs.sales_goal,
        payload={"title": "New", "parent_id": okrs.company_goal.pk},
    )
    assert told(no_previous) == {}
    moved = commit(
        Verb.OBJECTIVE_UPDATED,
        team,
        by=team.lead,
        objective=okrs.sales_goal,
        payload={"parent_id": okrs.fair.pk, "previous_parent_id": okrs.company_goal.pk},
    )
    assert told(moved) == {"admin@acme.test": Reason.LADDERED}


def test_verbs_without_a_rule_tell_no_one(okrs, commit):
    team = okrs.team
    event = commit(Verb.KEY_RESULT_CREATED, team, by=team.lead, key_result=okrs.kr, payload={})
    assert told(event) == {}


# ---------------------------------------------------------------- the fan-out itself


def test_a_redelivered_fan_out_adds_nothing_and_missing_ids_are_skipped(okrs, commit):
    team = okrs.team
    event = comment(commit, okrs, by=team.viewer, target=okrs.sales_goal, mentioned=(team.member,))
    before = list(Notification.objects.order_by("id").values_list("id", "user_id", "reason"))
    assert len(before) == 2
    pending = services.fan_out(company_id=team.company.pk, event_ids=[event.pk, 987654321])
    assert list(Notification.objects.order_by("id").values_list("id", "user_id", "reason")) == before
    # The mention was emailed at once (claimed): nothing is left to email.
    assert pending == []
    assert services.fan_out(company_id=987654321, event_ids=[event.pk]) == []
    # Another company's id with this company's event: nothing.
    assert services.fan_out(company_id=okrs.team.company.pk + 1000, event_ids=[event.pk]) == []


def test_events_of_a_rolled_back_transaction_tell_no_one(okrs, django_capture_on_commit_callbacks):
    team = okrs.team
    from objectives import events

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        events.record(
            Verb.REACTION_ADDED,
            company_id=team.company.pk,
            actor=team.actor(team.lead),
            objective=okrs.sales_goal,
            subject=("reaction", 1),
            payload={"target_kind": "objective", "target_author_id": team.member.pk},
        )
        try:
            with transaction.atomic():
                events.record(
                    Verb.REACTION_ADDED,
                    company_id=team.company.pk,
                    actor=team.actor(team.lead),
                    objective=okrs.sales_goal,
                    subject=("reaction", 2),
                    payload={"target_kind": "objective", "target_author_id": team.viewer.pk},
                )
                raise RuntimeError("roll back the savepoint")
        except RuntimeError:
            pass
    assert dict(Notification.objects.values_list("user__email", "reason")) == {"member@acme.test": Reason.REACTION}


def test_strongest_keeps_one_reason_per_person_and_drops_the_actor():
    candidates = [
        (1, Reason.LADDERED),
        (1, Reason.COMMENT),
        (2, Reason.REPLY),
        (1, Reason.MENTION),
        (3, Reason.MENTION),
    ]
    assert strongest(candidates, actor_id=3) == {1: Reason.MENTION, 2: Reason.REPLY}


# ---------------------------------------------------------------- preferences


def test_defaults_email_mentions_and_replies_at_once_and_the_rest_in_the_digest(okrs):
    company, member = okrs.team.company, okrs.team.member
    assert preference_for(member.pk, company, Reason.MENTION).email == EmailMode.IMMEDIATE
    assert preference_for(member.pk, company, Reason.REPLY).email == EmailMode.IMMEDIATE
    for reason in (Reason.COMMENT, Reason.REACTION, Reason.DEPENDENCY_OFF_TRACK, Reason.LADDERED):
        assert preference_for(member.pk, company, reason).email == EmailMode.DIGEST
    assert all(preference_for(member.pk, company, reason).in_app for reason in Reason)


def test_preferences_decide_what_is_made_shown_and_emailed(okrs, commit):
    team = okrs.team
    company = team.company
    actor = team.actor(team.member)
    services.preferences_update(
        company=company,
        actor=actor,
        changes={"mention": {"in_app": False, "email": "off"}, "reply": {"in_app": False}, "comment": {"email": "off"}},
    )
    assert preference_for(team.member.pk, company, Reason.REPLY).email == EmailMode.IMMEDIATE  # unchanged half
    mail.outbox.clear()
    mention = comment(commit, okrs, by=team.lead, target=okrs.sales_goal, mentioned=(team.member,))
    assert told(mention) == {}  # neither shown nor emailed: not made at all
    reply = comment(commit, okrs, by=team.lead, target=okrs.sales_goal, parent_author=team.member, comment_id=90)
    assert told(reply) == {"member@acme.test": Reason.REPLY}
    row = Notification.objects.get(event=reply)
    assert (row.in_app, row.email) == (False, EmailMode.IMMEDIATE)
    assert [m.to for m in mail.outbox] == [["member@acme.test"]]  # emailed at once, though not shown
    assert not notification_list(company=company, actor=actor).exists()
    assert unread_count(company=company, actor=actor) == 0
    on_kr = comment(commit, okrs, by=team.lead, target=okrs.kr, comment_id=91)
    assert Notification.objects.get(event=on_kr).email == EmailMode.OFF
    assert unread_count(company=company, actor=actor) == 1


def test_preferences_of_one_company_are_not_anothers(okrs, other_team):
    services.preferences_update(
        company=okrs.team.company, actor=okrs.team.actor(okrs.team.member), changes={"mention": {"email": "off"}}
    )
    assert preference_for(okrs.team.member.pk, okrs.team.company, Reason.MENTION).email == EmailMode.OFF
    assert NotificationPreference.objects.filter(company=other_team.company).count() == 0


def test_read_access_is_checked_again_when_reading(okrs, commit):
    """Someone who left the department stops reading what the private objective's notifications said."""
    team = okrs.team
    company = team.company
    Objective.objects.filter(pk=okrs.sales_goal.pk).update(private=True)
    okrs.sales_goal.refresh_from_db()
    comment(commit, okrs, by=team.lead, target=okrs.kr, mentioned=(team.member,))
    member = Actor.for_user(company, team.member)
    assert notification_list(company=company, actor=member).count() == 1
    assert unread_count(company=company, actor=member) == 1
    DepartmentMembership.objects.filter(company=company, user=team.member).delete()
    # The member still owns the key result... but a private objective is read by its owner and department only.
    member = Actor.for_user(company, team.member)
    assert not notification_list(company=company, actor=member).exists()
    assert unread_count(company=company, actor=member) == 0
