"""The weekly loop: many check-ins at once (objectives/services/weekly.py) and the weekly check-in page."""

import time
from decimal import Decimal
from functools import partial

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import make_team
from objectives import events
from objectives import services as okr
from objectives.models import CheckIn, CycleStatus, Event, KeyResult, KeyResultKind, Objective, ObjectiveStatus
from objectives.rollup import company_full_recompute
from objectives.services.weekly import MAX_BATCH_ITEMS, BatchItem, checkins_batch
from okrhub.errors import PermissionDenied
from tests.concurrency import run_concurrently
from tests.factories import CycleFactory, KeyResultFactory, ObjectiveFactory
from tests.helpers import db_state, refused

#: (objective, title, kind, start, target, current value, extra fields)
ROWS = [
    ("leads", "Grow qualified leads from 0 to 1000", KeyResultKind.NUMBER, 0, 1000, 400, {"unit": "leads"}),
    ("leads", "Grow pipeline from €0 to €2M", KeyResultKind.CURRENCY, 0, 2_000_000, 800_000, {"currency": "EUR"}),
    ("leads", "Raise win rate from 18% to 25%", KeyResultKind.PERCENT, 18, 25, 20, {}),
    ("brand", "French site live", KeyResultKind.MILESTONE, 0, 1, 0, {}),
    ("brand", "Grow French subscribers from 500 to 3000", KeyResultKind.NUMBER, 500, 3000, 1500, {}),
]


def build_week(team):
    """Two active Sales objectives with five key results of the member, each checked in once."""
    top = okr.objective_create(company=team.company, actor=None, cycle=team.cycle, title="Grow revenue", activate=True)
    objectives = {
        name: okr.objective_create(
            company=team.company,
            actor=None,
            cycle=team.cycle,
            department=team.department,
            owner=team.lead,
            parent=top,
            title=title,
            activate=True,
        )
        for name, title in (("leads", "Win the DACH market"), ("brand", "Be known in France"))
    }
    krs = []
    for objective, title, kind, start, target, current, extra in ROWS:
        kr = okr.key_result_create(
            company=team.company,
            actor=None,
            objective=objectives[objective],
            owner=team.member,
            title=title,
            kind=kind,
            start_value=start,
            target_value=target,
            **extra,
        )
        okr.checkin_create(company=team.company, actor=None, key_result=kr, value=current, confidence="on_track")
        krs.append(KeyResult.objects.select_related("objective").get(pk=kr.pk))
    return top, objectives, krs


@pytest.fixture
def week(team):
    return build_week(team)


def _events() -> int:
    return Event.objects.count()


# ---------------------------------------------------------------- the service


def test_a_batch_records_each_item_and_rolls_up_its_objectives(team, week, django_capture_on_commit_callbacks):
    _, objectives, krs = week
    leads, pipeline, win_rate, site, _subscribers = krs
    before_events = _events()
    with django_capture_on_commit_callbacks(execute=True):
        results = checkins_batch(
            company=team.company,
            actor=team.actor(team.member),
            items=[
                BatchItem(key_result=site, value=1, confidence="on_track", note="Live on Monday."),
                BatchItem(key_result=leads, value="620", confidence="at_risk"),
                BatchItem(key_result=pipeline, value=Decimal("1000000"), confidence="on_track"),
            ],
        )
    # Results come back in the order sent, one check-in each, by the member.
    assert [r.key_result.pk for r in results] == [site.pk, leads.pk, pipeline.pk]
    assert [r.checkin.value for r in results] == [1, 620, 1_000_000]
    assert all(r.checkin.author == team.member and r.warnings == [] for r in results)
    assert CheckIn.objects.filter(company=team.company).count() == 5 + 3
    assert _events() == before_events + 3
    for kr, value, progress in ((leads, 620, 0.62), (pipeline, 1_000_000, 0.5), (site, 1, 1.0)):
        kr.refresh_from_db()
        assert (kr.current_value, kr.progress) == (value, pytest.approx(progress))
    win_rate.refresh_from_db()
    assert win_rate.current_value == 20  # not in the batch: untouched
    # Each objective's own roll-up ran in the transaction; the ancestors after commit.
    for objective in objectives.values():
        objective.refresh_from_db()
    assert objectives["leads"].progress == pytest.approx((0.62 + 0.5 + 2 / 7) / 3)
    assert objectives["brand"].progress == pytest.approx((1.0 + 1000 / 2500) / 2)
    assert company_full_recompute(company=team.company) == 0


def test_a_batch_is_all_or_nothing_and_names_every_refused_item(team, week):
    _, _, krs = week
    events_before = _events()
    with refused("items[1].value") as info:
        checkins_batch(
            company=team.company,
            actor=team.actor(team.member),
            items=[
                BatchItem(key_result=krs[0], value=700, confidence="on_track"),  # fine, but not saved
                BatchItem(key_result=krs[1], value="lots", confidence="on_track"),
                BatchItem(key_result=krs[2], value=21, confidence="meh"),
                BatchItem(key_result=krs[3], value=5, confidence="on_track"),  # a milestone is 0 or 1
            ],
        )
    error = info.value
    assert sorted(error.message_dict) == ["items[1].value", "items[2].confidence", "items[3].value"]
    assert {e.code for e in error.error_dict["items[3].value"]} == {"milestone"}
    # The page reads each item's own error, by the item's field names.
    assert sorted(error.item_errors) == [1, 2, 3]
    assert list(error.item_errors[2].message_dict) == ["confidence"]
    assert _events() == events_before


def test_another_companys_key_result_is_refused_naming_the_item(team, other_team, week):
    _, _, krs = week
    theirs = KeyResultFactory(
        company=other_team.company,
        objective=ObjectiveFactory(company=other_team.company, cycle=other_team.cycle),
        owner=other_team.member,
    )
    with refused("items[1].key_result", code="does_not_exist"):
        checkins_batch(
            company=team.company,
            actor=team.actor(team.admin),
            items=[
                BatchItem(key_result=krs[0], value=700, confidence="on_track"),
                BatchItem(key_result=theirs, value=5, confidence="on_track"),
            ],
        )


def test_a_key_result_the_actor_may_not_check_in_on_refuses_the_whole_batch(team, week):
    _, objectives, krs = week
    colleague = okr.key_result_create(
        company=team.company,
        actor=None,
        objective=objectives["brand"],
        owner=team.lead,
        title="Grow French press mentions from 0 to 40",
        target_value=40,
    )
    before = db_state()
    with pytest.raises(PermissionDenied, match=r"items\[1\]"):
        checkins_batch(
            company=team.company,
            actor=team.actor(team.member),
            items=[
                BatchItem(key_result=krs[0], value=700, confidence="on_track"),
                BatchItem(key_result=colleague, value=5, confidence="on_track"),
            ],
        )
    assert db_state() == before
    # The department's lead may check in on the member's key results, as on a single one.
    checkins_batch(
        company=team.company,
        actor=team.actor(team.lead),
        items=[BatchItem(key_result=krs[0], value=700, confidence="on_track")],
    )


def test_closed_objectives_and_cycles_are_refused_naming_the_item(team, week):
    _, objectives, krs = week
    Objective.objects.filter(pk=objectives["brand"].pk).update(status=ObjectiveStatus.CLOSED)
    with refused("items[1].key_result", code="objective_closed"):
        checkins_batch(
            company=team.company,
            actor=team.actor(team.member),
            items=[
                BatchItem(key_result=krs[0], value=700, confidence="on_track"),
                BatchItem(key_result=krs[4], value=1600, confidence="on_track"),
            ],
        )
    team.cycle.__class__.objects.filter(pk=team.cycle.pk).update(status=CycleStatus.CLOSED)
    with refused("items[0].key_result", code="cycle_closed"):
        checkins_batch(
            company=team.company,
            actor=team.actor(team.member),
            items=[BatchItem(key_result=krs[0], value=700, confidence="on_track")],
        )


@pytest.mark.parametrize(
    ("items", "field", "code"),
    [
        (lambda krs: [], "items", "required"),
        (
            lambda krs: [BatchItem(key_result=krs[0], value=1, confidence="on_track")] * 2,
            "items[1].key_result",
            "duplicate",
        ),
        (
            lambda krs: [BatchItem(key_result=krs[0], value=1, confidence="on_track")] * (MAX_BATCH_ITEMS + 1),
            "items",
            "max_length",
        ),
        (
            lambda krs: [BatchItem(key_result=krs[0], value=700, confidence="on_track", note="a\x00b")],
            "items[0].note",
            None,
        ),
        (
            lambda krs: [BatchItem(key_result=krs[0], value=700, confidence="on_track", note="x" * 2001)],
            "items[0].note",
            None,
        ),
    ],
    ids=["empty", "duplicate", "too-many", "control-character", "note-too-long"],
)
def test_bad_batches_name_the_field_and_change_nothing(team, week, items, field, code):
    _, _, krs = week
    with refused(field, code=code):
        checkins_batch(company=team.company, actor=team.actor(team.member), items=items(krs))


def test_the_overall_note_ends_each_check_ins_note(team, week):
    _, _, krs = week
    checkins_batch(
        company=team.company,
        actor=team.actor(team.member),
        items=[
            BatchItem(key_result=krs[0], value=700, confidence="on_track", note="Trade fair leads."),
            BatchItem(key_result=krs[1], value=900_000, confidence="at_risk"),
        ],
        overall_note="  Short week: two of us were in Munich.  ",
    )
    notes = dict(CheckIn.objects.filter(key_result__in=krs[:2]).order_by("-id").values_list("key_result", "note")[:2])
    assert notes[krs[0].pk] == "Trade fair leads.\n\nOverall note: Short week: two of us were in Munich."
    assert notes[krs[1].pk] == "Overall note: Short week: two of us were in Munich."
    # Together they must fit a check-in's note; the refusal names the row whose note is too long.
    with refused("items[0].note", code="max_length"):
        checkins_batch(
            company=team.company,
            actor=team.actor(team.member),
            items=[BatchItem(key_result=krs[0], value=710, confidence="on_track", note="x" * 1500)],
            overall_note="y" * 600,
        )
    with refused("note", code="max_length"):
        checkins_batch(
            company=team.company,
            actor=team.actor(team.member),
            items=[BatchItem(key_result=krs[0], value=710, confidence="on_track")],
            overall_note="y" * 1001,
        )


def test_flagged_values_wait_for_a_confirmation_when_asked_and_are_saved_with_warnings_otherwise(team, week):
    _, _, krs = week
    leads = krs[0]  # 400 of 0 -> 1,000
    actor = team.actor(team.member)
    with refused("items[1].value", code="needs_confirmation") as info:
        checkins_batch(
            company=team.company,
            actor=actor,
            items=[
                BatchItem(key_result=krs[2], value=21, confidence="on_track", confirmed=False),  # fine
                BatchItem(key_result=leads, value=4000, confidence="on_track", confirmed=False),
            ],
        )
    assert [w.code for w in info.value.unconfirmed[1]] == ["far_outside_range", "big_jump"]
    assert list(info.value.unconfirmed) == [1]
    (result,) = checkins_batch(
        company=team.company,
        actor=actor,
        items=[BatchItem(key_result=leads, value=4000, confidence="on_track")],
    )
    assert [w.code for w in result.warnings] == ["far_outside_range", "big_jump"]
    assert result.checkin.warnings == result.warnings
    leads.refresh_from_db()
    assert leads.current_value == 4000


@pytest.mark.django_db(transaction=True)
def test_a_batch_is_one_transaction_announced_once():
    team = make_team("batch-once")
    _, _, krs = build_week(team)
    seen: list[list[int]] = []

    def receiver(sender, *, company_id, event_ids, **kwargs):
        seen.append(event_ids)

    events.events_committed.connect(receiver)
    try:
        checkins_batch(
            company=team.company,
            actor=team.actor(team.member),
            items=[BatchItem(key_result=kr, value=kr.start_value, confidence="at_risk") for kr in krs[:3]],
        )
    finally:
        events.events_committed.disconnect(receiver)
    assert len(seen) == 1
    assert sorted(seen[0]) == sorted(
        Event.objects.filter(checkin__key_result__in=krs[:3], checkin__confidence="at_risk").values_list(
            "id", flat=True
        )
    )
    assert len(seen[0]) == 3


@pytest.mark.django_db(transaction=True)
def test_batches_in_opposite_orders_and_single_check_ins_never_deadlock():
    """Locks are taken in one order (key results by id, then objectives by id), whatever order items come in."""
    team = make_team("batch-locks")
    _, _, krs = build_week(team)
    actor = team.actor(team.member)
    numeric = [kr for kr in krs if kr.kind != KeyResultKind.MILESTONE]

    def batch(order, round_):
        checkins_batch(
            company=team.company,
            actor=actor,
            items=[BatchItem(key_result=kr, value=kr.start_value + round_, confidence="on_track") for kr in order],
        )

    def single(kr, round_):
        okr.checkin_create(
            company=team.company, actor=actor, key_result=kr, value=kr.start_value + round_, confidence="on_track"
        )

    rounds = 8
    for round_ in range(rounds):
        run_concurrently(
            partial(batch, numeric, round_),
            partial(batch, list(reversed(numeric)), round_),
            partial(single, numeric[-1], round_),
            partial(single, numeric[0], round_),
        )
    # Every writer got through: two batches on each key result, the single check-ins on the first and last.
    for kr in numeric:
        singles = 1 if kr in (numeric[0], numeric[-1]) else 0
        assert CheckIn.objects.filter(key_result=kr).count() == 1 + rounds * (2 + singles)
    assert company_full_recompute(company=team.company) == 0


@pytest.mark.django_db(transaction=True)
def test_a_batch_racing_a_cycle_close_lands_whole_or_not_at_all():
    """The close locks the key results too: a batch commits before it (and counts) or waits and is refused."""
    team = make_team("batch-close")
    _, _, krs = build_week(team)
    numeric = [kr for kr in krs if kr.kind != KeyResultKind.MILESTONE]
    actor = team.actor(team.member)
    outcomes: list[str] = []

    def batches():
        for round_ in range(6):
            try:
                checkins_batch(
                    company=team.company,
                    actor=actor,
                    items=[
                        BatchItem(key_result=kr, value=kr.start_value + round_ + 1, confidence="on_track")
                        for kr in reversed(numeric)
                    ],
                )
                outcomes.append("saved")
            except ValidationError as error:
                codes = {e.code for errors in error.error_dict.values() for e in errors}
                outcomes.append("refused" if codes == {"cycle_closed"} else f"refused: {codes}")

    def close():
        while not outcomes:
            time.sleep(0.002)
        okr.cycle_close(company=team.company, actor=None, cycle=team.cycle)

    run_concurrently(batches, close)
    saved = outcomes.count("saved")
    assert outcomes == ["saved"] * saved + ["refused"] * (6 - saved)
    assert saved >= 1
    for kr in numeric:
        kr.refresh_from_db()
        assert CheckIn.objects.filter(key_result=kr).count() == 1 + saved
        assert kr.current_value == kr.start_value + saved
        assert kr.final_score == pytest.approx(kr.progress)


# ---------------------------------------------------------------- the page


def page_url(team) -> str:
    return reverse("objectives:weekly_checkin", args=[team.company.slug])


def row_data(krs, **changes) -> dict[str, str]:
    """The form as the page sends it: every row with its prefilled value and confidence, then ``changes``."""
    data = {}
    for kr in krs:
        value = "" if kr.current_value is None else format(kr.current_value.normalize(), "f")
        if kr.kind == KeyResultKind.MILESTONE:
            value = "" if kr.current_value is None else str(int(kr.current_value))
        data |= {f"kr{kr.pk}-value": value, f"kr{kr.pk}-confidence": kr.confidence or "on_track", f"kr{kr.pk}-note": ""}
    return data | changes


def test_the_page_lists_my_key_results_in_active_cycles_prefilled(team, week, client_for):
    _, objectives, krs = week
    # Not on the page: a draft's key result, a closed cycle's, a colleague's.
    draft = ObjectiveFactory(
        company=team.company, cycle=team.cycle, department=team.department, status=ObjectiveStatus.DRAFT
    )
    KeyResultFactory(company=team.company, objective=draft, owner=team.member, title="Draft metric from 0 to 5")
    old_cycle = CycleFactory(company=team.company, name="2026 Q3", status=CycleStatus.CLOSED)
    old = ObjectiveFactory(company=team.company, cycle=old_cycle, department=team.department)
    KeyResultFactory(company=team.company, objective=old, owner=team.member, title="Last quarter's metric 0 to 5")
    KeyResultFactory(company=team.company, objective=objectives["leads"], owner=team.lead, title="Lead's own 0 to 5")
    html = client_for(team.member).get(page_url(team)).content.decode()
    assert "<h1>Weekly check-in</h1>" in html
    for kr in krs:
        assert kr.title in html
    for absent in ("Draft metric", "Last quarter", "Lead's own"):
        assert absent not in html
    # Prefilled: the current values as people type them, the last confidence, in tab order value, confidence, note.
    leads = krs[0]
    assert f'name="kr{leads.pk}-value" value="400"' in html
    assert f'name="kr{krs[1].pk}-value" value="800000"' in html
    assert f'<label for="id_kr{leads.pk}-value">Value (leads)</label>' in html
    assert f'<label for="id_kr{krs[1].pk}-value">Value (EUR)</label>' in html
    row = html[html.index(f'id="weekly-kr-{leads.pk}"') :]
    assert row.index(f"kr{leads.pk}-value") < row.index(f"kr{leads.pk}-confidence") < row.index(f"kr{leads.pk}-note")
    assert '<option value="on_track" selected>' in row.split("</select>", 1)[0]
    # Each objective's progress, with the components the other pages use.
    assert f'data-progress="objective-{objectives["leads"].pk}"' in html
    assert 'class="badge pace-status' in html
    # The navigation offers the page.
    assert f'href="{page_url(team)}" aria-current="page">Check in</a>' in html


def test_one_submit_saves_the_changed_rows_only_and_shows_the_roll_up(team, week, client_for):
    _, objectives, krs = week
    leads, pipeline, win_rate, site, subscribers = krs
    before = {kr.pk: CheckIn.objects.filter(key_result=kr).count() for kr in krs}
    data = row_data(
        krs,
        **{
            f"kr{leads.pk}-value": "620",
            f"kr{win_rate.pk}-confidence": "at_risk",
            f"kr{site.pk}-value": "1",
            f"kr{site.pk}-note": "Live since Monday.",
            f"kr{pipeline.pk}-value": "800000.00",  # the same value, written differently: unchanged
            "note": "Good week.",
        },
    )
    response = client_for(team.member, htmx=True).post(page_url(team), data)
    assert response.status_code == 200, response.content.decode()
    html = response.content.decode()
    assert html.lstrip().startswith('<form id="weekly-form"')
    after = {kr.pk: CheckIn.objects.filter(key_result=kr).count() for kr in krs}
    assert {pk: after[pk] - before[pk] for pk in after} == {
        leads.pk: 1,
        pipeline.pk: 0,
        win_rate.pk: 1,
        site.pk: 1,
        subscribers.pk: 0,
    }
    assert CheckIn.objects.filter(key_result=site).latest("id").note == "Live since Monday.\n\nOverall note: Good week."
    assert CheckIn.objects.filter(key_result=win_rate).latest("id").value == 20  # a new confidence on the value
    # The swapped form shows the new values, bars and the objectives' roll-up, and says what was saved.
    assert "Saved 3 check-ins:" in html
    assert 'role="status"' in html
    assert f'name="kr{leads.pk}-value" value="620"' in html
    for objective in objectives.values():
        objective.refresh_from_db()
        block = html.split(f'data-progress="objective-{objective.pk}"', 1)[1].split("</div>", 1)[0]
        assert f">{round(objective.progress * 100)}%<" in block
    assert objectives["brand"].progress == pytest.approx((1 + 1000 / 2500) / 2)
    leads_row = html.split(f'data-progress="kr-{leads.pk}"', 1)[1].split("</div>", 1)[0]
    assert ">62%<" in leads_row


def test_without_javascript_the_submit_redirects_with_a_message(team, week, client_for):
    _, _, krs = week
    client = client_for(team.member)
    response = client.post(page_url(team), row_data(krs, **{f"kr{krs[0].pk}-value": "450"}))
    assert response.status_code == 302
    assert response["Location"] == page_url(team)
    html = client.get(response["Location"]).content.decode()
    assert "Saved 1 check-in: Grow qualified leads from 0 to 1000." in html
    assert f'name="kr{krs[0].pk}-value" value="450"' in html


def test_a_bad_row_saves_nothing_and_shows_its_error_beside_it(team, week, client_for):
    _, _, krs = week
    before = db_state()
    data = row_data(krs, **{f"kr{krs[0].pk}-value": "450", f"kr{krs[4].pk}-value": "lots"})
    for htmx in (True, False):
        response = client_for(team.member, htmx=htmx).post(page_url(team), data)
        assert response.status_code == 422
        html = response.content.decode()
        assert ("<h1>Weekly check-in</h1>" in html) is not htmx
        assert "data-error-summary" in html
        assert (
            f'href="#id_kr{krs[4].pk}-value">Grow French subscribers from 500 to 3000, value: Enter a number.' in html
        )
        row = html.split(f'id="weekly-kr-{krs[4].pk}"', 1)[1].split("</fieldset>", 1)[0]
        assert 'aria-invalid="true"' in row
        # What was typed stays in the form, the other rows' changes too.
        assert 'value="450"' in html.split(f'id="weekly-kr-{krs[0].pk}"', 1)[1].split("</fieldset>", 1)[0]
    assert db_state() == before


def test_a_refusal_by_the_service_lands_on_its_row(team, week, client_for):
    _, _, krs = week
    site = krs[3]
    before = db_state()
    response = client_for(team.member, htmx=True).post(
        page_url(team), row_data(krs, **{f"kr{krs[0].pk}-value": "450", f"kr{site.pk}-value": "7"})
    )
    assert response.status_code == 422  # "7" is no choice of a milestone's select
    assert db_state() == before


def test_a_flagged_value_asks_first_then_saves_once_confirmed(team, week, client_for):
    _, _, krs = week
    leads = krs[0]
    client = client_for(team.member, htmx=True)
    data = row_data(krs, **{f"kr{leads.pk}-value": "4000", f"kr{krs[1].pk}-value": "900000"})
    before = db_state()
    response = client.post(page_url(team), data)
    assert response.status_code == 422
    html = response.content.decode()
    row = html.split(f'id="weekly-kr-{leads.pk}"', 1)[1].split("</fieldset>", 1)[0]
    assert "4,000 leads is far outside this key result&#x27;s range (0 leads to 1,000 leads)" in row
    assert f'name="kr{leads.pk}-confirm" value="4000"' in row
    assert f'href="#id_kr{leads.pk}-confirm"' in html
    assert db_state() == before  # all or nothing: the other row waits too
    # Ticking the box for another value than the one posted confirms nothing.
    response = client.post(page_url(team), data | {f"kr{leads.pk}-value": "5000", f"kr{leads.pk}-confirm": "4000"})
    assert response.status_code == 422
    assert db_state() == before
    response = client.post(page_url(team), data | {f"kr{leads.pk}-confirm": "4000"})
    assert response.status_code == 200
    assert "Saved 2 check-ins" in response.content.decode()
    leads.refresh_from_db()
    assert leads.current_value == 4000


def test_a_refusal_of_the_whole_batch_is_summed_up_at_the_top(team, week, client_for, monkeypatch):
    """More changed rows than a batch takes: the page says so above the rows and saves nothing."""
    from objectives.services import weekly

    monkeypatch.setattr(weekly, "MAX_BATCH_ITEMS", 2)
    _, _, krs = week
    before = db_state()
    changes = {f"kr{kr.pk}-note": "moved" for kr in krs[:3]}
    response = client_for(team.member, htmx=True).post(page_url(team), row_data(krs, **changes))
    assert response.status_code == 422
    summary = response.content.decode().split("data-error-summary", 1)[1].split("</div>", 1)[0]
    assert "<li>Send at most 2 check-ins in one batch.</li>" in summary
    assert db_state() == before


def test_nothing_changed_saves_nothing(team, week, client_for):
    _, _, krs = week
    before = db_state()
    client = client_for(team.member, htmx=True)
    response = client.post(page_url(team), row_data(krs))
    assert response.status_code == 200
    assert "Nothing changed, so no check-in was recorded." in response.content.decode()
    response = client.post(page_url(team), row_data(krs, note="Quiet week."))
    assert response.status_code == 422
    assert "Change at least one key result" in response.content.decode()
    assert db_state() == before


def test_a_key_result_without_a_value_yet_needs_one_to_check_in(team, week, client_for):
    _, objectives, krs = week
    fresh = okr.key_result_create(
        company=team.company,
        actor=None,
        objective=objectives["brand"],
        owner=team.member,
        title="Grow French demo requests from 0 to 50",
        target_value=50,
    )
    client = client_for(team.member, htmx=True)
    page = client_for(team.member).get(page_url(team)).content.decode()
    assert f'name="kr{fresh.pk}-value" type' in page or f'name="kr{fresh.pk}-value" step' in page
    base = row_data([*krs, fresh])
    # Left blank: untouched.
    assert client.post(page_url(team), base).status_code == 200
    assert not CheckIn.objects.filter(key_result=fresh).exists()
    # A note without a value: refused on its row.
    response = client.post(page_url(team), base | {f"kr{fresh.pk}-note": "Started."})
    assert response.status_code == 422
    assert "Enter a value to check in." in response.content.decode()
    assert client.post(page_url(team), base | {f"kr{fresh.pk}-value": "5"}).status_code == 200
    assert CheckIn.objects.get(key_result=fresh).value == 5


def test_a_viewer_sees_their_key_results_without_inputs(team, week, client_for):
    _, objectives, _ = week
    kr = okr.key_result_create(
        company=team.company,
        actor=None,
        objective=objectives["brand"],
        owner=team.viewer,
        title="Grow French reviews from 0 to 20",
        target_value=20,
    )
    html = client_for(team.viewer).get(page_url(team)).content.decode()
    assert kr.title in html
    assert f'name="kr{kr.pk}-value"' not in html
    assert "Your role does not allow check-ins on this key result." in html
    before = db_state()
    response = client_for(team.viewer).post(
        page_url(team), {f"kr{kr.pk}-value": "5", f"kr{kr.pk}-confidence": "on_track"}
    )
    assert response.status_code == 200  # the row takes no input: nothing to save
    assert db_state() == before


def test_private_objectives_the_owner_may_not_read_stay_off_the_page(team, week, client_for):
    hidden = ObjectiveFactory(company=team.company, cycle=team.cycle, private=True, title="Secret acquisition")
    KeyResultFactory(company=team.company, objective=hidden, owner=team.member, title="Win zq-hidden accounts")
    html = client_for(team.member).get(page_url(team)).content.decode()
    assert "zq-hidden" not in html
    assert "Secret acquisition" not in html


def _grow(team, n: int) -> None:
    """More of everything around the member's rows: other people's key results, check-ins, objectives."""
    objective = ObjectiveFactory(company=team.company, cycle=team.cycle, department=team.department)
    krs = KeyResult.objects.bulk_create(
        KeyResult(
            company=team.company, objective=objective, owner=team.lead, title=f"Metric {i} from 0 to 9", target_value=9
        )
        for i in range(n)
    )
    CheckIn.objects.bulk_create(
        CheckIn(company=team.company, key_result=krs[0], value=i % 9, confidence="on_track") for i in range(n)
    )
    Objective.objects.bulk_create(
        Objective(company=team.company, cycle=team.cycle, title=f"Objective {i}", status="active") for i in range(n)
    )


def test_the_page_and_its_submit_cost_the_same_queries_at_two_sizes(team, week, client_for):
    _, objectives, krs = week
    client = client_for(team.member)
    htmx = client_for(team.member, htmx=True)
    client.get(page_url(team))

    def measure(value: str, rows: list) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as page:
            assert client.get(page_url(team)).status_code == 200
        data = row_data(rows, **{f"kr{krs[0].pk}-value": value, f"kr{krs[4].pk}-value": str(1000 + int(value))})
        with CaptureQueriesContext(connection) as submit:
            assert htmx.post(page_url(team), data).status_code == 200
        return len(page), len(submit)

    small = measure("410", krs)
    _grow(team, 300)
    # The member's own rows grow too: the page reads them in one query, whatever their number.
    for i in range(40):
        KeyResultFactory(
            company=team.company,
            objective=objectives["brand"],
            owner=team.member,
            title=f"Extra {i} 0 to 9",
            target_value=9,
        )
    rows = list(KeyResult.objects.filter(company=team.company, owner=team.member).order_by("id"))
    assert measure("420", rows) == small


# ---------------------------------------------------------------- the single check-in asks too


def test_the_inline_check_in_asks_before_saving_a_flagged_value(team, week, client_for):
    _, _, krs = week
    leads = krs[0]
    url = reverse("objectives:check_in", args=[team.company.slug, leads.pk])
    client = client_for(team.member, htmx=True)
    data = {f"kr{leads.pk}-value": "-40", f"kr{leads.pk}-confidence": "on_track"}
    before = db_state()
    response = client.post(url, data)
    assert response.status_code == 422
    html = response.content.decode()
    assert "-40 leads is below zero." in html
    assert f'name="kr{leads.pk}-confirm" value="-40"' in html
    assert db_state() == before
    response = client.post(url, data | {f"kr{leads.pk}-confirm": "-40"})
    assert response.status_code == 200
    assert "Checked in." in response.content.decode()
    leads.refresh_from_db()
    assert leads.current_value == -40


# ---------------------------------------------------------------- the reminder leads here


def test_the_reminder_links_straight_to_the_weekly_page(team, week, settings):
    from notifications import reminders

    settings.OKRHUB_BASE_URL = "https://okr.example.test"
    CheckIn.objects.all().delete()
    KeyResult.objects.update(last_checkin_at=None)
    mail.outbox.clear()
    period = reminders.latest_period(team.company, timezone.now())
    assert reminders.send_checkin_reminder(company=team.company, user_id=team.member.pk, period=period)
    (message,) = mail.outbox
    link = f"https://okr.example.test/c/{team.company.slug}/check-in/"
    assert link in message.body
    assert f'href="{link}"' in message.alternatives[0][0]
