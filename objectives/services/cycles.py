"""Writes to cycles: create, update, activate, close."""

import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, Exists, F, OuterRef, When
from django.utils import timezone

from companies import revision
from companies.models import Company
from companies.tenancy import Actor
from objectives import events
from objectives.models import (
    CheckIn,
    Cycle,
    CycleStatus,
    KeyResult,
    Objective,
    Verb,
)
from objectives.rollup import company_full_recompute, rollup_after_close
from objectives.services import _payloads
from objectives.services._common import _refuse_closed_cycle, _same_company
from objectives.services.grading import store_objective_scores
from okrhub.errors import invalid
from okrhub.permissions import Action


@transaction.atomic
def cycle_create(
    *,
    company: Company,
    actor: Actor | None,
    name: str,
    start_date: datetime.date,
    end_date: datetime.date,
    status: str = CycleStatus.PLANNING,
) -> Cycle:
    if actor is not None:
        actor.require(Action.MANAGE_COMPANY)
    if status == CycleStatus.CLOSED:
        raise invalid("status", "A new cycle cannot start closed.", "invalid")
    if Cycle.objects.filter(company=company, name=name).exists():
        raise invalid("name", f"A cycle named “{name}” already exists.", "unique")
    cycle = Cycle(company=company, name=name, start_date=start_date, end_date=end_date, status=status)
    cycle.full_clean()
    cycle.save()
    if cycle.status == CycleStatus.ACTIVE:
        # A cycle created running has started, as one activated from planning has.
        _record_cycle(Verb.CYCLE_ACTIVATED, company, actor, cycle)
    return cycle


def _record_cycle(verb: Verb, company: Company, actor: Actor | None, cycle: Cycle) -> None:
    """A cycle's event: about no objective, so every member of the company reads it."""
    events.record(verb, company_id=company.pk, actor=actor, cycle=cycle, payload=_payloads.cycle(cycle))


@transaction.atomic
def cycle_update(*, company: Company, actor: Actor, cycle: Cycle, **changes: Any) -> Cycle:
    actor.require(Action.MANAGE_COMPANY)
    _same_company(company, cycle=cycle)
    # FOR NO KEY UPDATE: the close changes no key, and a check-in that holds its key result's lock inserts
    # an event whose foreign key takes FOR KEY SHARE on this row; FOR UPDATE would deadlock with it.
    cycle = Cycle.objects.select_for_update(no_key=True).get(pk=cycle.pk, company=company)
    _refuse_closed_cycle(cycle)
    allowed = {"name", "start_date", "end_date"}
    if set(changes) - allowed:
        raise ValueError(f"cannot change {sorted(set(changes) - allowed)}")
    if "name" in changes and Cycle.objects.filter(company=company, name=changes["name"]).exclude(pk=cycle.pk).exists():
        raise invalid("name", f"A cycle named “{changes['name']}” already exists.", "unique")
    for name, value in changes.items():
        setattr(cycle, name, value)
    cycle.full_clean()
    cycle.save()
    return cycle


@transaction.atomic
def cycle_activate(*, company: Company, actor: Actor, cycle: Cycle) -> Cycle:
    actor.require(Action.MANAGE_COMPANY)
    _same_company(company, cycle=cycle)
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk, company=company)
    if cycle.status != CycleStatus.PLANNING:
        raise invalid("status", "Only a cycle in planning can be activated.", "invalid")
    cycle.status = CycleStatus.ACTIVE
    cycle.save(update_fields=["status"])
    _record_cycle(Verb.CYCLE_ACTIVATED, company, actor, cycle)
    return cycle


def _without_jit() -> None:
    """Turn PostgreSQL's JIT off for the rest of the close's transaction.

    The close's few large statements (tens of thousands of rows, planned at
    a cost above ``jit_above_cost``) spent about half a second each
    compiling expressions they then ran once: measured at scale 1 (DESIGN's
    bench), JIT made the close slower, never faster.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")


@transaction.atomic
def cycle_close(*, company: Company, actor: Actor | None, cycle: Cycle) -> Cycle:
    """Close a cycle: freeze check-ins, store every final score and open the grading window.

    The cycle row and then its key result rows are locked (in id order, as
    check-ins lock them), so a concurrent check-in either commits before the
    close and counts in the final scores, or waits and is then refused.

    A key result's final score is its progress at the close when it has a
    check-in that stands; one never checked in gets none (its owner scores
    it or marks it "not scored" during the window). Objectives' scores
    follow from their key results' (``objectives.grading``). The window lasts
    the company's ``grading_window_days`` (``objectives.services.grading``).
    """
    if actor is not None:
        actor.require(Action.MANAGE_COMPANY)
    _same_company(company, cycle=cycle)
    # FOR NO KEY UPDATE: the close changes no key, and a check-in that holds its key result's lock inserts
    # an event whose foreign key takes FOR KEY SHARE on this row; FOR UPDATE would deadlock with it.
    cycle = Cycle.objects.select_for_update(no_key=True).get(pk=cycle.pk, company=company)
    _refuse_closed_cycle(cycle)
    # Only the key result rows: check-ins lock their objective after their key result.
    list(
        KeyResult.objects.select_for_update(of=("self",))
        .filter(company=company, objective__cycle=cycle)
        .order_by("id")
        .values_list("id", flat=True)
    )
    _without_jit()
    # Final scores come from a recomputation, not from a cache that may lag. It runs before the cycle is
    # marked closed, so it finds only real drift (none once the roll-up queue drained): run after, it
    # would first count the closed objectives in their parents with the scores they do not have yet.
    company_full_recompute(company=company)
    cycle.status = CycleStatus.CLOSED
    cycle.closed_at = timezone.now()
    window_days = Company.objects.values_list("grading_window_days", flat=True).get(pk=company.pk)
    cycle.grading_ends_at = cycle.closed_at + datetime.timedelta(days=window_days)
    cycle.save(update_fields=["status", "closed_at", "grading_ends_at"])
    objectives = Objective.objects.filter(company=company, cycle=cycle)
    checked_in = CheckIn.objects.effective().filter(company_id=company.pk, key_result_id=OuterRef("pk"))
    KeyResult.objects.filter(company=company, objective__cycle=cycle).update(
        final_score=Case(When(Exists(checked_in), then=F("progress")), default=None),
        not_scored=False,
        score_reason="",
    )
    # Every objective's score, and the active ones closed, in one write (the status does not change how a
    # child counts: active and closed ones both do).
    store_objective_scores(company=company, objective_ids=objectives.values_list("pk", flat=True), closing=True)
    # The closed objectives now count in their parents with their final scores (``objectives.grading``): the
    # parents' progress (an annual objective above this quarter's) follows. Only the closed objectives'
    # ancestors can move; only rows that moved are written.
    if company.rollup_child_objectives:
        rollup_after_close(company=company, cycle_id=cycle.pk)
    revision.bump(company.pk)  # the bulk updates above send no model signal (the cycle's save does, too)
    # One event for the close: the objectives it closed get none of their own (the feed says "closed the cycle").
    _record_cycle(Verb.CYCLE_CLOSED, company, actor, cycle)
    return cycle
