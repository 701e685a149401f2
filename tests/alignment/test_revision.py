"""The company revision is exact: every write a reader could see moves the ETag, and no cached tree is stale.

Each write of the table runs between two reads of the tree (API, and the
page's cards) by a leader and by a member. After the write, what is served
(through the ETag and the byte cache) must equal a fresh build, and whenever
the fresh build changed, the ETag must have changed too. A write that forgets
to bump the revision fails here (:func:`test_a_missed_bump_fails_the_guard`
proves the guard catches one), and a new service that is in neither the
table nor :data:`NOT_SEEN` fails :func:`test_every_service_is_in_the_table`.
"""

import datetime
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_save

from alignment import cache as tree_cache
from alignment import views as tree_views
from alignment.api import views as tree_api
from companies import revision
from companies import services as company_services
from companies.models import Membership, Role
from departments import services as department_services
from objectives import receivers
from objectives import services as okr
from objectives.models import Dependency, KeyResult, Objective
from objectives.rollup import company_full_recompute
from onboarding import services as onboarding_services
from tests.factories import MembershipFactory, UserFactory

TREE = "/api/v1/companies/acme/alignment/tree/"
PAGE = "/c/acme/alignment/"


@dataclass
class World:
    team: Any
    top: Objective
    sales: Objective
    secret: Objective
    kr: KeyResult
    dependency: Dependency

    @property
    def admin(self):
        return self.team.actor(self.team.admin)


@pytest.fixture
def world(team, frozen_clock) -> World:
    admin = team.actor(team.admin)
    assert team.cycle.status == "active"
    top = okr.objective_create(company=team.company, actor=admin, cycle=team.cycle, title="Grow revenue", activate=True)
    okr.key_result_create(
        company=team.company, actor=admin, objective=top, title="Revenue from 0 to 10", target_value=10
    )
    sales = okr.objective_create(
        company=team.company,
        actor=admin,
        cycle=team.cycle,
        title="Close deals",
        department=team.department,
        parent=top,
        owner=team.member,
        activate=True,
    )
    secret = okr.objective_create(
        company=team.company,
        actor=admin,
        cycle=team.cycle,
        title="Secret plan",
        department=team.department,
        parent=top,
        owner=team.lead,
        private=True,
        activate=True,
    )
    kr = okr.key_result_create(
        company=team.company,
        actor=admin,
        objective=sales,
        title="Deals from 0 to 100",
        target_value=100,
        owner=team.member,
    )
    dependency = okr.dependency_create(company=team.company, actor=admin, from_objective=sales, to_objective=top)
    return World(team=team, top=top, sales=sales, secret=secret, kr=kr, dependency=dependency)


class _NoCache:
    def get(self, key: str) -> None:
        return None

    def set(self, key: str, value: bytes) -> None:
        pass


def _read(client, path: str, **headers: str) -> tuple[str, bytes]:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.content[:300]
    return response["ETag"], response.content


def _fresh(client, path: str, monkeypatch, **headers: str) -> bytes:
    """What a build from scratch gives now (no byte cache)."""
    with monkeypatch.context() as patch:
        patch.setattr(tree_api, "tree_bytes", _NoCache())
        patch.setattr(tree_views, "tree_bytes", _NoCache())
        return _read(client, path, **headers)[1]


def check_write(name: str, write: Callable[[], Any], clients: dict, monkeypatch, capture) -> None:
    """Serve every view before and after ``write``; fail on a stale byte or an ETag that missed a change."""
    fragment = (("HX-Request", "true"), ("HX-Target", "tree-results"))
    views = [(who, path, headers) for who in clients for path, headers in ((TREE, ()), (PAGE, fragment))]
    before = {view: _read(clients[view[0]], view[1], **dict(view[2])) for view in views}
    with capture(execute=True):
        write()
    for view in views:
        client, path, headers = clients[view[0]], view[1], dict(view[2])
        etag, served = _read(client, path, **headers)
        fresh = _fresh(client, path, monkeypatch, **headers)
        assert served == fresh, f"{name}: {view[0]} was served a stale {path}"
        if fresh != before[view][1]:
            assert etag != before[view][0], f"{name}: {view[0]}'s {path} changed but its ETag did not (missed bump)"


def _member(world: World):
    return MembershipFactory(company=world.team.company, user=UserFactory(full_name="Newcomer"), role=Role.MEMBER)


def _draft(world: World) -> Objective:
    return okr.objective_create(
        company=world.team.company,
        actor=world.admin,
        cycle=world.team.cycle,
        title="Proposed",
        department=world.team.department,
        parent=world.top,
    )


def _plan(world: World, step: str, *, draft: bool = False) -> Any:
    """One step of Sales's plan in the running cycle (``draft``: draft an objective first)."""
    if draft:
        _draft(world)
    where = {"company": world.team.company, "cycle": world.team.cycle, "department": world.team.department}
    if step == "submit":
        return okr.plan_submit(actor=world.team.actor(world.team.lead), **where)
    if step == "return":
        return okr.plan_return(actor=world.team.actor(world.team.leader), comment="Fewer, please", **where)
    return okr.plan_approve(actor=world.team.actor(world.team.leader), **where)


#: name -> (setup returning the write). Every write a reader of the tree could notice.
WRITES: dict[str, Callable[[World], Callable[[], Any]]] = {
    "checkin_create": lambda w: (
        lambda: okr.checkin_create(
            company=w.team.company, actor=w.admin, key_result=w.kr, value=40, confidence="at_risk"
        )
    ),
    "checkins_batch": lambda w: (
        lambda: okr.checkins_batch(
            company=w.team.company,
            actor=w.admin,
            items=[okr.BatchItem(key_result=w.kr, value=55, confidence="on_track")],
        )
    ),
    "checkin_correct": lambda w: (
        lambda entry: (
            lambda: okr.checkin_correct(
                company=w.team.company, actor=w.admin, checkin=entry, value=70, confidence="off_track"
            )
        )
    )(okr.checkin_create(company=w.team.company, actor=w.admin, key_result=w.kr, value=40, confidence="at_risk")),
    "checkin_undo": lambda w: (
        lambda entry: lambda: okr.checkin_undo(company=w.team.company, actor=w.admin, checkin=entry)
    )(okr.checkin_create(company=w.team.company, actor=w.admin, key_result=w.kr, value=40, confidence="at_risk")),
    "key_result_create": lambda w: (
        lambda: okr.key_result_create(
            company=w.team.company, actor=w.admin, objective=w.sales, title="Calls from 0 to 50", target_value=50
        )
    ),
    "key_result_update": lambda w: (
        lambda: okr.key_result_update(
            company=w.team.company, actor=w.admin, key_result=w.kr, title="Deals from 0 to 120", target_value=120
        )
    ),
    "key_result_delete": lambda w: (
        lambda: okr.key_result_delete(company=w.team.company, actor=w.admin, key_result=w.kr)
    ),
    "objective_create": lambda w: (
        lambda: okr.objective_create(
            company=w.team.company, actor=w.admin, cycle=w.team.cycle, title="Hire", parent=w.top, activate=True
        )
    ),
    "objective_update": lambda w: (
        lambda: okr.objective_update(company=w.team.company, actor=w.admin, objective=w.sales, title="Close more deals")
    ),
    "objective_set_status": lambda w: (
        lambda: okr.objective_set_status(company=w.team.company, actor=w.admin, objective=w.sales, status="archived")
    ),
    "objective_activate": lambda w: (
        lambda draft: lambda: okr.objective_activate(company=w.team.company, actor=w.admin, objective=draft)
    )(okr.objective_create(company=w.team.company, actor=w.admin, cycle=w.team.cycle, title="Draft", parent=w.top)),
    "objective_delete": lambda w: (
        lambda gone: lambda: okr.objective_delete(company=w.team.company, actor=w.admin, objective=gone)
    )(okr.objective_set_status(company=w.team.company, actor=w.admin, objective=w.sales, status="archived")),
    "dependency_create": lambda w: (
        lambda: okr.dependency_create(company=w.team.company, actor=w.admin, from_objective=w.top, to_objective=w.sales)
    ),
    "dependency_delete": lambda w: (
        lambda: okr.dependency_delete(company=w.team.company, actor=w.admin, dependency=w.dependency)
    ),
    "shared_key_result_create": lambda w: (
        lambda: okr.shared_key_result_create(company=w.team.company, actor=w.admin, objective=w.top, key_result=w.kr)
    ),
    "shared_key_result_delete": lambda w: (
        lambda link: lambda: okr.shared_key_result_delete(company=w.team.company, actor=w.admin, link=link)
    )(okr.shared_key_result_create(company=w.team.company, actor=w.admin, objective=w.top, key_result=w.kr)),
    "cycle_create": lambda w: (
        lambda: okr.cycle_create(
            company=w.team.company, actor=w.admin, name="2027 Q1", start_date="2027-01-01", end_date="2027-03-31"
        )
    ),
    "cycle_update": lambda w: (
        lambda: okr.cycle_update(company=w.team.company, actor=w.admin, cycle=w.team.cycle, name="Q4!")
    ),
    "cycle_activate": lambda w: (
        lambda cycle: lambda: okr.cycle_activate(company=w.team.company, actor=w.admin, cycle=cycle)
    )(
        okr.cycle_create(
            company=w.team.company, actor=w.admin, name="Next", start_date="2027-01-01", end_date="2027-03-31"
        )
    ),
    "cycle_close": lambda w: lambda: okr.cycle_close(company=w.team.company, actor=w.admin, cycle=w.team.cycle),
    # The objective's final score moves with its key result's (a bulk update, no model signal).
    "key_result_grade": lambda w: (
        lambda _: (
            lambda: okr.key_result_grade(
                company=w.team.company, actor=w.admin, key_result=w.kr, score="0.9", reason="Counted by hand"
            )
        )
    )(okr.cycle_close(company=w.team.company, actor=w.admin, cycle=w.team.cycle)),
    "cycle_grading_end": lambda w: (
        lambda cycle: (
            lambda: okr.cycle_grading_end(
                company=w.team.company, cycle=cycle, now=cycle.grading_ends_at + datetime.timedelta(seconds=1)
            )
        )
    )(okr.cycle_close(company=w.team.company, actor=w.admin, cycle=w.team.cycle)),
    # The copy is a new (draft) objective of the next cycle, and the origin's page links to it.
    "cycle_carry_over": lambda w: (
        lambda target: (
            lambda: okr.cycle_carry_over(
                company=w.team.company,
                actor=w.admin,
                cycle=w.team.cycle,
                target=target,
                items=[okr.CarryItem(objective=w.sales, key_results=[w.kr.pk])],
            )
        )
    )(
        (
            okr.cycle_close(company=w.team.company, actor=w.admin, cycle=w.team.cycle),
            okr.cycle_create(
                company=w.team.company, actor=w.admin, name="2027 Q1", start_date="2027-01-01", end_date="2027-03-31"
            ),
        )[1]
    ),
    # A department's plan: its state is on the planning board; an approval activates the drafts (the tree shows them).
    "plan_submit": lambda w: (lambda _: lambda: _plan(w, "submit"))(_draft(w)),
    "plan_return": lambda w: (lambda _: lambda: _plan(w, "return"))(_plan(w, "submit", draft=True)),
    "plan_approve": lambda w: (lambda _: lambda: _plan(w, "approve"))(_plan(w, "submit", draft=True)),
    "company_settings_update": lambda w: (
        lambda: company_services.company_settings_update(
            company=w.team.company, actor=w.admin, name="Acme Renamed", rollup_child_objectives=False
        )
    ),
    "membership_create": lambda w: (
        lambda: company_services.membership_create(
            company=w.team.company, actor=w.admin, user=UserFactory(), role=Role.VIEWER
        )
    ),
    # The member gains the leader's reach: every private objective.
    "membership_update_role": lambda w: (
        lambda: company_services.membership_update_role(
            company=w.team.company,
            actor=w.admin,
            membership=Membership.objects.get(company=w.team.company, user=w.team.member),
            role=Role.LEADER,
        )
    ),
    # The lead owns the private objective: what they own passes to the admin (a bulk owner reassignment).
    "membership_remove": lambda w: (
        lambda: onboarding_services.membership_remove(
            company=w.team.company,
            actor=w.admin,
            membership=Membership.objects.get(company=w.team.company, user=w.team.lead),
        )
    ),
    "membership_leave": lambda w: (
        lambda: onboarding_services.membership_leave(
            company=w.team.company, actor=w.team.actor(w.team.lead), reassign_to=w.team.admin
        )
    ),
    "owner_reassign": lambda w: (
        lambda: okr.owner_reassign(company=w.team.company, from_user_id=w.team.member.pk, to_user=w.team.lead)
    ),
    "user_profile_update": lambda w: (
        lambda: company_services.user_profile_update(
            user=w.team.member, full_name="Mia Renamed", checkin_reminders=True
        )
    ),
    "department_create": lambda w: (
        lambda: department_services.department_create(company=w.team.company, actor=w.admin, name="Marketing")
    ),
    "department_update": lambda w: (
        lambda: department_services.department_update(
            company=w.team.company, actor=w.admin, department=w.team.department, name="Sales EMEA"
        )
    ),
    "department_delete": lambda w: (
        lambda empty: (
            lambda: department_services.department_delete(company=w.team.company, actor=w.admin, department=empty)
        )
    )(department_services.department_create(company=w.team.company, actor=w.admin, name="Empty")),
    # The member leaves the department whose private objectives they read.
    "department_member_set": lambda w: (
        lambda: department_services.department_member_set(
            company=w.team.company, actor=w.admin, department=w.team.department, user=w.team.lead, role=None
        )
    ),
    "invitation_accept": lambda w: lambda: _member(w),
    # Roll-up repairs: a stored progress changed by the full recompute (the drift comes from a raw write).
    "company_full_recompute": lambda w: (lambda _: lambda: company_full_recompute(company=w.team.company))(
        Objective.objects.filter(pk=w.top.pk).update(progress=0.99)
    ),
}

#: Services that write nothing a reader of the alignment tree or the lists sees, with why.
NOT_SEEN = {
    "company_create": "a new company: no reader has seen it (its creation bumps its own revision anyway)",
    "user_create": "a person without a membership is in no company",
    "is_last_admin": "a read",
    "invitation_create": "pending invitations are not shown on the tree or the lists",
    "invitation_resend": "pending invitations are not shown on the tree or the lists",
    "invitation_revoke": "pending invitations are not shown on the tree or the lists",
    "invitation_from_token": "a read",
    "api_key_create": "keys are not shown on the tree or the lists",
    "api_key_revoke": "keys are not shown on the tree or the lists",
    "idempotency_records_purge_all_companies": "replay records are not shown",
    "signup": "creates a company (company_create) and its first admin",
    "email_verification_resend": "an email",
    "email_verify": "the person's own banner, not the tree (the page ETag names email_verified)",
    "checkin_payload": "pure: builds an event payload",
    "may_place_objective": "a read",
    "owned_count": "a read",
    "latest_checkin_id": "a read",
    "objective_retrospective_write": "a retrospective is shown on its objective's page only, never on the tree or the "
    "lists (its event bumps the revision anyway, as every event does)",
    "cycles_grading_end_all_companies": "the beat's loop over cycle_grading_end (in WRITES) for every company",
}


@pytest.mark.parametrize("name", sorted(WRITES))
def test_every_write_moves_the_etag_of_what_it_changes(
    name, world, client_for, monkeypatch, django_capture_on_commit_callbacks
):
    clients = {"leader": client_for(world.team.leader), "member": client_for(world.team.member)}
    write = WRITES[name](world)
    tree_cache.tree_bytes.clear_local()
    cache.clear()  # the setup's own raw writes (a drift) are not what is measured
    check_write(name, write, clients, monkeypatch, django_capture_on_commit_callbacks)


def test_every_service_is_in_the_table():
    """A new service must say whether readers see its writes: in WRITES, or in NOT_SEEN with a reason."""
    modules = [company_services, department_services, onboarding_services, okr]
    services = {
        name
        for module in modules
        for name, value in vars(module).items()
        if inspect.isfunction(value) and not name.startswith("_") and value.__module__.startswith(module.__name__)
    }
    assert services - set(WRITES) - set(NOT_SEEN) == set(), "classify these services in WRITES or NOT_SEEN"
    assert not set(WRITES) & set(NOT_SEEN)


def test_a_missed_bump_fails_the_guard(world, client_for, monkeypatch, django_capture_on_commit_callbacks):
    """The guard is real: an objective save that does not bump (receiver disconnected) is caught."""
    clients = {"leader": client_for(world.team.leader)}
    write = WRITES["objective_update"](world)
    post_save.disconnect(receivers._bump_row, sender=Objective, dispatch_uid="revision-save-Objective")
    post_save_event = post_save.disconnect(
        receivers._bump_row, sender=receivers.Event, dispatch_uid="revision-save-Event"
    )
    try:
        with pytest.raises(AssertionError, match=r"stale|missed bump"):
            check_write(
                "objective_update without a bump", write, clients, monkeypatch, django_capture_on_commit_callbacks
            )
    finally:
        post_save.connect(receivers._bump_row, sender=Objective, dispatch_uid="revision-save-Objective")
        if post_save_event:
            post_save.connect(receivers._bump_row, sender=receivers.Event, dispatch_uid="revision-save-Event")


def test_the_revision_survives_a_flush_without_going_back(db):
    """A flushed cache re-seeds the revision above every value handed out before (no stale 304 after a flush)."""
    first = revision.current(42)
    for _ in range(5):
        revision.bump(42)
        revision.current(42)  # read between writes: each write moves it (see the next test)
    bumped = revision.current(42)
    assert bumped == first + 5
    cache.clear()
    assert revision.current(42) > bumped


def test_a_bump_in_a_transaction_moves_now_and_after_commit(db, django_capture_on_commit_callbacks):
    start = revision.current(7)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        revision.bump(7)
        revision.bump(7)
        # At once, so the transaction reads its own writes afresh; a second write nobody read in between
        # needs no second move (a batch of check-ins would pay a round trip per row).
        assert revision.current(7) == start + 1
        revision.bump(7)  # read since: this write moves it again
        assert revision.current(7) == start + 2
    assert len(callbacks) == 3
    assert revision.current(7) == start + 3  # and once after the commit, however many bumps


def test_a_write_after_a_read_in_the_same_transaction_is_never_served_from_the_old_revision(db):
    """The skipped move must never hide a write from a reader on the same connection."""
    with transaction.atomic():
        revision.bump(8)
        seen = revision.current(8)
        revision.bump(8)
        revision.bump(8)
        assert revision.current(8) == seen + 1
    with transaction.atomic():  # a new transaction starts afresh: its first write always moves it
        before = revision.current(8)
        revision.bump(8)
        assert revision.current(8) == before + 1
