"""The activity feed: who reads which events, the sentences, the department tree, paging, periods, the pages."""

import datetime
import re
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from companies.tenancy import Actor
from conftest import Team
from departments.models import Department, DepartmentRole
from objectives import feed
from objectives import services as okr
from objectives.formatting import ago
from objectives.models import CheckIn, CycleStatus, Event, KeyResult, Objective, ObjectiveStatus, Verb
from tests.factories import (
    CycleFactory,
    DepartmentFactory,
    DepartmentMembershipFactory,
    KeyResultFactory,
    ObjectiveFactory,
)

SECRET = "Acquire a competitor"


@dataclass
class Story:
    """Sales (with its EMEA team) and Marketing, a private company objective, and a week of events."""

    team: Team
    emea: Department
    marketing: Department
    top: Objective
    sales: Objective
    emea_objective: Objective
    marketing_objective: Objective
    secret: Objective
    sales_kr: KeyResult
    emea_kr: KeyResult
    marketing_kr: KeyResult
    secret_kr: KeyResult

    def actor(self, who: str) -> Actor:
        return self.team.actor(getattr(self.team, who))

    def page(self, who: str, query: str = "", *, htmx: bool = False):
        client = Client(headers={"HX-Request": "true"}) if htmx else Client()
        client.force_login(getattr(self.team, who))
        return client.get(f"{reverse('objectives:activity', args=[self.team.company.slug])}{query}")


def _kr(team, objective, title):
    return KeyResultFactory(company=team.company, objective=objective, owner=team.admin, title=title)


@pytest.fixture
def story(team) -> Story:
    company, cycle = team.company, team.cycle
    team.admin.full_name = "Ada Admin"
    team.admin.save(update_fields=["full_name"])
    emea = DepartmentFactory(company=company, name="EMEA Sales", slug="emea", parent=team.department)
    marketing = DepartmentFactory(company=company, name="Marketing", slug="marketing")
    top = ObjectiveFactory(company=company, cycle=cycle, owner=team.leader, title="Grow revenue")
    sales = ObjectiveFactory(
        company=company, cycle=cycle, department=team.department, parent=top, owner=team.lead, title="Close deals"
    )
    emea_objective = ObjectiveFactory(company=company, cycle=cycle, department=emea, parent=sales, title="Win EMEA")
    marketing_objective = ObjectiveFactory(company=company, cycle=cycle, department=marketing, title="More leads")
    secret = ObjectiveFactory(company=company, cycle=cycle, owner=team.leader, private=True, title=SECRET)
    s = Story(
        team=team,
        emea=emea,
        marketing=marketing,
        top=top,
        sales=sales,
        emea_objective=emea_objective,
        marketing_objective=marketing_objective,
        secret=secret,
        sales_kr=_kr(team, sales, "Win 40 accounts"),
        emea_kr=_kr(team, emea_objective, "Sign 12 EMEA partners"),
        marketing_kr=_kr(team, marketing_objective, "Book 300 demos"),
        secret_kr=_kr(team, secret, "Sign the term sheet"),
    )
    admin = s.actor("admin")
    for kr, value in ((s.sales_kr, 10), (s.emea_kr, 3), (s.marketing_kr, 120), (s.secret_kr, 1)):
        okr.checkin_create(company=company, actor=admin, key_result=kr, value=value, confidence="on_track")
    okr.dependency_create(company=company, actor=admin, from_objective=sales, to_objective=secret, note="funding")
    okr.objective_update(company=company, actor=admin, objective=sales, title="Close €5M in new business")
    return s


def _verbs_and_objectives(items) -> list[tuple[str, int | None]]:
    return [(item.event.verb, item.event.objective_id) for item in items]


def _read(story: Story, who: str, **filters) -> list[feed.FeedItem]:
    return feed.feed(company=story.team.company, actor=story.actor(who), **filters).items


# ---------------------------------------------------------------- who reads what


def test_a_private_objectives_events_are_read_only_by_its_readers(story):
    for who in ("member", "lead", "viewer"):
        objectives = {item.event.objective_id for item in _read(story, who)}
        assert story.secret.pk not in objectives, who
        assert story.sales.pk in objectives
    for who in ("leader", "admin"):
        assert story.secret.pk in {item.event.objective_id for item in _read(story, who)}, who


def test_the_title_of_a_private_objective_another_event_names_is_hidden(story):
    member = {item.event.verb: item for item in _read(story, "member")}[Verb.DEPENDENCY_CREATED]
    assert member.payload["to_objective_title"] is None
    assert member.description.text == "Ada Admin noted that “Close €5M in new business” depends on a private objective"
    leader = {item.event.verb: item for item in _read(story, "leader")}[Verb.DEPENDENCY_CREATED]
    assert leader.payload["to_objective_title"] == SECRET
    assert leader.description.detail == f" depends on “{SECRET}”"
    # The stored payload keeps the title: the webhook of a reader who may read it carries it.
    assert Event.objects.get(verb=Verb.DEPENDENCY_CREATED).payload["to_objective_title"] == SECRET


def test_company_wide_events_are_everyones(story):
    planning = CycleFactory(company=story.team.company, name="2027 Q1", status=CycleStatus.PLANNING)
    okr.cycle_activate(company=story.team.company, actor=story.actor("admin"), cycle=planning)
    for who in ("viewer", "member", "admin"):
        (started,) = [i for i in _read(story, who) if i.event.verb == Verb.CYCLE_ACTIVATED]
        assert started.description.text == "Ada Admin started the cycle “2027 Q1”"
    key = Actor(company=story.team.company, role="viewer")  # a read key
    assert Verb.CYCLE_ACTIVATED in {i.event.verb for i in feed.feed(company=story.team.company, actor=key).items}


def test_the_department_feed_holds_its_teams_and_nothing_else(story):
    sales = {item.event.objective_id for item in _read(story, "leader", department=story.team.department)}
    assert sales == {story.sales.pk, story.emea_objective.pk}
    emea = {item.event.objective_id for item in _read(story, "leader", department=story.emea)}
    assert emea == {story.emea_objective.pk}
    assert {item.event.objective_id for item in _read(story, "leader", department=story.marketing)} == {
        story.marketing_objective.pk
    }


def test_the_objective_feed_holds_its_own_events(story):
    items = _read(story, "member", objective=story.sales)
    assert [item.event.verb for item in items] == [
        Verb.OBJECTIVE_UPDATED,
        Verb.DEPENDENCY_CREATED,
        Verb.CHECKIN_CREATED,
    ]


def test_another_companys_events_never_show(story, other_team):
    theirs = ObjectiveFactory(company=other_team.company, cycle=other_team.cycle, title="Globex plan")
    okr.objective_update(
        company=other_team.company, actor=other_team.actor(other_team.admin), objective=theirs, title="Globex plan 2"
    )
    assert all(item.event.company_id == story.team.company.pk for item in _read(story, "admin"))
    assert "Globex" not in story.page("admin", "?period=all").content.decode()


# ---------------------------------------------------------------- sentences


def test_sentences_say_what_happened(story, team):
    company, admin = team.company, story.actor("admin")
    okr.checkin_create(company=company, actor=admin, key_result=story.sales_kr, value=30, confidence="at_risk")
    okr.objective_update(company=company, actor=admin, objective=story.emea_objective, parent=story.secret)
    okr.objective_update(
        company=company, actor=admin, objective=story.emea_objective, owner=team.member, department=story.marketing
    )
    okr.objective_set_status(company=company, actor=admin, objective=story.marketing_objective, status="closed")
    kr = okr.key_result_create(
        company=company,
        actor=admin,
        objective=story.top,
        title="Grow revenue from €10M to €12.5M",
        kind="currency",
        currency="EUR",
        start_value=10_000_000,
        target_value=12_500_000,
    )
    okr.key_result_update(company=company, actor=admin, key_result=kr, target_value=13_000_000)
    okr.key_result_delete(company=company, actor=admin, key_result=kr)
    draft = okr.objective_create(
        company=company, actor=admin, cycle=team.cycle, department=team.department, parent=story.top, title="Open Oslo"
    )
    okr.objective_set_status(company=company, actor=admin, objective=draft, status=ObjectiveStatus.ACTIVE)
    texts = [item.description.text for item in _read(story, "member", limit=12)]
    assert texts == [
        "Ada Admin activated “Open Oslo”",
        "Ada Admin drafted “Open Oslo”, laddering up to “Grow revenue”",
        "Ada Admin deleted the key result “Grow revenue from €10M to €12.5M” from “Grow revenue”",
        "Ada Admin changed the key result “Grow revenue from €10M to €12.5M”: target 12500000 → 13000000",
        "Ada Admin added the key result “Grow revenue from €10M to €12.5M” to “Grow revenue”",
        "Ada Admin closed “More leads”",
        f"Ada Admin changed “Win EMEA”: owner now {team.member.full_name}; moved to Marketing",
        "Ada Admin changed “Win EMEA”: now ladders up to a private objective",
        "Ada Admin checked in 30 on “Win 40 accounts” (was 10) — at risk",
        "Ada Admin changed “Close €5M in new business”: renamed from “Close deals”",
        "Ada Admin noted that “Close €5M in new business” depends on a private objective",
        "Ada Admin checked in 120 on “Book 300 demos” — on track",
    ]


def test_corrections_and_undos_say_what_changed(story, team):
    company, admin = team.company, story.actor("admin")
    first = CheckIn.objects.get(key_result=story.sales_kr)
    okr.checkin_correct(company=company, actor=admin, checkin=first, value=12, confidence="at_risk")
    mistake = okr.checkin_create(company=company, actor=admin, key_result=story.emea_kr, value=4, confidence="on_track")
    okr.checkin_undo(company=company, actor=admin, checkin=mistake)
    texts = [item.description.text for item in _read(story, "member", limit=3)]
    assert texts == [
        "Ada Admin undid a check-in on “Sign 12 EMEA partners” (4)",
        "Ada Admin checked in 4 on “Sign 12 EMEA partners” (was 3) — on track",
        "Ada Admin corrected a check-in on “Win 40 accounts”: 10 → 12 — at risk",
    ]


def test_an_event_of_an_api_key_or_the_system_says_someone(story, team):
    okr.objective_update(company=team.company, actor=None, objective=story.top, private=True)
    okr.objective_update(company=team.company, actor=None, objective=story.top, private=False)
    (made_public, made_private) = _read(story, "member", limit=2)
    assert made_public.description.text == "Someone changed “Grow revenue”: made visible to everyone"
    assert made_private.description.detail == ": made private"


def test_times_read_as_people_say_them():
    now = datetime.datetime(2026, 11, 15, 12, tzinfo=datetime.UTC)
    cases = {
        datetime.timedelta(seconds=20): "just now",
        datetime.timedelta(minutes=1): "1 minute ago",
        datetime.timedelta(minutes=59): "59 minutes ago",
        datetime.timedelta(hours=3): "3 hours ago",
        datetime.timedelta(hours=30): "yesterday",
        datetime.timedelta(days=6): "6 days ago",
        datetime.timedelta(days=12): "3 Nov",
        datetime.timedelta(days=400): "11 Oct 2025",
    }
    assert {delta: ago(now - delta, now) for delta in cases} == cases


def test_the_page_shows_absolute_times_in_the_companys_zone(story, team):
    team.company.timezone = "Europe/Berlin"
    team.company.save(update_fields=["timezone"])
    html = story.page("admin").content.decode()
    moment = Event.objects.order_by("-created_at").first().created_at.astimezone(team.company.tzinfo)
    assert f'title="{moment.day} {moment:%b %Y, %H:%M} (Europe/Berlin)">just now</time>' in html


# ---------------------------------------------------------------- paging and periods


def _burst(story: Story, n: int, *, at: datetime.datetime) -> list[int]:
    """``n`` events written at the very same moment (a bulk load), oldest id first."""
    ids = []
    for i in range(n):
        event = Event(
            company=story.team.company,
            actor=story.team.admin,
            verb=Verb.OBJECTIVE_UPDATED,
            subject_kind="objective",
            subject_id=story.top.pk,
            objective=story.top,
            cycle=story.team.cycle,
            payload={"title": "Grow revenue", "changes": {"weight": [str(i), str(i + 1)]}},
            created_at=at,
        )
        event.save(force_insert=True)
        ids.append(event.pk)
    return ids


def test_pages_follow_each_other_without_gap_or_repeat_even_at_one_moment(story):
    burst = _burst(story, 7, at=timezone.now())
    everything = [item.event.pk for item in _read(story, "admin", limit=100)]
    assert everything[:7] == burst[::-1]
    seen, cursor = [], None
    while True:
        page = feed.feed(
            company=story.team.company,
            actor=story.actor("admin"),
            limit=3,
            cursor=feed.Cursor.decode(cursor) if cursor else None,
        )
        seen += [item.event.pk for item in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == everything


def test_the_period_and_the_kind_filter_the_page(story, team):
    old = _burst(story, 1, at=timezone.now() - datetime.timedelta(days=10))[0]
    week = story.page("admin").content.decode()
    month = story.page("admin", "?period=month").content.decode()
    assert "weight 0 → 1" not in week
    assert "weight 0 → 1" in month
    assert Event.objects.filter(pk=old).exists()
    checkins = story.page("admin", "?kind=checkins&period=all").content.decode()
    assert "checked in" in checkins
    assert "noted that" not in checkins
    assert "renamed from" not in checkins


def test_bad_filters_answer_400_naming_them(story):
    for query, field in (("?cursor=nope", "Cursor"), ("?period=decade", "Period"), ("?kind=gossip", "Kind")):
        response = story.page("admin", query)
        assert response.status_code == 400, query
        assert f"{field}: " in response.content.decode(), query


@pytest.mark.parametrize(
    "query",
    [
        "?objective=secret",
        "?objective=987654",
        "?objective=abc",
        "?department=987654",
        "?department=x",
        "?cycle=987654",
        "?cycle=x",
    ],
)
def test_an_objective_one_may_not_read_or_a_missing_department_is_not_found(story, query):
    query = query.replace("secret", str(story.secret.pk))
    response = story.page("member", query)
    assert response.status_code == 404
    assert SECRET not in response.content.decode()


def test_a_foreign_department_or_cycle_is_not_found(story, other_team):
    assert story.page("admin", f"?department={other_team.department.pk}").status_code == 404
    assert story.page("admin", f"?cycle={other_team.cycle.pk}").status_code == 404


def test_more_appends_the_next_page_in_place(story):
    _burst(story, 40, at=timezone.now())
    html = story.page("member", "?period=all").content.decode()
    assert html.count('class="feed-item"') == 30
    more = re.search(r'class="feed-more"><a [^>]*hx-get="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert "cursor=" in more
    assert "period=all" in more
    fragment = story.page("member", "?" + more.partition("?")[2], htmx=True)
    body = fragment.content.decode()
    assert "<html" not in body
    assert body.count('class="feed-item"') == 15  # 40 + 5 the member may read, 30 on the first page
    assert "data-focus-after-swap" in body
    assert "Show older activity" not in body
    # Without JavaScript the same link is the whole page of older events.
    page = story.page("member", "?" + more.partition("?")[2]).content.decode()
    assert "<html" in page
    assert "Older activity" in page


# ---------------------------------------------------------------- the sections on the objective and department pages


def test_the_objective_page_shows_its_activity(story, client_for):
    html = (
        client_for(story.team.member)
        .get(reverse("objectives:objective", args=[story.team.company.slug, story.sales.pk]))
        .content.decode()
    )
    section = html[html.index('id="activity-h"') :]
    assert "renamed from “Close deals”" in section
    assert "Book 300 demos" not in section  # Marketing's check-in is not this objective's
    assert SECRET not in html


def test_the_department_page_shows_its_and_its_teams_activity(story, client_for):
    html = (
        client_for(story.team.leader)
        .get(reverse("departments:department", args=[story.team.company.slug, "sales"]))
        .content.decode()
    )
    section = html[html.index('id="activity-h"') :]
    assert "Sign 12 EMEA partners" in section
    assert "Book 300 demos" not in section
    assert f"?department={story.team.department.pk}" in section


def test_the_nav_links_the_activity_page(story, client_for):
    html = client_for(story.team.viewer).get(reverse("objectives:activity", args=[story.team.company.slug])).content
    assert b'aria-current="page">Activity</a>' in html


def test_sub_team_membership_does_not_open_a_private_objective_of_the_parent(story, team):
    """A member of EMEA does not read Sales's private objectives: a role reaches the teams inside, not above."""
    hidden = ObjectiveFactory(company=team.company, cycle=team.cycle, department=team.department, private=True)
    okr.objective_update(company=team.company, actor=story.actor("admin"), objective=hidden, title="Quiet plan")
    DepartmentMembershipFactory(
        company=team.company, department=story.emea, user=team.viewer, role=DepartmentRole.MEMBER
    )
    assert hidden.pk not in {i.event.objective_id for i in _read(story, "viewer")}
    assert hidden.pk in {i.event.objective_id for i in _read(story, "member")}  # a member of Sales itself
