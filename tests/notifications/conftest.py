"""A company with OKRs people own, and a way to commit hand-made events the way services do."""

from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction

from conftest import Team
from objectives import events
from objectives.models import Dependency, Event, KeyResult, Objective, Verb
from tests.factories import KeyResultFactory, ObjectiveFactory


@dataclass
class Okrs:
    """Who owns what in "acme".

    - the leader owns the company objective "Grow revenue";
    - the Sales lead owns "Close new business" (Sales, laddering up to it), whose key result the member owns;
    - the admin owns "Run the Lyon fair" (company level), which depends on "Close new business".
    """

    team: Team
    company_goal: Objective
    sales_goal: Objective
    kr: KeyResult
    fair: Objective


@pytest.fixture
def okrs(team) -> Okrs:
    company = team.company
    company_goal = ObjectiveFactory(company=company, cycle=team.cycle, owner=team.leader, title="Grow revenue")
    sales_goal = ObjectiveFactory(
        company=company,
        cycle=team.cycle,
        department=team.department,
        parent=company_goal,
        owner=team.lead,
        title="Close new business",
    )
    kr = KeyResultFactory(
        company=company, objective=sales_goal, owner=team.member, title="Sign 40 customers", target_value=40
    )
    fair = ObjectiveFactory(company=company, cycle=team.cycle, owner=team.admin, title="Run the Lyon fair")
    Dependency.objects.create(company=company, from_objective=fair, to_objective=sales_goal)
    return Okrs(team=team, company_goal=company_goal, sales_goal=sales_goal, kr=kr, fair=fair)


def comment_payload(
    *,
    target: Objective | KeyResult,
    comment_id: int = 88,
    mentioned: tuple[Any, ...] = (),
    parent_author: Any = None,
    excerpt: str = "Can we count the Lyon fair leads?",
) -> dict[str, Any]:
    """What the discussion app writes on ``comment.created``."""
    is_kr = isinstance(target, KeyResult)
    objective = target.objective if is_kr else target
    return {
        "comment_id": comment_id,
        "parent_id": 77 if parent_author is not None else None,
        "parent_author_id": parent_author.pk if parent_author is not None else None,
        "mentioned_user_ids": [user.pk for user in mentioned],
        "target_kind": "key_result" if is_kr else "objective",
        "target_id": target.pk,
        "target_owner_id": target.owner_id,
        "body_excerpt": excerpt,
        "objective_title": objective.title,
        "key_result_title": target.title if is_kr else None,
    }


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """``commit(verb, team, by=user, objective=…|key_result=…, payload=…)``: record an event and commit it.

    The after-commit callbacks run (the fan-out with them, in-process), as
    after a service's transaction in production.
    """

    def do(
        verb: Verb,
        team: Team,
        *,
        by: Any,
        payload: dict[str, Any],
        objective: Objective | None = None,
        key_result: KeyResult | None = None,
        subject: tuple[str, int] | None = None,
    ) -> Event:
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            return events.record(
                verb,
                company_id=team.company.pk,
                actor=team.actor(by) if by is not None else None,
                objective=objective,
                key_result=key_result,
                subject=subject,
                payload=payload,
            )

    return do


def comment(commit, okrs: Okrs, *, by: Any, target: Objective | KeyResult, **kwargs: Any) -> Event:
    is_kr = isinstance(target, KeyResult)
    return commit(
        Verb.COMMENT_CREATED,
        okrs.team,
        by=by,
        objective=None if is_kr else target,
        key_result=target if is_kr else None,
        subject=("comment", kwargs.get("comment_id", 88)),
        payload=comment_payload(target=target, **kwargs),
    )
