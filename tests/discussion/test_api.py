"""Comments, replies and reactions over the REST API (the role table is in tests/api/endpoints.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from discussion.models import Comment, Mention, Reaction
from objectives.models import Event, Verb
from tests.discussion.conftest import Talk
from tests.factories import MembershipFactory, UserFactory
from tests.helpers import db_state


def api_url(talk: Talk, path: str) -> str:
    return f"/api/v1/companies/{talk.company.slug}/{path}"


def test_post_and_list_a_thread(talk, api):
    client = api(talk.team.member)
    response = client.post(
        api_url(talk, f"objectives/{talk.objective.pk}/comments/"), {"body": "Ping @lead@acme.test"}, format="json"
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["target_kind"] == "objective"
    assert created["author"] == talk.team.member.pk
    assert created["mentions"] == [{"id": talk.team.lead.pk, "display_name": "Lena Lead"}]
    assert created["reactions"] == []
    assert created["deleted"] is False
    reply = api(talk.team.lead).post(api_url(talk, f"comments/{created['id']}/replies/"), {"body": "Here"})
    assert reply.status_code == 201
    assert reply.json()["parent"] == created["id"]
    listed = client.get(api_url(talk, f"objectives/{talk.objective.pk}/comments/")).json()
    assert [row["id"] for row in listed["results"]] == [created["id"], reply.json()["id"]]
    assert listed["next"] is None
    assert Event.objects.filter(verb=Verb.COMMENT_CREATED).count() == 2


def test_a_reply_to_a_reply_joins_the_top_level_comment(talk, api):
    top = talk.comment("Top")
    first = talk.comment("First", parent=top)
    response = api(talk.team.admin).post(api_url(talk, f"comments/{first.pk}/replies/"), {"body": "Second"})
    assert response.json()["parent"] == top.pk


def test_threads_of_key_results_and_checkins(talk, api):
    client = api(talk.team.lead)
    kr = client.post(api_url(talk, f"key-results/{talk.kr.pk}/comments/"), {"body": "KR"}).json()
    checkin = client.post(api_url(talk, f"check-ins/{talk.checkin.pk}/comments/"), {"body": "CI"}).json()
    assert (kr["target_kind"], kr["key_result"], kr["checkin"]) == ("key_result", talk.kr.pk, None)
    assert (checkin["target_kind"], checkin["checkin"], checkin["objective"]) == (
        "checkin",
        talk.checkin.pk,
        talk.objective.pk,
    )
    assert [r["body"] for r in client.get(api_url(talk, f"key-results/{talk.kr.pk}/comments/")).json()["results"]] == [
        "KR"
    ]


def test_posting_is_idempotent_with_a_key(talk, api):
    client = api(talk.team.member)
    path = api_url(talk, f"objectives/{talk.objective.pk}/comments/")
    first = client.post(path, {"body": "Once"}, headers={"Idempotency-Key": "abc"})
    again = client.post(path, {"body": "Once"}, headers={"Idempotency-Key": "abc"})
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert Comment.objects.count() == 1
    assert Event.objects.count() == 1


def test_delete_honours_if_match_and_keeps_the_place(talk, api):
    comment = talk.comment("Mine")
    client = api(talk.team.member)
    path = api_url(talk, f"comments/{comment.pk}/")
    etag = client.get(path)["ETag"]
    assert client.delete(path, headers={"If-Match": '"stale"'}).status_code == 412
    assert client.delete(path, headers={"If-Match": etag}).status_code == 204
    after = client.get(path).json()
    assert (after["deleted"], after["body"]) == (True, "")
    assert after["deleted_at"] is not None


def test_reactions_add_and_remove_idempotently(talk, api):
    comment = talk.comment("Shipped")
    client = api(talk.team.lead)
    path = api_url(talk, f"comments/{comment.pk}/reactions/")
    added = client.post(path, {"kind": "rocket"})
    assert added.status_code == 201
    assert added.json() == {
        "results": [{"kind": "rocket", "emoji": "🚀", "count": 1, "mine": True, "user_ids": [talk.team.lead.pk]}]
    }
    assert client.post(path, {"kind": "rocket"}).status_code == 200
    assert Reaction.objects.count() == 1
    assert Event.objects.filter(verb=Verb.REACTION_ADDED).count() == 1
    assert api(talk.team.viewer).get(path).json()["results"][0]["mine"] is False
    assert client.delete(f"{path}rocket/").status_code == 204
    assert client.delete(f"{path}rocket/").status_code == 204
    assert not Reaction.objects.exists()
    listed = client.get(api_url(talk, f"objectives/{talk.objective.pk}/comments/")).json()["results"]
    assert listed[0]["reactions"] == []


def test_checkin_reactions(talk, api):
    path = api_url(talk, f"check-ins/{talk.checkin.pk}/reactions/")
    assert api(talk.team.admin).post(path, {"kind": "heart"}).status_code == 201
    assert api(talk.team.member).get(path).json()["results"][0]["user_ids"] == [talk.team.admin.pk]


def test_an_unknown_kind_in_the_path_is_400_naming_kind(talk, api):
    comment = talk.comment("Shipped")
    before = db_state()
    response = api(talk.team.lead).delete(api_url(talk, f"comments/{comment.pk}/reactions/poop/"))
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["kind"]
    assert db_state() == before


def test_api_keys_comment_but_do_not_react(talk, api, api_key):
    client = api(key=api_key(talk.company, "write"))
    comment = client.post(api_url(talk, f"objectives/{talk.objective.pk}/comments/"), {"body": "From the CRM"})
    assert comment.status_code == 201
    assert comment.json()["author"] is None
    refused = client.post(api_url(talk, f"comments/{comment.json()['id']}/reactions/"), {"kind": "heart"})
    assert refused.status_code == 403
    assert "API key" in refused.json()["detail"]


def test_unknown_query_parameters_are_refused(talk, api):
    response = api(talk.team.member).get(api_url(talk, f"objectives/{talk.objective.pk}/comments/?mine=1"))
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["mine"]


@pytest.mark.parametrize("who", ["member", "viewer", "read_key", "write_key"])
def test_a_private_objectives_comments_are_404_to_those_who_may_not_read_it(talk, api, api_key, who):
    hidden = talk.comment("Offer 40M", by="leader", target=talk.target("objective", private=True))
    on_checkin = talk.comment("Term sheet", by="leader", target=talk.target("checkin", private=True))
    if who.endswith("_key"):
        client = api(key=api_key(talk.company, who.removesuffix("_key")))
    else:
        client = api(getattr(talk.team, who))
    before = db_state()
    for method, path, body in [
        ("get", f"objectives/{talk.private.pk}/comments/", None),
        ("post", f"objectives/{talk.private.pk}/comments/", {"body": "hi"}),
        ("get", f"key-results/{talk.private_kr.pk}/comments/", None),
        ("get", f"check-ins/{talk.private_checkin.pk}/comments/", None),
        ("get", f"check-ins/{talk.private_checkin.pk}/reactions/", None),
        ("post", f"check-ins/{talk.private_checkin.pk}/reactions/", {"kind": "heart"}),
        ("get", f"comments/{hidden.pk}/", None),
        ("delete", f"comments/{hidden.pk}/", None),
        ("post", f"comments/{on_checkin.pk}/replies/", {"body": "hi"}),
        ("get", f"comments/{hidden.pk}/reactions/", None),
        ("delete", f"comments/{hidden.pk}/reactions/eyes/", None),
    ]:
        response = (
            getattr(client, method)(api_url(talk, path), body) if body else getattr(client, method)(api_url(talk, path))
        )
        assert response.status_code == 404, (method, path, response.content)
        assert "40M" not in response.content.decode()
    assert db_state() == before


def test_the_schema_describes_the_conversation_with_examples(api, talk):
    schema = api(talk.team.admin).get("/api/v1/schema/?format=json").json()
    paths = schema["paths"]
    post = paths["/api/v1/companies/{slug}/objectives/{id}/comments/"]["post"]
    examples = post["requestBody"]["content"]["application/json"]["examples"]
    assert any("@" in example["value"]["body"] for example in examples.values())
    assert "201" in post["responses"]
    for path in (
        "/api/v1/companies/{slug}/key-results/{id}/comments/",
        "/api/v1/companies/{slug}/check-ins/{id}/comments/",
        "/api/v1/companies/{slug}/comments/{id}/",
        "/api/v1/companies/{slug}/comments/{id}/replies/",
        "/api/v1/companies/{slug}/comments/{id}/reactions/",
        "/api/v1/companies/{slug}/comments/{id}/reactions/{kind}/",
        "/api/v1/companies/{slug}/check-ins/{id}/reactions/",
        "/api/v1/companies/{slug}/check-ins/{id}/reactions/{kind}/",
    ):
        assert path in paths, path
    kind = next(
        p
        for p in paths["/api/v1/companies/{slug}/comments/{id}/reactions/{kind}/"]["delete"]["parameters"]
        if p["name"] == "kind"
    )
    assert sorted(kind["schema"]["enum"]) == ["celebrate", "eyes", "heart", "rocket", "thumbs_up"]


# ---------------------------------------------------------------- query counts


def _grow(talk: Talk, n: int) -> None:
    users = [MembershipFactory(company=talk.company, user=UserFactory()).user for _ in range(3)]
    top = talk.comment("top")
    for i in range(n):
        comment = talk.comment(f"@lead@acme.test {i}", parent=top if i % 2 else None)
        Mention.objects.create(company=talk.company, comment=comment, user=talk.team.lead)
        for user in users:
            Reaction.objects.create(company=talk.company, comment=comment, user=user, kind="eyes")
    # Reactions on the check-in grow too: one per new person.
    extra = [MembershipFactory(company=talk.company, user=UserFactory()).user for _ in range(n)]
    Reaction.objects.bulk_create(
        Reaction(company=talk.company, checkin=talk.checkin, user=user, kind="rocket") for user in extra
    )


@pytest.mark.parametrize("who", ["member", "key"])
def test_lists_cost_the_same_for_few_and_many(talk, api, api_key, who):
    client = api(talk.team.member) if who == "member" else api(key=api_key(talk.company, "read"))
    paths = [
        f"objectives/{talk.objective.pk}/comments/?page_size=200",
        f"check-ins/{talk.checkin.pk}/reactions/",
        "comments/{comment}/",
        "comments/{comment}/reactions/",
    ]

    def measure() -> dict[str, int]:
        comment = Comment.objects.filter(parent=None).order_by("-id").first().pk
        counts = {}
        for path in paths:
            with CaptureQueriesContext(connection) as captured:
                response = client.get(api_url(talk, path.format(comment=comment)))
            assert response.status_code == 200, response.content
            counts[path] = len(captured)
        return counts

    _grow(talk, 3)
    client.get("/api/v1/me/")  # the session's first request may write; measure steady state
    small = measure()
    _grow(talk, 60)
    large = measure()
    assert large == small
    assert len(client.get(api_url(talk, paths[0])).json()["results"]) == 65
