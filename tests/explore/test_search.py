"""Search and filters on a small company, checked by hand (see conftest): ranking, prefixes, words, filters,
visibility, and the portable engine against the same expectations."""

from urllib.parse import urlencode

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import QueryDict

from companies.models import Membership
from departments.ancestry import department_and_descendants, department_parents
from explore import search as engines
from explore.params import parse
from explore.selectors import export_rows, search_listing
from objectives.models import Cycle, KeyResult, Objective
from objectives.progress import Status, expected_progress
from objectives.progress import status as computed_status
from objectives.selectors import status_q
from okrhub.errors import NotFound


def parsed(okrs, **params):
    company = okrs.team.company
    cycles = list(Cycle.objects.filter(company=company).order_by("-start_date"))
    search = parse(
        QueryDict(urlencode(params)),
        cycles=cycles,
        departments=department_parents(company),
        is_member=lambda user_id: Membership.objects.filter(company=company, user_id=user_id).exists(),
        today=company.local_today(),
    )
    return search, cycles


def listing(okrs, user=None, **params):
    search, cycles = parsed(okrs, **params)
    company = okrs.team.company
    actor = okrs.team.actor(user or okrs.team.leader)
    return search_listing(company=company, actor=actor, search=search, cycles=cycles, today=company.local_today())


def titles(okrs, user=None, **params) -> dict[str, list[str]]:
    return {kind: [row["title"] for row in rows] for kind, rows in listing(okrs, user, **params).rows.items()}


# ---------------------------------------------------------------- text


def test_a_title_match_ranks_above_a_description_match(okrs):
    found = titles(okrs, q="leads", kind="objective")["objective"]
    # "leads" is in the first title and in the second's description only.
    assert found == ["Generate 1,000 qualified leads from Germany and France", "Close €5M in new business"]


def test_the_start_of_a_word_is_enough(okrs):
    found = titles(okrs, q="lea")
    assert set(found["objective"]) == {
        "Generate 1,000 qualified leads from Germany and France",
        "Secret leadership offsite",
        "Close €5M in new business",  # "leads" in its description
    }
    assert set(found["key_result"]) == {"Qualified leads from Germany", "Book the leadership venue"}
    assert titles(okrs, q="eads", kind="objective")["objective"] == []  # inside a word is no start


def test_every_word_must_match(okrs):
    assert titles(okrs, q="qualified germany")["objective"] == [
        "Generate 1,000 qualified leads from Germany and France"
    ]
    assert titles(okrs, q="Qualified GERMANY")["key_result"] == ["Qualified leads from Germany"]
    assert titles(okrs, q="qualified japan") == {"objective": [], "key_result": [], "person": [], "department": []}


def test_people_and_departments_are_found_by_name_and_address(okrs):
    assert titles(okrs, q="ana")["person"] == ["Ana Lima"]
    assert titles(okrs, q="lima@acme")["person"] == ["Ana Lima"]
    assert titles(okrs, q="ana.lima@acme.test")["person"] == ["Ana Lima"]
    assert set(titles(okrs, q="market")["department"]) == {"Marketing", "Field marketing"}
    assert titles(okrs, q="field market")["department"] == ["Field marketing"]


@pytest.mark.parametrize(
    "q",
    ['"lea', "lea'", "lea & | ! : * ( ) < > \\", "'':*", "&", "!!!", ":*", "lea:* | close", "-- ;", "a\\'b"],
)
def test_query_syntax_is_never_syntax(okrs, q):
    found = listing(okrs, q=q)
    if any(ch.isalnum() for ch in q):
        assert found.total >= 0
    else:
        assert found.total == 0  # punctuation only: nothing to look for


def test_punctuation_separates_words(okrs):
    assert titles(okrs, q="qualified:*germany")["objective"] == [
        "Generate 1,000 qualified leads from Germany and France"
    ]
    assert titles(okrs, q="€5M")["objective"] == ["Close €5M in new business"]


def test_without_words_the_kind_defaults_to_objectives_of_the_current_cycle(okrs):
    found = titles(okrs)
    assert list(found) == ["objective"]
    # Company level first, then by department, then title; the other cycle's objective is not there.
    assert found["objective"] == [
        "Expand into new markets and grow revenue by 25%",
        "Open a trade fair stand in Munich",
        "Generate 1,000 qualified leads from Germany and France",
        "Secret leadership offsite",
        "Close €5M in new business",
        "Hire two account executives",
    ]


def test_every_row_of_every_kind(okrs):
    Objective.objects.bulk_create(
        Objective(company=okrs.team.company, cycle=okrs.team.cycle, title=f"Lead bulk {i:03}", status="active")
        for i in range(30)
    )
    best = listing(okrs, q="lea")
    assert best.counts["objective"] == 33
    assert len(best.rows["objective"]) == 10  # the best of each kind
    every = listing(okrs, q="lea", page="all")
    assert every.counts == best.counts
    assert {kind: len(rows) for kind, rows in every.rows.items()} == every.counts


def test_other_cycles_and_every_cycle(okrs):
    assert titles(okrs, q="leads", kind="objective", cycle=okrs.old_cycle.pk)["objective"] == ["Leads pipeline review"]
    assert set(titles(okrs, q="leads", kind="objective", cycle="all")["objective"]) == {
        "Generate 1,000 qualified leads from Germany and France",
        "Close €5M in new business",
        "Leads pipeline review",
    }


# ---------------------------------------------------------------- filters, each checked by hand


def test_department_includes_the_teams_inside_it(okrs):
    found = titles(okrs, kind="all", department=okrs.marketing.pk)
    assert set(found["objective"]) == {
        "Generate 1,000 qualified leads from Germany and France",
        "Open a trade fair stand in Munich",
        "Secret leadership offsite",
    }
    assert set(found["key_result"]) == {
        "Qualified leads from Germany",
        "Book the Munich trade fair",
        "Book the leadership venue",
    }
    assert found["person"] == ["Ana Lima"]
    assert found["department"] == ["Field marketing", "Marketing"]
    assert titles(okrs, department=okrs.field_marketing.pk)["objective"] == ["Open a trade fair stand in Munich"]


def test_owner(okrs):
    found = titles(okrs, kind="all", owner=okrs.team.lead.pk)
    assert list(found) == ["objective", "key_result"]  # an OKR filter lists OKRs only
    assert set(found["objective"]) == {
        "Generate 1,000 qualified leads from Germany and France",
        "Close €5M in new business",
    }
    assert set(found["key_result"]) == {"Qualified leads from Germany", "Sign 12 distributors"}


ON_TRACK = {
    "Expand into new markets and grow revenue by 25%",
    "Generate 1,000 qualified leads from Germany and France",
    "Secret leadership offsite",
}


@pytest.mark.parametrize(
    ("status", "objectives"),
    [
        ("on_track", ON_TRACK),
        ("behind_pace", {"Open a trade fair stand in Munich"}),
        ("done", {"Close €5M in new business"}),
        ("unknown", {"Hire two account executives"}),
    ],
)
def test_status(okrs, status, objectives):
    assert set(titles(okrs, status=status)["objective"]) == objectives


def test_status_in_sql_is_the_status_rule(okrs):
    """Every objective and key result of the company is found under exactly the status its badge shows."""
    company = okrs.team.company
    today = company.local_today()
    for model, cycle_field, cycle_of in (
        (Objective, "cycle_id", lambda row: row.cycle),
        (KeyResult, "objective__cycle_id", lambda row: row.objective.cycle),
    ):
        for row in model.objects.filter(company=company):
            cycle = cycle_of(row)
            expected = expected_progress(today=today, start=cycle.start_date, end=cycle.end_date)
            matching = [
                status
                for status in Status
                if model.objects.filter(pk=row.pk)
                .filter(status_q(status, company=company, today=today, cycle_field=cycle_field))
                .exists()
            ]
            assert matching == [computed_status(row.progress, expected)], row


def test_confidence(okrs):
    found = titles(okrs, kind="all", confidence="at_risk")
    assert found == {
        "objective": ["Generate 1,000 qualified leads from Germany and France"],
        "key_result": ["Qualified leads from Germany"],
    }
    assert titles(okrs, kind="key_result", confidence="off_track")["key_result"] == ["Book the leadership venue"]


def test_pace(okrs):
    found = titles(okrs, kind="all", pace="behind")
    assert found["objective"] == ["Open a trade fair stand in Munich"]
    assert found["key_result"] == ["Book the leadership venue"]  # 0.1, behind; the unmeasured one is not


def test_stale(okrs):
    found = titles(okrs, kind="all", stale="1")
    assert set(found["key_result"]) == {"Book the Munich trade fair", "Sign 12 distributors"}
    assert set(found["objective"]) == {"Open a trade fair stand in Munich", "Close €5M in new business"}
    assert titles(okrs, kind="all", stale="1", cycle="all") == found
    # A closed cycle takes no check-ins: nothing in it is stale.
    assert titles(okrs, kind="all", stale="1", cycle=okrs.old_cycle.pk) == {"objective": [], "key_result": []}


def test_counted_leaves_drafts_and_archived_objectives_out(okrs):
    """``counted=1``: what the tree and the dashboards count (active or closed), and those objectives' key results."""
    everything = titles(okrs, kind="all")
    assert "Hire two account executives" in everything["objective"]  # the draft
    archived = Objective.objects.get(title="Open a trade fair stand in Munich")
    Objective.objects.filter(pk=archived.pk).update(status="archived")
    counted = titles(okrs, kind="all", counted="1")
    assert set(counted["objective"]) == set(everything["objective"]) - {
        "Hire two account executives",
        "Open a trade fair stand in Munich",
    }
    assert "Book the Munich trade fair" in everything["key_result"]
    assert "Book the Munich trade fair" not in counted["key_result"]
    assert set(counted["key_result"]) == {
        kr.title
        for kr in KeyResult.objects.filter(
            company=okrs.team.company, objective__cycle=okrs.team.cycle, objective__status__in=["active", "closed"]
        )
    }


def test_filters_combine_with_words(okrs):
    assert titles(okrs, q="book", kind="key_result", stale="1")["key_result"] == ["Book the Munich trade fair"]
    assert titles(okrs, q="book", kind="key_result", department=okrs.marketing.pk, confidence="off_track") == {
        "key_result": ["Book the leadership venue"]
    }


# ---------------------------------------------------------------- visibility


def test_a_private_objective_is_there_for_its_readers_only(okrs):
    team = okrs.team
    ana = Membership.objects.get(company=team.company, user__email="ana.lima@acme.test").user
    for reader in (team.leader, team.admin, ana):
        found = listing(okrs, reader, q="leadership")
        assert [row["title"] for row in found.rows["objective"]] == ["Secret leadership offsite"], reader
        assert [row["title"] for row in found.rows["key_result"]] == ["Book the leadership venue"], reader
        assert found.counts["objective"] == 1
    for outsider in (team.member, team.lead, team.viewer):
        found = listing(okrs, outsider, q="leadership")
        assert found.rows["objective"] == [], outsider
        assert found.rows["key_result"] == [], outsider
        assert found.counts == {"objective": 0, "key_result": 0, "person": 0, "department": 0}
        everything = listing(okrs, outsider, kind="all", cycle="all")
        shown = {row["title"] for rows in everything.rows.values() for row in rows}
        assert not {"Secret leadership offsite", "Book the leadership venue"} & shown
        search, cycles = parsed(okrs, kind="all", cycle="all")
        company = team.company
        exported = {
            row["title"]
            for row in export_rows(
                company=company, actor=team.actor(outsider), search=search, cycles=cycles, today=company.local_today()
            )
        }
        assert "Secret leadership offsite" not in exported
        assert "Book the leadership venue" not in exported
        assert "Generate 1,000 qualified leads from Germany and France" in exported


def test_people_are_the_companys_members_only(okrs, other_team):
    assert titles(okrs, q="globex")["person"] == []
    assert titles(okrs, q="leader@acme.test")["person"] == [okrs.team.leader.full_name]


# ---------------------------------------------------------------- the portable engine


@pytest.mark.parametrize(
    ("kind", "q", "expected"),
    [
        ("objective", "leads", ["Generate 1,000 qualified leads from Germany and France", "Close €5M in new business"]),
        ("objective", "qualified germany", ["Generate 1,000 qualified leads from Germany and France"]),
        ("objective", "qualified japan", []),
        ("key_result", "LEA", ["Book the leadership venue", "Qualified leads from Germany"]),
        ("person", "lima@acme", ["Ana Lima"]),
        ("department", "market", ["Field marketing", "Marketing"]),
    ],
)
def test_the_portable_engine_finds_and_ranks_the_same_way(okrs, kind, q, expected):
    """The SQLite fallback, run here on PostgreSQL through the same selector (its SQL is portable)."""
    search, _ = parsed(okrs, q=q, kind=kind)
    company = okrs.team.company
    base = {
        "objective": Objective.objects.filter(company=company, cycle=okrs.team.cycle),
        "key_result": KeyResult.objects.filter(company=company, objective__cycle=okrs.team.cycle),
        "person": Membership.objects.filter(company=company),
        "department": okrs.marketing.__class__.objects.filter(company=company),
    }[kind]
    ranked = engines.PORTABLE.match(base, kind=kind, words=search.words)
    order = {"objective": "title", "key_result": "title", "person": "user__full_name", "department": "name"}[kind]
    names = [
        row.title if kind in ("objective", "key_result") else (row.user.full_name if kind == "person" else row.name)
        for row in ranked.order_by("-rank", order)
    ]
    assert names == expected


def test_the_engine_is_chosen_by_the_database():
    assert engines.engine() is (engines.POSTGRESQL if connection.vendor == "postgresql" else engines.PORTABLE)


def test_stored_vectors_are_the_vectors_of_the_fields(okrs):
    """The trigger-kept column holds what the weighted fields give (and follows an edit of the title)."""
    from django.contrib.postgres.search import SearchVector

    Objective.objects.filter(pk=okrs.fair.pk).update(title="Open a booth at the Hanover fair")
    for model, kind in ((Objective, "objective"), (KeyResult, "key_result")):
        vectors = engines.PostgreSQLSearch.vector(kind)
        computed = sum(
            (
                SearchVector(field.path, weight=field.weight, config=engines.CONFIG)
                for field in engines.FIELDS[kind][1:]
            ),
            start=SearchVector(engines.FIELDS[kind][0].path, weight=engines.FIELDS[kind][0].weight, config="simple"),
        )
        for stored, fresh in (
            model.objects.filter(company=okrs.team.company)
            .annotate(stored=vectors, fresh=computed)
            .values_list("stored", "fresh")
        ):
            assert stored == fresh
    assert titles(okrs, q="hanover")["objective"] == ["Open a booth at the Hanover fair"]


# ---------------------------------------------------------------- parameters


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"kind": "goal"}, "kind"),
        ({"cycle": "q4"}, "cycle"),
        ({"cycle": "-1"}, "cycle"),
        ({"department": "sales"}, "department"),
        ({"owner": "1.5"}, "owner"),
        ({"status": "green"}, "status"),
        ({"confidence": "sure"}, "confidence"),
        ({"pace": "ahead"}, "pace"),
        ({"stale": "yes"}, "stale"),
        ({"counted": "yes"}, "counted"),
        ({"page": "0"}, "page"),
        ({"page": "two"}, "page"),
        ({"q": "x" * 201}, "q"),
        ({"q": "lead\x00s"}, "q"),
        ({"q": "a b c d e f g h i j k l m"}, "q"),
        ({"sort": "title"}, "sort"),
        ({"kind": "person", "status": "done"}, "status"),
        ({"kind": "department", "owner": "1"}, "owner"),
        ({"q": "lead", "page": "2"}, "page"),  # every kind at once has no pages, only "all"
    ],
)
def test_bad_parameters_are_named(okrs, params, field):
    with pytest.raises(ValidationError) as info:
        parsed(okrs, **params)
    assert field in info.value.message_dict


def test_repeated_parameters_are_refused(okrs):
    company = okrs.team.company
    with pytest.raises(ValidationError) as info:
        parse(QueryDict("q=a&q=b"), cycles=[], departments={}, is_member=lambda _: True, today=company.local_today())
    assert "q" in info.value.message_dict


@pytest.mark.parametrize("name", ["cycle", "department", "owner"])
def test_ids_of_nothing_in_the_company_are_not_found(okrs, other_team, name):
    foreign = {"cycle": other_team.cycle.pk, "department": other_team.department.pk, "owner": other_team.admin.pk}
    with pytest.raises(NotFound, match=name):
        parsed(okrs, **{name: foreign[name]})


def test_descendants_walk_down_the_department_tree(okrs):
    parents = department_parents(okrs.team.company)
    assert set(department_and_descendants(parents, okrs.marketing.pk)) == {okrs.marketing.pk, okrs.field_marketing.pk}
    assert department_and_descendants(parents, okrs.field_marketing.pk) == [okrs.field_marketing.pk]
