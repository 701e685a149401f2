"""Possible overlaps on the gaps report, the objective page, the planning board and the typing hints."""

import html
import re

import pytest
from django.urls import reverse

from objectives import overlaps
from objectives.models import Dependency, OverlapDismissal
from tests.factories import KeyResultFactory
from tests.objectives.test_overlaps import LEADS, PIPELINE, marketing, pair  # noqa: F401 (fixtures)


@pytest.fixture(autouse=True)
def _fresh_overlaps():
    overlaps.clear_cache()
    yield
    overlaps.clear_cache()


def _key(pair) -> str:  # noqa: F811
    leads, _sales, pipeline = pair
    return f"k{pipeline.pk}|o{leads.pk}"


def gaps(team):
    return reverse("alignment:gaps", args=[team.company.slug])


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_the_gaps_report_lists_the_pair_with_its_reasons_and_actions_for_who_may_link(team, pair, client_for):  # noqa: F811
    body = page(client_for(team.lead), gaps(team))
    assert "Possible overlaps" in body
    assert LEADS in body
    assert PIPELINE in body
    assert "shared key terms:" in body
    assert "Link as a dependency" in body
    assert "Not the same" in body
    viewer = page(client_for(team.viewer), gaps(team))
    assert PIPELINE in viewer
    assert "Link as a dependency" not in viewer


def test_a_private_side_hides_the_pair_and_its_count(team, pair, client_for):  # noqa: F811
    leads = pair[0]
    leads.private = True
    leads.save()
    body = page(client_for(team.member), gaps(team))
    assert PIPELINE not in body
    assert 'Possible overlaps <span class="count" id="overlaps-count">0</span>' in body
    assert PIPELINE in page(client_for(team.admin), gaps(team))


def test_the_objective_page_shows_similar_work_elsewhere(team, pair, client_for):  # noqa: F811
    leads, sales, _pipeline = pair
    body = page(client_for(team.viewer), reverse("objectives:objective", args=[team.company.slug, leads.pk]))
    assert "Similar work elsewhere" in body
    assert PIPELINE in body
    assert "Sales · key result" in body
    other = page(client_for(team.viewer), reverse("objectives:objective", args=[team.company.slug, sales.pk]))
    assert LEADS in other


def test_the_planning_board_shows_the_cycles_overlaps(team, pair, client_for):  # noqa: F811
    body = page(client_for(team.lead), reverse("objectives:planning", args=[team.company.slug, team.cycle.pk]))
    assert "Possible overlaps" in body
    assert PIPELINE in body


def test_the_typing_hint_names_the_other_departments_item(team, pair, marketing, client_for):  # noqa: F811
    url = reverse("objectives:objective_hints", args=[team.company.slug])
    query = {"title": "Qualified leads from DACH and France", "department": marketing.pk, "cycle": team.cycle.pk}
    body = page(client_for(team.admin, htmx=True), url + "?" + "&".join(f"{k}={v}" for k, v in query.items()))
    assert f"Sales has a similar key result: “{PIPELINE}”" in body
    kr_url = reverse("objectives:key_result_hints", args=[team.company.slug])
    body = page(
        client_for(team.admin, htmx=True), f"{kr_url}?objective={pair[1].pk}&title=Generate+qualified+leads+in+Germany"
    )
    assert f"Marketing has a similar objective: “{LEADS}”" in body


def test_the_typing_hint_never_names_an_item_the_reader_may_not_read(team, pair, marketing, client_for):  # noqa: F811
    leads = pair[0]
    leads.private = True
    leads.save()
    kr_url = reverse("objectives:key_result_hints", args=[team.company.slug])
    body = page(
        client_for(team.lead, htmx=True), f"{kr_url}?objective={pair[1].pk}&title=Generate+qualified+leads+in+Germany"
    )
    assert LEADS not in body
    assert "similar" not in body


def test_dismissing_from_the_page_hides_the_pair_for_everyone(team, pair, client_for):  # noqa: F811
    url = reverse("objectives:overlap_dismiss", args=[team.company.slug, team.cycle.pk])
    response = client_for(team.lead).post(url, {"pair": _key(pair), "next": gaps(team)})
    assert response.status_code == 302
    assert response["Location"] == gaps(team)
    assert OverlapDismissal.objects.filter(company=team.company, pair_key=_key(pair)).exists()
    assert PIPELINE not in page(client_for(team.admin), gaps(team))


def test_converting_from_the_page_links_the_objectives(team, pair, client_for):  # noqa: F811
    url = reverse("objectives:overlap_convert", args=[team.company.slug, team.cycle.pk])
    response = client_for(team.lead).post(url, {"pair": _key(pair)})
    assert response.status_code == 302
    assert Dependency.objects.filter(company=team.company, from_objective=pair[1], to_objective=pair[0]).exists()


def test_page_actions_refuse_viewers_other_companies_and_bad_pairs(team, other_team, pair, client_for):  # noqa: F811
    url = reverse("objectives:overlap_dismiss", args=[team.company.slug, team.cycle.pk])
    assert client_for(team.viewer).post(url, {"pair": _key(pair)}).status_code == 403
    other = reverse("objectives:overlap_dismiss", args=[other_team.company.slug, other_team.cycle.pk])
    assert client_for(team.lead).post(other, {"pair": _key(pair)}).status_code == 404
    foreign_cycle = reverse("objectives:overlap_dismiss", args=[team.company.slug, other_team.cycle.pk])
    assert client_for(team.lead).post(foreign_cycle, {"pair": _key(pair)}).status_code == 404
    response = client_for(team.lead).post(url, {"pair": "nonsense"}, follow=True)
    assert "such as" in html.unescape(response.content.decode())
    assert not OverlapDismissal.objects.exists()


def test_the_gaps_page_costs_one_query_for_overlaps_when_nothing_changed(
    team,
    pair,  # noqa: F811
    client_for,
    django_assert_max_num_queries,
):
    client = client_for(team.lead)
    client.get(gaps(team))
    # the gaps report's own 10, the dismissals, the department tree for the pair's actions
    with django_assert_max_num_queries(12):
        client.get(gaps(team))


def test_converting_with_htmx_replaces_the_row_and_links_the_objectives(
    team,
    pair,  # noqa: F811
    client_for,
    django_assert_max_num_queries,
):
    url = reverse("objectives:overlap_convert", args=[team.company.slug, team.cycle.pk])
    client = client_for(team.lead)
    client.get(gaps(team))  # the cycle's overlaps computed once
    with django_assert_max_num_queries(30):
        response = client.post(url, {"pair": _key(pair)}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = html.unescape(response.content.decode())
    assert body.startswith('<li class="overlap" role="status">')
    assert f"“{pair[1].title}” now depends on “{pair[0].title}”" in body
    assert reverse("objectives:objective", args=[team.company.slug, pair[1].pk]) in body
    assert Dependency.objects.filter(company=team.company, from_objective=pair[1], to_objective=pair[0]).exists()


def test_linking_takes_away_the_other_rows_of_the_same_two_objectives(team, pair, client_for):  # noqa: F811
    leads, _sales, pipeline = pair
    # Marketing's key result of the same words: a second pair between the same two objectives.
    leads_kr = KeyResultFactory(company=team.company, objective=leads, owner=team.admin, title=LEADS)
    client = client_for(team.lead)
    body = page(client, gaps(team))
    second = "overlap-" + overlaps.pair_key(f"k{leads_kr.pk}", f"k{pipeline.pk}").replace("|", "-")
    assert f'id="{second}"' in body
    assert f'id="overlap-k{pipeline.pk}-o{leads.pk}"' in body

    url = reverse("objectives:overlap_convert", args=[team.company.slug, team.cycle.pk])
    response = client.post(url, {"pair": _key(pair)}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    # The pair's own row becomes the outcome; the other row is deleted out of band, no reload needed.
    assert f'<li id="{second}" hx-swap-oob="delete"></li>' in response.content.decode()
    assert f"overlap-k{pipeline.pk}-o{leads.pk}" not in response.content.decode()
    assert f'id="{second}"' not in page(client, gaps(team))


def test_a_refused_htmx_action_answers_422_in_the_row(team, pair, client_for):  # noqa: F811
    url = reverse("objectives:overlap_dismiss", args=[team.company.slug, team.cycle.pk])
    response = client_for(team.lead).post(url, {"pair": "nonsense"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    body = html.unescape(response.content.decode())
    assert 'role="alert"' in body
    assert "such as" in body
    assert not OverlapDismissal.objects.exists()


def _count(body: str) -> int:
    """The heading's count of a page or the out-of-band one of an htmx answer."""
    found = re.search(r'<span class="count" id="overlaps-count"[^>]*>(\d+)</span>', body)
    assert found, body
    return int(found.group(1))


def test_an_htmx_action_recounts_the_sections_heading_as_a_reload_would(team, pair, client_for):  # noqa: F811
    leads, _sales, pipeline = pair
    # A second pair: Marketing's key result of the same words (the same two objectives: the link takes it away too).
    leads_kr = KeyResultFactory(company=team.company, objective=leads, owner=team.admin, title=LEADS)
    client = client_for(team.lead)
    before = _count(page(client, gaps(team)))
    assert before >= 2
    second = "overlap-" + overlaps.pair_key(f"k{leads_kr.pk}", f"k{pipeline.pk}").replace("|", "-")
    convert = reverse("objectives:overlap_convert", args=[team.company.slug, team.cycle.pk])
    response = client.post(convert, {"pair": _key(pair), "scope": ""}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert f'<li id="{second}" hx-swap-oob="delete"></li>' in body
    assert _count(body) == before - 2  # the pair and the other one between the same two objectives
    assert _count(page(client, gaps(team))) == before - 2


def test_an_htmx_dismissal_recounts_the_objective_pages_section(team, pair, client_for):  # noqa: F811
    leads, _sales, _pipeline = pair
    client = client_for(team.lead)
    objective_page = reverse("objectives:objective", args=[team.company.slug, leads.pk])
    before = _count(page(client, objective_page))
    assert before >= 1
    dismiss = reverse("objectives:overlap_dismiss", args=[team.company.slug, team.cycle.pk])
    response = client.post(dismiss, {"pair": _key(pair), "scope": str(leads.pk)}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert _count(response.content.decode()) == before - 1 == _count(page(client, objective_page))


def test_a_bad_scope_is_refused_naming_it_and_changes_nothing(team, pair, client_for):  # noqa: F811
    dismiss = reverse("objectives:overlap_dismiss", args=[team.company.slug, team.cycle.pk])
    response = client_for(team.lead).post(dismiss, {"pair": _key(pair), "scope": "first"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert "Not an objective id" in html.unescape(response.content.decode())
    assert not OverlapDismissal.objects.exists()
    convert = reverse("objectives:overlap_convert", args=[team.company.slug, team.cycle.pk])
    response = client_for(team.lead).post(convert, {"pair": _key(pair), "scope": "-3"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert not Dependency.objects.filter(company=team.company, from_objective=pair[1], to_objective=pair[0]).exists()
