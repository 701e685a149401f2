"""The grading page (one save per row over htmx) and what a closed cycle's objective page shows."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from objectives import services as okr
from objectives.models import KeyResult, Objective
from tests.factories import DepartmentFactory, KeyResultFactory, ObjectiveFactory


@pytest.fixture
def closed(team, frozen_clock):
    """A closed cycle: the member's objective (weights 2 and 1 at 60% and 30%), and one key result never checked in."""
    admin = team.actor(team.admin)
    objective = okr.objective_create(
        company=team.company,
        actor=admin,
        cycle=team.cycle,
        title="Win the market",
        department=team.department,
        owner=team.member,
        activate=True,
    )
    heavy = okr.key_result_create(
        company=team.company,
        actor=admin,
        objective=objective,
        title="Revenue from 0 to 10",
        target_value=10,
        weight=Decimal(2),
        owner=team.member,
    )
    light = okr.key_result_create(
        company=team.company,
        actor=admin,
        objective=objective,
        title="Deals from 0 to 100",
        target_value=100,
        owner=team.lead,
    )
    silent = okr.key_result_create(
        company=team.company,
        actor=admin,
        objective=objective,
        title="Referrals from 0 to 20",
        target_value=20,
        owner=team.member,
    )
    okr.checkin_create(company=team.company, actor=admin, key_result=heavy, value=6, confidence="on_track")
    okr.checkin_create(company=team.company, actor=admin, key_result=light, value=30, confidence="at_risk")
    okr.cycle_close(company=team.company, actor=admin, cycle=team.cycle)
    return objective, heavy, light, silent


def _page(team):
    return reverse("objectives:cycle_grading", args=[team.company.slug, team.cycle.pk])


def _grade_url(team, kr):
    return reverse("objectives:key_result_grade", args=[team.company.slug, kr.pk])


def _row(kr, **fields):
    return {f"grade{kr.pk}-{name}": value for name, value in fields.items()}


def test_the_owner_sees_their_key_results_prefilled_and_the_one_never_checked_in_flagged(team, closed, client_for):
    _objective, heavy, _light, _silent = closed
    body = client_for(team.member).get(_page(team)).content.decode()
    assert "Revenue from 0 to 10" in body
    assert "Referrals from 0 to 20" in body
    assert "Deals from 0 to 100" not in body  # the lead's key result: the member may not grade it
    assert f'name="grade{heavy.pk}-score" value="0.6"' in body
    assert "never checked in: needs a score" in body
    assert "1 key result never checked in needs a score" in body
    assert "Objective score <strong>50%</strong>" in body  # (2·0.6 + 1·0.3) / 3 = 0.5; silent not scored yet


def test_the_lead_grades_the_departments_key_results(team, closed, client_for):
    body = client_for(team.lead).get(_page(team)).content.decode()
    assert body.count('class="grade-form"') == 3


def test_the_viewer_grades_nothing(team, closed, client_for):
    body = client_for(team.viewer).get(_page(team)).content.decode()
    assert 'class="grade-form"' not in body
    assert "You have no key results to grade" in body


def test_a_private_objectives_key_results_never_appear_on_another_persons_page(team, closed, client_for):
    ops = DepartmentFactory(company=team.company, name="Ops", slug="ops")
    hidden = ObjectiveFactory(
        company=team.company,
        cycle=team.cycle,
        department=ops,
        owner=team.admin,
        private=True,
        status="closed",
        title="Secret reorganisation",
    )
    # The member owns a key result on it (the matrix would let them grade it) but may not read the objective.
    KeyResultFactory(company=team.company, objective=hidden, owner=team.member, title="Hidden 0 to 5", target_value=5)
    body = client_for(team.member).get(_page(team)).content.decode()
    assert "Secret reorganisation" not in body
    assert "Hidden 0 to 5" not in body
    assert "Secret reorganisation" in client_for(team.admin).get(_page(team)).content.decode()


def test_one_row_saves_over_htmx_and_the_objective_score_follows(team, closed, client_for):
    objective, _heavy, _light, silent = closed
    client = client_for(team.member, htmx=True)
    response = client.post(
        _grade_url(team, silent), _row(silent, score="0.9", reason="Counted the referrals by hand", not_scored="")
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Saved." in body
    assert f'id="grade-{silent.pk}"' in body
    # (2·0.6 + 1·0.3 + 1·0.9) / 4 = 2.4 / 4 = 0.6
    assert f'id="objective-{objective.pk}-score" hx-swap-oob="true"' in body
    silent.refresh_from_db()
    assert silent.final_score == pytest.approx(0.9)
    assert silent.score_reason == "Counted the referrals by hand"
    assert Objective.objects.get(pk=objective.pk).final_score == pytest.approx(0.6)


def test_marking_not_scored_over_htmx(team, closed, client_for):
    _, _, _, silent = closed
    response = client_for(team.member, htmx=True).post(
        _grade_url(team, silent), _row(silent, score="", reason="No referral programme this quarter", not_scored="on")
    )
    assert response.status_code == 200
    silent.refresh_from_db()
    assert silent.not_scored is True


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"score": "0.8", "reason": ""}, "reason", "a grade always comes with its reason"),
        ({"score": "1.5", "reason": "Overachieved"}, "score", "A score is from 0 to 1"),
        ({"score": "", "reason": "No idea"}, "score", "Give a score from 0 to 1"),
    ],
)
def test_a_bad_row_answers_422_with_the_error_next_to_its_field(team, closed, client_for, fields, field, message):
    _, heavy, _, _ = closed
    response = client_for(team.member, htmx=True).post(_grade_url(team, heavy), _row(heavy, **fields))
    assert response.status_code == 422
    body = response.content.decode()
    assert message in body
    assert f'id="id_grade{heavy.pk}-{field}"' in body
    assert 'aria-invalid="true"' in body
    heavy.refresh_from_db()
    assert heavy.final_score == pytest.approx(0.6)
    assert heavy.score_reason == ""


def test_a_plain_post_redirects_back_to_the_page(team, closed, client_for):
    _, heavy, _, _ = closed
    response = client_for(team.member).post(_grade_url(team, heavy), _row(heavy, score="0.7", reason="Late deal"))
    assert response.status_code == 302
    assert response["Location"] == _page(team)


def test_after_the_window_the_page_offers_no_form_and_a_post_is_refused(team, closed, client_for, frozen_clock):
    _, heavy, _, _ = closed
    frozen_clock.shift(datetime.timedelta(days=8))
    body = client_for(team.member).get(_page(team)).content.decode()
    assert "Grading ended" in body
    assert 'class="grade-form"' not in body
    response = client_for(team.member, htmx=True).post(_grade_url(team, heavy), _row(heavy, score="1", reason="Late"))
    assert response.status_code == 422
    assert "Grading ended" in response.content.decode()
    heavy.refresh_from_db()
    assert heavy.final_score == pytest.approx(0.6)


def test_someone_who_may_not_grade_is_refused_before_validation(team, closed, client_for):
    _, heavy, _, _ = closed
    response = client_for(team.viewer, htmx=True).post(_grade_url(team, heavy), _row(heavy, score="2", reason=""))
    assert response.status_code == 403


def test_another_companys_cycle_and_key_result_are_not_found(team, other_team, closed, client_for):
    _, heavy, _, _ = closed
    outsider = client_for(other_team.admin)
    assert outsider.get(f"/c/{other_team.company.slug}/cycles/{team.cycle.pk}/grading/").status_code == 404
    url = f"/c/{other_team.company.slug}/key-results/{heavy.pk}/grade/"
    assert outsider.post(url, _row(heavy, score="1", reason="Ours now")).status_code == 404
    heavy.refresh_from_db()
    assert heavy.final_score == pytest.approx(0.6)


def test_a_closed_cycles_objective_page_shows_final_scores_and_no_pace(team, closed, client_for):
    objective, heavy, _, _ = closed
    okr.key_result_grade(
        company=team.company, actor=team.actor(team.member), key_result=heavy, score="0.7", reason="Late deal"
    )
    body = client_for(team.member).get(reverse("objectives:objective", args=[team.company.slug, objective.pk]))
    html = body.content.decode()
    assert "final score" in html
    assert "Final score <strong>70%</strong>" in html
    assert "Late deal" in html
    assert "bar-pace" not in html  # no pace mark
    assert "expected " not in html.replace("Expected pace", "")  # no "expected today"
    assert 'class="today"' not in html
    assert "pace-status" not in html
    assert "Save check-in" not in html
    assert "/correct/" not in html  # no check-in actions in the history either
    assert "/undo/" not in html
    kr_html = client_for(team.member).get(reverse("objectives:key_result", args=[team.company.slug, heavy.pk]))
    kr_html = kr_html.content.decode()
    assert "bar-pace" not in kr_html
    assert "Save check-in" not in kr_html
    assert "Final score <strong>70%</strong>" in kr_html


def test_an_open_cycles_objective_page_keeps_its_pace(team, frozen_clock, client_for):
    objective = okr.objective_create(
        company=team.company, actor=team.actor(team.admin), cycle=team.cycle, title="Still running", activate=True
    )
    html = client_for(team.admin).get(reverse("objectives:objective", args=[team.company.slug, objective.pk]))
    html = html.content.decode()
    assert "bar-pace" in html
    assert "expected " in html


def test_the_grading_page_costs_the_same_queries_at_two_sizes(team, closed, client_for):
    assert closed  # the closed cycle the page grades
    client = client_for(team.lead)

    def measure() -> int:
        with CaptureQueriesContext(connection) as page:
            assert client.get(_page(team)).status_code == 200
        return len(page)

    small = measure()
    for i in range(5):
        grown = ObjectiveFactory(
            company=team.company, cycle=team.cycle, department=team.department, status="closed", title=f"More {i}"
        )
        for j in range(6):
            KeyResultFactory(
                company=team.company, objective=grown, owner=team.member, title=f"KR {i}.{j} 0 to 9", target_value=9
            )
    assert KeyResult.objects.filter(company=team.company).count() > 30
    assert measure() == small


def test_my_key_results_of_a_closed_cycle_show_final_scores_and_point_to_grading(team, closed, client_for):
    _, heavy, _, _ = closed
    html = client_for(team.member).get(reverse("objectives:my_key_results", args=[team.company.slug])).content.decode()
    assert "2026 Q4 is closed: its scores are final." in html
    assert _page(team) in html  # "Grade your key results"
    assert "expected progress today" not in html
    assert "bar-pace" not in html
    assert "pace-status" not in html
    assert f'id="kr-{heavy.pk}"' in html
    assert "final score 60%" in html
    assert 'class="button secondary">Check in' not in html
