"""The tree and the lists are cheap when unchanged: 304 before building, cached bytes per visibility class."""

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connection
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext

from alignment.cache import tree_bytes
from objectives import services as okr
from tests.factories import DepartmentFactory, DepartmentMembershipFactory, KeyResultFactory, ObjectiveFactory

TREE = "/api/v1/companies/acme/alignment/tree/"
PAGE = "/c/acme/alignment/"
FRAGMENT = {"HX-Request": "true", "HX-Target": "tree-results"}


def grow(team, n: int) -> None:
    top = ObjectiveFactory(company=team.company, cycle=team.cycle, title="Top", status="active")
    for i in range(n):
        child = ObjectiveFactory(
            company=team.company,
            cycle=team.cycle,
            department=team.department,
            parent=top,
            status="active",
            title=f"Child {i}",
            private=i == 0,
            owner=team.lead,
        )
        KeyResultFactory(company=team.company, objective=child, progress=0.5)


def count(client, path: str, **headers) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, headers=headers)
    return len(captured), response


@pytest.mark.parametrize("n", [2, 40])
def test_a_matching_etag_answers_304_from_a_constant_handful_of_queries(team, api, api_key, client_for, n):
    grow(team, n)
    key = api(key=api_key(team.company, "read"))
    member = api(team.member)
    for client, budget in ((key, 1), (member, 6)):
        first = client.get(TREE)
        assert first.status_code == 200
        tag = first["ETag"]
        assert first["Cache-Control"] == "private, no-cache"
        queries, response = count(client, TREE, **{"If-None-Match": tag})
        assert response.status_code == 304
        assert response.content == b""
        assert response["ETag"] == tag
        # A key: the key with its company. A member: session, user, membership, department roles, the
        # departments map and whether they own a private objective (their visibility class). Nothing is built.
        assert queries == budget, (client, queries)
        # A cached 200 costs the same as a 304: the bytes come from the cache, equal to the first build.
        queries, cached = count(client, TREE)
        assert cached.status_code == 200
        assert cached.content == first.content
        assert queries == budget
    # Weak and listed forms match too (RFC 9110 weak comparison for If-None-Match).
    tag = key.get(TREE)["ETag"]
    assert key.get(TREE, headers={"If-None-Match": f'"other", W/{tag}'}).status_code == 304
    assert key.get(TREE, headers={"If-None-Match": '"other"'}).status_code == 200


def test_a_write_changes_the_etag_and_the_tree(team, api, frozen_clock, django_capture_on_commit_callbacks):
    grow(team, 2)
    client = api(team.leader)
    first = client.get(TREE)
    child = team.company.objective_set.get(title="Child 1")
    with django_capture_on_commit_callbacks(execute=True):
        okr.objective_update(company=team.company, actor=team.actor(team.admin), objective=child, title="Renamed child")
    second = client.get(TREE, headers={"If-None-Match": first["ETag"]})
    assert second.status_code == 200
    assert second["ETag"] != first["ETag"]
    assert b"Renamed child" in second.content


def test_the_etag_changes_with_the_day(team, api, frozen_clock):
    grow(team, 2)
    client = api(team.leader)
    tag = client.get(TREE)["ETag"]
    frozen_clock.shift(86_400)  # pace and expected progress move daily with no write
    assert client.get(TREE, headers={"If-None-Match": tag}).status_code == 200


def test_readers_who_see_different_objectives_never_share_bytes(team, api, api_key, client_for):
    grow(team, 3)
    outsider_department = DepartmentFactory(company=team.company, name="Support")
    DepartmentMembershipFactory(company=team.company, department=outsider_department, user=team.viewer)
    reader = client_for(team.member)  # a member of Sales reads Sales's private objective
    non_reader = client_for(team.viewer)  # a viewer in Support does not
    for path, headers in (
        (TREE, {}),
        (PAGE, FRAGMENT),
        (PAGE + "?mode=list", FRAGMENT),
        (PAGE + "?mode=map", FRAGMENT),
    ):
        warm = reader.get(path, headers=headers)
        assert b"Child 0" in warm.content, path  # the private one, cached now for the reader's class
        cold = non_reader.get(path, headers=headers)
        assert cold.status_code == 200
        assert b"Child 0" not in cold.content, path
        assert cold["ETag"] != warm["ETag"]
        # The reader's tag gets the non-reader nothing but a fresh build.
        assert non_reader.get(path, headers={**headers, "If-None-Match": warm["ETag"]}).status_code == 200
    # Two leaders see the same objectives: one class, one cache entry, one ETag.
    leader_tag = api(team.leader).get(TREE)["ETag"]
    assert api(team.admin).get(TREE)["ETag"] == leader_tag


def test_members_share_a_class_unless_they_own_a_private_objective(team, client_for):
    grow(team, 2)
    other = DepartmentMembershipFactory(company=team.company, department=team.department, user=team.viewer).user
    # The member and the viewer are both in Sales and own no private objective: they share the cached tree.
    assert client_for(team.member).get(TREE)["ETag"] == client_for(other).get(TREE)["ETag"]
    # The lead owns the private child: the owner rule sets them apart.
    assert client_for(team.lead).get(TREE)["ETag"] != client_for(team.member).get(TREE)["ETag"]


def test_the_page_answers_304_and_serves_cached_html(team, client_for):
    grow(team, 3)
    client = client_for(team.leader)
    client.get(PAGE)  # the first visit sets the CSRF cookie the page's forms carry (part of the page's tag)
    page = client.get(PAGE)
    assert page.status_code == 200
    tag = page["ETag"]
    again = client.get(PAGE, headers={"If-None-Match": tag})
    assert again.status_code == 304
    # The fragment htmx swaps has its own tag (it is shared by the reader's class; the page names the person).
    fragment = client.get(PAGE, headers=FRAGMENT)
    assert fragment["ETag"] != tag
    assert client.get(PAGE, headers={**FRAGMENT, "If-None-Match": fragment["ETag"]}).status_code == 304
    assert fragment.content.decode().strip() in page.content.decode()
    # Another person's page (their name in the header) is not this one.
    assert client_for(team.admin).get(PAGE, headers={"If-None-Match": tag}).status_code == 200
    # A pending flash message is shown, not skipped by a 304.
    storage = CookieStorage(page.wsgi_request)
    storage.add(constants.SUCCESS, "Saved.")
    carrier = HttpResponse()
    storage.update(carrier)
    client.cookies[storage.cookie_name] = carrier.cookies[storage.cookie_name].value
    shown = client.get(PAGE, headers={"If-None-Match": tag})
    assert shown.status_code == 200
    assert b"Saved." in shown.content


def test_children_and_more_pages_answer_304(team, client_for):
    grow(team, 30)
    client = client_for(team.leader)
    top = team.company.objective_set.get(title="Top")
    url = f"/c/acme/alignment/nodes/{top.pk}/children/"
    first = client.get(url, headers={"HX-Request": "true"})
    assert first.content.count(b'class="node"') == 25
    assert b"Show 5 more" in first.content
    assert client.get(url, headers={"HX-Request": "true", "If-None-Match": first["ETag"]}).status_code == 304
    rest = client.get(url + "?offset=25", headers={"HX-Request": "true"})
    assert rest.content.count(b'class="node"') == 5
    assert b"more" not in rest.content.split(b'class="node"')[-1]


def test_lists_answer_304_until_something_changes(team, api, django_capture_on_commit_callbacks):
    grow(team, 3)
    client = api(team.member)
    for path in ("/api/v1/companies/acme/objectives/?page_size=50", "/api/v1/companies/acme/key-results/"):
        first = client.get(path)
        assert first.status_code == 200
        queries, response = count(client, path, **{"If-None-Match": first["ETag"]})
        assert response.status_code == 304
        assert queries == 6  # auth and the visibility class only: the list is not read
        # Another query is another representation.
        assert (
            client.get(path + "&status=active" if "?" in path else path + "?status=active").get("ETag") != first["ETag"]
        )
    first = client.get("/api/v1/companies/acme/objectives/")
    with django_capture_on_commit_callbacks(execute=True):
        okr.objective_update(
            company=team.company,
            actor=team.actor(team.admin),
            objective=team.company.objective_set.get(title="Top"),
            title="Top, renamed",
        )
    assert client.get("/api/v1/companies/acme/objectives/", headers={"If-None-Match": first["ETag"]}).status_code == 200


def test_the_byte_cache_evicts_the_least_recently_used(settings):
    from okrhub.bytecache import ByteCache

    small = ByteCache(prefix="test-lru", max_bytes=10, timeout=60)
    small.set("a", b"12345")
    small.set("b", b"12345")
    small.get("a")
    small.set("c", b"12345")  # over the bound: "b" was used least recently
    assert set(small._local) == {"a", "c"}
    small.clear_local()
    assert small.get("b") == b"12345"  # still in the shared layer
    assert tree_bytes.max_bytes >= 64 * 2**20
