"""Carry-over: the service on a hand-written example, its refusals, and the pages that offer and show it."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from objectives import feed
from objectives import services as okr
from objectives.models import Cycle, Event, KeyResult, Objective, Verb
from objectives.selectors import carry_over_choices, carry_over_targets
from okrhub.errors import PermissionDenied
from tests.factories import KeyResultFactory, MembershipFactory, ObjectiveFactory, UserFactory
from tests.helpers import db_state


@pytest.fixture
def quarter(team, frozen_clock):
    """2026 Q4 closed, with the next quarter in planning.

    Hand-written example (numbers chosen before the code):

    - "Win the market" (Sales, the member's, private: no) ladders to "Grow revenue" (company level).
      - "Revenue from 0 to 10": checked in at 6, so 60% at the close: unfinished, its copy starts at 6.
      - "Deals from 0 to 100": checked in at 100: finished (100%), never offered.
      - "Referrals from 0 to 20": never checked in: no score, unfinished; its copy starts at 0 (its start).
      The objective's score: (0.6 x 1 + 1.0 x 1) / 2 = 0.8 (the unscored one is left out): unfinished.
    - "Grow revenue" has one key result checked in at 10 of 10: 100%, finished, never offered. Its score
      counts "Win the market" (weight 2) too (DESIGN §3): (1.0 x 1 + 0.8 x 2) / 3 = 2.6 / 3 = 0.8667.
    - "Secret plan" (Sales, private, the lead's): unfinished, offered only to those who read it.
    """
    admin = team.actor(team.admin)
    top = okr.objective_create(company=team.company, actor=admin, cycle=team.cycle, title="Grow revenue", activate=True)
    done = okr.key_result_create(
        company=team.company, actor=admin, objective=top, title="Bookings 0 to 10", target_value=10
    )
    market = okr.objective_create(
        company=team.company,
        actor=admin,
        cycle=team.cycle,
        title="Win the market",
        description="France and Germany first.",
        department=team.department,
        owner=team.member,
        parent=top,
        weight=Decimal(2),
        activate=True,
    )
    revenue = okr.key_result_create(
        company=team.company,
        actor=admin,
        objective=market,
        title="Revenue from 0 to 10",
        target_value=10,
        unit="M EUR",
        owner=team.member,
    )
    deals = okr.key_result_create(
        company=team.company, actor=admin, objective=market, title="Deals from 0 to 100", target_value=100
    )
    referrals = okr.key_result_create(
        company=team.company,
        actor=admin,
        objective=market,
        title="Referrals from 0 to 20",
        target_value=20,
        owner=team.lead,
    )
    secret = okr.objective_create(
        company=team.company,
        actor=admin,
        cycle=team.cycle,
        title="Secret plan",
        department=team.department,
        owner=team.lead,
        private=True,
        activate=True,
    )
    for kr, value in ((done, 10), (revenue, 6), (deals, 100)):
        okr.checkin_create(company=team.company, actor=admin, key_result=kr, value=value, confidence="on_track")
    okr.cycle_close(company=team.company, actor=admin, cycle=team.cycle)
    next_quarter = okr.cycle_create(
        company=team.company, actor=admin, name="2027 Q1", start_date="2027-01-01", end_date="2027-03-31"
    )
    team.cycle.refresh_from_db()
    for obj in (top, market, secret):
        obj.refresh_from_db()
    for kr in (revenue, deals, referrals):
        kr.refresh_from_db()
    return {
        "top": top,
        "market": market,
        "secret": secret,
        "revenue": revenue,
        "deals": deals,
        "referrals": referrals,
        "next": next_quarter,
    }


def carry(team, user, q, items, target=None):
    return okr.cycle_carry_over(
        company=team.company, actor=team.actor(user), cycle=team.cycle, target=target or q["next"], items=items
    )


def _fields(error: ValidationError) -> set[tuple[str, str]]:
    return {(name, item.code) for name, items in error.error_dict.items() for item in items}


def test_the_hand_written_example(team, quarter):
    q = quarter
    assert q["market"].final_score == pytest.approx(0.8)
    assert q["top"].final_score == pytest.approx(2.6 / 3)
    last_event = Event.objects.filter(company=team.company).order_by("-id").values_list("id", flat=True).first()
    [copy] = carry(
        team, team.member, q, [okr.CarryItem(objective=q["market"], key_results=[q["revenue"].pk, q["referrals"].pk])]
    )
    copy.refresh_from_db()
    assert (copy.cycle_id, copy.status, copy.title) == (q["next"].pk, "draft", "Win the market")
    assert (copy.description, copy.owner_id, copy.department_id) == (
        "France and Germany first.",
        team.member.pk,
        team.department.pk,
    )
    assert (copy.weight, copy.private, copy.carried_from_id) == (Decimal(2), False, q["market"].pk)
    assert copy.parent_id is None  # "Grow revenue" is in 2026 Q4, not in 2027 Q1
    revenue, referrals = KeyResult.objects.filter(objective=copy).order_by("id")
    assert (revenue.title, revenue.start_value, revenue.target_value, revenue.unit) == (
        "Revenue from 0 to 10",
        Decimal(6),
        Decimal(10),
        "M EUR",
    )
    assert (revenue.owner_id, revenue.current_value, revenue.carried_from_id) == (team.member.pk, None, q["revenue"].pk)
    assert (referrals.start_value, referrals.owner_id, referrals.carried_from_id) == (
        0,
        team.lead.pk,
        q["referrals"].pk,
    )
    # Events: the copy's own (created, two key results added) and the origin's carried_over.
    verbs = list(
        Event.objects.filter(company=team.company, id__gt=last_event).order_by("id").values_list("verb", "objective_id")
    )
    assert verbs == [
        (Verb.OBJECTIVE_CREATED, copy.pk),
        (Verb.KEY_RESULT_CREATED, copy.pk),
        (Verb.KEY_RESULT_CREATED, copy.pk),
        (Verb.OBJECTIVE_CARRIED_OVER, q["market"].pk),
    ]
    event = Event.objects.get(company=team.company, verb=Verb.OBJECTIVE_CARRIED_OVER)
    assert event.payload["key_result_ids"] == [q["revenue"].pk, q["referrals"].pk]
    assert event.payload["copied_key_result_ids"] == [revenue.pk, referrals.pk]
    sentence = feed.describe(
        Event.objects.select_related("actor", "objective").get(pk=event.pk),
        feed.References(company_slug=team.company.slug),
    )
    assert (sentence.action, sentence.detail) == ("carried over", " into 2027 Q1 with 2 key results")


def test_the_parent_follows_when_it_was_carried_first(team, quarter):
    q = quarter
    Objective.objects.filter(pk=q["top"].pk).update(final_score=0.5)  # pretend the company objective fell short
    q["top"].refresh_from_db()
    top_copy, market_copy = carry(
        team, team.admin, q, [okr.CarryItem(objective=q["top"]), okr.CarryItem(objective=q["market"])]
    )
    assert market_copy.parent_id == top_copy.pk


def test_offered_only_unfinished_and_readable(team, quarter):
    q = quarter
    member = carry_over_choices(company=team.company, actor=team.actor(team.member), cycle=team.cycle)
    assert [(o.title, [kr.title for kr in o.unfinished_key_results]) for o in member] == [
        ("Win the market", ["Revenue from 0 to 10", "Referrals from 0 to 20"])
    ]
    lead = carry_over_choices(company=team.company, actor=team.actor(team.lead), cycle=team.cycle)
    assert {o.title for o in lead} == {"Win the market", "Secret plan"}
    outsider = MembershipFactory(company=team.company, user=UserFactory(), role="member").user
    assert carry_over_choices(company=team.company, actor=team.actor(outsider), cycle=team.cycle) == []
    assert carry_over_choices(company=team.company, actor=team.actor(team.admin), cycle=q["next"]) == []  # open


def test_targets_are_open_cycles_not_ending_before(team, quarter):
    assert quarter["next"].status == "planning"
    admin = team.actor(team.admin)
    okr.cycle_create(company=team.company, actor=admin, name="2026 Q3", start_date="2026-07-01", end_date="2026-09-30")
    overlapping = okr.cycle_create(
        company=team.company, actor=admin, name="FY 2026", start_date="2026-01-01", end_date="2026-12-31"
    )
    targets = carry_over_targets(company=team.company, cycle=team.cycle)
    assert [c.name for c in targets] == ["FY 2026", "2027 Q1"]  # not 2026 Q3: it ends before 2026 Q4 starts
    assert overlapping in targets


@pytest.mark.parametrize("which", ["earlier", "closed", "same", "other_company"])
def test_a_bad_target_is_refused_naming_cycle(team, other_team, quarter, which):
    q = quarter
    admin = team.actor(team.admin)
    target = {
        "earlier": lambda: okr.cycle_create(
            company=team.company, actor=admin, name="2026 Q3", start_date="2026-07-01", end_date="2026-09-30"
        ),
        "closed": lambda: Cycle.objects.create(
            company=team.company, name="Done", start_date="2027-01-01", end_date="2027-02-01", status="closed"
        ),
        "same": lambda: team.cycle,
        "other_company": lambda: other_team.cycle,
    }[which]()
    before = db_state()
    with pytest.raises(ValidationError) as refused:
        carry(team, team.admin, q, [okr.CarryItem(objective=q["market"])], target=target)
    assert {name for name, _ in _fields(refused.value)} == {"cycle"}
    assert db_state() == before


def test_an_open_cycle_carries_nothing(team, quarter):
    q = quarter
    with pytest.raises(ValidationError) as refused:
        okr.cycle_carry_over(
            company=team.company, actor=team.actor(team.admin), cycle=q["next"], target=q["next"], items=[]
        )
    assert _fields(refused.value) == {("cycle", "cycle_open")}


def test_per_item_errors_name_the_item_and_nothing_is_saved(team, other_team, quarter):
    q = quarter
    other = ObjectiveFactory(company=other_team.company, cycle=other_team.cycle, status="closed")
    # The company objective met everything (its score counts "Win the market" at 0.8 otherwise: 0.87).
    Objective.objects.filter(pk=q["top"].pk).update(final_score=1)
    q["top"].refresh_from_db()
    before = db_state()
    with pytest.raises(okr.CarryOverInvalid) as refused:
        carry(
            team,
            team.admin,
            q,
            [
                okr.CarryItem(objective=q["market"], key_results=[q["revenue"].pk]),  # fine
                okr.CarryItem(objective=q["top"]),  # finished
                okr.CarryItem(objective=q["market"]),  # repeated
                okr.CarryItem(objective=other),  # another company's
                okr.CarryItem(objective=q["secret"], key_results=[q["deals"].pk]),  # not its key result
            ],
        )
    assert _fields(refused.value) == {
        ("items[1].objective", "finished"),
        ("items[2].objective", "duplicate"),
        ("items[3].objective", "does_not_exist"),
        ("items[4].key_results", "invalid"),
    }
    assert db_state() == before


def test_a_finished_key_result_is_refused(team, quarter):
    q = quarter
    with pytest.raises(okr.CarryOverInvalid) as refused:
        carry(team, team.member, q, [okr.CarryItem(objective=q["market"], key_results=[q["deals"].pk])])
    assert _fields(refused.value) == {("items[0].key_results", "finished")}


def test_carrying_twice_into_the_same_cycle_is_refused(team, quarter):
    q = quarter
    carry(team, team.member, q, [okr.CarryItem(objective=q["market"])])
    before = db_state()
    with pytest.raises(okr.CarryOverInvalid) as refused:
        carry(team, team.lead, q, [okr.CarryItem(objective=q["market"])])
    assert _fields(refused.value) == {("items[0].objective", "already_carried_over")}
    assert db_state() == before


def test_a_private_objective_reads_as_missing_to_who_may_not_read_it(team, quarter):
    q = quarter
    outsider = MembershipFactory(company=team.company, user=UserFactory(), role="member").user
    with pytest.raises(okr.CarryOverInvalid) as refused:
        carry(team, outsider, q, [okr.CarryItem(objective=q["secret"])])
    assert _fields(refused.value) == {("items[0].objective", "does_not_exist")}
    [copy] = carry(team, team.lead, q, [okr.CarryItem(objective=q["secret"])])
    assert copy.private is True


@pytest.mark.parametrize(("who", "allowed"), [("member", True), ("lead", True), ("leader", False), ("viewer", False)])
def test_who_carries_follows_the_matrix(team, quarter, who, allowed):
    q = quarter
    item = [okr.CarryItem(objective=q["market"])]
    if allowed:
        assert carry(team, getattr(team, who), q, item)
    else:
        before = db_state()
        with pytest.raises(PermissionDenied):
            carry(team, getattr(team, who), q, item)
        assert db_state() == before


# ---------------------------------------------------------------- the pages


def _page(team):
    return reverse("objectives:cycle_carry_over", args=[team.company.slug, team.cycle.pk])


def test_the_page_offers_what_the_person_may_carry_and_carries_it(team, quarter, client_for):
    q = quarter
    client = client_for(team.member)
    html = client.get(_page(team)).content.decode()
    assert "Win the market" in html
    assert "Secret plan" not in html
    assert "Deals from 0 to 100" not in html  # finished
    assert f'value="{q["revenue"].pk}"' in html
    assert '<option value="{}"'.format(q["next"].pk) in html
    data = {"cycle": q["next"].pk, "objective": [q["market"].pk], f"key_results_{q['market'].pk}": [q["revenue"].pk]}
    response = client.post(_page(team), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    copy = Objective.objects.get(company=team.company, carried_from=q["market"])
    assert response["Location"] == reverse("objectives:objective", args=[team.company.slug, copy.pk])
    assert [kr.carried_from_id for kr in KeyResult.objects.filter(objective=copy)] == [q["revenue"].pk]


def test_the_page_shows_errors_beside_the_item(team, quarter, client_for):
    q = quarter
    client = client_for(team.member)
    carry(team, team.member, q, [okr.CarryItem(objective=q["market"])])
    before = db_state()
    response = client.post(_page(team), {"cycle": q["next"].pk, "objective": [q["market"].pk]})
    assert response.status_code == 422
    html = response.content.decode()
    assert "was carried over into 2027 Q1 already" in html
    assert db_state() == before
    for bad_cycle in ("", "x", "99999999999999999999999"):
        response = client.post(_page(team), {"cycle": bad_cycle, "objective": [q["market"].pk, "9" * 30]})
        assert response.status_code == 422
        assert "Choose the cycle to carry into." in response.content.decode()


def test_both_objective_pages_link_each_other(team, quarter, client_for):
    q = quarter
    [copy] = carry(team, team.member, q, [okr.CarryItem(objective=q["market"])])
    origin_url = reverse("objectives:objective", args=[team.company.slug, q["market"].pk])
    copy_url = reverse("objectives:objective", args=[team.company.slug, copy.pk])
    origin_html = client_for(team.viewer).get(origin_url).content.decode()
    assert "Carried over to" in origin_html
    assert copy_url in origin_html
    copy_html = client_for(team.viewer).get(copy_url).content.decode()
    assert "Carried over from" in copy_html
    assert origin_url in copy_html


def test_both_key_result_pages_link_each_other(team, quarter, client_for):
    q = quarter
    [copy] = carry(team, team.member, q, [okr.CarryItem(objective=q["market"], key_results=[q["revenue"].pk])])
    kr_copy = KeyResult.objects.get(objective=copy)
    origin_url = reverse("objectives:key_result", args=[team.company.slug, q["revenue"].pk])
    copy_url = reverse("objectives:key_result", args=[team.company.slug, kr_copy.pk])
    origin_html = client_for(team.viewer).get(origin_url).content.decode()
    assert "Carried over to" in origin_html
    assert copy_url in origin_html
    copy_html = client_for(team.viewer).get(copy_url).content.decode()
    assert "Carried over from" in copy_html
    assert origin_url in copy_html


def test_a_private_copy_is_not_linked_for_who_may_not_read_it(team, quarter, client_for):
    q = quarter
    [copy] = carry(team, team.member, q, [okr.CarryItem(objective=q["market"])])
    Objective.objects.filter(pk=copy.pk).update(private=True, title="Hidden continuation")
    outsider = MembershipFactory(company=team.company, user=UserFactory(), role="member").user
    html = client_for(outsider).get(reverse("objectives:objective", args=[team.company.slug, q["market"].pk]))
    assert "Hidden continuation" not in html.content.decode()
    assert reverse("objectives:objective", args=[team.company.slug, copy.pk]) not in html.content.decode()


def test_the_page_refuses_other_companies_and_an_open_cycle(team, other_team, quarter, client_for):
    q = quarter
    url = reverse("objectives:cycle_carry_over", args=[other_team.company.slug, team.cycle.pk])
    assert client_for(other_team.admin).get(url).status_code == 404
    assert client_for(other_team.admin).post(url, {"cycle": q["next"].pk}).status_code == 404
    open_url = reverse("objectives:cycle_carry_over", args=[team.company.slug, q["next"].pk])
    assert "still open" in client_for(team.admin).get(open_url).content.decode()


def test_the_page_costs_the_same_queries_at_two_sizes(team, quarter, client_for):
    client = client_for(team.admin)

    def measure() -> int:
        with CaptureQueriesContext(connection) as page:
            assert client.get(_page(team)).status_code == 200
        return len(page)

    small = measure()
    for i in range(6):
        grown = ObjectiveFactory(
            company=team.company, cycle=team.cycle, department=team.department, status="closed", title=f"More {i}"
        )
        for j in range(4):
            KeyResultFactory(company=team.company, objective=grown, title=f"KR {i}.{j} 0 to 9", target_value=9)
    assert measure() == small
