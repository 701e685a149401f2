"""The search page, its downloads and its API: what people and integrations get, and what it costs."""

import csv
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from objectives.models import Objective
from tests.api.test_query_counts import grow
from tests.helpers import db_state


def page_url(okrs, query: str = "") -> str:
    return f"/c/{okrs.slug}/search/" + (f"?{query}" if query else "")


def api_url(okrs, query: str = "") -> str:
    return f"/api/v1/companies/{okrs.slug}/search/" + (f"?{query}" if query else "")


def result_ids(html: str) -> list[str]:
    return re.findall(r'<li class="result" id="([a-z_]+-\d+)"', html)


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def xlsx_rows(response) -> list[list]:
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


# ---------------------------------------------------------------- the page


def test_results_come_grouped_by_kind_with_counts_and_marked_words(okrs, client_for):
    html = client_for(okrs.team.leader).get(page_url(okrs, "q=lea")).content.decode()
    ids = result_ids(html)
    # Kind by kind; the title matches first ("lead…" in the description last); people by their address.
    assert [i.split("-")[0] for i in ids] == ["objective"] * 3 + ["key_result"] * 2 + ["person"] * 2
    assert ids[2] == f"objective-{okrs.close.pk}"
    assert set(ids[3:5]) == {f"key_result-{okrs.leads_kr.pk}", f"key_result-{okrs.secret_kr.pk}"}
    assert set(ids[5:]) == {f"person-{okrs.team.lead.pk}", f"person-{okrs.team.leader.pk}"}
    assert "Generate 1,000 qualified <mark>leads</mark> from Germany and France" in html
    # A description match shows the part of the description that matched.
    assert "our team <mark>leads</mark> the entry" in html
    assert '<h2 id="h-objective">Objectives <span class="count">3</span></h2>' in html
    assert '<h2 id="h-key_result">Key results <span class="count">2</span></h2>' in html
    assert f'href="/c/{okrs.slug}/objectives/{okrs.leads.pk}/"' in html
    assert f'href="/c/{okrs.slug}/key-results/{okrs.leads_kr.pk}/"' in html


def test_people_lead_to_what_they_own_and_departments_to_their_page(okrs, client_for):
    html = client_for(okrs.team.leader).get(page_url(okrs, "q=ana marketing")).content.decode()
    assert result_ids(html) == []
    html = client_for(okrs.team.leader).get(page_url(okrs, "q=market")).content.decode()
    assert f'href="/c/{okrs.slug}/departments/marketing/"' in html
    html = client_for(okrs.team.leader).get(page_url(okrs, "q=ana")).content.decode()
    ana = re.search(r'id="person-(\d+)"', html).group(1)
    assert f'href="/c/{okrs.slug}/search/?kind=objective&amp;owner={ana}"' in html
    assert "Marketing" in html  # her department


def test_text_is_escaped_and_marks_are_the_only_markup(okrs, client_for):
    Objective.objects.filter(pk=okrs.fair.pk).update(title="<b>Lead</b> the 'fair' & <img src=x onerror=alert(1)>")
    html = client_for(okrs.team.leader).get(page_url(okrs, "q=lead fair")).content.decode()
    assert "<b>Lead" not in html
    assert "<img" not in html
    assert (
        "&lt;b&gt;<mark>Lead</mark>&lt;/b&gt; the &#x27;<mark>fair</mark>&#x27; &amp; "
        "&lt;img src=x onerror=alert(1)&gt;" in html
    )


def test_the_compact_list_shows_every_objective_of_the_cycle(okrs, client_for):
    html = client_for(okrs.team.member).get(page_url(okrs)).content.decode()
    # The member reads everything but the private objective, company level first.
    assert result_ids(html) == [
        f"objective-{okrs.company_goal.pk}",
        f"objective-{okrs.fair.pk}",
        f"objective-{okrs.leads.pk}",
        f"objective-{okrs.close.pk}",
        f"objective-{okrs.hire.pk}",
    ]
    assert 'class="badge status-draft">Draft</span>' in html
    assert 'class="badge pace-status behind_pace">Behind pace</span>' in html


def test_pages_of_200_and_all_on_one_page(okrs, client_for):
    Objective.objects.bulk_create(
        Objective(company=okrs.team.company, cycle=okrs.team.cycle, title=f"Bulk {i:03}", status="active")
        for i in range(230)
    )
    client = client_for(okrs.team.leader)
    first = client.get(page_url(okrs, "kind=objective")).content.decode()
    assert len(result_ids(first)) == 200
    assert "Page 1 of 2" in first
    assert 'href="/c/acme/search/?kind=objective&amp;page=2"' in first
    second = client.get(page_url(okrs, "kind=objective&page=2")).content.decode()
    assert len(result_ids(second)) == 236 - 200
    assert not set(result_ids(first)) & set(result_ids(second))
    every = client.get(page_url(okrs, "kind=objective&page=all")).content.decode()
    assert len(result_ids(every)) == 236
    assert 'class="pager"' not in every
    assert "236 objectives." in every


def test_live_results_push_the_short_address(okrs, client_for):
    client = client_for(okrs.team.leader, htmx=True)
    response = client.get(
        page_url(okrs, "q=qualified&kind=&cycle=&department=&owner=&status=&confidence="),
        headers={"HX-Target": "search-results"},
    )
    assert response.status_code == 200
    assert response["HX-Push-Url"] == page_url(okrs, "q=qualified")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="search-results"')
    # Screen readers hear the outcome: the live region outside the swapped results is replaced too.
    assert '<p id="search-status" class="visually-hidden" role="status" hx-swap-oob="true">' in html
    assert "2 results for “qualified”: 1 objective, 1 key result.</p>" in html


def test_the_form_without_javascript_lands_on_the_short_address(okrs, client_for):
    response = client_for(okrs.team.leader).get(
        page_url(okrs, f"q=lead&kind=&cycle=&department={okrs.marketing.pk}&owner=&status=&confidence=")
    )
    assert response.status_code == 302
    assert response["Location"] == page_url(okrs, f"q=lead&department={okrs.marketing.pk}")


@pytest.mark.parametrize(
    ("query", "name", "status"),
    [
        ("kind=goal", "kind", 400),
        ("status=green", "status", 400),
        ("sort=title", "sort", 400),
        ("q=a%00b", "q", 400),
        ("cycle=987654", "cycle", 404),
    ],
)
def test_bad_parameters_are_named_on_the_page_and_nothing_runs(okrs, client_for, query, name, status):
    client = client_for(okrs.team.leader)
    response = client.get(page_url(okrs, query))
    assert response.status_code == status
    html = response.content.decode()
    assert f"<code>{name}</code>" in html
    assert result_ids(html) == []
    swapped = client_for(okrs.team.leader, htmx=True).get(
        page_url(okrs, query), headers={"HX-Target": "search-results"}
    )
    assert swapped.status_code == 422  # htmx swaps it in (base.html's responseHandling)
    assert f"<code>{name}</code>" in swapped.content.decode()


def test_another_companys_search_is_not_found(okrs, other_team, client_for):
    client = client_for(other_team.admin)
    for path in ("", "export.csv", "export.xlsx"):
        assert client.get(f"/c/{okrs.slug}/search/{path}?q=lead").status_code == 404


def test_the_header_search_goes_to_the_search_page(okrs, client_for):
    html = client_for(okrs.team.member).get(f"/c/{okrs.slug}/").content.decode()
    assert f'<form class="topsearch" role="search" method="get" action="/c/{okrs.slug}/search/">' in html
    assert '<label for="top-q" class="visually-hidden">Search Acme</label>' in html


# ---------------------------------------------------------------- downloads


def test_the_csv_holds_the_rows_of_the_page(okrs, client_for):
    client = client_for(okrs.team.leader)
    query = "kind=key_result"
    html = client.get(page_url(okrs, query)).content.decode()
    rows = csv_rows(client.get(f"/c/{okrs.slug}/search/export.csv?{query}"))
    assert rows[0][:3] == ["ID", "Title", "Objective"]
    assert [f"key_result-{row[0]}" for row in rows[1:]] == result_ids(html)
    assert rows[0][-1] == "Link"
    assert rows[1][-1].endswith(f"/c/{okrs.slug}/key-results/{rows[1][0]}/")


def test_the_xlsx_opens_and_holds_the_rows_of_the_page(okrs, client_for):
    client = client_for(okrs.team.leader)
    query = "q=lea&kind=objective"
    html = client.get(page_url(okrs, query)).content.decode()
    response = client.get(f"/c/{okrs.slug}/search/export.xlsx?{query}")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert response["Content-Disposition"] == 'attachment; filename="acme-objectives.xlsx"'
    rows = xlsx_rows(response)
    assert rows[0][:2] == ["ID", "Title"]
    assert [f"objective-{row[0]}" for row in rows[1:]] == result_ids(html)
    by_title = {row[1]: row for row in rows[1:]}
    leads = by_title["Generate 1,000 qualified leads from Germany and France"]
    assert leads[3:9] == ["Marketing", okrs.team.lead.full_name, "Active", "no", 62, "On track"]


def test_a_download_holds_every_page_and_every_kind(okrs, client_for):
    Objective.objects.bulk_create(
        Objective(company=okrs.team.company, cycle=okrs.team.cycle, title=f"Lead bulk {i:03}", status="active")
        for i in range(230)
    )
    client = client_for(okrs.team.leader)
    rows = csv_rows(client.get(f"/c/{okrs.slug}/search/export.csv?kind=objective&page=2"))
    assert len(rows) - 1 == 236
    everything = csv_rows(client.get(f"/c/{okrs.slug}/search/export.csv?q=lea"))
    assert everything[0][:3] == ["Kind", "ID", "Title"]
    assert {row[0] for row in everything[1:]} == {"Objective", "Key result", "Person"}
    assert len(everything) - 1 == 3 + 230 + 2 + 2  # objectives, key results, the people "lead…" by address


def test_downloads_are_formula_safe(okrs, client_for):
    Objective.objects.filter(pk=okrs.fair.pk).update(title='=HYPERLINK("http://evil.test","fair")')
    client = client_for(okrs.team.leader)
    rows = csv_rows(client.get(f"/c/{okrs.slug}/search/export.csv?q=fair&kind=objective"))
    assert rows[1][1] == '\'=HYPERLINK("http://evil.test","fair")'
    rows = xlsx_rows(client.get(f"/c/{okrs.slug}/search/export.xlsx?q=fair&kind=objective"))
    assert rows[1][1] == '\'=HYPERLINK("http://evil.test","fair")'


def test_a_private_objective_is_never_in_a_download_for_someone_who_may_not_read_it(okrs, client_for):
    for user, shown in ((okrs.team.member, False), (okrs.team.viewer, False), (okrs.team.leader, True)):
        client = client_for(user)
        for fmt in ("csv", "xlsx"):
            response = client.get(f"/c/{okrs.slug}/search/export.{fmt}?kind=all&cycle=all")
            text = response.content.decode("utf-8-sig") if fmt == "csv" else repr(xlsx_rows(response))
            assert ("Secret leadership offsite" in text) is shown, (user, fmt)
            assert ("Book the leadership venue" in text) is shown, (user, fmt)


def test_a_download_with_bad_parameters_is_refused_naming_them(okrs, client_for):
    before = db_state()
    response = client_for(okrs.team.leader).get(f"/c/{okrs.slug}/search/export.csv?confidence=maybe")
    assert response.status_code == 400
    assert "<code>confidence</code>" in response.content.decode()
    assert db_state() == before


# ---------------------------------------------------------------- the API


def test_the_api_answers_with_the_pages_rows(okrs, api, client_for):
    body = api(okrs.team.leader).get(api_url(okrs, "q=lea")).json()
    html = client_for(okrs.team.leader).get(page_url(okrs, "q=lea")).content.decode()
    assert [f"{row['kind']}-{row['id']}" for row in body["results"]] == result_ids(html)
    assert body["counts"] == {"objective": 3, "key_result": 2, "person": 2, "department": 0}
    assert body["kind"] == "all"
    assert body["cycle"] == okrs.team.cycle.pk
    first = body["results"][0]
    assert first["title"] == "Generate 1,000 qualified leads from Germany and France"
    assert first["url"] == f"/c/{okrs.slug}/objectives/{okrs.leads.pk}/"
    assert first["pace_status"] == "on_track"
    assert first["progress"] == 0.62
    assert first["rank"] > 0


def test_the_api_pages_one_kind(okrs, api):
    Objective.objects.bulk_create(
        Objective(company=okrs.team.company, cycle=okrs.team.cycle, title=f"Bulk {i:03}", status="active")
        for i in range(230)
    )
    client = api(okrs.team.leader)
    body = client.get(api_url(okrs, "kind=objective")).json()
    assert len(body["results"]) == 200
    assert body["pages"] == 2
    assert body["page"] == 1
    assert body["next"] == f"http://testserver/api/v1/companies/{okrs.slug}/search/?kind=objective&page=2"
    second = client.get(body["next"]).json()
    assert len(second["results"]) == 36
    assert second["next"] is None
    assert second["previous"]


def test_the_api_hides_private_objectives_from_keys_and_outsiders(okrs, api, api_key):
    for client in (api(okrs.team.member), api(key=api_key(okrs.team.company, "read"))):
        body = client.get(api_url(okrs, "q=leadership")).json()
        assert body["results"] == []
        assert body["counts"]["objective"] == 0
    assert api(okrs.team.leader).get(api_url(okrs, "q=leadership")).json()["counts"]["objective"] == 1


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("kind=goal", "kind"),
        ("cycle=q4", "cycle"),
        ("owner=abc", "owner"),
        ("stale=yes", "stale"),
        ("page=0", "page"),
        ("q=a%00b", "q"),
        ("sort=title", "sort"),
        ("q=a&q=b", "q"),
        ("kind=person&pace=behind", "pace"),
    ],
)
def test_the_api_names_bad_parameters(okrs, api, query, field):
    response = api(okrs.team.leader).get(api_url(okrs, query))
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert field in {error["field"] for error in response.json()["errors"]}


def test_the_api_answers_404_for_another_companys_ids(okrs, other_team, api):
    response = api(okrs.team.leader).get(api_url(okrs, f"department={other_team.department.pk}"))
    assert response.status_code == 404
    assert response.json()["detail"] == "No such department."
    assert api(other_team.admin).get(api_url(okrs, "q=lead")).status_code == 404


# ---------------------------------------------------------------- what it costs


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)
    return len(captured)


REQUESTS = [
    "page:",
    "page:q=objective",
    "page:q=raise metric&kind=key_result",
    "page:kind=all",
    "page:kind=person",
    "page:kind=objective&page=all&status=on_track",
    "page:kind=key_result&stale=1&confidence=at_risk&pace=behind",
    "page:department={department}&cycle=all&kind=all",
    "api:q=objective",
    "api:kind=objective&page=all",
    "api:q=team&kind=department",
    "csv:kind=all",
    "xlsx:q=objective&kind=objective",
    "csv:kind=person",
]


@pytest.mark.parametrize("who", ["leader", "member"])
def test_every_request_costs_the_same_for_3_and_300_rows(team, client_for, api, who, frozen_clock):
    user = getattr(team, who)
    page_client, api_client = client_for(user), api(user)

    def measure() -> dict[str, int]:
        counts = {}
        for request in REQUESTS:
            surface, _, query = request.partition(":")
            query = query.format(department=team.department.pk)
            base = f"/c/{team.company.slug}/search/"
            url = {
                "page": f"{base}?{query}",
                "csv": f"{base}export.csv?{query}",
                "xlsx": f"{base}export.xlsx?{query}",
                "api": f"/api/v1/companies/{team.company.slug}/search/?{query}",
            }[surface]
            counts[request] = _count(api_client if surface == "api" else page_client, url)
        return counts

    grow(team, 3)
    page_client.get(f"/c/{team.company.slug}/")  # the session's first request may write
    small = measure()
    grow(team, 300)
    large = measure()
    assert large == small
    assert max(small.values()) <= 14, small
