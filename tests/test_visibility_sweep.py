"""Private-objective visibility over every URL of the project, found from the URL resolver.

A company ("acme") holds a private company objective with a distinctive title
(:data:`MARKER`). A public department objective ladders up to it and depends
on it, and a key result on it is owned by a member who may not read it. For
every route, filled with the public child's objects and then with the private
objective's own, each person or key that may not read the private objective
reads it (GET, plain and with the picker/filter parameters; pages also as
htmx) and the answer never contains the marker. The check-in reminder and
the weekly digest written for such a person, and the export, are checked the
same way.

Routes come from the resolver, so a new URL is covered automatically; a route
or a parameter this sweep does not know how to fill fails it until taught
(the filling is shared with ``tests/test_tenant_sweep.py``).
"""

import datetime
from dataclasses import dataclass

import pytest
from django.core import mail
from django.test import Client
from django.urls import resolve
from django.utils import timezone

from companies.tenancy import Actor
from conftest import make_team
from discussion.models import Comment, Reaction
from insights import snapshots
from notifications import emails, reminders
from notifications.models import Notification
from objectives import services as okr
from objectives.models import CheckIn, KeyResult, Objective, ObjectiveStatus, PeriodicEmail
from tests.api.conftest import World, build_world
from tests.factories import KeyResultFactory, ObjectiveFactory
from tests.test_tenant_sweep import SEARCH_ROUTES, Side, _kind, all_routes, fill, seed_notifications

MARKER = "zq-private-marker"

#: The view modules of every app with routes: the sweep must reach each (a move that hides one fails it).
VIEW_MODULES = {
    "alignment.views",
    "companies.views",
    "companies.api.views",
    "departments.views",
    "departments.api.views",
    "objectives.views.checkins",
    "objectives.views.dependencies",
    "objectives.views.grading",
    "objectives.views.hints",
    "objectives.views.key_results",
    "objectives.views.objectives",
    "objectives.views.retrospectives",
    "objectives.views.planning",
    "objectives.views.report",
    "objectives.views.transfer",
    "objectives.views.weekly",
    "objectives.views.activity",
    "objectives.api.views",
    "objectives.api.planning",
    "objectives.api.report",
    "onboarding.views",
    "onboarding.api",
    "notifications.views",
    "notifications.api.views",
    "explore.views",
    "explore.api.views",
    "discussion.views",
    "discussion.api.views",
    "insights.views",
    "insights.api.views",
    "chat.views",
}

#: The search routes are also asked for the private objective's words (title, description, key result),
#: in every kind and cycle. Never a word of the marker itself: a result marks the words found, which
#: would split the marker in the page and hide a leak from this sweep.
SEARCH_QUERIES = [
    "?q=grow",
    "?q=win accounts&kind=key_result",
    "?q=plan&kind=objective&cycle=all",
    "?kind=all&cycle=all&page=all",
    "?kind=objective&department=&owner=&status=on_track",
]

#: People and keys that may not read a private company objective they do not own.
SESSION_ROLES = ("member", "lead", "viewer", "extra")
KEY_ROLES = ("read_key", "write_key")


@dataclass
class Private:
    world: World
    objective: Objective
    key_result: KeyResult
    checkin: CheckIn
    notifications: dict[int, Notification]  # by person: a mention in a comment on the private objective
    comment: Comment


@dataclass
class PrivateSide(Side):
    """The tenant sweep's filling, pointed at the private objective and its key result."""

    private: Private | None = None

    def objects(self) -> dict:
        objects = super().objects()
        if self.private is not None:
            objects["objective"] = self.private.objective.pk
            objects["key_result"] = self.private.key_result.pk
            objects["checkin"] = self.private.checkin.pk
            objects["notification"] = self.private.notifications[self.world.team.member.pk].pk
            objects["comment"] = self.private.comment.pk
        return objects


@pytest.fixture
def private(db) -> Private:
    world = build_world(make_team("acme"))
    team = world.team
    hidden = world.company_objective  # sales_objective (public) ladders up to it and depends on it
    Objective.objects.filter(pk=hidden.pk).update(
        private=True, title=f"Grow revenue {MARKER}", description=f"Plan {MARKER}"
    )
    hidden.refresh_from_db()
    kr = KeyResultFactory(company=team.company, objective=hidden, owner=team.member, title=f"Win {MARKER} accounts")
    # Written by the member who owns the key result but may not read its objective: the correction routes
    # must still answer "no such check-in" to them.
    checkin = CheckIn.objects.create(
        company=team.company, key_result=kr, author=team.member, value=3, confidence="on_track", note=f"Met {MARKER}"
    )
    # Its story in the event table: a check-in, an edit, and events of the public child that name it
    # (a dependency's payload carries its title; a re-parenting names it). The feed must show none of it.
    admin = team.actor(team.admin)
    okr.checkin_create(company=team.company, actor=admin, key_result=kr, value=5, confidence="on_track", note=MARKER)
    okr.objective_update(company=team.company, actor=admin, objective=hidden, description=f"New plan {MARKER}")
    okr.dependency_delete(company=team.company, actor=admin, dependency=world.dependency)
    world.dependency = okr.dependency_create(
        company=team.company, actor=admin, from_objective=world.sales_objective, to_objective=hidden, note="funding"
    )
    # Shared key results both ways: the private key result followed by the public child (its page and the
    # API's list must leave it out), and the child's key result followed by the private objective ("Shared
    # with" and the event's sentence must not name it).
    okr.shared_key_result_create(company=team.company, actor=admin, objective=world.sales_objective, key_result=kr)
    okr.shared_key_result_create(company=team.company, actor=admin, objective=hidden, key_result=world.kr)
    okr.objective_update(company=team.company, actor=admin, objective=world.sales_objective, parent=None)
    okr.objective_update(company=team.company, actor=admin, objective=world.sales_objective, parent=hidden)
    # The planning cycle (the sweep's <cycle_id>): a public Sales draft ladders to a private company objective,
    # so the planning board must name its parent without its title.
    planned = ObjectiveFactory(
        company=team.company, cycle=world.planning_cycle, owner=team.leader, private=True, title=f"Plan {MARKER}"
    )
    ObjectiveFactory(
        company=team.company,
        cycle=world.planning_cycle,
        department=team.department,
        parent=planned,
        owner=team.member,
        status=ObjectiveStatus.DRAFT,
        title="Public draft",
    )
    PeriodicEmail.objects.create(company=team.company, user=team.admin, kind="digest", period=datetime.date(2026, 1, 5))
    # A day of history, so the dashboards' charts and the history export hold the private objective too.
    snapshots.snapshot_day(company=team.company, day=datetime.date(2026, 11, 14))
    # Everyone is mentioned on the public child, and on the private objective, the comment quoting its title.
    seed_notifications(world, objective=world.sales_objective, excerpt="Public words")
    told = seed_notifications(world, objective=hidden, excerpt=f"About {MARKER}")
    # The conversation on it: a comment on the objective, and a comment on the check-in.
    comment = Comment.objects.create(
        company=team.company, objective=hidden, author=team.leader, body=f"Board says {MARKER}"
    )
    Comment.objects.create(
        company=team.company, objective=hidden, key_result=kr, checkin=checkin, author=team.admin, body=f"{MARKER} too"
    )
    Reaction.objects.create(company=team.company, user=team.admin, comment=comment, kind="eyes")
    return Private(
        world=world,
        objective=hidden,
        key_result=kr,
        checkin=checkin,
        notifications={n.user_id: n for n in told},
        comment=comment,
    )


def _body(response) -> str:
    body = b"".join(response) if response.streaming else response.content
    return body.decode(errors="replace").lower()


def _clients(private: Private) -> dict[str, Client]:
    world = private.world
    clients: dict[str, Client] = {}
    users = {"member": world.team.member, "lead": world.team.lead, "viewer": world.team.viewer}
    users["extra"] = world.extra.user
    for role in SESSION_ROLES:
        client = Client()
        client.force_login(users[role])
        clients[role] = client
    for role in KEY_ROLES:
        clients[role] = Client(headers={"Authorization": f"Api-Key {world.secrets[role]}"})
    return clients


def _queries(private: Private) -> list[str]:
    """Plain, and with every parameter the pickers, hints and filters read, naming the private objective."""
    world = private.world
    params = {
        "department": world.team.department.pk,
        "cycle": world.team.cycle.pk,
        "objective": private.objective.pk,
        "parent": private.objective.pk,
        "key_result": private.key_result.pk,
        "parent_search": "grow",
        "include_drafts": "1",
        "q": "grow",
        "search": "grow",
        "title": "grow",
    }
    # The alignment tree's modes (ignored by every other page): the map, opened as far as it goes (the
    # compact list draws the same forest: tests/alignment/test_tree_modes.py checks it for privacy too).
    params |= {"mode": "map", "expand": "all"}
    return ["", "?" + "&".join(f"{name}={value}" for name, value in params.items())]


def test_no_route_shows_a_private_objective_to_those_who_may_not_read_it(private):
    world = private.world
    slug = world.slug
    public = Side(world=world, department_slug="sales")
    hidden = PrivateSide(world=world, department_slug="sales", private=private)
    routes = all_routes()
    kinds = {route: _kind(route) for route in routes}  # an unknown kind of route fails here
    clients = _clients(private)
    queries = _queries(private)
    failures: list[str] = []
    tried = 0
    reached: set[str] = set()
    for route in routes:
        kind = kinds[route]
        if route.endswith("logout/"):
            continue
        # Admin routes name the admin's own objects; these people are no operators: any id will do.
        paths = {fill(route, side, slug=slug, missing=kind == "admin") for side in (public, hidden)}
        for role, client in clients.items():
            if role in KEY_ROLES and kind != "api":
                continue  # keys reach the API only; pages send them to the login page
            for path in sorted(paths):
                if kind != "admin":
                    reached.add(resolve(path).func.__module__)
                for query in queries + (SEARCH_QUERIES if route.startswith(SEARCH_ROUTES) else []):
                    variants = [{}] + ([{"HX-Request": "true"}] if kind == "page" and query else [])
                    for headers in variants:
                        tried += 1
                        response = client.get(path + query, headers=headers)
                        label = f"{role} GET {path}{query}{' (htmx)' if headers else ''} ({route})"
                        if response.status_code >= 500:
                            failures.append(f"{label}: {response.status_code}")
                        if MARKER in _body(response):
                            failures.append(f"{label}: shows the private objective")
    assert not failures, "\n".join(failures)
    assert not VIEW_MODULES - reached, VIEW_MODULES - reached
    covered = [route for route in routes if not route.endswith("logout/")]
    assert len(covered) >= 100, len(covered)
    assert tried > 1000, tried
    print(f"visibility sweep: {len(covered)} routes x {len(clients)} roles, {tried} requests")


def test_the_marker_is_there_for_those_who_may_read_it(private, client_for):
    """The sweep's control: a leader reads the private objective, its child names it, its picker lists it."""
    world = private.world
    leader = client_for(world.team.leader)
    assert MARKER in _body(leader.get(f"/c/{world.slug}/notifications/"))
    assert MARKER in _body(leader.get(f"/c/{world.slug}/objectives/{private.objective.pk}/"))
    assert MARKER in _body(leader.get(f"/c/{world.slug}/objectives/{world.sales_objective.pk}/"))
    assert MARKER in _body(leader.get(f"/c/{world.slug}/objectives/new/?department={world.team.department.pk}"))
    for path in ("search/?q=grow", "search/?q=win accounts&kind=key_result", "search/export.csv?kind=all"):
        assert MARKER in _body(leader.get(f"/c/{world.slug}/{path}")), path
    assert MARKER in _body(leader.get(f"/api/v1/companies/{world.slug}/search/?q=grow"))
    # ...and its conversation: the thread, the check-in's thread, the comment through the API.
    assert MARKER in _body(leader.get(f"/c/{world.slug}/discussion/objectives/{private.objective.pk}/"))
    assert MARKER in _body(leader.get(f"/c/{world.slug}/discussion/check-ins/{private.checkin.pk}/"))
    assert MARKER in _body(leader.get(f"/api/v1/companies/{world.slug}/comments/{private.comment.pk}/"))
    # The feed carries its check-in and the dependency naming it, page and API alike.
    assert MARKER in _body(leader.get(f"/c/{world.slug}/activity/"))
    assert _body(leader.get(f"/api/v1/companies/{world.slug}/events/")).count(MARKER) >= 3


def test_emails_show_no_private_objective_to_those_who_may_not_read_it(private):
    world = private.world
    company = world.team.company
    now = timezone.now()
    for user in (world.team.member, world.team.viewer, world.team.lead):
        digest = reminders.weekly_digest(
            company=company,
            actor=Actor.for_user(company, user),
            since=now - datetime.timedelta(days=30),
            until=now,
        )
        assert MARKER not in repr(digest).lower(), user.email
    mail.outbox.clear()
    period = reminders.latest_period(company, now)
    assert reminders.send_checkin_reminder(company=company, user_id=world.team.member.pk, period=period)
    (message,) = mail.outbox
    text = (message.subject + message.body + "".join(str(a[0]) for a in message.alternatives)).lower()
    assert world.kr.title.lower() in text  # the key result they may read is there
    assert MARKER not in text


def test_notification_emails_show_no_private_objective_to_those_who_may_not_read_it(private):
    world = private.world
    company = world.team.company
    now = timezone.now()
    Notification.objects.filter(company=company).update(email="immediate")
    mail.outbox.clear()
    for user in (world.team.member, world.team.viewer, world.team.lead, world.extra.user, world.team.leader):
        hidden = private.notifications[user.pk]
        public = Notification.objects.filter(company=company, user=user).exclude(pk=hidden.pk).get()
        # The one about the private objective is not sent at all to those who may not read it.
        assert emails.send_immediate(company=company, notification_id=hidden.pk) == (user == world.team.leader)
        assert emails.send_immediate(company=company, notification_id=public.pk)
    Notification.objects.filter(company=company).update(email="digest", emailed_at=None)
    for user in (world.team.member, world.team.viewer, world.team.lead, world.extra.user):
        assert emails.send_digest(company=company, user_id=user.pk, day=now.date(), now=now)
    assert len(mail.outbox) == 5 + 1 + 4
    shown_to = set()
    for message in mail.outbox:
        text = (message.subject + message.body + "".join(str(a[0]) for a in message.alternatives)).lower()
        assert "public words" in text or MARKER in text
        if MARKER in text:
            shown_to.add(message.to[0])
    assert shown_to == {world.team.leader.email}  # the control: the one who may read it is told


def test_reminder_skips_only_unreadable_key_results(private):
    """The owner of nothing but a key result on a private objective they may not read gets no reminder."""
    world = private.world
    company = world.team.company
    KeyResult.objects.filter(pk=world.kr.pk).update(owner=world.team.lead)
    mail.outbox.clear()
    period = reminders.latest_period(company, timezone.now())
    assert not reminders.send_checkin_reminder(company=company, user_id=world.team.member.pk, period=period)
    assert not mail.outbox


def test_export_is_for_admins_only(private):
    """The export carries private objectives, so none of those who may not read them gets it."""
    clients = _clients(private)
    for role, client in clients.items():
        for path in ("export/", "export/csv/"):
            response = client.get(f"/api/v1/companies/{private.world.slug}/{path}")
            assert response.status_code == 403, (role, path)
            assert MARKER not in _body(response)
