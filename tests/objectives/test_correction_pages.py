"""The pages that correct and undo check-ins: the key result's history, the correction form, undo after checking in."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from objectives import services as okr
from objectives.models import UNDO_WINDOW, CheckIn, KeyResult, Objective
from tests.helpers import db_state
from tests.objectives.test_views import grow, pile_checkins


def url(name, team, *args):
    return reverse(f"objectives:{name}", args=[team.company.slug, *args])


@pytest.fixture
def cascade(team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        top = okr.objective_create(
            company=team.company, actor=None, cycle=team.cycle, title="Expand into new markets", activate=True
        )
        sales = okr.objective_create(
            company=team.company,
            actor=None,
            cycle=team.cycle,
            department=team.department,
            owner=team.lead,
            parent=top,
            title="Win Germany and France",
            activate=True,
        )
        kr = okr.key_result_create(
            company=team.company,
            actor=None,
            objective=sales,
            owner=team.member,
            title="Generate 1,000 qualified leads",
            start_value=0,
            target_value=1000,
        )
    return top, sales, kr


def check_in(team, kr, value, *, days_ago=0, user=None):
    return okr.checkin_create(
        company=team.company,
        actor=team.actor(user or team.member),
        key_result=kr,
        value=value,
        confidence="on_track",
        recorded_at=timezone.now() - datetime.timedelta(days=days_ago),
    )


def row(html: str, checkin: CheckIn) -> str:
    match = re.search(rf'<tr id="checkin-{checkin.pk}"[^>]*>(.*?)</tr>', html, re.S)
    assert match, f"no history row for check-in {checkin.pk}"
    return match.group(0)


def text(fragment: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", fragment).split())


# ---------------------------------------------------------------- the history


def test_history_offers_correct_and_undo_to_the_author_and_nothing_to_a_viewer(team, cascade, client_for):
    _, _, kr = cascade
    older = check_in(team, kr, 300, days_ago=7)
    latest = check_in(team, kr, 500)
    html = client_for(team.member).get(url("key_result", team, kr.pk)).content.decode()
    assert url("checkin_correct", team, older.pk) in row(html, older)
    assert url("checkin_undo", team, older.pk) not in row(html, older)  # not my latest
    assert url("checkin_correct", team, latest.pk) in row(html, latest)
    assert url("checkin_undo", team, latest.pk) in row(html, latest)
    viewer = client_for(team.viewer).get(url("key_result", team, kr.pk)).content.decode()
    assert "checkin_correct" not in viewer
    assert "/correct/" not in viewer
    assert "/undo/" not in viewer
    assert ">Actions<" not in viewer


def test_undo_is_offered_for_ten_minutes_only(team, cascade, client_for, frozen_clock):
    _, _, kr = cascade
    checkin = check_in(team, kr, 500)
    client = client_for(team.member)
    frozen_clock.shift(UNDO_WINDOW)
    assert url("checkin_undo", team, checkin.pk) in client.get(url("key_result", team, kr.pk)).content.decode()
    frozen_clock.shift(datetime.timedelta(seconds=1))
    html = client.get(url("key_result", team, kr.pk)).content.decode()
    assert url("checkin_undo", team, checkin.pk) not in html
    assert url("checkin_correct", team, checkin.pk) in html  # correcting stays open


def test_a_corrected_entry_stays_struck_through_and_points_at_its_correction(team, cascade, client_for):
    _, sales, kr = cascade
    original = check_in(team, kr, 500)
    fixed = okr.checkin_correct(
        company=team.company, actor=team.actor(team.lead), checkin=original, value=450, confidence="at_risk"
    )
    for page in (url("key_result", team, kr.pk), url("objective", team, sales.pk)):
        html = client_for(team.member).get(page).content.decode()
        old_row, new_row = row(html, original), row(html, fixed)
        assert 'class="superseded"' in old_row
        assert "<del>500</del>" in old_row
        assert "corrected" in text(old_row)
        assert f'href="#checkin-{fixed.pk}"' in old_row
        assert url("checkin_correct", team, original.pk) not in old_row  # corrected once; correct the new one
        assert "correction" in text(new_row)
        assert "450" in text(new_row)
        assert f'href="#checkin-{original.pk}"' in new_row
        assert url("checkin_correct", team, fixed.pk) in new_row


def test_an_undone_entry_is_labelled_and_its_undo_is_no_row(team, cascade, client_for):
    _, _, kr = cascade
    checkin = check_in(team, kr, 500)
    entry = okr.checkin_undo(company=team.company, actor=team.actor(team.member), checkin=checkin)
    html = client_for(team.member).get(url("key_result", team, kr.pk)).content.decode()
    assert "undone" in text(row(html, checkin))
    assert f'id="checkin-{entry.pk}"' not in html


# ---------------------------------------------------------------- correcting


def test_correcting_without_javascript(team, cascade, client_for):
    _, sales, kr = cascade
    checkin = check_in(team, kr, 500)
    client = client_for(team.member)
    page = client.get(url("checkin_correct", team, checkin.pk) + f"?next={url('objective', team, sales.pk)}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<h1>Correct a check-in</h1>" in html
    assert 'value="500"' in html  # the form starts from the entry being corrected
    assert f'name="next" value="{url("objective", team, sales.pk)}"' in html
    prefix = f"fix{checkin.pk}"
    response = client.post(
        url("checkin_correct", team, checkin.pk),
        {f"{prefix}-value": "450", f"{prefix}-confidence": "at_risk", f"{prefix}-note": "recounted"},
    )
    assert response.status_code == 302
    assert response["Location"] == url("key_result", team, kr.pk)
    stored = KeyResult.objects.get(pk=kr.pk)
    assert (stored.current_value, stored.confidence, stored.progress) == (Decimal(450), "at_risk", 0.45)
    assert Objective.objects.get(pk=sales.pk).progress == 0.45
    after = client.get(url("key_result", team, kr.pk)).content.decode()
    assert "Check-in on “Generate 1,000 qualified leads” corrected." in after


def test_correcting_inline_with_htmx(team, cascade, client_for):
    _, _, kr = cascade
    checkin = check_in(team, kr, 500)
    client = client_for(team.member, htmx=True)
    fragment = client.get(url("checkin_correct", team, checkin.pk)).content.decode()
    assert "<html" not in fragment
    assert 'id="correct-form"' in fragment
    assert 'hx-post="' + url("checkin_correct", team, checkin.pk) in fragment
    prefix = f"fix{checkin.pk}"
    before = db_state()
    invalid = client.post(
        url("checkin_correct", team, checkin.pk), {f"{prefix}-value": "", f"{prefix}-confidence": "x"}
    )
    assert invalid.status_code == 422
    assert 'id="correct-form"' in invalid.content.decode()
    assert "<html" not in invalid.content.decode()
    assert 'aria-invalid="true"' in invalid.content.decode()
    assert db_state() == before
    done = client.post(
        url("checkin_correct", team, checkin.pk), {f"{prefix}-value": "450", f"{prefix}-confidence": "on_track"}
    )
    assert done.status_code == 200
    assert done["HX-Redirect"] == url("key_result", team, kr.pk)
    assert KeyResult.objects.get(pk=kr.pk).current_value == Decimal(450)


def test_the_service_refusal_shows_on_the_form(team, cascade, client_for):
    _, _, kr = cascade
    checkin = check_in(team, kr, 500)
    okr.checkin_correct(
        company=team.company, actor=team.actor(team.lead), checkin=checkin, value=1, confidence="on_track"
    )
    client = client_for(team.member)
    html = client.get(url("checkin_correct", team, checkin.pk)).content.decode()
    assert "already corrected" in html
    assert "Save correction" not in html
    prefix = f"fix{checkin.pk}"
    before = db_state()
    response = client.post(
        url("checkin_correct", team, checkin.pk), {f"{prefix}-value": "2", f"{prefix}-confidence": "on_track"}
    )
    assert response.status_code == 422
    assert "already corrected" in response.content.decode()
    assert db_state() == before


def test_correcting_is_refused_to_whoever_may_not(team, cascade, client_for, other_team):
    _, _, kr = cascade
    checkin = check_in(team, kr, 500)
    prefix = f"fix{checkin.pk}"
    body = {f"{prefix}-value": "1", f"{prefix}-confidence": "on_track"}
    before = db_state()
    for user in (team.viewer, team.leader):
        assert client_for(user).get(url("checkin_correct", team, checkin.pk)).status_code == 403
        assert client_for(user).post(url("checkin_correct", team, checkin.pk), body).status_code == 403
        assert client_for(user).post(url("checkin_undo", team, checkin.pk)).status_code == 403
    # Another company's admin: through either company's address, the check-in does not exist.
    stranger = client_for(other_team.admin)
    assert stranger.get(url("checkin_correct", team, checkin.pk)).status_code == 404
    other = reverse("objectives:checkin_correct", args=[other_team.company.slug, checkin.pk])
    assert stranger.get(other).status_code == 404
    assert stranger.post(other, body).status_code == 404
    assert (
        stranger.post(reverse("objectives:checkin_undo", args=[other_team.company.slug, checkin.pk])).status_code == 404
    )
    assert db_state() == before


def test_a_private_objectives_check_ins_are_not_found_by_those_who_may_not_read_it(team, cascade, client_for):
    top, _, _ = cascade
    Objective.objects.filter(pk=top.pk).update(private=True)
    kr = okr.key_result_create(
        company=team.company, actor=None, objective=top, owner=team.leader, title="Open two offices", target_value=2
    )
    checkin = check_in(team, kr, 1, user=team.leader)
    for user in (team.member, team.viewer):
        response = client_for(user).get(url("checkin_correct", team, checkin.pk))
        assert response.status_code == 404
        assert "Open two offices" not in response.content.decode()
        assert client_for(user).post(url("checkin_undo", team, checkin.pk)).status_code == 404
    assert client_for(team.leader).get(url("checkin_correct", team, checkin.pk)).status_code == 200


# ---------------------------------------------------------------- undo


def test_undo_from_the_history(team, cascade, client_for):
    _, sales, kr = cascade
    check_in(team, kr, 300, days_ago=2)
    latest = check_in(team, kr, 500)
    client = client_for(team.member)
    response = client.post(url("checkin_undo", team, latest.pk), {"next": url("key_result", team, kr.pk)})
    assert response.status_code == 302
    assert KeyResult.objects.get(pk=kr.pk).current_value == Decimal(300)
    assert Objective.objects.get(pk=sales.pk).progress == 0.3
    html = client.get(response["Location"]).content.decode()
    assert "undone." in html
    assert "undone" in text(row(html, latest))
    # A second press changes nothing and says why.
    before = db_state()
    again = client.post(url("checkin_undo", team, latest.pk))
    assert again.status_code == 302
    assert "already corrected or undone" in client.get(again["Location"]).content.decode()
    assert db_state() == before


def test_undo_right_after_checking_in_on_my_key_results(team, cascade, client_for, django_capture_on_commit_callbacks):
    top, sales, kr = cascade
    check_in(team, kr, 300, days_ago=2)
    client = client_for(team.member, htmx=True)
    checked = client.post(
        url("check_in", team, kr.pk), {f"kr{kr.pk}-value": "700", f"kr{kr.pk}-confidence": "on_track"}
    )
    html = checked.content.decode()
    assert "Checked in." in html
    latest = CheckIn.objects.filter(key_result=kr).latest("id")
    assert f'hx-post="{url("checkin_undo", team, latest.pk)}"' in html
    assert 'name="from" value="my-key-results"' in html

    with django_capture_on_commit_callbacks(execute=True):  # the ancestors' roll-up, on commit
        undone = client.post(url("checkin_undo", team, latest.pk), {"from": "my-key-results"})
    assert undone.status_code == 200
    row_html = undone.content.decode()
    assert "Check-in undone." in row_html
    assert f'id="kr-{kr.pk}"' in row_html
    assert "/undo/" not in row_html
    assert KeyResult.objects.get(pk=kr.pk).current_value == Decimal(300)
    # Every figure the undo moved comes back out of band, as after a check-in.
    assert f'data-progress="objective-{sales.pk}"' in row_html
    assert f'data-progress="company-{top.pk}"' in row_html
    assert Objective.objects.get(pk=top.pk).progress == 0.3


def test_undo_refused_on_my_key_results_says_why_in_the_row(team, cascade, client_for, frozen_clock):
    _, _, kr = cascade
    checkin = check_in(team, kr, 300)
    frozen_clock.shift(UNDO_WINDOW + datetime.timedelta(minutes=1))
    before = db_state()
    response = client_for(team.member, htmx=True).post(
        url("checkin_undo", team, checkin.pk), {"from": "my-key-results"}
    )
    assert response.status_code == 200
    assert "can be undone for 10 minutes" in response.content.decode()
    assert db_state() == before


# ---------------------------------------------------------------- query counts


@pytest.mark.parametrize(("size", "checkins"), [(1, 1), (8, 50)])
def test_correction_pages_cost_the_same_at_any_size(
    team, cascade, client_for, django_assert_num_queries, size, checkins
):
    _, _, kr = cascade
    grow(team, size)
    pile_checkins(team, kr, checkins)
    target = check_in(team, kr, 500)
    client = client_for(team.member)
    prefix = f"fix{target.pk}"
    # Common five (session, user, membership, department roles, header companies), the check-in with its
    # key result, objective and cycle (visibility in SQL), the department tree (visibility and permission).
    with django_assert_num_queries(7):
        assert client.get(url("checkin_correct", team, target.pk)).status_code == 200
    # Common four, the department tree (permission), the check-in; the service: savepoint, key result lock,
    # objective and cycle, the entry with its standing, insert; the key result follows: latest effective
    # check-in, update, its audit row; its objective: lock, key results, children, update; the event; release.
    with django_assert_num_queries(20):
        response = client.post(
            url("checkin_correct", team, target.pk), {f"{prefix}-value": "450", f"{prefix}-confidence": "on_track"}
        )
    assert response.status_code == 302
    latest = check_in(team, kr, 600)
    # As the correction, with the author's latest check-in read for the undo rule instead of the form.
    with django_assert_num_queries(21):
        assert client.post(url("checkin_undo", team, latest.pk)).status_code == 302
