"""An actor's reach into private objectives is worked out once per actor, again only when its grounds change."""

from companies.models import Role
from objectives import selectors
from okrhub.roles import DepartmentRole


def test_the_reach_is_asked_of_the_matrix_once_per_actor(team, monkeypatch):
    actor = team.actor(team.member)
    asked = []
    original = type(actor).can

    def counting(self, *args, **kwargs):
        asked.append(args)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(type(actor), "can", counting)
    first = selectors.private_reach(actor)
    after_first = len(asked)
    assert after_first > 0
    for _ in range(3):  # a page asks once per list it reads
        assert selectors.private_reach(actor) == first
    assert len(asked) == after_first


def test_the_reach_follows_a_change_of_role_or_department(team):
    actor = team.actor(team.member)
    assert not selectors.private_reach(actor).everything
    actor.role = Role.ADMIN
    assert selectors.private_reach(actor).everything
    actor.role = Role.MEMBER
    actor.department_roles = {team.department.pk: DepartmentRole.LEAD}
    assert team.department.pk in selectors.private_reach(actor).department_ids
