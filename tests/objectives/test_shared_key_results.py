"""Shared key results (issue 19): a key result of one department's objective followed by another's objective."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from companies.tenancy import Actor
from objectives import feed, overlaps, rollup
from objectives import services as okr
from objectives.models import Event, KeyResult, SharedKeyResult, Verb
from objectives.services.overlaps import overlap_convert
from okrhub.errors import NotFound
from tests.factories import DepartmentFactory, KeyResultFactory, ObjectiveFactory
from tests.objectives.test_overlaps import LEADS, marketing, pair  # noqa: F401 (fixtures)


@pytest.fixture(autouse=True)
def _fresh_overlaps():
    overlaps.clear_cache()
    yield
    overlaps.clear_cache()


def actor(team, user):
    return Actor.for_user(team.company, user)


def share(team, user, objective, key_result):
    return okr.shared_key_result_create(
        company=team.company, actor=actor(team, user), objective=objective, key_result=key_result
    )


def test_sharing_links_the_key_result_and_records_an_event_under_its_own_objective(team, pair):  # noqa: F811
    leads, sales, pipeline = pair
    link = share(team, team.admin, leads, pipeline)
    assert (link.objective, link.key_result, link.created_by) == (leads, pipeline, team.admin)
    event = Event.objects.get(company=team.company, verb=Verb.KEY_RESULT_SHARED)
    assert (event.objective_id, event.key_result_id) == (sales.pk, pipeline.pk)
    assert event.payload["to_objective_id"] == leads.pk
    assert event.payload["to_objective_title"] == LEADS


def test_a_shared_key_result_does_not_count_toward_the_receiving_objectives_progress(team, pair):  # noqa: F811
    leads, _sales, pipeline = pair
    KeyResultFactory(company=team.company, objective=leads, start_value=0, target_value=100, current_value=25)
    KeyResult.objects.filter(pk=pipeline.pk).update(progress=1.0)
    rollup.recompute_objective(company=team.company, objective_id=leads.pk)
    leads.refresh_from_db()
    before = leads.progress
    share(team, team.admin, leads, pipeline)
    assert len(rollup.objective_inputs(company=team.company, objective_id=leads.pk)) == 1  # its own key result only
    rollup.recompute_objective(company=team.company, objective_id=leads.pk)
    leads.refresh_from_db()
    assert leads.progress == before


def test_sharing_twice_or_into_its_own_objective_is_refused_naming_the_key_result(team, pair):  # noqa: F811
    leads, sales, pipeline = pair
    share(team, team.admin, leads, pipeline)
    with pytest.raises(ValidationError) as twice:
        share(team, team.admin, leads, pipeline)
    assert "key_result" in twice.value.message_dict
    with pytest.raises(ValidationError) as own:
        share(team, team.admin, sales, pipeline)
    assert "key_result" in own.value.message_dict
    assert SharedKeyResult.objects.filter(company=team.company).count() == 1


def test_who_may_link_the_receiving_objective_may_share_into_it(team, pair, marketing):  # noqa: F811
    leads, sales, pipeline = pair
    # The Sales lead may not link Marketing's objective; a member and a viewer link nothing.
    for user in (team.lead, team.member, team.viewer):
        with pytest.raises(PermissionDenied):
            share(team, user, leads, pipeline)
    # Marketing's key result shared into the Sales objective the lead manages.
    theirs = KeyResultFactory(company=team.company, objective=leads, title="Webinar sign-ups")
    link = share(team, team.lead, sales, theirs)
    assert link.objective == sales
    with pytest.raises(PermissionDenied):
        okr.shared_key_result_delete(company=team.company, actor=actor(team, team.viewer), link=link)
    okr.shared_key_result_delete(company=team.company, actor=actor(team, team.lead), link=link)
    assert not SharedKeyResult.objects.filter(pk=link.pk).exists()
    assert Event.objects.filter(company=team.company, verb=Verb.KEY_RESULT_UNSHARED, key_result=theirs).exists()


def test_another_companys_objective_or_key_result_is_not_found(team, other_team, pair):  # noqa: F811
    leads, _sales, pipeline = pair
    theirs = ObjectiveFactory(company=other_team.company, cycle=other_team.cycle, department=other_team.department)
    their_kr = KeyResultFactory(company=other_team.company, objective=theirs)
    with pytest.raises(NotFound):
        share(team, team.admin, leads, their_kr)
    with pytest.raises(NotFound):
        share(team, team.admin, theirs, pipeline)
    assert not SharedKeyResult.objects.exists()


def test_a_private_key_result_the_actor_may_not_read_is_not_found(team, pair):  # noqa: F811
    leads, sales, _pipeline = pair
    leads.private = True
    leads.save()
    hidden = KeyResultFactory(company=team.company, objective=leads, title="Secret campaign")
    with pytest.raises(NotFound):
        share(team, team.lead, sales, hidden)  # the Sales lead may not read Marketing's private objective
    assert share(team, team.admin, sales, hidden).key_result == hidden


def test_an_overlap_becomes_a_shared_key_result_and_is_no_longer_reported(team, pair):  # noqa: F811
    leads, _sales, pipeline = pair
    admin = actor(team, team.admin)
    key = f"k{pipeline.pk}|o{leads.pk}"
    link = overlap_convert(company=team.company, actor=admin, cycle=team.cycle, pair=key, kind="shared_key_result")
    assert isinstance(link, SharedKeyResult)
    assert (link.objective, link.key_result) == (leads, pipeline)
    for user in (team.admin, team.viewer):
        assert overlaps.overlaps_for_reader(company=team.company, actor=actor(team, user), cycle=team.cycle) == []


def test_converting_to_a_shared_key_result_refuses_bad_input_naming_the_field(team, pair, marketing):  # noqa: F811
    leads, sales, pipeline = pair
    admin = actor(team, team.admin)
    key = f"k{pipeline.pk}|o{leads.pk}"
    with pytest.raises(ValidationError) as bad_kind:
        overlap_convert(company=team.company, actor=admin, cycle=team.cycle, pair=key, kind="merge")
    assert "kind" in bad_kind.value.message_dict
    with pytest.raises(ValidationError) as bad_which:
        overlap_convert(
            company=team.company, actor=admin, cycle=team.cycle, pair=key, kind="shared_key_result", key_result="up"
        )
    assert "key_result" in bad_which.value.message_dict
    # Two objectives: nothing to share.
    twin = ObjectiveFactory(company=team.company, cycle=team.cycle, department=marketing, title=sales.title)
    twin_key = overlaps.pair_key(f"o{sales.pk}", f"o{twin.pk}")
    with pytest.raises(ValidationError) as none:
        overlap_convert(company=team.company, actor=admin, cycle=team.cycle, pair=twin_key, kind="shared_key_result")
    assert "kind" in none.value.message_dict
    assert not SharedKeyResult.objects.exists()


def test_with_two_key_results_the_caller_names_the_one_shared(team, pair):  # noqa: F811
    _leads, _sales, pipeline = pair
    ops = DepartmentFactory(company=team.company, name="Operations", slug="operations")
    ops_objective = ObjectiveFactory(company=team.company, cycle=team.cycle, department=ops, title="Run the year")
    twin = KeyResultFactory(
        company=team.company, objective=ops_objective, title=pipeline.title, kind="currency", currency="EUR",
        target_value=4_000_000,
    )  # fmt: skip
    admin = actor(team, team.admin)
    key = overlaps.pair_key(f"k{pipeline.pk}", f"k{twin.pk}")
    found = {o.key: o for o in overlaps.overlaps_for_reader(company=team.company, actor=admin, cycle=team.cycle)}
    assert key in found
    with pytest.raises(ValidationError) as missing:
        overlap_convert(company=team.company, actor=admin, cycle=team.cycle, pair=key, kind="shared_key_result")
    assert "key_result" in missing.value.message_dict
    first = found[key].first
    link = overlap_convert(
        company=team.company, actor=admin, cycle=team.cycle, pair=key, kind="shared_key_result", key_result="first"
    )
    assert link.key_result_id == first.id
    assert link.objective_id == found[key].second.objective_id
    assert key not in {o.key for o in overlaps.overlaps_for_reader(company=team.company, actor=admin, cycle=team.cycle)}


def test_the_feed_says_who_shared_what_and_hides_a_private_receiving_objective(team, pair):  # noqa: F811
    leads, sales, pipeline = pair
    leads.private = True
    leads.save()
    share(team, team.admin, leads, pipeline)
    for user, named in ((team.viewer, "a private objective"), (team.admin, f"“{LEADS}”")):
        (item,) = [
            i for i in feed.feed(company=team.company, actor=actor(team, user)).items
            if i.event.verb == Verb.KEY_RESULT_SHARED
        ]  # fmt: skip
        assert item.event.objective_id == sales.pk
        assert item.description.text.endswith(f"shared the key result “{pipeline.title}” with {named}")
        assert item.payload["to_objective_title"] == (None if user == team.viewer else LEADS)
