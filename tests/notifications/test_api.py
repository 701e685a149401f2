"""The notifications API: list, unread count, mark read, preferences; a person's own only."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.models import EmailMode, Notification, NotificationPreference, Reason
from objectives.models import Objective, Verb
from tests.notifications.conftest import comment
from tests.notifications.test_views import _grow

API = "/api/v1/companies/acme/notifications/"


@pytest.fixture
def told(okrs, commit):
    """Two mentions of the member (oldest first) and a reaction to the lead's comment."""
    team = okrs.team
    first = comment(commit, okrs, by=team.lead, target=okrs.sales_goal, mentioned=(team.member,), comment_id=1)
    second = comment(commit, okrs, by=team.viewer, target=okrs.kr, mentioned=(team.member,), comment_id=2)
    commit(
        Verb.REACTION_ADDED,
        team,
        by=team.member,
        objective=okrs.sales_goal,
        subject=("reaction", 1),
        payload={"target_kind": "comment", "target_id": 1, "target_author_id": team.lead.pk},
    )
    return [Notification.objects.get(event=event, user=team.member) for event in (first, second)]


def test_list_newest_first_with_words_links_and_the_unread_filter(okrs, told, api):
    client = api(okrs.team.member)
    body = client.get(API).json()
    assert [item["id"] for item in body["results"]] == [told[1].pk, told[0].pk]
    item = body["results"][0]
    assert item["reason"] == "mention"
    assert item["verb"] == "comment.created"
    assert item["unread"] is True
    assert item["text"].endswith("mentioned you in a comment on “Sign 40 customers”")
    assert item["url"] == f"http://testserver/c/acme/key-results/{okrs.kr.pk}/#comment-2" or item["url"].endswith(
        f"/c/acme/key-results/{okrs.kr.pk}/#comment-2"
    )
    assert item["key_result"] == okrs.kr.pk
    assert item["objective"] == okrs.sales_goal.pk
    assert item["actor"] == okrs.team.viewer.pk
    Notification.objects.filter(pk=told[0].pk).update(read_at="2026-11-25T10:00:00Z")
    assert [i["id"] for i in client.get(API, {"unread": "true"}).json()["results"]] == [told[1].pk]
    assert [i["id"] for i in client.get(API, {"unread": "false"}).json()["results"]] == [told[0].pk]
    paged = client.get(API, {"page_size": 1}).json()
    assert len(paged["results"]) == 1
    assert paged["next"]
    assert [i["id"] for i in client.get(paged["next"]).json()["results"]] == [told[0].pk]


def test_unread_count_mark_read_and_read_all(okrs, told, api):
    client = api(okrs.team.member)
    assert client.get(f"{API}unread-count/").json() == {"unread": 2, "capped": False, "label": "2"}
    response = client.post(f"{API}{told[0].pk}/read/")
    assert response.status_code == 200
    assert response.json()["unread"] is False
    assert response.json()["read_at"]
    assert client.post(f"{API}{told[0].pk}/read/").status_code == 200  # again: harmless
    assert client.get(f"{API}unread-count/").json()["unread"] == 1
    assert client.post(f"{API}read-all/").json() == {"marked": 1}
    assert client.get(f"{API}unread-count/").json() == {"unread": 0, "capped": False, "label": ""}
    # The lead's reaction notification is untouched.
    assert Notification.objects.get(user=okrs.team.lead).read_at is None


def test_another_persons_notification_is_404_and_keys_are_refused(okrs, told, api, api_key):
    lead = api(okrs.team.lead)
    assert lead.post(f"{API}{told[0].pk}/read/").status_code == 404
    assert lead.post(f"{API}987654321/read/").status_code == 404
    assert [i["reason"] for i in lead.get(API).json()["results"]] == ["reaction"]
    assert Notification.objects.get(pk=told[0].pk).read_at is None
    key = api(key=api_key(okrs.team.company, "write"))
    for method, path in (
        ("get", API),
        ("get", f"{API}unread-count/"),
        ("post", f"{API}read-all/"),
        ("post", f"{API}{told[0].pk}/read/"),
        ("get", f"{API}preferences/"),
    ):
        response = getattr(key, method)(path)
        assert response.status_code == 403, path
        assert response.json()["code"] == "permission_denied"


def test_another_companys_member_gets_404(okrs, told, other_team, api):
    intruder = api(other_team.admin)
    assert intruder.get(API).status_code == 404
    assert intruder.post(f"{API}{told[0].pk}/read/").status_code == 404
    assert intruder.post(f"/api/v1/companies/globex/notifications/{told[0].pk}/read/").status_code == 404
    assert intruder.get("/api/v1/companies/globex/notifications/").json()["results"] == []


def test_a_notification_about_an_objective_no_longer_readable_is_gone(okrs, told, api):
    Objective.objects.filter(pk=okrs.sales_goal.pk).update(private=True)
    okrs.team.member.department_memberships.all().delete()
    client = api(okrs.team.member)
    assert client.get(API).json()["results"] == []
    assert client.get(f"{API}unread-count/").json()["unread"] == 0
    assert client.post(f"{API}{told[0].pk}/read/").status_code == 404


def test_preferences_read_and_change(okrs, api):
    client = api(okrs.team.member)
    response = client.get(f"{API}preferences/")
    body = response.json()
    assert body["mention"] == {"label": "Mentions of you", "in_app": True, "email": "immediate"}
    assert body["laddered"]["email"] == "digest"
    etag = response["ETag"]
    changed = client.patch(
        f"{API}preferences/", {"mention": {"email": "digest"}, "reaction": {"in_app": False}}, HTTP_IF_MATCH=etag
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["mention"]["email"] == "digest"
    assert changed.json()["reaction"] == {"label": "Reactions to your OKRs", "in_app": False, "email": "digest"}
    stale = client.patch(f"{API}preferences/", {"mention": {"email": "off"}}, HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert NotificationPreference.objects.get(user=okrs.team.member, reason="mention").email == EmailMode.DIGEST


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"mention": {"email": "hourly"}}, "mention.email"),
        ({"mention": {"in_app": "maybe"}}, "mention.in_app"),
        ({"mention": {"loud": True}}, "mention.loud"),
        ({"shouting": {"email": "off"}}, "shouting"),
        ({"mention": "off"}, "mention"),
        ({"reply": {"email": "off"}, "mention": {"email": "nope"}}, "mention.email"),
    ],
)
def test_bad_preferences_name_the_field_and_change_nothing(okrs, api, body, field):
    client = api(okrs.team.member)
    response = client.patch(f"{API}preferences/", body)
    assert response.status_code == 400, response.content
    assert field in {error["field"] for error in response.json()["errors"]}, response.json()
    assert not NotificationPreference.objects.exists()


def test_unknown_query_parameters_are_refused(okrs, api):
    response = api(okrs.team.member).get(API, {"reason": "mention"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "reason"


@pytest.mark.parametrize("who", ["member", "admin"])
def test_list_and_count_cost_the_same_for_3_and_300_notifications(okrs, api, who):
    team = okrs.team
    Objective.objects.filter(pk=okrs.company_goal.pk).update(private=True)
    user = getattr(team, who)
    client = api(user)
    client.get("/api/v1/me/")

    def measure() -> dict[str, int]:
        counts = {}
        for name, url in {
            "list": f"{API}?page_size=200",
            "unread": f"{API}?unread=true",
            "count": f"{API}unread-count/",
        }.items():
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            counts[name] = len(captured)
        return counts

    _grow(okrs, 3)
    Notification.objects.filter(user=team.member).update(user=user)
    small = measure()
    _grow(okrs, 300)
    Notification.objects.filter(user=team.member).update(user=user)
    assert measure() == small
    # session, user, membership, department roles (+ departments), the page, the parents of laddered objectives
    assert max(small.values()) <= 7, small


def test_the_schema_describes_the_endpoints(api, okrs):
    schema = api(okrs.team.member).get("/api/v1/schema/?format=json").json()
    paths = schema["paths"]
    base = "/api/v1/companies/{slug}/notifications/"
    assert {base, f"{base}unread-count/", f"{base}read-all/", f"{base}preferences/", f"{base}{{id}}/read/"} <= set(
        paths
    )
    assert paths[f"{base}preferences/"]["patch"]["requestBody"]["content"]["application/json"]["examples"]
    assert set(Reason.values) <= set(schema["components"]["schemas"]["PatchedPreferencesUpdateRequest"]["properties"])
