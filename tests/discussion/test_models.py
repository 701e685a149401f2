"""What the database itself holds the conversation to, and the mention syntax."""

import pytest
from django.db import IntegrityError, connection, transaction

from discussion.mentions import mention_spans, mentioned_emails, plain_body, render_body
from discussion.models import Comment, Mention, Reaction
from tests.discussion.conftest import make_talk

# ---------------------------------------------------------------- the database


def point(table: str, column: str, row_id: int, target_id: int | None) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [target_id, row_id])  # noqa: S608
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the composite keys exist on PostgreSQL only")
@pytest.mark.parametrize(
    ("table", "column", "row", "target"),
    [
        ("discussion_comment", "objective_id", "comment", "private"),
        ("discussion_comment", "key_result_id", "comment", "kr"),
        ("discussion_comment", "checkin_id", "comment", "checkin"),
        ("discussion_comment", "parent_id", "reply", "comment"),
        ("discussion_mention", "comment_id", "mention", "comment"),
        ("discussion_reaction", "comment_id", "reaction", "comment"),
        ("discussion_reaction", "checkin_id", "checkin_reaction", "checkin"),
    ],
)
def test_no_reference_crosses_companies(team, other_team, table, column, row, target):
    rows = {}
    for side, t in (("a", team), ("b", other_team)):
        talk = make_talk(t)
        comment = talk.comment("Hello", target=talk.target("checkin"))
        rows[side] = {
            "comment": comment,
            "reply": talk.comment("Reply", target=talk.target("checkin"), parent=comment),
            "mention": Mention.objects.create(company=t.company, comment=comment, user=t.lead),
            "reaction": Reaction.objects.create(company=t.company, comment=comment, user=t.lead, kind="heart"),
            "checkin_reaction": Reaction.objects.create(
                company=t.company, checkin=talk.checkin, user=t.lead, kind="heart"
            ),
            "private": talk.private,
            "kr": talk.kr,
            "checkin": talk.checkin,
        }
    point(table, column, rows["a"][row].pk, rows["a"][target].pk)  # within the company: fine
    with pytest.raises(IntegrityError, match="same_company"):
        point(table, column, rows["a"][row].pk, rows["b"][target].pk)


def test_a_deleted_comment_says_nothing_and_a_standing_one_says_something(talk):
    comment = talk.comment("Hello")
    with pytest.raises(IntegrityError), transaction.atomic():
        Comment.objects.filter(pk=comment.pk).update(body="")
    with pytest.raises(IntegrityError), transaction.atomic():
        Comment.objects.filter(pk=comment.pk).update(deleted_at=comment.created_at)
    with pytest.raises(IntegrityError), transaction.atomic():  # a check-in's thread names its key result
        Comment.objects.filter(pk=comment.pk).update(checkin=talk.checkin)


# ---------------------------------------------------------------- the mention syntax


@pytest.mark.parametrize(
    ("body", "emails"),
    [
        ("@ana@acme.test", ["ana@acme.test"]),
        ("thanks @ana@acme.test.", ["ana@acme.test"]),  # the sentence's full stop ends the address
        ("(@ana@acme.test), @Bo.Li+x@Sub.Acme.test!", ["ana@acme.test", "bo.li+x@sub.acme.test"]),
        ("line one\n@ana@acme.test", ["ana@acme.test"]),
        ("mail ana@acme.test", []),  # no leading @
        ("x@ana@acme.test", []),  # not at the start of a word
        ("@ana", []),  # no address
        ("@ana@localhost", []),  # a domain needs a dot
        ("meet @ 5pm", []),
        ("@ana@acme.test @ana@acme.test", ["ana@acme.test"]),  # once each
    ],
)
def test_what_counts_as_a_mention(body, emails):
    assert mentioned_emails(body) == emails


class Person:
    def __init__(self, name: str) -> None:
        self.display_name = name


def test_rendering_escapes_the_text_and_names_recorded_mentions_only():
    body = "<script>x</script> @ana@acme.test & @bob@acme.test\nbye"
    people = {"ana@acme.test": Person("Ana <Ruiz>")}
    html = render_body(body, people)
    assert html == (
        '&lt;script&gt;x&lt;/script&gt; <span class="mention" title="ana@acme.test">@Ana &lt;Ruiz&gt;</span>'
        " &amp; @bob@acme.test<br>bye"
    )
    assert plain_body(body, people) == "<script>x</script> @Ana <Ruiz> & @bob@acme.test\nbye"
    assert [span[2] for span in mention_spans(body)] == ["ana@acme.test", "bob@acme.test"]
