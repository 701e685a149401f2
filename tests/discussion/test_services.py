"""Comments, replies, mentions, deletion and reactions through the services: the rules every surface shares."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from companies.tenancy import Actor, member_actors
from discussion import selectors, services
from discussion.models import Comment, Mention, Reaction
from objectives import feed
from objectives.models import Event, Verb
from okrhub.errors import NotFound, PermissionDenied
from tests.discussion.conftest import Talk
from tests.helpers import refused

COMMENT_PAYLOAD_KEYS = {
    "comment_id",
    "parent_id",
    "parent_author_id",
    "mentioned_user_ids",
    "target_kind",
    "target_id",
    "target_owner_id",
    "body_excerpt",
    "objective_title",
    "key_result_title",
}


def create(talk: Talk, role: str = "member", body: str = "Looks good", **kwargs) -> Comment:
    kwargs.setdefault("target", talk.target())
    return services.comment_create(company=talk.company, actor=talk.actor(role), body=body, **kwargs)


# ---------------------------------------------------------------- comments and their events


@pytest.mark.parametrize("kind", ["objective", "key_result", "checkin"])
def test_a_comment_records_its_event_with_the_payload_notifications_read(talk, kind):
    target = talk.target(kind)
    comment = create(talk, "member", "  Two deals closed in Lyon  ", target=target)

    assert comment.body == "Two deals closed in Lyon"  # surrounding whitespace trimmed
    assert comment.objective_id == talk.objective.pk
    assert comment.target_kind == kind
    event = Event.objects.get(verb=Verb.COMMENT_CREATED)
    assert (event.subject_kind, event.subject_id, event.actor_id) == ("comment", comment.pk, talk.team.member.pk)
    assert event.objective_id == talk.objective.pk
    assert event.key_result_id == (None if kind == "objective" else talk.kr.pk)
    assert event.checkin_id == (talk.checkin.pk if kind == "checkin" else None)
    assert event.department_id == talk.team.department.pk
    assert set(event.payload) == COMMENT_PAYLOAD_KEYS
    owner = {"objective": talk.team.lead.pk, "key_result": talk.team.member.pk, "checkin": talk.team.member.pk}
    assert event.payload == {
        "comment_id": comment.pk,
        "parent_id": None,
        "parent_author_id": None,
        "mentioned_user_ids": [],
        "target_kind": kind,
        "target_id": {"objective": talk.objective.pk, "key_result": talk.kr.pk, "checkin": talk.checkin.pk}[kind],
        "target_owner_id": owner[kind],
        "body_excerpt": "Two deals closed in Lyon",
        "objective_title": "Close new business",
        "key_result_title": None if kind == "objective" else talk.kr.title,
    }


def test_the_excerpt_is_200_characters_of_plain_text_with_names_for_mentions(talk):
    body = "Thanks @member@acme.test! " + "x" * 400
    create(talk, "lead", body)
    excerpt = Event.objects.get().payload["body_excerpt"]
    assert excerpt.startswith("Thanks @Max Member! xxx")
    assert len(excerpt) == 200


def test_a_checkin_recorded_by_an_integration_belongs_to_its_key_results_owner(talk):
    talk.checkin.__class__.objects.filter(pk=talk.checkin.pk).update(author=None)
    create(talk, "lead", target=talk.target("checkin"))
    assert Event.objects.get().payload["target_owner_id"] == talk.team.member.pk


def test_an_api_key_comments_as_the_integration(talk):
    key = Actor(company=talk.company, role="integration")
    comment = services.comment_create(company=talk.company, actor=key, target=talk.target(), body="Synced from CRM")
    assert comment.author is None
    assert Event.objects.get().actor_id is None


# ---------------------------------------------------------------- bad input changes nothing


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("", "blank"),
        ("   \n\t ", "blank"),
        ("\u200b\u200b", "blank"),  # invisible only
        ("x" * 5001, "max_length"),
        ("ring \x07 the bell", "control_characters"),
        ("reads \u202ebackwards", "control_characters"),
        ("nul \x00 byte", "control_characters"),
    ],
)
def test_bad_bodies_are_refused_naming_body(talk, body, code):
    with refused("body", code=code):
        create(talk, "member", body)
    assert not Event.objects.exists()


def test_a_body_of_exactly_5000_characters_is_fine(talk):
    assert len(create(talk, "member", "y" * 5000).body) == 5000


def test_line_breaks_and_tabs_are_kept(talk):
    assert create(talk, "member", "one\n\ttwo\r\nthree").body == "one\n\ttwo\r\nthree"


# ---------------------------------------------------------------- mentions


def test_mentions_are_recorded_once_each_in_order(talk):
    body = "@lead@acme.test and @MEMBER@acme.test, see this (cc @lead@acme.test)."
    comment = create(talk, "admin", body)
    assert list(Mention.objects.filter(comment=comment).order_by("id").values_list("user_id", flat=True)) == [
        talk.team.lead.pk,
        talk.team.member.pk,
    ]
    assert Event.objects.get().payload["mentioned_user_ids"] == [talk.team.lead.pk, talk.team.member.pk]


def test_an_address_without_a_leading_at_is_plain_text(talk):
    comment = create(talk, "admin", "Mail ops@acme.test or write to lead@acme.test")
    assert not Mention.objects.filter(comment=comment).exists()


@pytest.mark.parametrize(
    "who",
    [
        "admin@globex.test",  # a member of another company
        "nobody@nowhere.test",  # no such person at all
    ],
)
def test_mentioning_someone_outside_the_company_is_refused_naming_body(talk, other_team, who):
    with refused("body", code="mention_outsider") as info:
        create(talk, "member", f"Hello @{who}")
    assert f"@{who}" in str(info.value)
    assert not Event.objects.exists()


def test_outsiders_get_the_same_answer_whether_they_exist_or_not(talk, other_team):
    answers = []
    for who in ("admin@globex.test", "ghost@globex.test"):
        with pytest.raises(ValidationError) as info:
            create(talk, "member", f"@{who}")
        answers.append(info.value.message_dict["body"][0].replace(who, "X"))
    assert answers[0] == answers[1]


def test_at_most_twenty_people_in_one_comment(talk):
    body = " ".join(f"@p{i}@acme.test" for i in range(21))
    with refused("body", code="too_many_mentions"):
        create(talk, "admin", body)


def test_on_a_private_objective_only_its_readers_may_be_mentioned(talk):
    target = talk.target("objective", private=True)
    with refused("body", code="mention_no_access") as info:
        create(talk, "admin", "What do you think, @member@acme.test?", target=target)
    assert "Max Member" in str(info.value)
    comment = create(talk, "admin", "@leader@acme.test over to you", target=target)
    assert list(comment.mentions.values_list("user_id", flat=True)) == [talk.team.leader.pk]


# ---------------------------------------------------------------- who may comment and read


def test_viewers_read_but_may_not_comment(talk):
    with refused("-", exc=PermissionDenied):
        create(talk, "viewer", "Nice")
    # Refused before the body is looked at: a bad body gets the same answer.
    with refused("-", exc=PermissionDenied):
        create(talk, "viewer", "")


@pytest.mark.parametrize("role", ["member", "lead", "viewer"])
def test_a_private_objectives_thread_is_as_private_as_the_objective(talk, role):
    actor = talk.actor(role)
    hidden = talk.comment("Offer 40M", by="leader", target=talk.target("objective", private=True))
    with pytest.raises(NotFound):
        selectors.objective_target(company=talk.company, actor=actor, objective_id=talk.private.pk)
    with pytest.raises(NotFound):
        selectors.key_result_target(company=talk.company, actor=actor, key_result_id=talk.private_kr.pk)
    with pytest.raises(NotFound):
        selectors.checkin_target(company=talk.company, actor=actor, checkin_id=talk.private_checkin.pk)
    with pytest.raises(NotFound):
        selectors.comment_for(company=talk.company, actor=actor, comment_id=hidden.pk)
    with refused("-", exc=NotFound):
        services.comment_create(
            company=talk.company, actor=actor, target=talk.target("objective", private=True), body="Let me in"
        )


def test_another_companys_objects_are_not_found(talk, other_team):
    from tests.discussion.conftest import make_talk

    theirs = make_talk(other_team)
    comment = theirs.comment("Globex only")
    actor = talk.actor("admin")
    for lookup in (
        lambda: selectors.objective_target(company=talk.company, actor=actor, objective_id=theirs.objective.pk),
        lambda: selectors.key_result_target(company=talk.company, actor=actor, key_result_id=theirs.kr.pk),
        lambda: selectors.checkin_target(company=talk.company, actor=actor, checkin_id=theirs.checkin.pk),
        lambda: selectors.comment_for(company=talk.company, actor=actor, comment_id=comment.pk),
    ):
        with pytest.raises(NotFound):
            lookup()


# ---------------------------------------------------------------- replies


def test_a_reply_answers_a_top_level_comment_and_says_whose(talk):
    top = create(talk, "lead", "Who owns the Lyon deal?")
    reply = create(talk, "member", "I do", parent=top)
    assert reply.parent_id == top.pk
    payload = Event.objects.get(subject_id=reply.pk).payload
    assert (payload["parent_id"], payload["parent_author_id"]) == (top.pk, talk.team.lead.pk)


def test_a_reply_to_a_reply_joins_the_top_level_thread(talk):
    top = create(talk, "lead", "Who owns the Lyon deal?")
    first = create(talk, "member", "I do", parent=top)
    second = create(talk, "admin", "Great", parent=first)
    assert second.parent_id == top.pk
    assert Event.objects.get(subject_id=second.pk).payload["parent_author_id"] == talk.team.lead.pk


def test_a_reply_must_stay_in_its_thread(talk):
    on_kr = create(talk, "lead", "On the key result", target=talk.target("key_result"))
    with refused("parent", code="other_thread"):
        create(talk, "member", "Reply", parent=on_kr, target=talk.target("objective"))


def test_a_deleted_comment_takes_no_replies(talk):
    top = create(talk, "member", "Oops")
    services.comment_delete(company=talk.company, actor=talk.actor("member"), comment=top)
    with refused("parent", code="deleted"):
        create(talk, "lead", "Reply", parent=top)


# ---------------------------------------------------------------- deletion


def test_deleting_blanks_the_body_and_drops_mentions_and_reactions(talk):
    comment = create(talk, "member", "Ping @lead@acme.test")
    services.reaction_set(
        company=talk.company, actor=talk.actor("lead"), target=comment, kind="thumbs_up", present=True
    )
    services.comment_delete(company=talk.company, actor=talk.actor("member"), comment=comment)
    comment.refresh_from_db()
    assert comment.body == ""
    assert comment.deleted_at is not None
    assert not Mention.objects.exists()
    assert not Reaction.objects.exists()
    # Deleting again changes nothing.
    deleted_at = comment.deleted_at
    services.comment_delete(company=talk.company, actor=talk.actor("member"), comment=comment)
    comment.refresh_from_db()
    assert comment.deleted_at == deleted_at


@pytest.mark.parametrize(("role", "allowed"), [("member", True), ("admin", True), ("lead", False), ("leader", False)])
def test_the_author_and_admins_delete(talk, role, allowed):
    comment = create(talk, "member", "Mine")
    actor = talk.actor(role)
    if allowed:
        services.comment_delete(company=talk.company, actor=actor, comment=comment)
        assert Comment.objects.get(pk=comment.pk).is_deleted
    else:
        with refused("-", exc=PermissionDenied):
            services.comment_delete(company=talk.company, actor=actor, comment=comment)


def test_an_api_key_never_deletes_peoples_words(talk):
    comment = create(talk, "member", "Mine")
    with refused("-", exc=PermissionDenied):
        services.comment_delete(
            company=talk.company, actor=Actor(company=talk.company, role="integration"), comment=comment
        )


# ---------------------------------------------------------------- reactions


def test_a_reaction_toggles_and_only_adding_records_an_event(talk):
    comment = create(talk, "member", "Shipped")
    Event.objects.all().delete()
    lead = talk.actor("lead")
    assert services.reaction_toggle(company=talk.company, actor=lead, target=comment, kind="celebrate") is True
    assert Reaction.objects.filter(comment=comment, user=talk.team.lead, kind="celebrate").count() == 1
    event = Event.objects.get()
    assert event.verb == Verb.REACTION_ADDED
    assert (event.subject_kind, event.subject_id, event.objective_id) == ("comment", comment.pk, talk.objective.pk)
    assert event.payload == {
        "kind": "celebrate",
        "target_kind": "comment",
        "target_id": comment.pk,
        "target_author_id": talk.team.member.pk,
    }
    assert services.reaction_toggle(company=talk.company, actor=lead, target=comment, kind="celebrate") is False
    assert not Reaction.objects.exists()
    assert Event.objects.count() == 1


def test_a_reaction_on_a_checkin(talk):
    services.reaction_toggle(company=talk.company, actor=talk.actor("lead"), target=talk.checkin, kind="rocket")
    event = Event.objects.get()
    assert (event.subject_kind, event.checkin_id, event.key_result_id) == ("checkin", talk.checkin.pk, talk.kr.pk)
    assert event.payload == {
        "kind": "rocket",
        "target_kind": "checkin",
        "target_id": talk.checkin.pk,
        "target_author_id": talk.team.member.pk,
    }


def test_giving_a_reaction_twice_keeps_one(talk):
    actor = talk.actor("lead")
    for _ in range(2):
        services.reaction_set(company=talk.company, actor=actor, target=talk.checkin, kind="heart", present=True)
    assert Reaction.objects.count() == 1
    assert Event.objects.count() == 1
    # Several kinds from one person, and the same kind from several people, are fine.
    services.reaction_set(company=talk.company, actor=actor, target=talk.checkin, kind="eyes", present=True)
    services.reaction_set(
        company=talk.company, actor=talk.actor("admin"), target=talk.checkin, kind="heart", present=True
    )
    assert Reaction.objects.count() == 3


def test_the_database_keeps_one_reaction_per_person_kind_and_target(talk):
    Reaction.objects.create(company=talk.company, user=talk.team.lead, checkin=talk.checkin, kind="heart")
    with pytest.raises(IntegrityError), transaction.atomic():
        Reaction.objects.create(company=talk.company, user=talk.team.lead, checkin=talk.checkin, kind="heart")
    comment = talk.comment()
    with pytest.raises(IntegrityError), transaction.atomic():  # exactly one target
        Reaction.objects.create(
            company=talk.company, user=talk.team.lead, checkin=talk.checkin, comment=comment, kind="heart"
        )


def test_reaction_refusals_change_nothing(talk):
    comment = create(talk, "member", "Shipped")
    with refused("kind", code="invalid_choice"):
        services.reaction_toggle(company=talk.company, actor=talk.actor("lead"), target=comment, kind="poop")
    with refused("-", exc=PermissionDenied):
        services.reaction_toggle(company=talk.company, actor=talk.actor("viewer"), target=comment, kind="heart")
    with refused("-", exc=PermissionDenied):
        key = Actor(company=talk.company, role="integration")
        services.reaction_toggle(company=talk.company, actor=key, target=comment, kind="heart")
    with refused("-", exc=NotFound):
        services.reaction_toggle(
            company=talk.company, actor=talk.actor("member"), target=talk.private_checkin, kind="heart"
        )
    services.comment_delete(company=talk.company, actor=talk.actor("member"), comment=comment)
    with refused("comment", code="deleted"):
        services.reaction_toggle(company=talk.company, actor=talk.actor("lead"), target=comment, kind="heart")


# ---------------------------------------------------------------- reading threads


def test_the_thread_nests_replies_and_keeps_a_deleted_comments_place_only_while_answered(talk):
    member, lead = talk.actor("member"), talk.actor("lead")
    answered = create(talk, "member", "Question")
    reply = create(talk, "lead", "Answer", parent=answered)
    alone = create(talk, "member", "Never mind")
    kept = create(talk, "lead", "Another")
    services.comment_delete(company=talk.company, actor=member, comment=answered)
    services.comment_delete(company=talk.company, actor=member, comment=alone)
    page = selectors.thread(company=talk.company, actor=lead, target=talk.target())
    thread = page.comments
    assert [c.pk for c in thread] == [answered.pk, kept.pk]
    assert [r.pk for r in thread[0].thread_replies] == [reply.pk]
    assert thread[0].is_deleted
    assert (page.count, page.earlier) == (2, None)
    assert [c.can_delete for c in (thread[0], thread[0].thread_replies[0], thread[1])] == [False, True, True]


def test_a_long_thread_comes_a_page_at_a_time_newest_last(talk, django_assert_num_queries):
    tops = [talk.comment(f"Top {i}") for i in range(5)]
    replies = [talk.comment(f"Reply {i}", parent=tops[i]) for i in range(5)]
    admin, target = talk.actor("admin"), talk.target()
    with django_assert_num_queries(4):  # comments with authors, mentions, reactions; the count
        page = selectors.thread(company=talk.company, actor=admin, target=target, limit=2)
    assert [c.pk for c in page.comments] == [tops[3].pk, tops[4].pk]
    assert [c.thread_replies[0].pk for c in page.comments] == [replies[3].pk, replies[4].pk]
    assert (page.count, page.earlier) == (10, tops[3].pk)
    above = selectors.thread(company=talk.company, actor=admin, target=talk.target(), limit=2, before=page.earlier)
    assert [c.pk for c in above.comments] == [tops[1].pk, tops[2].pk]
    top = selectors.thread(company=talk.company, actor=admin, target=talk.target(), limit=2, before=above.earlier)
    assert ([c.pk for c in top.comments], top.earlier) == ([tops[0].pk], None)


def test_threads_are_separate_per_target(talk):
    on_objective = create(talk, "member", "Objective")
    on_kr = create(talk, "member", "Key result", target=talk.target("key_result"))
    on_checkin = create(talk, "member", "Check-in", target=talk.target("checkin"))
    admin = talk.actor("admin")
    for kind, comment in (("objective", on_objective), ("key_result", on_kr), ("checkin", on_checkin)):
        page = selectors.thread(company=talk.company, actor=admin, target=talk.target(kind))
        assert [c.pk for c in page.comments] == [comment.pk]


def test_reaction_counts_say_who_and_whether_mine(talk):
    comment = create(talk, "member", "Shipped")
    for role in ("admin", "lead", "leader", "member"):
        services.reaction_set(
            company=talk.company, actor=talk.actor(role), target=comment, kind="thumbs_up", present=True
        )
    counts = selectors.comment_reactions(company=talk.company, actor=talk.actor("lead"), comment=comment)
    thumbs = next(c for c in counts if c.kind == "thumbs_up")
    assert (thumbs.count, thumbs.mine) == (4, True)
    assert thumbs.who.endswith("and 1 other")
    assert [c.kind for c in counts] == ["thumbs_up", "celebrate", "heart", "eyes", "rocket"]


# ---------------------------------------------------------------- people to mention


def test_mention_candidates_match_names_and_addresses_of_this_company_only(talk, other_team):
    admin = talk.actor("admin")

    def names(query, **kwargs):
        people = selectors.mention_candidates(company=talk.company, actor=admin, query=query, **kwargs)
        return [p.email for p in people]

    assert names("max") == ["member@acme.test"]  # first name
    assert names("memb") == ["member@acme.test"]  # last name and address
    assert names("@lea") == ["lead@acme.test", "leader@acme.test"]
    assert "admin@acme.test" not in names("")  # not yourself
    assert not [e for e in names("") if e.endswith("globex.test")]
    assert names("admin") == []  # globex's admin is no candidate, acme's is the actor
    # On a private objective only its readers are offered.
    assert names("", objective=talk.private) == ["leader@acme.test"]


def test_at_most_eight_people_are_offered(talk):
    from tests.factories import MembershipFactory, UserFactory

    for i in range(12):
        MembershipFactory(company=talk.company, user=UserFactory(email=f"sam{i}@acme.test", full_name=f"Sam {i}"))
    people = selectors.mention_candidates(company=talk.company, actor=talk.actor("admin"), query="sam")
    assert len(people) == 8


def test_member_actors_read_as_the_members_themselves(talk, other_team, django_assert_max_num_queries):
    team = talk.team
    ids = [team.admin.pk, team.lead.pk, team.member.pk, team.viewer.pk, other_team.admin.pk]
    with django_assert_max_num_queries(3):
        actors = member_actors(company=talk.company, user_ids=ids)
    assert set(actors) == set(ids[:4])  # not another company's admin
    for user in (team.admin, team.lead, team.member, team.viewer):
        one = Actor.for_user(talk.company, user)
        assert (actors[user.pk].role, actors[user.pk].department_roles) == (one.role, one.department_roles)


def test_an_undo_entry_has_no_thread(talk):
    from objectives.services import checkin_undo

    undo = checkin_undo(company=talk.company, actor=talk.actor("member"), checkin=talk.checkin)
    with pytest.raises(NotFound):
        selectors.checkin_target(company=talk.company, actor=talk.actor("admin"), checkin_id=undo.pk)
    # The undone entry itself is still in the history, and still discussable.
    assert selectors.checkin_target(company=talk.company, actor=talk.actor("admin"), checkin_id=talk.checkin.pk)
    talk_rows = selectors.checkin_talk(company=talk.company, actor=talk.actor("admin"), target=talk.target())
    assert [row.checkin_id for row in talk_rows] == [talk.checkin.pk]


def test_deleting_withdraws_the_words_from_the_events_the_feed_and_the_api_read(talk):
    comment = create(talk, "member", "Secret numbers: 1234 @lead@acme.test")
    services.reaction_set(
        company=talk.company, actor=talk.actor("lead"), target=comment, kind="thumbs_up", present=True
    )
    other = create(talk, "member", "This one stays")
    services.comment_delete(company=talk.company, actor=talk.actor("member"), comment=comment)

    about = Event.objects.filter(subject_kind="comment", subject_id=comment.pk)
    assert sorted(about.values_list("verb", flat=True)) == [Verb.COMMENT_CREATED, Verb.REACTION_ADDED]
    created = about.get(verb=Verb.COMMENT_CREATED)
    assert created.payload["body_excerpt"] is None
    assert created.payload["withdrawn"] is True
    assert created.payload["comment_id"] == comment.pk  # the rest of the event stands
    assert "body_excerpt" not in about.get(verb=Verb.REACTION_ADDED).payload  # no key is invented
    # Nowhere a reader looks still holds the text; the other comment keeps its own.
    page = feed.feed(company=talk.company, actor=talk.actor("admin"))
    shown = str([(item.description, item.payload, feed.event_representation(item.event)) for item in page.items])
    assert "Secret numbers" not in shown
    assert "This one stays" in str(Event.objects.get(subject_kind="comment", subject_id=other.pk).payload)
