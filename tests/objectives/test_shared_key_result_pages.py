"""Shared key results on pages: the one-click share on an overlap row, the objective page's sections, removing."""

import html

from django.urls import reverse

from companies.tenancy import Actor
from objectives import services as okr
from objectives.models import SharedKeyResult
from tests.objectives.test_overlap_pages import _fresh_overlaps  # noqa: F401 (autouse fixture)
from tests.objectives.test_overlaps import LEADS, PIPELINE, marketing, pair  # noqa: F401 (fixtures)


def _key(pair) -> str:  # noqa: F811
    leads, _sales, pipeline = pair
    return f"k{pipeline.pk}|o{leads.pk}"


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def objective_url(team, objective) -> str:
    return reverse("objectives:objective", args=[team.company.slug, objective.pk])


def test_the_share_button_shows_only_to_who_may_share_into_the_other_side(team, pair, client_for):  # noqa: F811
    gaps = reverse("alignment:gaps", args=[team.company.slug])
    assert "Share key result" in page(client_for(team.admin), gaps)
    # The Sales lead may link Sales' objective, not Marketing's: the pipeline cannot be shared by them.
    lead = page(client_for(team.lead), gaps)
    assert "Link as a dependency" in lead
    assert "Share key result" not in lead
    assert "Share key result" not in page(client_for(team.viewer), gaps)
    planning = reverse("objectives:planning", args=[team.company.slug, team.cycle.pk])
    assert "Share key result" in page(client_for(team.admin), planning)
    assert "Share key result" in page(client_for(team.admin), objective_url(team, pair[0]))


def test_a_pair_of_two_objectives_offers_no_share(team, pair, marketing, client_for):  # noqa: F811
    leads, sales, pipeline = pair
    okr.shared_key_result_create(
        company=team.company, actor=None, objective=leads, key_result=pipeline
    )  # the key result pair is gone
    twin = okr.objective_create(
        company=team.company, actor=None, cycle=team.cycle, title=sales.title, department=marketing
    )
    body = page(client_for(team.admin), objective_url(team, twin))
    assert "Link as a dependency" in body
    assert "Share key result" not in body


def key_result_url(team, kr) -> str:
    return reverse("objectives:key_result", args=[team.company.slug, kr.pk])


def test_sharing_with_htmx_replaces_the_row_and_the_key_result_shows_on_both_pages(team, pair, client_for):  # noqa: F811
    leads, sales, pipeline = pair
    url = reverse("objectives:overlap_convert", args=[team.company.slug, team.cycle.pk])
    response = client_for(team.admin).post(
        url, {"pair": _key(pair), "kind": "shared_key_result"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    body = html.unescape(response.content.decode())
    assert body.startswith('<li class="overlap" role="status">')
    assert f"“{PIPELINE}” now shows on “{LEADS}”" in body
    assert objective_url(team, leads) + "#shared-h" in body
    assert SharedKeyResult.objects.filter(company=team.company, objective=leads, key_result=pipeline).exists()
    receiving = page(client_for(team.viewer), objective_url(team, leads))
    assert "Shared key results" in receiving
    assert PIPELINE in receiving
    assert f"{sales.title}</a> · Sales" in receiving  # the owning objective and its department
    assert "No other department seems to chase the same result." in receiving  # the pair is no longer offered
    owning = page(client_for(team.viewer), objective_url(team, sales))
    assert "Shared with" in owning
    assert f"{LEADS}</a> (Marketing)" in owning
    own_page = page(client_for(team.viewer), key_result_url(team, pipeline))  # the key result's own page says so too
    assert f'Shared with <a href="{objective_url(team, leads)}">{LEADS}</a> (Marketing)' in own_page


def test_a_refused_share_answers_422_in_the_row(team, pair, client_for):  # noqa: F811
    url = reverse("objectives:overlap_convert", args=[team.company.slug, team.cycle.pk])
    response = client_for(team.admin).post(
        url, {"pair": _key(pair), "kind": "shared_key_result", "key_result": "third"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422
    assert 'Choose "first" or "second".' in html.unescape(response.content.decode())
    assert not SharedKeyResult.objects.exists()


def test_removing_a_shared_key_result_from_the_objective_page(team, other_team, pair, client_for):  # noqa: F811
    leads, _sales, pipeline = pair
    okr.shared_key_result_create(
        company=team.company, actor=Actor.for_user(team.company, team.admin), objective=leads, key_result=pipeline
    )
    remove = reverse("objectives:shared_key_result_remove", args=[team.company.slug, leads.pk, pipeline.pk])
    assert remove in page(client_for(team.admin), objective_url(team, leads))
    assert remove not in page(client_for(team.viewer), objective_url(team, leads))
    assert client_for(team.viewer).post(remove).status_code == 403
    foreign = reverse("objectives:shared_key_result_remove", args=[other_team.company.slug, leads.pk, pipeline.pk])
    assert client_for(team.admin).post(foreign).status_code == 404
    assert SharedKeyResult.objects.filter(key_result=pipeline).exists()
    response = client_for(team.admin).post(remove)
    assert response.status_code == 302
    assert not SharedKeyResult.objects.filter(key_result=pipeline).exists()
    assert client_for(team.admin).post(remove).status_code == 404
    assert "Shared key results" not in page(client_for(team.admin), objective_url(team, leads))


def test_a_shared_key_result_of_a_private_objective_shows_only_to_its_readers(team, pair, client_for):  # noqa: F811
    leads, sales, pipeline = pair
    okr.shared_key_result_create(company=team.company, actor=None, objective=leads, key_result=pipeline)
    sales.private = True
    sales.save()
    hidden = page(client_for(team.viewer), objective_url(team, leads))
    assert PIPELINE not in hidden
    assert "Shared key results" not in hidden
    assert PIPELINE in page(client_for(team.admin), objective_url(team, leads))
    # And the other way: a private receiving objective is not named under the key result.
    sales.private = False
    sales.save()
    leads.private = True
    leads.save()
    owning = page(client_for(team.viewer), objective_url(team, sales))
    assert LEADS not in owning
    assert "Shared with" not in owning
    assert "Shared with" not in page(client_for(team.viewer), key_result_url(team, pipeline))
    assert LEADS in page(client_for(team.admin), key_result_url(team, pipeline))
