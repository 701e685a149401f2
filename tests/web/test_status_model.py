"""Issue 17 items 1 and 12: one status model (DESIGN §3) on every page, the API and the digest.

Status is computed from progress and pace by ``objectives.progress.status``;
the owner's confidence is a separate, labelled judgement that never colours a bar.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from companies.tenancy import Actor
from notifications.reminders import weekly_digest
from objectives import services
from objectives.progress import Status, status
from tests.factories import KeyResultFactory, ObjectiveFactory


def _cycle_at_65_percent(team) -> None:
    """Put today 65% of the way through the team's cycle (65 of 100 days)."""
    today = team.company.local_today()
    team.cycle.start_date = today - datetime.timedelta(days=65)
    team.cycle.end_date = today + datetime.timedelta(days=35)
    team.cycle.save()


@pytest.fixture
def behind(team):
    """The issue's example: 45% done against 65% expected, while the owner says "on track"."""
    _cycle_at_65_percent(team)
    objective = ObjectiveFactory(
        company=team.company, cycle=team.cycle, department=team.department, owner=team.member, progress=0.45
    )
    kr = KeyResultFactory(
        company=team.company,
        objective=objective,
        owner=team.member,
        title="Win 100 new customers",
        current_value=45,
        progress=0.45,
        confidence="on_track",
    )
    ahead = KeyResultFactory(
        company=team.company,
        objective=objective,
        owner=team.member,
        title="Ship 10 integrations",
        current_value=9,
        target_value=10,
        progress=0.9,
        confidence="off_track",
    )
    return objective, kr, ahead


def _kr_row(html: str, title: str) -> str:
    """The markup from a key result's title to the next key result row."""
    start = html.index(title)
    end = html.find('class="kr-row"', start)
    return html[start : end if end != -1 else None]


@pytest.mark.parametrize(
    ("progress", "expected", "result"),
    [
        (None, 0.5, Status.UNKNOWN),
        (0.45, 0.65, Status.BEHIND_PACE),
        (0.5, 0.65, Status.ON_TRACK),  # exactly the margin below is still on track
        (0.9, 0.65, Status.ON_TRACK),
        (1.0, 0.65, Status.DONE),
        (1.0, 1.0, Status.DONE),
        (0.0, 0.0, Status.ON_TRACK),
    ],
)
def test_status_is_computed_from_progress_and_pace_alone(progress, expected, result):
    assert status(progress, expected) is result


@pytest.mark.parametrize("page", ["my_key_results", "objective", "department"])
def test_behind_pace_key_result_reads_behind_pace_whatever_its_confidence(team, behind, client_for, page):
    objective, kr, ahead = behind
    slug = team.company.slug
    urls = {
        "my_key_results": reverse("objectives:my_key_results", args=[slug]),
        "objective": reverse("objectives:objective", kwargs={"company_slug": slug, "objective_id": objective.pk}),
        "department": reverse(
            "departments:department", kwargs={"company_slug": slug, "department_slug": team.department.slug}
        ),
    }
    html = client_for(team.member).get(urls[page]).content.decode()
    row = _kr_row(html, kr.title)
    assert 'class="bar-fill behind_pace"' in row
    assert "bar-fill on_track" not in row
    assert '<span class="badge pace-status behind_pace">Behind pace</span>' in row
    assert "Confidence: on track" in row
    assert ">On track</span>" not in row  # no unlabelled "On track" claim from confidence alone
    # Ahead of pace with an "off track" owner: a green bar, never a red one; confidence labelled.
    ahead_row = _kr_row(html, ahead.title)
    assert 'class="bar-fill on_track"' in ahead_row
    assert "bar-fill off_track" not in ahead_row
    assert "badge off_track" not in ahead_row
    assert "Confidence: off track" in ahead_row
    assert "What the colours mean" in html  # the legend


def test_tree_key_result_bars_follow_status_and_show_the_pace_mark(team, behind, client_for):
    _, kr, _ = behind
    html = client_for(team.member).get(reverse("alignment:tree", args=[team.company.slug])).content.decode()
    krs = html[html.index('class="node-krs"') :]
    row = krs[krs.index(kr.title) : krs.index("</li>", krs.index(kr.title))]
    assert 'class="bar-fill behind_pace"' in row
    assert 'class="bar-pace" x1="65"' in row
    assert "Confidence: on track" in row
    assert "What the colours mean" in html


def test_department_page_and_cards_show_the_pace_mark(team, behind, client_for):
    slug = team.company.slug
    page = client_for(team.member).get(
        reverse("departments:department", kwargs={"company_slug": slug, "department_slug": team.department.slug})
    )
    head = page.content.decode().split('class="objective-progress"')[1].split("</div>")[0]
    assert 'class="bar-pace" x1="65"' in head
    assert 'class="bar-fill behind_pace"' in head
    cards = client_for(team.member).get(reverse("departments:departments", args=[slug])).content.decode()
    card = cards[cards.index('class="card department-card"') :]
    assert 'class="bar-pace" x1="65"' in card
    assert "Behind pace" in card


def test_api_exposes_the_computed_status_beside_confidence(team, behind, api):
    objective, kr, ahead = behind
    client = api(team.member)
    base = f"/api/v1/companies/{team.company.slug}"
    kr_body = client.get(f"{base}/key-results/{kr.pk}/").json()
    assert (kr_body["pace_status"], kr_body["confidence"]) == ("behind_pace", "on_track")
    assert client.get(f"{base}/key-results/{ahead.pk}/").json()["pace_status"] == "on_track"
    objective_body = client.get(f"{base}/objectives/{objective.pk}/").json()
    assert (objective_body["pace_status"], objective_body["status"]) == ("behind_pace", "active")
    listed = {row["id"]: row["pace_status"] for row in client.get(f"{base}/key-results/").json()["results"]}
    assert listed[kr.pk] == "behind_pace"
    tree = client.get(f"{base}/alignment/tree/").json()
    node = next(n for n in tree["roots"] if n["id"] == objective.pk)
    assert node["pace_status"] == "behind_pace"
    assert {k["id"]: k["pace_status"] for k in node["key_results"]} == {kr.pk: "behind_pace", ahead.pk: "on_track"}


def test_digest_names_the_status_and_labels_confidence(team, behind):
    _, kr, ahead = behind
    until = datetime.datetime.now(datetime.UTC)
    digest = weekly_digest(
        company=team.company,
        actor=Actor.for_user(team.company, team.admin),
        since=until - datetime.timedelta(days=7),
        until=until,
    )
    flags = {row["title"]: row["flags"] for row in digest["at_risk"]}
    assert flags[kr.title] == "Behind pace"
    assert flags[ahead.title] == "confidence: off track"


def test_chart_colours_the_actual_line_by_status_and_labels_each_point(team, behind, client_for):
    _, kr, _ = behind
    for value in (40, 45):
        services.checkin_create(
            company=team.company, actor=None, key_result=kr, value=Decimal(value), confidence="on_track"
        )
    html = (
        client_for(team.member)
        .get(reverse("objectives:key_result", kwargs={"company_slug": team.company.slug, "key_result_id": kr.pk}))
        .content.decode()
    )
    assert '<polyline class="actual behind_pace"' in html
    assert re.search(r'<text class="point-label"[^>]*>40%</text>', html)
    assert "after 2 check-ins;" in html
