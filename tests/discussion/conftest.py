"""A company with a public and a private objective, a key result and a check-in on each, for conversations."""

from dataclasses import dataclass

import pytest

from conftest import Team
from discussion import selectors
from discussion.models import Comment
from discussion.selectors import Target
from objectives.models import CheckIn, KeyResult, Objective
from tests.factories import KeyResultFactory, ObjectiveFactory


@dataclass
class Talk:
    team: Team
    objective: Objective  # Sales, public, owned by the lead
    kr: KeyResult  # owned by the member
    checkin: CheckIn  # by the member
    private: Objective  # company level, private, owned by the leader: the lead, member and viewer may not read it
    private_kr: KeyResult
    private_checkin: CheckIn

    @property
    def company(self):
        return self.team.company

    def actor(self, role: str):
        return self.team.actor(getattr(self.team, role))

    def target(self, kind: str = "objective", *, private: bool = False) -> Target:
        actor = self.actor("admin")
        if kind == "objective":
            return selectors.objective_target(
                company=self.company, actor=actor, objective_id=(self.private if private else self.objective).pk
            )
        if kind == "key_result":
            kr = self.private_kr if private else self.kr
            return selectors.key_result_target(company=self.company, actor=actor, key_result_id=kr.pk)
        checkin = self.private_checkin if private else self.checkin
        return selectors.checkin_target(company=self.company, actor=actor, checkin_id=checkin.pk)

    def comment(self, body: str = "First!", *, by: str = "member", target: Target | None = None, **extra) -> Comment:
        """A comment written straight to the table (no service, no event)."""
        target = target or self.target()
        user = getattr(self.team, by)
        return Comment.objects.create(
            company=self.company,
            objective=target.objective,
            key_result=target.key_result,
            checkin=target.checkin,
            author=user,
            body=body,
            **extra,
        )


def make_talk(team: Team) -> Talk:
    company, cycle = team.company, team.cycle
    objective = ObjectiveFactory(
        company=company, cycle=cycle, department=team.department, owner=team.lead, title="Close new business"
    )
    kr = KeyResultFactory(company=company, objective=objective, owner=team.member, title="Win 40 deals from 0 to 40")
    checkin = CheckIn.objects.create(company=company, key_result=kr, author=team.member, value=5, confidence="at_risk")
    private = ObjectiveFactory(company=company, cycle=cycle, owner=team.leader, private=True, title="Acquire Globex")
    private_kr = KeyResultFactory(company=company, objective=private, owner=team.leader, title="Sign 1 term sheet")
    private_checkin = CheckIn.objects.create(
        company=company, key_result=private_kr, author=team.leader, value=0, confidence="on_track"
    )
    for user, name in ((team.member, "Max Member"), (team.lead, "Lena Lead"), (team.viewer, "Vic Viewer")):
        user.full_name = name
        user.save(update_fields=["full_name"])
    return Talk(team, objective, kr, checkin, private, private_kr, private_checkin)


@pytest.fixture
def talk(team) -> Talk:
    return make_talk(team)
