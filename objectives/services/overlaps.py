"""Acting on a reported overlap: dismiss it ("not the same") or turn it into a dependency."""

import re

from django.core.exceptions import PermissionDenied
from django.db import transaction

from companies.models import Company
from companies.tenancy import Actor
from objectives.models import Cycle, Dependency, Objective, OverlapDismissal
from objectives.overlaps import Overlap, can_act_on, overlaps_for_reader, pair_key
from objectives.services.dependencies import dependency_create
from okrhub.errors import invalid, not_found
from okrhub.permissions import Action

_PAIR = re.compile(r"^[ok][1-9][0-9]{0,17}\|[ok][1-9][0-9]{0,17}$")


def overlap_for_reader(*, company: Company, actor: Actor, cycle: Cycle, pair: str) -> Overlap:
    """The reported pair named ``pair`` ("k12|o7") the actor may read, dismissed or not; 404 otherwise.

    A malformed name is a 400 naming ``pair``; a pair that is not reported, or
    has a side the actor may not read, is not found, like one of another company.
    """
    if not isinstance(pair, str) or not _PAIR.match(pair):
        raise invalid("pair", 'Name a pair as two sides joined by "|", such as "o12|k34".', "format")
    left, right = pair.split("|")
    wanted = pair_key(left, right)
    for overlap in overlaps_for_reader(company=company, actor=actor, cycle=cycle, include_dismissed=True):
        if overlap.key == wanted:
            return overlap
    raise not_found("overlap")


def _require_act(actor: Actor, overlap: Overlap) -> None:
    if not can_act_on(actor, overlap):
        raise PermissionDenied(f"Your role does not allow this ({Action.MANAGE_DEPENDENCY.value}).")


@transaction.atomic
def overlap_dismiss(*, company: Company, actor: Actor, cycle: Cycle, pair: str) -> OverlapDismissal:
    """Remember that a reported pair is "not the same": nobody in the company is shown it again.

    Who may link either side as a dependency may dismiss (the dependency rule of
    the permission matrix). Dismissing twice keeps the first dismissal.
    """
    overlap = overlap_for_reader(company=company, actor=actor, cycle=cycle, pair=pair)
    _require_act(actor, overlap)
    dismissal, _created = OverlapDismissal.objects.get_or_create(
        company=company,
        pair_key=overlap.key,
        defaults={
            "first_objective_id": overlap.first.objective_id,
            "second_objective_id": overlap.second.objective_id,
            "dismissed_by_id": actor.user_id,
        },
    )
    return dismissal


def overlap_convert(
    *, company: Company, actor: Actor, cycle: Cycle, pair: str, depending: str | None = None
) -> Dependency:
    """Turn a reported pair into a dependency between the two sides' objectives (``dependency_create``).

    ``depending`` ("first" or "second") names the side whose objective depends
    on the other; by default the first side the actor may manage links, so one
    click is enough. The dependency service checks the permission and records
    its event; the pair then no longer shows (linked objectives do not overlap).
    """
    if depending not in (None, "first", "second"):
        raise invalid("depending", 'Choose "first" or "second".', "invalid_choice")
    overlap = overlap_for_reader(company=company, actor=actor, cycle=cycle, pair=pair)
    sides = [overlap.first, overlap.second]
    if depending == "second" or (
        depending is None
        and not actor.can(
            Action.MANAGE_DEPENDENCY, department_id=sides[0].department_id, owner_id=sides[0].objective_owner_id
        )
    ):
        sides.reverse()
    if depending is None:
        _require_act(actor, overlap)
    objectives = {o.pk: o for o in Objective.objects.filter(company=company, pk__in=[s.objective_id for s in sides])}
    source, target = objectives[sides[0].objective_id], objectives[sides[1].objective_id]
    note = f"Possible overlap: {sides[0].title} / {sides[1].title}"[:500]
    return dependency_create(company=company, actor=actor, from_objective=source, to_objective=target, note=note)
