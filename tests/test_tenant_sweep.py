"""Tenant isolation over every URL of the project, found from the URL resolver.

Company A ("acme") is seeded with distinctive titles; company B ("globex")
attacks it. For every route:

- filled with A's slug or A's objects, as B's admin (session), with B's write
  key, and anonymously, every method answers exactly what a *missing* object
  answers (404, or 405 where the route does not take the method; anonymous:
  the login redirect or 401), the body never mentions A, and the database is
  unchanged;
- filled with B's own objects, B's admin reads it without a trace of A.

A new URL is covered automatically; a parameter this file does not know how
to fill fails the test, so it has to be taught here.
"""

import datetime
import re
from dataclasses import dataclass

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.cache import cache
from django.db.models import Value
from django.db.models.functions import Concat
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern
from django.utils import timezone

from companies.models import Company, CompanyAPIKey, Membership, User
from companies.tenancy import Actor
from conftest import make_team
from departments.models import Department, DepartmentMembership
from discussion.models import Comment
from insights import snapshots
from notifications import emails, reminders
from notifications.models import Notification, Reason
from objectives import services as okr
from objectives.models import CheckIn, Cycle, Dependency, Event, KeyResult, Objective, PeriodicEmail, Verb
from tests.api.conftest import World, build_world
from tests.factories import DepartmentFactory, KeyResultFactory
from tests.helpers import db_state
from webhooks.models import Endpoint

MARKERS = ("acme-secret", "@acme.test")
MISSING_ID = 987654321
API_METHODS = ("get", "post", "patch", "delete")
PAGE_METHODS = ("get", "post")

#: The search routes (page, downloads, API) take only their own parameters: they are also asked for A's
#: name and words in every kind and cycle, so a search that reached across companies would show them.
SEARCH_ROUTES = ("c/<slug:company_slug>/search/", "api/v1/companies/<slug:slug>/search/")
SEARCH_QUERIES = ("?q=acme&kind=all&cycle=all", "?q=acme secret", "?kind=person", "?kind=department&cycle=all")

#: Routes that name no company and no object, with what any signed-in caller may see.
GLOBAL_ROUTES = {
    "",
    "accounts/login/",
    "accounts/logout/",
    "accounts/password-reset/",
    "accounts/password-reset/sent/",
    "accounts/reset/<uidb64>/<token>/",
    "accounts/reset/done/",
    "accounts/profile/",
    "accounts/signup/",
    "accounts/signup/sent/",
    "accounts/verify/resend/",
    "accounts/verify/<str:token>/",
    "invitations/<str:token>/",
    "healthz",
    "reminders/unsubscribe/<str:token>/",
    # What Slack calls: signed with the app's secret, the company comes from the workspace (tests/chat/).
    "integrations/slack/oauth/callback/",
    "integrations/slack/interactions/",
    "integrations/slack/commands/",
    "api/v1/schema/",
    "api/v1/docs/",
    "api/v1/redoc/",
    "api/v1/me/",
    r"api/v1/<regex:^[\s\S]*$>",
}

#: The object a ``pk`` stands for, by the path segment in front of it.
PK_OWNERS = {
    "cycles": "cycle",
    "objectives": "objective",
    "key-results": "key_result",
    "check-ins": "checkin",
    "dependencies": "dependency",
    "departments": "department",
    "members": "membership",
    "invitations": "invitation",
    "notifications": "notification",
    "comments": "comment",
    "webhooks": "webhook_endpoint",
    "webhook-deliveries": "webhook_delivery",
}


@dataclass
class Side:
    world: World
    department_slug: str

    @property
    def company(self) -> Company:
        return self.world.team.company

    def objects(self) -> dict:
        w = self.world
        return {
            "cycle": w.planning_cycle.pk,
            "objective": w.sales_objective.pk,
            "key_result": w.kr.pk,
            "checkin": w.checkin.pk,
            "dependency": w.dependency.pk,
            "department": w.team.department.pk,
            "membership": w.extra.pk,
            "invitation": w.invitation.pk,
            "notification": first_notification(self.company),
            "comment": w.comment.pk,
            "webhook_endpoint": w.webhook_endpoint.pk,
            "webhook_delivery": w.webhook_delivery.pk,
        }


def first_notification(company: Company) -> int:
    """The company's first notification (the seeds make one per person; see :func:`seed_notifications`)."""
    found = Notification.objects.filter(company=company).order_by("id").values_list("id", flat=True).first()
    assert found is not None, "seed notifications first (seed_notifications)"
    return found


def seed_notifications(world: World, *, objective: Objective, excerpt: str) -> list[Notification]:
    """A comment on ``objective`` mentioning everyone of the world's company: one unread notification each."""
    company = world.team.company
    people = [world.team.admin, world.team.leader, world.team.lead, world.team.member, world.team.viewer]
    people.append(world.extra.user)
    event = Event.objects.create(
        company=company,
        actor=world.team.admin,
        verb=Verb.COMMENT_CREATED,
        subject_kind="comment",
        subject_id=1,
        objective=objective,
        key_result=world.kr if world.kr.objective_id == objective.pk else None,
        payload={
            "comment_id": 1,
            "target_kind": "objective",
            "target_id": objective.pk,
            "body_excerpt": excerpt,
            "objective_title": objective.title,
        },
    )
    return Notification.objects.bulk_create(
        Notification(company=company, user=person, event=event, reason=Reason.MENTION) for person in people
    )


def route_text(pattern) -> str:
    if isinstance(pattern, RegexPattern):
        return f"<regex:{pattern.regex.pattern}>"
    return str(pattern)


def all_routes(patterns=None, prefix: str = "") -> list[str]:
    """Every URL pattern of the project as one route string, admin included."""
    routes: list[str] = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        text = prefix + route_text(entry.pattern)
        if isinstance(entry, URLResolver):
            routes += all_routes(entry.url_patterns, text)
        else:
            assert isinstance(entry, URLPattern)
            routes.append(text)
    return routes


class UnknownParameter(AssertionError):
    pass


def fill(route: str, side: Side, *, slug: str, missing: bool = False) -> str:
    """A concrete path for ``route`` naming ``side``'s objects (or ids that exist nowhere)."""
    objects = side.objects()

    def value(match: re.Match) -> str:
        converter, name = match.group(1), match.group(2)
        before = route[: match.start()].rstrip("/").rsplit("/", 1)[-1]
        if name in ("company_slug", "slug"):
            return slug
        if missing and converter == "int":
            return str(MISSING_ID)
        known = {
            "objective_id": objects["objective"],
            "key_result_id": objects["key_result"],
            "checkin_id": objects["checkin"],
            "dependency_id": objects["dependency"],
            "membership_id": objects["membership"],
            "invitation_id": objects["invitation"],
            "notification_id": objects["notification"],
            "cycle_id": objects["cycle"],
            "department_id": objects["department"],
            "comment_id": objects["comment"],
            "endpoint_id": objects["webhook_endpoint"],
            "delivery_id": objects["webhook_delivery"],
            "kind": "thumbs_up",
            "user_id": side.world.team.lead.pk,
            "department_slug": "no-such-department" if missing else side.department_slug,
            "prefix": "NoSuchKey" if missing else side.world.admin_key.prefix,
            "action": "resend" if "invitations/" in route else "submit" if "/planning/" in route else "activate",
            "uidb64": "MQ",
            "token": "not-a-valid-token",
            "object_id": _admin_object_id(route, side, missing),
            "id": _admin_object_id(route, side, missing),
            "content_type_id": ContentType.objects.get_for_model(Objective).pk,
        }
        if name == "pk":
            if before not in PK_OWNERS:
                raise UnknownParameter(f"no idea which object <pk> after {before!r} is in {route!r}")
            return str(objects[PK_OWNERS[before]])
        if name not in known:
            raise UnknownParameter(f"teach tests/test_tenant_sweep.py to fill <{name}> in {route!r}")
        return str(known[name])

    head, regex_mark, regex = route.partition("<regex:")
    tail = _regex_value(regex[:-1], route) if regex_mark else ""
    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", value, head) + tail


def _regex_value(regex: str, route: str) -> str:
    if regex in ("^.*$", r"^[\s\S]*$"):
        return "no-such-endpoint/"
    if regex.startswith("^(?P<app_label>"):
        return "objectives/"
    if regex == "(?P<url>.*)$":
        return "no-such-page/"
    raise UnknownParameter(f"no idea how to fill the regex {regex!r} in {route!r}")


ADMIN_MODELS = {
    "companies/company": lambda side: side.company.pk,
    "companies/user": lambda side: side.world.team.admin.pk,
    "companies/membership": lambda side: side.world.extra.pk,
    "companies/companyapikey": lambda side: side.world.admin_key.pk,
    "companies/invitation": lambda side: side.world.invitation.pk,
    "departments/department": lambda side: side.world.team.department.pk,
    "objectives/cycle": lambda side: side.world.planning_cycle.pk,
    "objectives/objective": lambda side: side.world.sales_objective.pk,
    "objectives/keyresult": lambda side: side.world.kr.pk,
    "objectives/checkin": lambda side: side.world.checkin.pk,
    "objectives/dependency": lambda side: side.world.dependency.pk,
    "objectives/periodicemail": lambda side: PeriodicEmail.objects.get(company=side.company).pk,
    "auth/group": lambda side: MISSING_ID,
    "axes/accessattempt": lambda side: _sign_in_record(AccessAttempt, side),
    "axes/accesslog": lambda side: _sign_in_record(AccessLog, side),
    "axes/accessfailurelog": lambda side: _sign_in_record(AccessFailureLog, side),
}


def _sign_in_record(model, side: Side) -> int:
    return model.objects.filter(username=side.world.team.admin.email).latest("pk").pk


def _admin_object_id(route: str, side: Side, missing: bool):
    if route.startswith("admin/r/"):  # "view on site": content type plus object id
        return MISSING_ID if missing else side.world.sales_objective.pk
    match = re.match(r"admin/(\w+/\w+)/", route)
    if match is None:
        return "?"  # not an admin route; <object_id> is never used elsewhere
    if match.group(1) not in ADMIN_MODELS:
        raise UnknownParameter(f"teach ADMIN_MODELS the model of {route!r}")
    return MISSING_ID if missing else ADMIN_MODELS[match.group(1)](side)


def _seed(slug: str, *, secret: bool) -> Side:
    world = build_world(make_team(slug))
    company = world.team.company
    department_slug = "sales"
    if secret:
        mark = Value("ACME-SECRET ")
        Company.objects.filter(pk=company.pk).update(name="ACME-SECRET Corp")
        Objective.objects.filter(company=company).update(title=Concat(mark, "title"), description="ACME-SECRET plan")
        KeyResult.objects.filter(company=company).update(title=Concat(mark, "title"))
        Cycle.objects.filter(company=company).update(name=Concat(mark, "name"))
        Department.objects.filter(company=company).update(name=Concat(mark, "name"))
        CheckIn.objects.filter(company=company).update(note="ACME-SECRET note")
        Dependency.objects.filter(company=company).update(note="ACME-SECRET dependency")
        Comment.objects.filter(company=company).update(body="ACME-SECRET comment")
        CompanyAPIKey.objects.filter(company=company).update(name="ACME-SECRET key")
        Endpoint.objects.filter(company=company).update(description="ACME-SECRET webhook")
        department_slug = DepartmentFactory(company=company, name="ACME-SECRET Legal", slug="acme-legal").slug
        world.team.company.refresh_from_db()
    # Events that name the (marked) objects: the activity feed and the events API must keep them home.
    admin, mark = world.team.actor(world.team.admin), "ACME-SECRET " if secret else ""
    okr.checkin_create(
        company=company, actor=admin, key_result=world.kr, value=12, confidence="at_risk", note=f"{mark}note"
    )
    okr.dependency_create(company=company, actor=admin, from_objective=world.sales_objective, to_objective=world.draft)
    # A key result of the draft shared into the sales objective (…/objectives/<pk>/shared-key-results/ lists it).
    followed = KeyResultFactory(company=company, objective=world.draft, title=f"{mark}shared pipeline")
    okr.shared_key_result_create(company=company, actor=admin, objective=world.sales_objective, key_result=followed)
    okr.objective_update(company=company, actor=admin, objective=world.draft, description=f"{mark}plan B")
    # A department plan reviewed with a comment: the planning board and the plan events must keep it home.
    plan = {"company": company, "cycle": world.team.cycle, "department": world.team.department}
    okr.plan_submit(actor=admin, **plan)
    okr.plan_return(actor=admin, comment=f"{mark}return comment", **plan)
    email = world.team.admin.email
    common = {"user_agent": "test", "ip_address": "198.51.100.7", "username": email, "http_accept": "*/*"}
    AccessAttempt.objects.create(**common, path_info="/accounts/login/", failures_since_start=1)
    AccessLog.objects.create(**common, path_info="/accounts/login/")
    AccessFailureLog.objects.create(**common, path_info="/accounts/login/")
    PeriodicEmail.objects.create(
        company=company, user=world.team.member, kind="reminder", period=datetime.date(2026, 11, 16)
    )
    snapshots.snapshot_day(company=company, day=datetime.date(2026, 11, 14))  # the dashboards' history
    world.sales_objective.refresh_from_db()
    seed_notifications(
        world, objective=world.sales_objective, excerpt="ACME-SECRET words" if secret else "Globex words"
    )
    return Side(world=world, department_slug=department_slug)


@pytest.fixture
def sides(db):
    acme = _seed("acme", secret=True)
    globex = _seed("globex", secret=False)
    operator = globex.world.team.admin
    operator.is_staff = True
    operator.save(update_fields=["is_staff"])
    operator.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["companies", "departments", "objectives"])
    )
    return acme, globex


def _leaks(response) -> list[str]:
    body = b"".join(response) if response.streaming else response.content
    text = body.decode(errors="replace").lower()
    return [marker for marker in MARKERS if marker in text]


def _request(client, method: str, path: str):
    if method in ("get", "delete"):
        return getattr(client, method)(path)
    return getattr(client, method)(path, {}, content_type="application/json")


def _outcome(response, path: str) -> tuple[int, str]:
    location = response.headers.get("Location", "").partition("?")[0]
    location = location.replace(path, "<the path>/").replace("next=" + path, "")
    return response.status_code, location


def _kind(route: str) -> str:
    if route.startswith("c/<slug:company_slug>/"):
        return "page"
    if route.startswith("api/v1/companies/<slug:slug>/"):
        return "api"
    if route.startswith("admin/"):
        return "admin"
    if route in GLOBAL_ROUTES:
        return "global"
    raise UnknownParameter(f"{route!r} is neither a company page, a company API route, the admin nor a known global")


def test_every_route_refuses_another_companys_objects(sides, api_key):
    acme, globex = sides
    routes = all_routes()
    kinds = {route: _kind(route) for route in routes}
    globex_key = api_key(globex.company, "write")
    callers = {
        "member of B": lambda: _signed_in(globex.world.team.admin),
        "key of B": lambda: _with_key(globex_key),
        "anonymous": Client,
    }
    before = db_state()
    tried = 0
    failures: list[str] = []
    for route in routes:
        kind = kinds[route]
        if kind == "global":
            continue
        # Every route starts with fresh throttles: the sweep sends thousands of requests as one caller,
        # and a 429 would hide what the route itself answers.
        cache.clear()
        has_object = bool(re.search(r"<(?!slug:(company_)?slug>)[^>]+>", route.partition("<regex:")[0]))
        if kind == "admin" and not has_object:
            continue  # names no company: the read sweep below checks it shows nothing of A
        # A's company slug with A's objects; B's slug with A's objects (where the route names one).
        variants = [acme.company.slug] + ([globex.company.slug] if has_object else [])
        methods = API_METHODS if kind == "api" else PAGE_METHODS
        for caller_name, make_client in callers.items():
            if kind == "admin" and caller_name == "key of B":
                continue
            client = make_client()
            for slug in variants:
                if kind == "admin" and slug != acme.company.slug:
                    continue
                path = fill(route, acme, slug=slug)
                missing = fill(
                    route, acme, slug=slug if slug == globex.company.slug else "no-such-company", missing=True
                )
                for method in methods:
                    tried += 1
                    response = _request(client, method, path)
                    reference = _request(client, method, missing)
                    status, where = _outcome(response, path)
                    label = f"{caller_name} {method.upper()} {path} ({route})"
                    if (status, where) != _outcome(reference, missing):
                        failures.append(
                            f"{label}: {status} {where} but a missing object answers {reference.status_code}"
                        )
                    allowed = _allowed(kind, caller_name, own_company=slug == globex.company.slug)
                    if status not in allowed:
                        failures.append(f"{label}: {status}, expected one of {sorted(allowed)}")
                    if status == 302 and caller_name != "member of B" and "login" not in where:
                        failures.append(f"{label}: redirects to {where}, not to a login page")
                    if leaks := _leaks(response):
                        failures.append(f"{label}: body mentions {leaks}")
    assert not failures, "\n".join(failures)
    assert db_state() == before, "a refused cross-tenant request changed the database"
    covered = [route for route in routes if kinds[route] != "global"]
    assert len(covered) >= 80, len(covered)
    assert tried > 500
    print(f"tenant sweep: {len(routes)} URL patterns, {len(covered)} company/admin routes, {tried} requests")


def _allowed(kind: str, caller: str, *, own_company: bool) -> set[int]:
    if caller == "anonymous" or (caller == "key of B" and kind == "page"):  # pages take no API keys
        return {401, 405} if kind == "api" else {302, 405}
    if kind == "admin":
        # The admin answers a row it does not show with its "does not exist" redirect.
        return {302, 403, 404, 405}
    if own_company:
        # In B's own company, A's object id may meet a role or body check first
        # (403, 400); that is fine as long as a missing id answers the same.
        return {400, 403, 404, 405}
    return {404, 405}


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _with_key(secret: str) -> Client:
    return Client(headers={"Authorization": f"Api-Key {secret}"})


def test_every_read_of_b_shows_nothing_of_a(sides, api_key):
    """Lists, tree, gaps, search, history, export, the admin: B's own views never carry A's data."""
    _, globex = sides
    operator = _signed_in(globex.world.team.admin)
    key = _with_key(api_key(globex.company, "read"))
    failures: list[str] = []
    read = 0
    for route in all_routes():
        kind = _kind(route)
        if route.endswith("logout/"):
            continue
        path = fill(route, globex, slug=globex.company.slug)
        clients = {"page": [operator], "api": [operator, key], "admin": [operator], "global": [operator]}[kind]
        queries = ("", "?q=acme&search=acme&include_drafts=1")
        if route.startswith(SEARCH_ROUTES):
            queries += SEARCH_QUERIES
        for client in clients:
            for query in queries:
                response = client.get(path + query)
                read += 1
                if response.status_code >= 500:
                    failures.append(f"GET {path}{query}: {response.status_code}")
                if leaks := _leaks(response):
                    failures.append(f"GET {path}{query}: mentions {leaks}")
    assert not failures, "\n".join(failures)
    assert read > 100


def test_b_operator_admin_lists_only_b(sides):
    acme, globex = sides
    operator = _signed_in(globex.world.team.admin)
    for model_route in ADMIN_MODELS:
        if model_route.startswith(("auth/", "axes/")):
            assert operator.get(f"/admin/{model_route}/").status_code == 403, model_route
            continue
        response = operator.get(f"/admin/{model_route}/")
        assert response.status_code == 200, model_route
        assert not _leaks(response), model_route
    # B's own objective is there, A's is not, even when asked for by id.
    change = operator.get(f"/admin/objectives/objective/{globex.world.sales_objective.pk}/change/")
    assert change.status_code == 200
    # The company choices of an add form are B's only.
    add = operator.get("/admin/objectives/cycle/add/").content.decode()
    assert "Globex" in add
    assert "ACME-SECRET" not in add
    # Posting A's company id into an add form is refused as an invalid choice.
    before = Cycle.objects.count()
    operator.post(
        "/admin/objectives/cycle/add/",
        {"company": acme.company.pk, "name": "Smuggled", "start_date": "2027-01-01", "end_date": "2027-02-01"},
    )
    assert Cycle.objects.count() == before


def test_company_operator_cannot_grant_itself_more(sides):
    _, globex = sides
    operator = _signed_in(globex.world.team.admin)
    user = globex.world.team.viewer
    response = operator.post(
        f"/admin/companies/user/{user.pk}/change/", {"email": user.email, "is_superuser": "on", "is_staff": "on"}
    )
    assert response.status_code in (302, 403)
    user.refresh_from_db()
    assert not user.is_superuser
    assert operator.get(f"/admin/companies/user/{user.pk}/password/").status_code == 403
    assert operator.get("/admin/companies/company/add/").status_code == 403


def test_staff_member_who_is_not_a_company_admin_sees_nothing(sides):
    _, globex = sides
    viewer = globex.world.team.viewer
    viewer.is_staff = True
    viewer.save(update_fields=["is_staff"])
    viewer.user_permissions.set(Permission.objects.filter(content_type__app_label="objectives"))
    response = _signed_in(viewer).get("/admin/objectives/objective/")
    assert response.status_code == 200
    assert "0 objectives" in response.content.decode()


def test_superuser_operator_sees_every_company(sides):
    root = User.objects.create_superuser(email="root@operator.test", password="x" * 12)
    response = _signed_in(root).get("/admin/objectives/objective/")
    assert "ACME-SECRET" in response.content.decode()


def test_emails_of_b_carry_nothing_of_a(sides, django_capture_on_commit_callbacks):
    acme, globex = sides
    company = globex.company
    now = timezone.now()
    digest = reminders.weekly_digest(
        company=company,
        actor=Actor.for_user(company, globex.world.team.admin),
        since=now - datetime.timedelta(days=30),
        until=now,
    )
    assert not any(marker in repr(digest).lower() for marker in MARKERS)
    mail.outbox.clear()
    period = reminders.latest_period(company, now)
    for membership in Membership.objects.filter(company=company):
        reminders.send_checkin_reminder(company=company, user_id=membership.user_id, period=period)
        reminders.send_weekly_digest(company=company, user_id=membership.user_id, period=period, now=now)
    # Each person's notification, emailed at once and then (released again) in a digest.
    Notification.objects.filter(company=company).update(email="immediate")
    for notification in Notification.objects.filter(company=company):
        assert emails.send_immediate(company=company, notification_id=notification.pk)
    Notification.objects.filter(company=company).update(email="digest", emailed_at=None)
    for membership in Membership.objects.filter(company=company):
        assert emails.send_digest(company=company, user_id=membership.user_id, day=now.date(), now=now)
    assert mail.outbox, "no email was sent, so nothing was checked"
    for message in mail.outbox:
        text = (message.subject + message.body + "".join(str(a[0]) for a in message.alternatives)).lower()
        assert not any(marker in text for marker in MARKERS)
    assert DepartmentMembership.objects.filter(company=acme.company).exists()
