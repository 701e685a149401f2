"""The overlap finder over a company's cycle: what it reports, to whom, and dismissing or linking a pair."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from companies.tenancy import Actor
from objectives import overlaps
from objectives.models import Dependency, Event, OverlapDismissal, Verb
from objectives.services.overlaps import overlap_convert, overlap_dismiss
from okrhub.errors import NotFound
from tests.factories import CycleFactory, DepartmentFactory, KeyResultFactory, ObjectiveFactory

LEADS = "Generate 1,000 qualified leads from Germany and France"
PIPELINE = "Grow qualified pipeline in DACH and France to €4M"


@pytest.fixture(autouse=True)
def _fresh_overlaps():
    overlaps.clear_cache()
    yield
    overlaps.clear_cache()


@pytest.fixture
def marketing(team):
    return DepartmentFactory(company=team.company, name="Marketing", slug="marketing")


@pytest.fixture
def pair(team, marketing):
    """Marketing's lead objective and Sales' pipeline key result: one result, two departments."""
    leads = ObjectiveFactory(
        company=team.company, cycle=team.cycle, department=marketing, owner=team.admin, title=LEADS
    )
    sales = ObjectiveFactory(
        company=team.company, cycle=team.cycle, department=team.department, owner=team.lead,
        title="Close €5M in new business from target markets",
    )  # fmt: skip
    pipeline = KeyResultFactory(
        company=team.company, objective=sales, owner=team.lead, title=PIPELINE,
        kind="currency", currency="EUR", target_value=4_000_000,
    )  # fmt: skip
    return leads, sales, pipeline


def actor(team, user):
    return Actor.for_user(team.company, user)


def test_the_lead_goal_and_the_pipeline_key_result_are_reported_with_their_reasons(team, pair):
    leads, _sales, pipeline = pair
    found = overlaps.overlaps_for_reader(company=team.company, actor=actor(team, team.viewer), cycle=team.cycle)
    assert [(o.first.key, o.second.key) for o in found] == [(f"k{pipeline.pk}", f"o{leads.pk}")]
    overlap = found[0]
    assert overlap.score >= overlaps.DEFAULT_THRESHOLD
    assert set(overlap.shared_terms) == {"germany", "france", "qualified", "leads/pipeline"}
    assert overlap.reasons[0].startswith("shared key terms: ")
    assert overlap.first.department_name == "Sales"
    assert overlap.second.department_name == "Marketing"


def test_items_of_one_department_are_never_paired(team, pair):
    leads, _sales, _pipeline = pair
    ObjectiveFactory(company=team.company, cycle=team.cycle, department=leads.department, title=PIPELINE)
    found = overlaps.overlaps_for_reader(company=team.company, actor=actor(team, team.admin), cycle=team.cycle)
    assert all(o.first.department_id != o.second.department_id for o in found)
    assert len(found) == 2  # the new Marketing objective pairs with Sales' key result, not with Marketing's goal


def test_linked_objectives_do_not_overlap(team, pair):
    leads, sales, _pipeline = pair
    Dependency.objects.create(company=team.company, from_objective=leads, to_objective=sales)
    assert overlaps.overlaps_for_reader(company=team.company, actor=actor(team, team.admin), cycle=team.cycle) == []


def test_an_objective_laddering_under_the_other_does_not_overlap(team, pair):
    leads, sales, _pipeline = pair
    leads.parent = sales
    leads.save()
    assert overlaps.overlaps_for_reader(company=team.company, actor=actor(team, team.admin), cycle=team.cycle) == []


def test_the_enclosing_cycle_is_searched_too_but_not_another_quarter(team, marketing, pair):
    leads, _sales, _pipeline = pair
    year = CycleFactory(
        company=team.company, name="2026", start_date=datetime.date(2026, 1, 1), end_date=datetime.date(2026, 12, 31)
    )
    other_quarter = CycleFactory(
        company=team.company, name="2026 Q3", start_date=datetime.date(2026, 7, 1), end_date=datetime.date(2026, 9, 30)
    )
    annual = ObjectiveFactory(
        company=team.company, cycle=year, department=team.department, title="Qualified pipeline in France and DACH"
    )
    ObjectiveFactory(company=team.company, cycle=other_quarter, department=team.department, title=PIPELINE)
    found = overlaps.overlaps_for_reader(company=team.company, actor=actor(team, team.admin), cycle=team.cycle)
    sides = {side.objective_id for o in found for side in (o.first, o.second)}
    assert annual.pk in sides
    assert leads.pk in sides
    assert all(team.cycle.pk in (o.first.cycle_id, o.second.cycle_id) for o in found)
    assert {side.cycle_id for o in found for side in (o.first, o.second)} <= {team.cycle.pk, year.pk}


def test_a_pair_with_a_side_the_reader_may_not_read_never_appears(team, pair):
    leads, _sales, _pipeline = pair
    leads.private = True
    leads.save()
    assert overlaps.overlaps_for_reader(company=team.company, actor=actor(team, team.member), cycle=team.cycle) == []
    assert overlaps.overlaps_for_reader(company=team.company, actor=actor(team, team.viewer), cycle=team.cycle) == []
    assert len(overlaps.overlaps_for_reader(company=team.company, actor=actor(team, team.admin), cycle=team.cycle)) == 1
    with pytest.raises(NotFound):
        overlap_dismiss(company=team.company, actor=actor(team, team.lead), cycle=team.cycle, pair=_key(pair))


def test_another_companys_items_are_never_compared(team, other_team, pair):
    other_marketing = DepartmentFactory(company=other_team.company, name="Marketing", slug="marketing")
    ObjectiveFactory(company=other_team.company, cycle=other_team.cycle, department=other_marketing, title=LEADS)
    found = overlaps.overlaps_for_reader(company=team.company, actor=actor(team, team.admin), cycle=team.cycle)
    assert {side.objective_id for o in found for side in (o.first, o.second)} <= {pair[0].pk, pair[1].pk}
    assert (
        overlaps.overlaps_for_reader(
            company=other_team.company, actor=actor(other_team, other_team.admin), cycle=other_team.cycle
        )
        == []
    )


def test_unchanged_overlaps_are_served_without_recomputing(team, pair, django_assert_num_queries):
    reader = actor(team, team.admin)
    overlaps.overlaps_for_reader(company=team.company, actor=reader, cycle=team.cycle)
    with django_assert_num_queries(1):  # the dismissals
        assert len(overlaps.overlaps_for_reader(company=team.company, actor=reader, cycle=team.cycle)) == 1
    pair[0].title = "Run the Berlin office party"
    pair[0].save()  # a write moves the company revision
    assert overlaps.overlaps_for_reader(company=team.company, actor=reader, cycle=team.cycle) == []


def _key(pair) -> str:
    leads, _sales, pipeline = pair
    return f"k{pipeline.pk}|o{leads.pk}"


def test_a_dismissed_pair_is_remembered_for_everyone(team, pair):
    dismissal = overlap_dismiss(company=team.company, actor=actor(team, team.lead), cycle=team.cycle, pair=_key(pair))
    assert dismissal.dismissed_by == team.lead
    for user in (team.admin, team.viewer, team.lead):
        assert overlaps.overlaps_for_reader(company=team.company, actor=actor(team, user), cycle=team.cycle) == []
    again = overlap_dismiss(company=team.company, actor=actor(team, team.admin), cycle=team.cycle, pair=_key(pair))
    assert again.pk == dismissal.pk
    assert OverlapDismissal.objects.filter(company=team.company).count() == 1


def test_each_reader_gets_every_pair_it_may_read_in_order_less_the_dismissed(team, marketing):
    """Readability is decided once per private objective and only suspect pairs are looked at: the outcome is still
    the per-pair rule (both sides readable, not dismissed), in the finder's order, for the cycle and per objective."""
    places = ["Germany", "France", "Spain", "Italy", "Poland", "Japan"]
    objectives = []
    for number, place in enumerate(places):
        objectives += [
            ObjectiveFactory(
                company=team.company, cycle=team.cycle, department=marketing, owner=team.admin,
                title=f"Generate qualified leads from {place}", private=number % 3 == 0,
            ),
            ObjectiveFactory(
                company=team.company, cycle=team.cycle, department=team.department, owner=team.lead,
                title=f"Grow qualified pipeline in {place}", private=number == 4,
            ),
        ]  # fmt: skip
    admin = actor(team, team.admin)
    everyone = overlaps.overlaps_for_reader(company=team.company, actor=admin, cycle=team.cycle)
    assert len(everyone) >= len(places)
    dismissed = everyone[len(everyone) // 2]
    overlap_dismiss(company=team.company, actor=admin, cycle=team.cycle, pair=dismissed.key)
    seen = {}
    for user in (team.admin, team.lead, team.member, team.viewer):
        reader = actor(team, user)
        expected = [
            o
            for o in everyone
            if o.key != dismissed.key and o.first.readable_by(reader) and o.second.readable_by(reader)
        ]
        found = overlaps.overlaps_for_reader(company=team.company, actor=reader, cycle=team.cycle)
        assert found == expected
        seen[user.pk] = len(found)
        for objective in objectives:
            assert overlaps.overlaps_for_reader(
                company=team.company, actor=reader, cycle=team.cycle, objective_id=objective.pk
            ) == [o for o in expected if objective.pk in (o.first.objective_id, o.second.objective_id)]
    assert seen[team.admin.pk] == len(everyone) - 1
    assert seen[team.viewer.pk] < seen[team.admin.pk]  # private pairs were left out for someone
    again = overlaps.overlaps_for_reader(company=team.company, actor=admin, cycle=team.cycle, include_dismissed=True)
    assert again == everyone


def test_only_who_may_link_a_side_dismisses_or_converts(team, pair):
    for user in (team.viewer, team.member):
        with pytest.raises(PermissionDenied):
            overlap_dismiss(company=team.company, actor=actor(team, user), cycle=team.cycle, pair=_key(pair))
        with pytest.raises(PermissionDenied):
            overlap_convert(company=team.company, actor=actor(team, user), cycle=team.cycle, pair=_key(pair))
    assert not OverlapDismissal.objects.exists()
    assert not Dependency.objects.exists()


def test_a_malformed_pair_is_refused_naming_the_field(team, pair):
    for bad in ("", "o1", "x1|o2", "o1|o2|o3", "o0|k1"):
        with pytest.raises(ValidationError) as error:
            overlap_dismiss(company=team.company, actor=actor(team, team.admin), cycle=team.cycle, pair=bad)
        assert "pair" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        overlap_convert(
            company=team.company, actor=actor(team, team.admin), cycle=team.cycle, pair=_key(pair), depending="up"
        )
    assert "depending" in error.value.message_dict


def test_converting_links_the_side_the_actor_manages_as_a_dependency_in_one_step(team, pair):
    leads, sales, _pipeline = pair
    dependency = overlap_convert(company=team.company, actor=actor(team, team.lead), cycle=team.cycle, pair=_key(pair))
    # The Sales lead manages Sales' objective, so Sales depends on Marketing's lead goal.
    assert (dependency.from_objective, dependency.to_objective) == (sales, leads)
    assert dependency.note.startswith("Possible overlap: ")
    assert Event.objects.filter(company=team.company, verb=Verb.DEPENDENCY_CREATED, objective=sales).exists()
    assert overlaps.overlaps_for_reader(company=team.company, actor=actor(team, team.admin), cycle=team.cycle) == []


def test_the_typing_hint_names_the_other_departments_item(team, marketing, pair):
    _leads, _sales, pipeline = pair
    hints = overlaps.hint_matches(
        company=team.company, actor=actor(team, team.admin), cycle=team.cycle,
        title="More qualified leads from DACH", department_id=marketing.pk,
    )  # fmt: skip
    assert [h.item.key for h in hints][:1] == [f"k{pipeline.pk}"]
    assert hints[0].item.department_name == "Sales"
    same_department = overlaps.hint_matches(
        company=team.company, actor=actor(team, team.admin), cycle=team.cycle,
        title="More qualified leads from DACH", department_id=team.department.pk,
    )  # fmt: skip
    assert all(h.item.department_id != team.department.pk for h in same_department)


def test_the_demo_reports_the_marketing_and_sales_lead_overlap(db):
    from onboarding.demo import load_demo

    demo = load_demo(slug="overlap-demo")
    cycle = demo.company.cycle_set.order_by("-start_date").first()  # the quarter (the year encloses it)
    admin = next(u for u in demo.users.values() if u.email.startswith("admin@"))
    found = overlaps.overlaps_for_reader(company=demo.company, actor=Actor.for_user(demo.company, admin), cycle=cycle)
    named = {(o.first.department_name, o.first.title, o.second.department_name, o.second.title) for o in found}
    assert ("Sales", PIPELINE, "Marketing", LEADS) in named
    overlap = next(o for o in found if o.first.title == PIPELINE)
    dependency = overlap_convert(
        company=demo.company, actor=Actor.for_user(demo.company, admin), cycle=cycle, pair=overlap.key
    )
    assert {dependency.from_objective.title, dependency.to_objective.title} == {
        LEADS,
        "Close €5M in new business from target markets",
    }
