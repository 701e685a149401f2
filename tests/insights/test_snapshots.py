"""Daily snapshots: the nightly one from the columns, earlier days replayed from check-ins, at local midnight.

The hand-computed company (Europe/Berlin, so local days and UTC days differ):

- ``top`` (company level) has key result A (0 → 100) and ladders ``child``
  (Sales, weight 2) in; ``child`` has B (decrease 120 → 80, weight 1) and the
  milestone C (weight 3); ``draft`` (Sales, a draft) has D (0 → 10); ``other``
  (company level) has E, never checked in, created on 4 Nov with a value of 30.
- check-ins (Berlin time): A 20 on 2 Nov, 50 on 5 Nov 23:30, 60 on 6 Nov 00:30
  (still 5 Nov in UTC); B 110 on 3 Nov, then 100 and 90 at the same moment on
  4 Nov (the later one, 90, stands); C done on 5 Nov; D 5 on 3 Nov.
"""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from companies.models import Company
from insights import snapshots
from insights.models import DailyTotal, KeyResultSnapshot, ObjectiveSnapshot, SnapshotRun
from insights.tasks import snapshot_due_companies_task
from objectives import services as okr
from objectives.models import CheckIn, Confidence, KeyResult, KeyResultKind, ObjectiveStatus
from objectives.services import corrections
from tests.factories import CompanyFactory, KeyResultFactory, ObjectiveFactory

BERLIN = "Europe/Berlin"
NOV = {day: datetime.date(2026, 11, day) for day in range(1, 31)}


def berlin(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, 11, day, hour, minute, tzinfo=zoneinfo.ZoneInfo(BERLIN))


class Hand:
    """The hand-computed company of the module docstring."""

    def __init__(self, team) -> None:
        company = team.company
        Company.objects.filter(pk=company.pk).update(timezone=BERLIN)
        company.refresh_from_db()
        self.company, self.cycle = company, team.cycle
        self.top = ObjectiveFactory(company=company, cycle=team.cycle, title="Top")
        self.child = ObjectiveFactory(
            company=company, cycle=team.cycle, department=team.department, parent=self.top, weight=2, title="Child"
        )
        self.draft = ObjectiveFactory(
            company=company, cycle=team.cycle, department=team.department, status=ObjectiveStatus.DRAFT
        )
        self.other = ObjectiveFactory(company=company, cycle=team.cycle, title="Other")
        self.a = KeyResultFactory(company=company, objective=self.top)
        self.b = KeyResultFactory(
            company=company, objective=self.child, direction="decrease", start_value=120, target_value=80
        )
        self.c = KeyResultFactory(
            company=company, objective=self.child, kind=KeyResultKind.MILESTONE, target_value=1, weight=3
        )
        self.d = KeyResultFactory(company=company, objective=self.draft, target_value=10)
        self.e = KeyResultFactory(
            company=company, objective=self.other, current_value=30, created_at=berlin(4, 12), progress=0.3
        )
        self.checkins = {}
        for name, kr, value, moment in [
            ("a2", self.a, 20, berlin(2, 10)),
            ("a5", self.a, 50, berlin(5, 23, 30)),
            ("a6", self.a, 60, berlin(6, 0, 30)),
            ("b3", self.b, 110, berlin(3, 9)),
            ("b4", self.b, 100, berlin(4, 9)),
            ("b4-later", self.b, 90, berlin(4, 9)),
            ("c5", self.c, 1, berlin(5, 12)),
            ("d3", self.d, 5, berlin(3, 9)),
        ]:
            self.checkins[name] = CheckIn.objects.create(
                company=company, key_result=kr, value=value, confidence=Confidence.AT_RISK, created_at=moment
            )

    def progress(self, day: datetime.date) -> dict[int, float | None]:
        rows = ObjectiveSnapshot.objects.filter(company=self.company, day=day)
        return dict(rows.values_list("objective_id", "progress"))


#: Each objective's progress at the end of each day, by hand (see the module docstring).
EXPECTED = {
    1: {"top": None, "child": None, "draft": None, "other": None},
    2: {"top": 0.2, "child": None, "draft": None, "other": None},
    3: {"top": (0.2 + 0.25 * 2) / 3, "child": 0.25, "draft": 0.5, "other": None},
    4: {"top": (0.2 + 0.75 * 2) / 3, "child": 0.75, "draft": 0.5, "other": 0.3},
    5: {"top": (0.5 + 0.9375 * 2) / 3, "child": (0.75 + 3) / 4, "draft": 0.5, "other": 0.3},
    6: {"top": (0.6 + 0.9375 * 2) / 3, "child": 0.9375, "draft": 0.5, "other": 0.3},
}


@pytest.fixture
def hand(team) -> Hand:
    return Hand(team)


@pytest.mark.django_db
def test_replayed_days_equal_the_hand_computed_progress(hand):
    written = snapshots.backfill_days(company=hand.company, days=[NOV[d] for d in EXPECTED])
    assert written == len(EXPECTED)
    names = {hand.top.pk: "top", hand.child.pk: "child", hand.draft.pk: "draft", hand.other.pk: "other"}
    for day, expected in EXPECTED.items():
        got = {names[pk]: value for pk, value in hand.progress(NOV[day]).items()}
        assert got == pytest.approx(expected), day
    # Key results: the value that stood at the end of the day, its confidence and progress.
    b4 = KeyResultSnapshot.objects.get(company=hand.company, day=NOV[4], key_result=hand.b)
    assert (b4.value, b4.confidence, b4.progress) == (Decimal(90), Confidence.AT_RISK, pytest.approx(0.75))
    a5 = KeyResultSnapshot.objects.get(company=hand.company, day=NOV[5], key_result=hand.a)
    assert a5.value == 50  # 6 Nov 00:30 in Berlin is still 5 Nov in UTC: the company's day decides
    e3, e4 = (KeyResultSnapshot.objects.get(day=NOV[d], key_result=hand.e) for d in (3, 4))
    assert (e3.value, e3.progress, e4.value, e4.progress) == (None, None, 30, pytest.approx(0.3))


@pytest.mark.django_db
def test_daily_totals_sum_the_counted_objectives_of_each_department(hand, team):
    snapshots.backfill_days(company=hand.company, days=[NOV[5]])
    totals = {
        row.department_key: (row.objectives, row.known, row.progress_sum)
        for row in DailyTotal.objects.filter(company=hand.company, day=NOV[5])
    }
    # The draft is snapshotted but counts nowhere; company level holds top and other.
    assert totals == {
        0: (2, 2, pytest.approx(EXPECTED[5]["top"] + 0.3)),
        team.department.pk: (1, 1, pytest.approx(EXPECTED[5]["child"])),
    }
    assert ObjectiveSnapshot.objects.filter(company=hand.company, day=NOV[5], objective=hand.draft).exists()


@pytest.mark.django_db
def test_a_correction_rewrites_the_days_it_changed(hand, frozen_clock, django_capture_on_commit_callbacks):
    """A correction keeps its original's reading time (4 Nov): the days from then on are replayed at once.

    Replays read ``CheckIn.objects.effective()``, where the correction stands
    in place of the 90: 4 Nov reads 100 from then on.
    """
    snapshots.backfill_company(company=hand.company, since=NOV[1], until=NOV[6])
    assert hand.progress(NOV[4])[hand.child.pk] == pytest.approx(0.75)
    untouched = KeyResultSnapshot.objects.get(day=NOV[4], key_result=hand.a).pk
    with django_capture_on_commit_callbacks(execute=True):
        correction = corrections.checkin_correct(
            company=hand.company,
            actor=None,
            checkin=CheckIn.objects.with_standing().get(pk=hand.checkins["b4-later"].pk),
            value=100,
            confidence=Confidence.ON_TRACK,
        )
    assert correction.created_at == hand.checkins["b4-later"].created_at
    assert hand.progress(NOV[3])[hand.child.pk] == pytest.approx(0.25)  # before the reading: as it was
    assert hand.progress(NOV[4])[hand.child.pk] == pytest.approx(0.5)  # B at 100: (120-100)/40
    assert hand.progress(NOV[6])[hand.child.pk] == pytest.approx((0.5 + 3) / 4)
    assert hand.progress(NOV[6])[hand.top.pk] == pytest.approx((0.6 + (0.5 + 3) / 4 * 2) / 3)  # and above it
    b4 = KeyResultSnapshot.objects.get(day=NOV[4], key_result=hand.b)
    assert (b4.value, b4.confidence) == (100, Confidence.ON_TRACK)
    total = DailyTotal.objects.get(company=hand.company, day=NOV[4], department_key=hand.child.department_id)
    assert total.progress_sum == pytest.approx(0.5)
    # Rows the correction does not reach are left as they were.
    assert KeyResultSnapshot.objects.get(day=NOV[4], key_result=hand.a).pk == untouched


@pytest.mark.django_db
def test_an_undo_and_a_check_in_back_in_time_rewrite_history_a_fresh_check_in_does_not(
    hand, team, frozen_clock, django_capture_on_commit_callbacks
):
    snapshots.backfill_company(company=hand.company, since=NOV[1], until=NOV[14])
    rows = dict(KeyResultSnapshot.objects.filter(key_result=hand.c).values_list("day", "value"))
    assert rows[NOV[5]] == 1
    with django_capture_on_commit_callbacks(execute=True):
        okr.checkin_create(company=hand.company, actor=None, key_result=hand.c, value=0, confidence="at_risk")
    assert dict(KeyResultSnapshot.objects.filter(key_result=hand.c).values_list("day", "value")) == rows
    with django_capture_on_commit_callbacks(execute=True):
        okr.checkin_create(
            company=hand.company,
            actor=None,
            key_result=hand.c,
            value=0,
            confidence="at_risk",
            recorded_at=berlin(8, 9),
        )
    assert KeyResultSnapshot.objects.get(day=NOV[7], key_result=hand.c).value == 1
    assert KeyResultSnapshot.objects.get(day=NOV[8], key_result=hand.c).value == 0
    assert hand.progress(NOV[8])[hand.child.pk] == pytest.approx(0.75 / 4)
    # An undo: the author takes back their latest check-in (today's 0), which was never snapshotted: no change.
    member = team.actor(team.member)
    KeyResult.objects.filter(pk=hand.a.pk).update(owner=team.member)
    with django_capture_on_commit_callbacks(execute=True):
        mine = okr.checkin_create(
            company=hand.company, actor=member, key_result=hand.a, value=70, confidence="on_track"
        )
    before = hand.progress(NOV[10])
    with django_capture_on_commit_callbacks(execute=True):
        corrections.checkin_undo(company=hand.company, actor=member, checkin=mine)
    assert hand.progress(NOV[10]) == before


@pytest.mark.django_db
def test_the_nightly_snapshot_copies_the_columns_once(hand):
    hand.top.refresh_from_db()
    first = snapshots.snapshot_day(company=hand.company, day=NOV[6])
    assert first == (4, 5)  # every objective but none archived, and their key results
    assert snapshots.snapshot_day(company=hand.company, day=NOV[6]) == (0, 0)
    assert ObjectiveSnapshot.objects.filter(company=hand.company, day=NOV[6]).count() == 4
    e = KeyResultSnapshot.objects.get(day=NOV[6], key_result=hand.e)
    assert (e.value, e.progress) == (30, 0.3)
    assert DailyTotal.objects.filter(company=hand.company, day=NOV[6]).count() == 2


@pytest.mark.django_db
def test_a_day_outside_every_cycle_and_archived_objectives_are_not_snapshotted(hand):
    ObjectiveFactory(company=hand.company, cycle=hand.cycle, status=ObjectiveStatus.ARCHIVED)
    assert snapshots.snapshot_day(company=hand.company, day=NOV[6]) == (4, 5)
    assert snapshots.snapshot_day(company=hand.company, day=datetime.date(2027, 2, 1)) == (0, 0)
    snapshots.backfill_days(company=hand.company, days=[datetime.date(2026, 9, 30)])
    assert not ObjectiveSnapshot.objects.filter(day=datetime.date(2026, 9, 30)).exists()


@pytest.mark.django_db
def test_a_snapshot_of_the_columns_equals_the_replay_of_the_same_day(team, django_capture_on_commit_callbacks):
    """Check-ins through the service keep the columns right (roll-ups run on commit): both roads agree."""
    company, cycle = team.company, team.cycle
    top = ObjectiveFactory(company=company, cycle=cycle)
    child = ObjectiveFactory(company=company, cycle=cycle, department=team.department, parent=top, weight=3)
    krs = [
        KeyResultFactory(company=company, objective=top),
        KeyResultFactory(company=company, objective=child, direction="at_least", target_value=50),
        KeyResultFactory(company=company, objective=child, target_value=1000, weight=2),
    ]
    with time_machine.travel(datetime.datetime(2026, 11, 10, 12, tzinfo=datetime.UTC), tick=False):
        for n, (kr, value) in enumerate([(krs[0], 35), (krs[1], 60), (krs[2], 250), (krs[0], 45)]):
            with django_capture_on_commit_callbacks(execute=True):
                okr.checkin_create(
                    company=company,
                    actor=None,
                    key_result=kr,
                    value=value,
                    confidence=Confidence.ON_TRACK,
                    recorded_at=datetime.datetime(2026, 11, 2 + n, 9, tzinfo=datetime.UTC),
                )
    day = NOV[9]
    snapshots.snapshot_day(company=company, day=day)
    (replayed,) = snapshots.replay(company, [day])
    columns = dict(ObjectiveSnapshot.objects.filter(company=company, day=day).values_list("objective_id", "progress"))
    assert {s.objective_id: s.progress for s in replayed.objectives} == pytest.approx(columns)
    kr_columns = set(KeyResultSnapshot.objects.filter(day=day).values_list("key_result_id", "value", "progress"))
    assert {(s.key_result_id, s.value, s.progress) for s in replayed.key_results} == kr_columns


# ---------------------------------------------------------------- local midnight


@pytest.mark.django_db
def test_companies_are_due_when_their_own_day_has_turned():
    auckland = CompanyFactory(timezone="Pacific/Auckland")  # UTC+13 in November
    los_angeles = CompanyFactory(timezone="America/Los_Angeles")  # UTC-8
    london = CompanyFactory(timezone="Europe/London")  # UTC+0
    due = snapshots.due_snapshots_all_companies
    # 10:50 UTC on 15 Nov: Auckland is at 23:50, LA at 02:50, London at 10:50.
    moment = datetime.datetime(2026, 11, 15, 10, 50, tzinfo=datetime.UTC)
    assert dict(due(moment)) == {auckland.pk: NOV[14], los_angeles.pk: NOV[14], london.pk: NOV[14]}
    for company, day in due(moment):
        SnapshotRun.objects.create(company_id=company, day=day)
    assert due(moment) == []
    # Twenty minutes later it is past midnight in Auckland only.
    assert due(moment + datetime.timedelta(minutes=20)) == [(auckland.pk, NOV[15])]
    # At 08:10 UTC on 16 Nov London and LA (00:10 there) have turned too.
    later = datetime.datetime(2026, 11, 16, 8, 10, tzinfo=datetime.UTC)
    assert dict(due(later)) == {auckland.pk: NOV[15], los_angeles.pk: NOV[15], london.pk: NOV[15]}


@pytest.mark.django_db
def test_the_beat_task_snapshots_each_company_once_at_its_midnight(hand, frozen_clock):
    # Noon UTC on 15 Nov is 13:00 in Berlin: 14 Nov is over.
    assert snapshot_due_companies_task() >= 1
    run = SnapshotRun.objects.get(company=hand.company)
    assert run.day == NOV[14]
    # The first run replayed the cycle so far (1 Oct .. 13 Nov) and took 14 Nov from the columns.
    assert run.backfilled_days == (NOV[14] - datetime.date(2026, 10, 1)).days
    assert ObjectiveSnapshot.objects.filter(company=hand.company).values("day").distinct().count() == 45
    rows = ObjectiveSnapshot.objects.count()
    assert snapshot_due_companies_task() == 0  # idempotent: nothing is due until the next midnight
    assert ObjectiveSnapshot.objects.count() == rows
    frozen_clock.move_to(datetime.datetime(2026, 11, 15, 23, 5, tzinfo=datetime.UTC))  # 00:05 in Berlin
    snapshot_due_companies_task()
    latest = SnapshotRun.objects.filter(company=hand.company).latest("day")
    assert (latest.day, latest.backfilled_days) == (NOV[15], 0)


@pytest.mark.django_db
def test_a_company_the_beat_missed_for_days_is_caught_up_from_the_check_ins(hand, frozen_clock):
    SnapshotRun.objects.create(company=hand.company, day=NOV[2])
    run = snapshots.snapshot_company(company=hand.company, day=NOV[6])
    assert run is not None
    assert run.backfilled_days == 3  # 3, 4 and 5 Nov, replayed
    assert hand.progress(NOV[4])[hand.child.pk] == pytest.approx(0.75)
    assert snapshots.snapshot_company(company=hand.company, day=NOV[6]) is None


@pytest.mark.django_db
def test_two_runs_at_once_insert_each_row_once(hand):
    """The unique constraints decide: a second insert of the same rows (a racing worker) adds nothing."""
    snapshots.snapshot_day(company=hand.company, day=NOV[6])
    (replayed,) = snapshots.replay(hand.company, [NOV[6]])
    ObjectiveSnapshot.objects.bulk_create(replayed.objectives, ignore_conflicts=True)
    assert ObjectiveSnapshot.objects.filter(day=NOV[6]).count() == 4
    with pytest.raises(IntegrityError), transaction.atomic():
        ObjectiveSnapshot.objects.create(
            company=hand.company, day=NOV[6], objective=hand.top, cycle=hand.cycle, status="active"
        )


@pytest.mark.django_db
def test_the_backfill_command_replays_and_replaces(hand, frozen_clock):
    call_command("snapshot_backfill", hand.company.slug, "--since", "2026-11-01", "--until", "2026-11-06")
    assert hand.progress(NOV[6])[hand.top.pk] == pytest.approx(EXPECTED[6]["top"])
    assert SnapshotRun.objects.filter(company=hand.company, day=NOV[6]).exists()
    ObjectiveSnapshot.objects.filter(day=NOV[6]).update(progress=0.01)
    call_command("snapshot_backfill", hand.company.slug, "--since", "2026-11-06", "--until", "2026-11-06")
    assert hand.progress(NOV[6])[hand.top.pk] == 0.01
    call_command("snapshot_backfill", "--all", "--since", "2026-11-06", "--until", "2026-11-06", "--replace")
    assert hand.progress(NOV[6])[hand.top.pk] == pytest.approx(EXPECTED[6]["top"])


@pytest.mark.django_db
def test_a_backfill_never_takes_a_day_that_is_not_over(hand, frozen_clock):
    snapshots.backfill_company(company=hand.company, until=NOV[20])
    assert SnapshotRun.objects.get(company=hand.company).day == NOV[14]
    assert not ObjectiveSnapshot.objects.filter(day__gte=NOV[15]).exists()


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the composite keys exist on PostgreSQL only")
def test_a_snapshot_cannot_point_at_another_companys_objective(hand, other_team):
    foreign = ObjectiveFactory(company=other_team.company, cycle=other_team.cycle)
    snapshot = ObjectiveSnapshot.objects.create(
        company=hand.company, day=NOV[1], objective=hand.top, cycle=hand.cycle, status="active"
    )
    with pytest.raises(IntegrityError, match="same_company"):
        point_at(snapshot.pk, foreign.pk)


def point_at(snapshot_id: int, objective_id: int) -> None:
    """A raw UPDATE of the snapshot's objective, every constraint checked now rather than at commit."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE insights_objectivesnapshot SET objective_id = %s WHERE id = %s", [objective_id, snapshot_id]
        )
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
