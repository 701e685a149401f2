"""Whatever is typed into a search, the answer is a result list or a refusal naming ``q``, never a 5xx.

Arbitrary text (any Unicode, control characters, lone surrogates, query syntax of PostgreSQL's tsquery,
SQL, very long strings), through the page, the live htmx results, a download and the API.
"""

from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.explore.conftest import build_okrs

TSQUERY_SYNTAX = ["&", "|", "!", ":*", "<->", "<2>", "(", ")", "'", '"', "\\", ":", "*", "''", "' & '", "!!", "&&"]
text = st.one_of(
    st.text(max_size=60),
    st.lists(st.sampled_from([*TSQUERY_SYNTAX, "lead", "lea", "Ünïcödé", "€5M", "1,000", " "]), max_size=12).map(
        "".join
    ),
    st.text(alphabet=st.characters(categories=["Cc", "Cs", "Zl", "Zp", "Cf"]), min_size=1, max_size=10),
    st.text(min_size=190, max_size=260),
)

HYPOTHESIS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def searched(team, frozen_clock, client_for, api):
    okrs = build_okrs(team)
    return okrs, client_for(team.leader), client_for(team.leader, htmx=True), api(team.leader)


@HYPOTHESIS
@given(q=text)
def test_any_text_answers_results_or_names_q(searched, q):
    okrs, page, live, api = searched
    # Lone surrogates go out as the bytes they would be: invalid UTF-8 in the address, as a hostile client sends.
    encoded = quote(q.encode("utf-8", "surrogatepass"), safe="")
    for response, refused in (
        (page.get(f"/c/{okrs.slug}/search/?q={encoded}&kind=all"), 400),
        (live.get(f"/c/{okrs.slug}/search/?q={encoded}", headers={"HX-Target": "search-results"}), 422),
        (page.get(f"/c/{okrs.slug}/search/export.csv?q={encoded}"), 400),
        (api.get(f"/api/v1/companies/{okrs.slug}/search/?q={encoded}"), 400),
    ):
        if response.status_code == 302:  # nothing to search for: the page goes to its short address
            assert not q.strip(), q
            assert response["Location"] == f"/c/{okrs.slug}/search/?kind=all"
            continue
        assert response.status_code in (200, refused), (q, response.status_code, response.content[:300])
        if response.status_code != 200:
            body = response.content.decode(errors="replace")
            assert "<code>q</code>" in body or '"field":"q"' in body, (q, body[:500])
