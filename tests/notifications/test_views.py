"""The notifications page, the bell's count, marking read and the preferences page."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications.models import EmailMode, Notification, NotificationPreference, Reason
from objectives.models import Event, Objective, Verb
from tests.notifications.conftest import comment

PAGE = "/c/acme/notifications/"


def bell_count(html: str) -> str:
    match = re.search(r'class="badge count" data-count="\d+">([^<]*)<', html)
    return match.group(1) if match else ""


@pytest.fixture
def mentioned(okrs, commit):
    """The member is mentioned twice (on the objective, on their key result) and told of one reaction."""
    team = okrs.team
    first = comment(commit, okrs, by=team.lead, target=okrs.sales_goal, mentioned=(team.member,), comment_id=1)
    second = comment(
        commit,
        okrs,
        by=team.viewer,
        target=okrs.kr,
        mentioned=(team.member,),
        comment_id=2,
        excerpt="Lyon counts, @member",
    )
    reaction = commit(
        Verb.REACTION_ADDED,
        team,
        by=team.lead,
        objective=okrs.sales_goal,
        subject=("reaction", 1),
        payload={"kind": "celebrate", "target_kind": "comment", "target_id": 2, "target_author_id": team.member.pk},
    )
    return [Notification.objects.get(event=event, user=team.member) for event in (first, second, reaction)]


def test_the_page_lists_unread_then_read_in_words_with_links(okrs, mentioned, client_for):
    team = okrs.team
    first = mentioned[0]
    Notification.objects.filter(pk=first.pk).update(read_at=timezone.now())
    response = client_for(team.member).get(PAGE)
    html = response.content.decode()
    assert response.status_code == 200
    unread, read = html.split('id="section-read"')
    # Newest first among the unread; the read one under "Read".
    assert unread.index("reacted (celebrate) to your comment") < unread.index("mentioned you in a comment on")
    assert f"/c/acme/key-results/{okrs.kr.pk}/#comment-2" in unread
    assert "Lyon counts, @member" in unread
    assert "“Sign 40 customers”" in unread
    assert f"/c/acme/objectives/{okrs.sales_goal.pk}/#comment-1" in read
    assert "Mark read" not in read
    assert unread.count("Mark read<span") == 2
    assert "Mark all read" in unread


def test_the_bell_count_endpoint_is_the_figure_and_says_nothing_new_while_unchanged(okrs, mentioned, client_for):
    client = client_for(okrs.team.member, htmx=True)
    response = client.get(f"{PAGE}count/")
    assert response.status_code == 200
    html = response.content.decode()
    assert bell_count(html) == "3"
    assert "shown=3" in html
    assert "every 30s" in html
    assert "load," not in html
    assert client.get(f"{PAGE}count/?shown=3").status_code == 204
    assert client.get(f"{PAGE}count/?shown=2").status_code == 200
    # Nobody else's count: the lead has nothing.
    assert bell_count(client_for(okrs.team.lead).get(f"{PAGE}count/").content.decode()) == ""


def test_every_page_carries_the_bell_polling_the_count(okrs, client_for, settings):
    settings.OKRHUB_NOTIFICATION_POLL_SECONDS = 7
    html = client_for(okrs.team.member).get("/c/acme/").content.decode()
    assert 'href="/c/acme/notifications/"' in html
    assert 'hx-get="/c/acme/notifications/count/"' in html
    assert 'hx-trigger="load, every 7s, visibilitychange from:document, focus from:window"' in html
    assert 'aria-live="polite"' in html


def test_the_count_stops_at_99_plus(okrs, client_for):
    team = okrs.team
    events = Event.objects.bulk_create(
        Event(
            company=team.company,
            verb=Verb.COMMENT_CREATED,
            subject_kind="comment",
            subject_id=i,
            objective=okrs.sales_goal,
            payload={},
        )
        for i in range(120)
    )
    Notification.objects.bulk_create(
        Notification(company=team.company, user=team.member, event=event, reason=Reason.MENTION) for event in events
    )
    assert bell_count(client_for(team.member).get(f"{PAGE}count/").content.decode()) == "99+"


def test_mark_read_plain_and_with_htmx(okrs, mentioned, client_for):
    team = okrs.team
    first, second, _ = mentioned
    plain = client_for(team.member).post(f"{PAGE}{first.pk}/read/")
    assert plain.status_code == 302
    assert plain["Location"] == PAGE
    first.refresh_from_db()
    assert first.read_at is not None
    htmx = client_for(team.member, htmx=True).post(f"{PAGE}{second.pk}/read/")
    html = htmx.content.decode()
    assert htmx.status_code == 200
    assert f'id="notification-{second.pk}"' in html
    assert "Marked read." in html
    assert 'hx-swap-oob="true"' in html
    assert bell_count(html) == "1"
    # Someone else's notification, a missing one: 404, nothing changes.
    other = client_for(team.lead).post(f"{PAGE}{mentioned[2].pk}/read/")
    assert other.status_code == 404
    assert client_for(team.member).post(f"{PAGE}987654321/read/").status_code == 404
    assert Notification.objects.get(pk=mentioned[2].pk).read_at is None
    assert client_for(team.member).get(f"{PAGE}{first.pk}/read/").status_code == 405


def test_mark_all_read(okrs, mentioned, client_for, commit):
    team = okrs.team
    lead_note = comment(commit, okrs, by=team.member, target=okrs.kr, mentioned=(team.lead,), comment_id=9)
    response = client_for(team.member).post(f"{PAGE}read-all/", follow=True)
    assert "Marked 3 notifications read." in response.content.decode()
    assert not Notification.objects.filter(user=team.member, read_at__isnull=True).exists()
    assert Notification.objects.get(event=lead_note, user=team.lead).read_at is None  # only their own


def test_pages_of_older_notifications_and_bad_cursors(okrs, client_for):
    team = okrs.team
    events = Event.objects.bulk_create(
        Event(
            company=team.company,
            verb=Verb.COMMENT_CREATED,
            subject_kind="comment",
            subject_id=i,
            objective=okrs.sales_goal,
            payload={"body_excerpt": f"note {i:03d}", "comment_id": i, "target_kind": "objective"},
        )
        for i in range(60)
    )
    now = timezone.now()
    Notification.objects.bulk_create(
        Notification(
            company=team.company,
            user=team.member,
            event=event,
            reason=Reason.MENTION,
            created_at=now - timezone.timedelta(minutes=i),
        )
        for i, event in enumerate(events)
    )
    client = client_for(team.member)
    seen: list[str] = []
    url = f"{PAGE}?show=unread"
    while url:
        html = client.get(url).content.decode()
        seen += re.findall(r"note (\d{3})", html)
        more = re.search(r'href="(\?show=unread&amp;before=[^"]+)"', html)
        url = PAGE + more.group(1).replace("&amp;", "&") if more else ""
    assert seen == [f"{i:03d}" for i in range(60)]
    for bad in ("?show=unread&before=nonsense", "?show=everything", "?show=read&before=1-2-3"):
        response = client.get(PAGE + bad)
        assert response.status_code == 400, bad
        assert "Show:" in response.content.decode() or "Before:" in response.content.decode()


def test_preferences_page_saves_and_refuses_bad_choices(okrs, client_for):
    team = okrs.team
    client = client_for(team.member)
    page = client.get(f"{PAGE}preferences/").content.decode()
    assert "Mentions of you" in page
    assert 'value="immediate" selected' in page
    form = {f"{reason}-email": "digest" for reason in Reason.values}
    form |= {f"{reason}-in_app": "on" for reason in Reason.values if reason != Reason.REACTION}
    form["mention-email"] = "off"
    response = client.post(f"{PAGE}preferences/", form)
    assert response.status_code == 302
    rows = {p.reason: (p.in_app, p.email) for p in NotificationPreference.objects.filter(user=team.member)}
    assert rows[Reason.MENTION] == (True, EmailMode.OFF)
    assert rows[Reason.REACTION] == (False, EmailMode.DIGEST)
    before = list(NotificationPreference.objects.order_by("id").values_list())
    bad = client.post(f"{PAGE}preferences/", {**form, "reply-email": "hourly"})
    assert bad.status_code == 422
    assert "Email for replies to your comments" in bad.content.decode()
    assert list(NotificationPreference.objects.order_by("id").values_list()) == before


def test_another_companys_member_reaches_nothing(okrs, mentioned, other_team, client_for):
    client = client_for(other_team.admin)
    assert client.get(PAGE).status_code == 404
    assert client.get(f"{PAGE}count/").status_code == 404
    assert client.post(f"{PAGE}{mentioned[0].pk}/read/").status_code == 404
    assert client.get("/c/globex/notifications/").status_code == 200
    assert client.post(f"/c/globex/notifications/{mentioned[0].pk}/read/").status_code == 404
    assert Notification.objects.filter(read_at__isnull=False).count() == 0


def test_a_private_objectives_notifications_leave_the_page_with_access(okrs, mentioned, client_for):
    team = okrs.team
    Objective.objects.filter(pk=okrs.sales_goal.pk).update(private=True, title="Secret merger")
    from departments.models import DepartmentMembership

    assert "Secret merger" in client_for(team.member).get(PAGE).content.decode()
    DepartmentMembership.objects.filter(user=team.member).delete()
    html = client_for(team.member).get(PAGE).content.decode()
    assert "Secret merger" not in html
    assert bell_count(client_for(team.member).get(f"{PAGE}count/").content.decode()) == ""


def _grow(okrs, n: int) -> None:
    """``n`` more notifications of every reason for the member, half read, on public and private objectives."""
    team = okrs.team
    objectives = [okrs.sales_goal, okrs.company_goal]
    events = Event.objects.bulk_create(
        Event(
            company=team.company,
            verb=Verb.COMMENT_CREATED,
            subject_kind="comment",
            subject_id=i,
            objective=objectives[(i // 6) % 2],  # every reason on both objectives, the first on the laddered one,
            key_result=okrs.kr if i % 3 else None,
            actor=team.lead,
            payload={"comment_id": i, "target_kind": "objective", "body_excerpt": "x"},
        )
        for i in range(n)
    )
    # Laddering first, on the objective with a parent: from the first rows on, both sizes take the same paths.
    reasons = [Reason.LADDERED, *(reason for reason in Reason.values if reason != Reason.LADDERED)]
    Notification.objects.bulk_create(
        Notification(
            company=team.company,
            user=team.member,
            event=event,
            reason=reasons[i % len(reasons)],
            # Read by the reason's place (not the row's): laddering stays unread whatever the number of reasons.
            read_at=timezone.now() if (i % len(reasons)) % 2 else None,
        )
        for i, event in enumerate(events)
    )


@pytest.mark.parametrize("who", ["member", "admin"])
def test_page_and_count_cost_the_same_for_3_and_300_notifications(okrs, client_for, who):
    team = okrs.team
    Objective.objects.filter(pk=okrs.company_goal.pk).update(private=True)  # the member's reads take the filter
    user = getattr(team, who)
    Notification.objects.all().delete()
    client = client_for(user, htmx=False)
    client.get("/c/acme/")  # the session's first request may write

    def measure() -> dict[str, int]:
        counts = {}
        for name, url in {"page": PAGE, "unread": f"{PAGE}?show=unread", "count": f"{PAGE}count/"}.items():
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            counts[name] = len(captured)
        return counts

    if who == "admin":
        Notification.objects.filter(user=team.member).update(user=team.admin)
    _grow(okrs, 3)
    Notification.objects.filter(user=team.member).update(user=user)
    small = measure()
    _grow(okrs, 300)
    Notification.objects.filter(user=team.member).update(user=user)
    assert measure() == small
    # session, user, membership, department roles (+ departments for a department member), the count;
    # the page adds its two lists, the parents of laddered objectives and the header's company switcher.
    assert small["count"] <= 6, small
    assert small["page"] <= 10, small


def test_laddering_names_the_parent_only_while_the_reader_may_read_it(okrs, commit, client_for):
    team = okrs.team
    commit(
        Verb.OBJECTIVE_UPDATED,
        team,
        by=team.admin,
        objective=okrs.fair,
        payload={"title": okrs.fair.title, "parent_id": okrs.sales_goal.pk, "previous_parent_id": None},
    )
    lead = client_for(team.lead)
    assert "laddered “Run the Lyon fair” under your objective “Close new business”" in lead.get(PAGE).content.decode()
    # The parent went private and to someone else, and the lead left Sales: the fair is still theirs to read about.
    Objective.objects.filter(pk=okrs.sales_goal.pk).update(private=True, owner=team.admin, title="Secret plan")
    team.lead.department_memberships.all().delete()
    html = lead.get(PAGE).content.decode()
    assert "laddered “Run the Lyon fair” under your objective" in html
    assert "Secret plan" not in html


def test_pages_lose_no_notification_that_shares_its_moment(okrs, client_for):
    """Ties on the time (one event's many notifications, a bulk insert) page by id, to the microsecond."""
    team = okrs.team
    events = Event.objects.bulk_create(
        Event(
            company=team.company,
            verb=Verb.COMMENT_CREATED,
            subject_kind="comment",
            subject_id=i,
            objective=okrs.sales_goal,
            payload={"body_excerpt": f"tie {i:03d}", "comment_id": i, "target_kind": "objective"},
        )
        for i in range(55)
    )
    moment = timezone.now().replace(microsecond=123457)
    Notification.objects.bulk_create(
        Notification(company=team.company, user=team.member, event=event, reason=Reason.MENTION, created_at=moment)
        for event in events
    )
    client = client_for(team.member)
    seen: list[str] = []
    url = f"{PAGE}?show=unread"
    while url:
        html = client.get(url).content.decode()
        seen += re.findall(r"tie (\d{3})", html)
        more = re.search(r'href="(\?show=unread&amp;before=[^"]+)"', html)
        url = PAGE + more.group(1).replace("&amp;", "&") if more else ""
    assert sorted(seen) == [f"{i:03d}" for i in range(55)]
    assert len(seen) == 55
