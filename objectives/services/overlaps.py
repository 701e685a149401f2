"""Acting on a reported overlap: dismiss it ("not the same"), or turn it into a dependency or a shared key result."""

import re

from django.core.exceptions import PermissionDenied
from django.db import transaction

from companies.models import Company
from companies.tenancy import Actor
from objectives.models import Cycle, Dependency, KeyResult, Objective, OverlapDismissal, SharedKeyResult
from objectives.overlaps import Item, Overlap, can_act_on, may_link, overlaps_for_reader, pair_key
from objectives.services.dependencies import dependency_create
from objectives.services.shared_key_results import shared_key_result_create
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


#: How a request names one side of a pair (``depending``, ``key_result``).
PAIR_SIDES = ("first", "second")
#: What a pair may be turned into (``overlap_convert``'s ``kind``).
CONVERT_KINDS = ("dependency", "shared_key_result")


def overlap_convert(
    *,
    company: Company,
    actor: Actor,
    cycle: Cycle,
    pair: str,
    depending: str | None = None,
    kind: str = "dependency",
    key_result: str | None = None,
) -> Dependency | SharedKeyResult:
    """Turn a reported pair into a dependency (``dependency_create``) or a shared key result.

    ``kind`` "dependency" (the default): ``depending`` ("first" or "second")
    names the side whose objective depends on the other; by default the first
    side the actor may manage links, so one click is enough. The dependency
    service checks the permission and records its event; the pair then no
    longer shows (linked objectives do not overlap).

    ``kind`` "shared_key_result": the side that is a key result is shared into
    the other side's objective (``shared_key_result_create``, which checks the
    permission on the receiving objective); when both sides are key results,
    ``key_result`` ("first" or "second") names the one shared. A pair of two
    objectives has no key result to share (400 naming ``kind``).
    """
    if kind not in CONVERT_KINDS:
        raise invalid("kind", 'Choose "dependency" or "shared_key_result".', "invalid_choice")
    if kind == "shared_key_result":
        return _convert_to_shared_key_result(company=company, actor=actor, cycle=cycle, pair=pair, which=key_result)
    if depending not in (None, "first", "second"):
        raise invalid("depending", 'Choose "first" or "second".', "invalid_choice")
    overlap = overlap_for_reader(company=company, actor=actor, cycle=cycle, pair=pair)
    sides = [overlap.first, overlap.second]
    if depending == "second" or (depending is None and not may_link(actor, sides[0])):
        sides.reverse()
    if depending is None:
        _require_act(actor, overlap)
    objectives = {o.pk: o for o in Objective.objects.filter(company=company, pk__in=[s.objective_id for s in sides])}
    source, target = objectives[sides[0].objective_id], objectives[sides[1].objective_id]
    note = f"Possible overlap: {sides[0].title} / {sides[1].title}"[:500]
    return dependency_create(company=company, actor=actor, from_objective=source, to_objective=target, note=note)


def shared_side(overlap: Overlap, which: str | None) -> tuple[Item, Item] | None:
    """(the key result shared, the side whose objective receives it), or None when neither side is a key result.

    ``which`` ("first" or "second") is needed only when both sides are key results.
    """
    first, second = overlap.first, overlap.second
    first_kr, second_kr = first.kind == "key_result", second.kind == "key_result"
    if not first_kr and not second_kr:
        return None
    if first_kr and second_kr:
        if which not in ("first", "second"):
            raise invalid(
                "key_result", 'Both sides are key results: choose the one to share, "first" or "second".', "required"
            )
        return (first, second) if which == "first" else (second, first)
    return (first, second) if first_kr else (second, first)


def share_choice(actor: Actor, overlap: Overlap) -> str | None:
    """The one-click share the actor may make of a pair: ``key_result``'s value ("" when only one side is a key
    result), or None when no side is a key result or the actor may not share into the receiving objective."""
    first_kr, second_kr = overlap.first.kind == "key_result", overlap.second.kind == "key_result"
    if first_kr and second_kr:
        choices = [("first", overlap.second), ("second", overlap.first)]
    elif first_kr or second_kr:
        choices = [("", overlap.second if first_kr else overlap.first)]
    else:
        return None
    for which, receiving in choices:
        if may_link(actor, receiving):
            return which
    return None


def _convert_to_shared_key_result(
    *, company: Company, actor: Actor, cycle: Cycle, pair: str, which: str | None
) -> SharedKeyResult:
    if which not in (None, "first", "second"):
        raise invalid("key_result", 'Choose "first" or "second".', "invalid_choice")
    overlap = overlap_for_reader(company=company, actor=actor, cycle=cycle, pair=pair)
    sides = shared_side(overlap, which)
    if sides is None:
        raise invalid(
            "kind",
            "Neither side of this pair is a key result, so there is none to share; link them as a dependency.",
            "no_key_result",
        )
    shared, receiving = sides
    kr = KeyResult.objects.filter(company=company, pk=shared.id).select_related("objective").first()
    objective = Objective.objects.filter(company=company, pk=receiving.objective_id).first()
    if kr is None or objective is None:  # gone since the pairs were computed
        raise not_found("overlap")
    return shared_key_result_create(company=company, actor=actor, objective=objective, key_result=kr)
