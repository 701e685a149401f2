"""The conversation pages: threads in place with htmx and on their own without JavaScript, replies, reactions."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from discussion import services
from discussion.models import Comment, Mention, Reaction
from objectives.models import CheckIn
from tests.discussion.conftest import Talk
from tests.factories import MembershipFactory, UserFactory
from tests.helpers import db_state


def url(talk: Talk, path: str) -> str:
    return f"/c/{talk.company.slug}/discussion/{path}"


def text(response) -> str:
    return response.content.decode()


# ---------------------------------------------------------------- reading


def test_the_objective_page_loads_its_thread_in_place_and_links_it_without_javascript(talk, client_for):
    page = text(client_for(talk.team.member).get(f"/c/acme/objectives/{talk.objective.pk}/"))
    thread = url(talk, f"objectives/{talk.objective.pk}/")
    assert f'hx-get="{thread}" hx-trigger="load"' in page
    assert f'<a href="{thread}">Read and join the discussion</a>' in page
    # The check-in history asks the discussion app for its counts and reactions, and links each thread.
    assert f'hx-get="{url(talk, f"objectives/{talk.objective.pk}/check-ins/")}"' in page
    assert f'href="{url(talk, f"check-ins/{talk.checkin.pk}/")}"' in page
    kr_page = text(client_for(talk.team.member).get(f"/c/acme/key-results/{talk.kr.pk}/"))
    assert f'hx-get="{url(talk, f"key-results/{talk.kr.pk}/")}"' in kr_page
    assert f'hx-get="{url(talk, f"key-results/{talk.kr.pk}/check-ins/")}"' in kr_page


def test_a_thread_shows_comments_replies_mentions_and_reactions(talk, client_for):
    top = services.comment_create(
        company=talk.company, actor=talk.actor("lead"), target=talk.target(), body="Ask @member@acme.test <b>now</b>"
    )
    services.comment_create(
        company=talk.company, actor=talk.actor("member"), target=talk.target(), body="On it", parent=top
    )
    services.reaction_set(company=talk.company, actor=talk.actor("admin"), target=top, kind="eyes", present=True)
    client = client_for(talk.team.member, htmx=True)
    fragment = text(client.get(url(talk, f"objectives/{talk.objective.pk}/")))
    assert "<html" not in fragment  # htmx gets the thread only
    assert '<span class="mention" title="member@acme.test">@Max Member</span>' in fragment
    assert "&lt;b&gt;now&lt;/b&gt;" in fragment  # escaped, never markup
    assert re.search(r'<ol class="replies" role="list">\s*<li>\s*<article class="comment" id="comment-\d+"', fragment)
    assert "2 comments" in fragment
    eyes = re.search(r'<button[^>]*value="eyes"[^>]*>', fragment).group(0)
    assert 'aria-pressed="false"' in eyes
    assert "reacted with eyes" in eyes
    assert 'name="body"' in fragment
    assert "data-mentions=" in fragment
    page = text(client_for(talk.team.member).get(url(talk, f"objectives/{talk.objective.pk}/")))
    assert "<html" in page
    assert "Close new business" in page


def test_viewers_read_the_thread_without_forms(talk, client_for):
    talk.comment("Visible to all")
    services.reaction_set(
        company=talk.company, actor=talk.actor("lead"), target=Comment.objects.get(), kind="heart", present=True
    )
    fragment = text(client_for(talk.team.viewer, htmx=True).get(url(talk, f"objectives/{talk.objective.pk}/")))
    assert "Visible to all" in fragment
    assert "<form" not in fragment
    assert "Viewers read the discussion" in fragment
    assert 'class="reaction counted"' in fragment  # counts, not buttons


def test_the_checkin_page_shows_the_checkin_and_its_reactions(talk, client_for):
    page = text(client_for(talk.team.lead).get(url(talk, f"check-ins/{talk.checkin.pk}/")))
    assert "The check-in" in page
    assert f'action="{url(talk, f"check-ins/{talk.checkin.pk}/react/")}"' in page
    assert talk.kr.title in page


@pytest.mark.parametrize("role", ["member", "lead", "viewer"])
def test_every_route_of_a_private_objective_is_404_to_those_who_may_not_read_it(talk, client_for, role):
    hidden = talk.comment("Offer 40M", by="leader", target=talk.target("objective", private=True))
    client = client_for(getattr(talk.team, role))
    before = db_state()
    for method, path in [
        ("get", f"objectives/{talk.private.pk}/"),
        ("post", f"objectives/{talk.private.pk}/"),
        ("get", f"objectives/{talk.private.pk}/check-ins/"),
        ("get", f"key-results/{talk.private_kr.pk}/"),
        ("get", f"key-results/{talk.private_kr.pk}/check-ins/"),
        ("get", f"check-ins/{talk.private_checkin.pk}/"),
        ("post", f"check-ins/{talk.private_checkin.pk}/react/"),
        ("post", f"comments/{hidden.pk}/reply/"),
        ("post", f"comments/{hidden.pk}/delete/"),
        ("post", f"comments/{hidden.pk}/react/"),
        ("get", f"mentions/?objective={talk.private.pk}"),
    ]:
        response = getattr(client, method)(url(talk, path), {"body": "hi", "kind": "heart"} if method == "post" else {})
        assert response.status_code == 404, (method, path)
        assert "Offer 40M" not in text(response)
        assert "Acquire Globex" not in text(response)
    assert db_state() == before


# ---------------------------------------------------------------- posting


def test_posting_with_htmx_answers_the_thread_in_place(talk, client_for):
    client = client_for(talk.team.member, htmx=True)
    response = client.post(url(talk, f"key-results/{talk.kr.pk}/"), {"body": "Call @lead@acme.test"})
    assert response.status_code == 200
    comment = Comment.objects.get()
    assert (comment.key_result_id, comment.checkin_id, comment.author_id) == (talk.kr.pk, None, talk.team.member.pk)
    assert Mention.objects.get().user == talk.team.lead
    fragment = text(response)
    assert f'id="thread-key_result-{talk.kr.pk}"' in fragment
    assert "@Lena Lead" in fragment
    assert 'hx-swap-oob="innerHTML:#discussion-status">Comment posted.' in fragment
    assert "Call @lead@acme.test</textarea>" not in fragment  # a fresh, empty form


def test_posting_without_javascript_goes_back_to_the_thread(talk, client_for):
    response = client_for(talk.team.member).post(url(talk, f"check-ins/{talk.checkin.pk}/"), {"body": "Nice week"})
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url(talk, f"check-ins/{talk.checkin.pk}/") + f"#comment-{comment.pk}"
    assert comment.checkin_id == talk.checkin.pk


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Write something first."),
        ("x" * 5001, "at most 5000 characters"),
        ("bell \x07", "control characters"),
        ("hi @admin@globex.test", "is not a member of Acme"),
    ],
)
@pytest.mark.parametrize("htmx", [True, False])
def test_bad_input_comes_back_with_the_field_and_changes_nothing(talk, client_for, other_team, body, message, htmx):
    client = client_for(talk.team.member, htmx=htmx)
    before = db_state()
    response = client.post(url(talk, f"objectives/{talk.objective.pk}/"), {"body": body})
    assert response.status_code == 422
    page = text(response)
    assert ("<html" in page) is not htmx
    assert "data-error-summary" in page
    assert 'aria-invalid="true"' in page
    assert message in page.replace("&#x27;", "'")
    assert db_state() == before


def test_a_viewer_posting_is_refused_and_nothing_changes(talk, client_for):
    before = db_state()
    for path in (f"objectives/{talk.objective.pk}/", f"check-ins/{talk.checkin.pk}/react/"):
        response = client_for(talk.team.viewer).post(url(talk, path), {"body": "hi", "kind": "heart"})
        assert response.status_code == 403
    assert db_state() == before


def test_replies_in_place_and_errors_open_the_reply_form(talk, client_for):
    top = talk.comment("Who owns Lyon?", by="lead")
    client = client_for(talk.team.member, htmx=True)
    form = client.get(url(talk, f"comments/{top.pk}/reply/"))  # the Reply link loads the form in place
    assert f'name="reply-{top.pk}-body"' in text(form)
    assert "autofocus" in text(form)
    assert "<html" not in text(form)
    page = client_for(talk.team.member).get(url(talk, f"comments/{top.pk}/reply/"))  # without JavaScript
    assert "<html" in text(page)
    assert f'name="reply-{top.pk}-body"' in text(page)
    bad = client.post(url(talk, f"comments/{top.pk}/reply/"), {f"reply-{top.pk}-body": "  "})
    assert bad.status_code == 422
    assert re.search(rf'id="reply-slot-{top.pk}">\s*<form', text(bad))
    assert "Write something first." in text(bad)
    assert not Comment.objects.filter(parent=top).exists()
    good = client.post(url(talk, f"comments/{top.pk}/reply/"), {f"reply-{top.pk}-body": "I do"})
    assert good.status_code == 200
    reply = Comment.objects.get(parent=top)
    assert reply.body == "I do"
    assert f'id="comment-{reply.pk}"' in text(good)


def test_a_long_thread_shows_the_latest_and_loads_earlier_comments(talk, client_for):
    from discussion.selectors import THREAD_PAGE

    comments = [talk.comment(f"Number {i}") for i in range(THREAD_PAGE + 3)]
    client = client_for(talk.team.member, htmx=True)
    thread_url = url(talk, f"objectives/{talk.objective.pk}/")
    fragment = text(client.get(thread_url))
    assert "Number 2<" not in fragment
    assert f"Number {THREAD_PAGE + 2}<" in fragment
    assert f"{THREAD_PAGE + 3} comments" in fragment
    assert f'hx-get="{thread_url}?before={comments[3].pk}"' in fragment
    earlier = text(client.get(f"{thread_url}?before={comments[3].pk}"))
    assert "Number 0<" in earlier
    assert "Number 2<" in earlier
    assert "Number 3<" not in earlier
    assert 'class="earlier"' not in earlier  # nothing above the first page
    assert 'class="thread"' not in earlier  # the items only, in place of the link
    plain = text(client_for(talk.team.member).get(f"{thread_url}?before={comments[3].pk}"))
    assert "Show the latest comments" in plain


def test_deleting_in_place(talk, client_for):
    comment = talk.comment("Oops", by="member")
    assert client_for(talk.team.lead, htmx=True).post(url(talk, f"comments/{comment.pk}/delete/")).status_code == 403
    response = client_for(talk.team.member, htmx=True).post(url(talk, f"comments/{comment.pk}/delete/"))
    assert response.status_code == 200
    assert "Oops" not in text(response)
    assert Comment.objects.get().is_deleted


def test_reacting_toggles_in_place_and_without_javascript(talk, client_for):
    comment = talk.comment("Shipped", by="member")
    client = client_for(talk.team.lead, htmx=True)
    response = client.post(url(talk, f"comments/{comment.pk}/react/"), {"kind": "celebrate"})
    assert response.status_code == 200
    button = re.search(r'<button[^>]*value="celebrate"[^>]*>.*?</button>', text(response)).group(0)
    assert 'aria-pressed="true"' in button
    assert '<span class="count">1</span>' in button
    assert f'id="comment-{comment.pk}-reactions-celebrate"' in button  # htmx gives the button its focus back
    client.post(url(talk, f"comments/{comment.pk}/react/"), {"kind": "celebrate"})
    assert not Reaction.objects.exists()
    plain = client_for(talk.team.lead).post(url(talk, f"check-ins/{talk.checkin.pk}/react/"), {"kind": "rocket"})
    assert plain.status_code == 302
    assert Reaction.objects.get().checkin_id == talk.checkin.pk


def test_an_unknown_reaction_is_400_naming_kind(talk, client_for):
    before = db_state()
    response = client_for(talk.team.lead).post(url(talk, f"check-ins/{talk.checkin.pk}/react/"), {"kind": "poop"})
    assert response.status_code == 400
    assert text(response).startswith("kind:")
    assert db_state() == before


def test_the_checkin_history_gets_counts_and_reactions_out_of_band(talk, client_for):
    second = CheckIn.objects.create(company=talk.company, key_result=talk.kr, value=7, confidence="on_track")
    talk.comment("On the first", target=talk.target("checkin"))
    services.reaction_set(company=talk.company, actor=talk.actor("lead"), target=second, kind="rocket", present=True)
    response = client_for(talk.team.member, htmx=True).get(url(talk, f"objectives/{talk.objective.pk}/check-ins/"))
    fragment = text(response)
    assert f'hx-swap-oob="innerHTML:#checkin-{talk.checkin.pk}-talk"' in fragment
    assert f'hx-swap-oob="innerHTML:#checkin-{second.pk}-talk"' in fragment
    assert "1 comment<" in fragment
    assert 'title="Lena Lead reacted with rocket"' in fragment
    # The key result's history asks for its own check-ins only (here the same two).
    kr_fragment = text(client_for(talk.team.member).get(url(talk, f"key-results/{talk.kr.pk}/check-ins/")))
    assert kr_fragment.count("hx-swap-oob") == 2
    assert f"#checkin-{talk.private_checkin.pk}-talk" not in fragment + kr_fragment


# ---------------------------------------------------------------- mention autocomplete


def test_the_autocomplete_lists_colleagues_as_options(talk, client_for, other_team):
    response = client_for(talk.team.admin, htmx=True).get(url(talk, "mentions/"), {"q": "ma"})
    fragment = text(response)
    assert response.status_code == 200
    assert re.findall(r'data-mention="([^"]+)"', fragment) == ["member@acme.test"]
    assert 'role="option"' in fragment
    assert "Max Member" in fragment
    nobody = text(client_for(talk.team.admin).get(url(talk, "mentions/"), {"q": "globex"}))
    assert "globex" not in nobody.replace('q="globex"', "")


def test_the_autocomplete_on_a_private_objective_offers_its_readers_only(talk, client_for):
    fragment = text(client_for(talk.team.admin).get(url(talk, "mentions/"), {"objective": talk.private.pk}))
    assert re.findall(r'data-mention="([^"]+)"', fragment) == ["leader@acme.test"]
    bad = client_for(talk.team.admin).get(url(talk, "mentions/"), {"objective": "x"})
    assert bad.status_code == 400


# ---------------------------------------------------------------- query counts


def _grow(talk: Talk, n: int) -> None:
    """``n`` more comments on the objective and on the check-in (half of them replies), each with a mention
    and two reactions, plus ``n`` more check-ins and members."""
    users = [MembershipFactory(company=talk.company, user=UserFactory()).user for _ in range(2)]
    for target in (talk.target(), talk.target("checkin")):
        top = talk.comment("top", target=target)
        for i in range(n):
            comment = talk.comment(f"@lead@acme.test {i}", target=target, parent=top if i % 2 else None)
            Mention.objects.create(company=talk.company, comment=comment, user=talk.team.lead)
            for user in users:
                Reaction.objects.create(company=talk.company, comment=comment, user=user, kind="heart")
    checkins = CheckIn.objects.bulk_create(
        CheckIn(company=talk.company, key_result=talk.kr, value=i, confidence="on_track") for i in range(n)
    )
    for checkin in checkins:
        Reaction.objects.create(company=talk.company, checkin=checkin, user=users[0], kind="eyes")
    MembershipFactory.create_batch(n, company=talk.company)


PAGES = {
    "objective thread (htmx)": ("objectives/{objective}/", True),
    "objective thread page": ("objectives/{objective}/", False),
    "check-in thread page": ("check-ins/{checkin}/", False),
    "check-in history talk": ("objectives/{objective}/check-ins/", True),
    "mention autocomplete": ("mentions/?q=&objective={objective}", True),
    "mention autocomplete, private": ("mentions/?q=&objective={private}", True),
}


def test_pages_cost_the_same_for_few_and_many_comments(talk, client_for):
    client = {htmx: client_for(talk.team.admin, htmx=htmx) for htmx in (True, False)}
    ids = {"objective": talk.objective.pk, "checkin": talk.checkin.pk, "private": talk.private.pk}

    def measure() -> dict[str, int]:
        counts = {}
        for name, (path, htmx) in PAGES.items():
            with CaptureQueriesContext(connection) as captured:
                response = client[htmx].get(url(talk, path.format(**ids)))
            assert response.status_code == 200, name
            counts[name] = len(captured)
        return counts

    _grow(talk, 3)
    small = measure()
    _grow(talk, 40)
    assert Comment.objects.count() > 80
    assert measure() == small
    # session, user, membership, department roles, the target, then comments, mentions, reactions, the count
    assert small["objective thread (htmx)"] <= 9, small
