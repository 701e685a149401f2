"""Retrospectives: the service's rules (who, when, what text), the event, and the closed objective's page."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from objectives import feed
from objectives import services as okr
from objectives.models import Event, Objective, Retrospective, Verb
from okrhub.errors import NotFound, PermissionDenied
from tests.factories import KeyResultFactory, MembershipFactory, ObjectiveFactory, UserFactory
from tests.helpers import db_state


@pytest.fixture
def closed(team, frozen_clock):
    """The cycle closed: the member's Sales objective, a company-level one, and a private one of the lead's."""
    admin = team.actor(team.admin)
    mine = okr.objective_create(
        company=team.company,
        actor=admin,
        cycle=team.cycle,
        title="Win the market",
        department=team.department,
        owner=team.member,
        activate=True,
    )
    okr.key_result_create(
        company=team.company, actor=admin, objective=mine, title="Revenue from 0 to 10", target_value=10
    )
    company_level = okr.objective_create(
        company=team.company, actor=admin, cycle=team.cycle, title="Grow revenue", owner=team.admin, activate=True
    )
    secret = okr.objective_create(
        company=team.company,
        actor=admin,
        cycle=team.cycle,
        title="Secret acquisition",
        department=team.department,
        owner=team.lead,
        private=True,
        activate=True,
    )
    okr.cycle_close(company=team.company, actor=admin, cycle=team.cycle)
    for objective in (mine, company_level, secret):
        objective.refresh_from_db()
    return mine, company_level, secret


def write(team, user, objective, **parts):
    return okr.objective_retrospective_write(company=team.company, actor=team.actor(user), objective=objective, **parts)


def _field_and_code(error: ValidationError) -> tuple[str, str]:
    [(field, [item])] = error.error_dict.items()
    return field, item.code


# ---------------------------------------------------------------- the service


def test_the_owner_writes_and_rewrites_one_note_per_objective(team, closed, frozen_clock):
    mine, _, _ = closed
    first = write(team, team.member, mine, went_well="  Two partners signed  ", learned="", change="Start earlier")
    assert (first.went_well, first.learned, first.change) == ("Two partners signed", "", "Start earlier")
    assert first.updated_by == team.member
    frozen_clock.shift(datetime.timedelta(hours=2))
    again = write(team, team.lead, mine, went_well="Two partners signed", learned="Germany needs a case study")
    assert again.pk == first.pk
    assert Retrospective.objects.filter(company=team.company, objective=mine).count() == 1
    assert (again.learned, again.change) == ("Germany needs a case study", "")  # a part left out is emptied
    assert again.updated_by == team.lead
    assert again.updated_at == first.updated_at + datetime.timedelta(hours=2)
    events = Event.objects.filter(company=team.company, verb=Verb.OBJECTIVE_RETROSPECTIVE_WRITTEN).order_by("id")
    assert [(e.objective_id, e.payload["created"], e.actor_id) for e in events] == [
        (mine.pk, True, team.member.pk),
        (mine.pk, False, team.lead.pk),
    ]
    assert events[1].payload == {
        "title": "Win the market",
        "created": False,
        "went_well": "Two partners signed",
        "learned": "Germany needs a case study",
        "change": "",
    }


def test_the_feed_says_who_wrote_or_revised_it(team, closed):
    mine, _, _ = closed
    write(team, team.member, mine, went_well="Good")
    write(team, team.member, mine, went_well="Better")
    events = list(
        Event.objects.filter(company=team.company, verb=Verb.OBJECTIVE_RETROSPECTIVE_WRITTEN)
        .select_related("actor", "objective")
        .order_by("id")
    )
    sentences = [feed.describe(event, feed.References(company_slug=team.company.slug)) for event in events]
    assert [(d.action, d.subject) for d in sentences] == [
        ("wrote the retrospective of", "Win the market"),
        ("revised the retrospective of", "Win the market"),
    ]
    assert Verb.OBJECTIVE_RETROSPECTIVE_WRITTEN in feed.VERB_CATALOGUE


def test_still_written_after_grading_ended_a_note_is_not_a_score(team, closed):
    mine, _, _ = closed
    cycle = mine.cycle
    assert okr.cycle_grading_end(company=team.company, cycle=cycle, now=cycle.grading_ends_at + datetime.timedelta(1))
    mine.cycle.refresh_from_db()
    assert write(team, team.member, mine, change="Plan the pilot in week 1").change == "Plan the pilot in week 1"


def test_refused_while_the_cycle_is_open_naming_cycle(team, frozen_clock):
    objective = ObjectiveFactory(company=team.company, cycle=team.cycle, owner=team.member, status="active")
    before = db_state()
    with pytest.raises(ValidationError) as refused:
        write(team, team.admin, objective, went_well="Too early")
    assert _field_and_code(refused.value) == ("cycle", "cycle_open")
    assert db_state() == before


@pytest.mark.parametrize(
    ("parts", "field", "code"),
    [
        ({}, "went_well", "blank"),
        ({"went_well": "   ", "learned": "\u200b\u200b", "change": "\n"}, "went_well", "blank"),  # invisible only
        ({"went_well": "ok", "learned": "x" * 2001}, "learned", "max_length"),
        ({"went_well": "ok", "change": "ring \u0007 the bell"}, "change", "control_characters"),
        ({"went_well": "reads \u202eright to left"}, "went_well", "control_characters"),
    ],
)
def test_bad_parts_are_refused_naming_the_part_and_nothing_changes(team, closed, parts, field, code):
    mine, _, _ = closed
    before = db_state()
    with pytest.raises(ValidationError) as refused:
        write(team, team.member, mine, **parts)
    assert _field_and_code(refused.value) == (field, code)
    assert db_state() == before


def test_line_breaks_and_2000_characters_are_fine(team, closed):
    mine, _, _ = closed
    note = write(team, team.member, mine, learned="First line\n\tsecond line", change="y" * 2000)
    assert note.learned == "First line\n\tsecond line"
    assert len(note.change) == 2000


@pytest.mark.parametrize(
    ("who", "which", "allowed"),
    [
        ("member", "mine", True),  # the owner
        ("lead", "mine", True),  # the department's lead
        ("admin", "mine", True),
        ("leader", "mine", False),  # not the owner nor a lead of Sales
        ("viewer", "mine", False),
        ("leader", "company_level", True),  # a company-level objective has no department lead
        ("member", "company_level", False),
        ("lead", "secret", True),  # the private objective's owner
    ],
)
def test_who_writes_follows_the_matrix(team, closed, who, which, allowed):
    objective = dict(zip(("mine", "company_level", "secret"), closed, strict=True))[which]
    if allowed:
        assert write(team, getattr(team, who), objective, went_well="Noted").went_well == "Noted"
    else:
        with pytest.raises(PermissionDenied):
            write(team, getattr(team, who), objective, went_well="Noted")
        assert not Retrospective.objects.filter(company=team.company).exists()


def test_a_private_objective_is_not_found_by_those_who_may_not_read_it(team, closed):
    _, _, secret = closed
    outsider = MembershipFactory(company=team.company, user=UserFactory(), role="member").user
    with pytest.raises(NotFound):
        write(team, outsider, secret, went_well="Peek")
    with pytest.raises(NotFound):  # the viewer is in no department: not found before "not allowed"
        write(team, team.viewer, secret, went_well="Peek")


def test_another_companys_objective_is_not_found(team, other_team, closed):
    mine, _, _ = closed
    with pytest.raises(NotFound):
        okr.objective_retrospective_write(
            company=other_team.company, actor=other_team.actor(other_team.admin), objective=mine, went_well="x"
        )


# ---------------------------------------------------------------- the page


def _page(team, objective):
    return reverse("objectives:objective", args=[team.company.slug, objective.pk])


def _post_url(team, objective):
    return reverse("objectives:objective_retrospective", args=[team.company.slug, objective.pk])


def test_the_owner_gets_the_form_and_a_viewer_reads_the_note(team, closed, client_for):
    mine, _, _ = closed
    html = client_for(team.member).get(_page(team, mine)).content.decode()
    assert 'id="retrospective"' in html
    assert _post_url(team, mine) in html
    assert "What we learned" in html
    viewer_html = client_for(team.viewer).get(_page(team, mine)).content.decode()
    assert "No retrospective written yet." in viewer_html
    assert _post_url(team, mine) not in viewer_html
    write(team, team.member, mine, went_well="Two <b>partners</b>", learned="", change="Start earlier")
    viewer_html = client_for(team.viewer).get(_page(team, mine)).content.decode()
    assert "Two &lt;b&gt;partners&lt;/b&gt;" in viewer_html  # escaped
    assert "Start earlier" in viewer_html
    assert "Last written by" in viewer_html


def test_an_open_cycles_objective_shows_no_retrospective(team, client_for, frozen_clock):
    objective = ObjectiveFactory(company=team.company, cycle=team.cycle, owner=team.member, status="active")
    html = client_for(team.admin).get(_page(team, objective)).content.decode()
    assert 'id="retrospective"' not in html


def test_saving_over_htmx_returns_the_section(team, closed, client_for):
    mine, _, _ = closed
    client = client_for(team.member, htmx=True)
    response = client.post(_post_url(team, mine), {"went_well": "Signed two", "learned": "", "change": ""})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card retrospective" id="retrospective"')
    assert "Retrospective saved." in html
    assert "Signed two" in html
    assert Retrospective.objects.get(company=team.company, objective=mine).went_well == "Signed two"


def test_errors_come_back_beside_their_fields_with_422(team, closed, client_for):
    mine, _, _ = closed
    before = db_state()
    client = client_for(team.member, htmx=True)
    response = client.post(_post_url(team, mine), {"went_well": "ok", "learned": "", "change": "bell \u0007"})
    assert response.status_code == 422
    html = response.content.decode()
    change_group = html.split('<div class="field has-error">', 1)[1]
    assert 'name="change"' in change_group  # the one field with an error is the part that holds the bell
    assert "control characters" in change_group
    assert 'name="went_well"' not in change_group
    assert db_state() == before
    # The plain POST re-renders the whole page with the same error.
    page = client_for(team.member).post(_post_url(team, mine), {"went_well": "", "learned": "", "change": ""})
    assert page.status_code == 422
    assert "Write at least one of the three parts." in page.content.decode()
    assert "<h1>Win the market</h1>" in page.content.decode()


def test_a_plain_post_redirects_to_the_section(team, closed, client_for):
    mine, _, _ = closed
    response = client_for(team.lead).post(_post_url(team, mine), {"went_well": "", "learned": "Ask early"})
    assert response.status_code == 302
    assert response["Location"] == _page(team, mine) + "#retrospective"


def test_refusals_over_the_page(team, closed, client_for):
    mine, _, secret = closed
    outsider = MembershipFactory(company=team.company, user=UserFactory(), role="member").user
    before = db_state()
    assert client_for(team.viewer).post(_post_url(team, mine), {"went_well": "x"}).status_code == 403
    assert client_for(team.leader).post(_post_url(team, mine), {"went_well": "x"}).status_code == 403
    assert client_for(outsider).post(_post_url(team, secret), {"went_well": "x"}).status_code == 404
    assert client_for(outsider).get(_page(team, secret)).status_code == 404
    assert db_state() == before


def test_another_companys_objective_answers_404(team, other_team, closed, client_for):
    mine, _, _ = closed
    url = reverse("objectives:objective_retrospective", args=[other_team.company.slug, mine.pk])
    assert client_for(other_team.admin).post(url, {"went_well": "x"}).status_code == 404


def test_the_page_costs_the_same_queries_at_two_sizes(team, closed, client_for):
    mine, _, _ = closed
    write(team, team.member, mine, went_well="Noted")
    client = client_for(team.member)

    def measure() -> int:
        with CaptureQueriesContext(connection) as page:
            assert client.get(_page(team, mine)).status_code == 200
        return len(page)

    small = measure()
    for i in range(8):
        KeyResultFactory(
            company=team.company, objective=mine, owner=team.member, title=f"KR {i} 0 to 9", target_value=9
        )
        ObjectiveFactory(company=team.company, cycle=team.cycle, department=team.department, parent=mine)
    write(team, team.lead, mine, went_well="Noted again", learned="More")
    assert measure() == small


@pytest.mark.parametrize("status", ["draft", "archived"])
def test_refused_on_an_objective_that_never_ran_naming_objective(team, closed, status):
    mine, _, _ = closed
    Objective.objects.filter(pk=mine.pk).update(status=status)
    mine.refresh_from_db()
    before = db_state()
    with pytest.raises(ValidationError) as refused:
        write(team, team.admin, mine, went_well="We never started")
    assert _field_and_code(refused.value) == ("objective", "not_ran")
    assert db_state() == before
