"""Who may do what: the role-by-action matrix of DESIGN §4, in one place.

A cell is a rule evaluated against facts the caller has already loaded
(membership role, department role, ownership), so a check never queries.

- ``viewer`` reads;
- ``member`` checks in on key results they own and drafts objectives in their
  departments (and edits their own drafts);
- department leads manage their department's OKRs;
- ``leader`` manages company-level objectives, drafts in any department (a
  proposal its lead activates) and reads everything;
- ``admin`` manages the company: settings, members, departments, cycles, keys.

API keys act through the same matrix (``API_KEY_ROLES``): a ``read`` key is a
viewer with no department, so it reads every non-private objective and writes
nothing; a ``write`` key is the ``integration`` role, which may do everything
to the company's OKRs (objectives, key results, check-ins, dependencies) but
never manages the company itself (settings, members, departments, cycles,
keys) and never reads private objectives: a leaked key must not be able to
mint new keys, promote people, or read what was hidden from the company.
"""

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from okrhub.roles import DepartmentRole, Role


class Action(StrEnum):
    READ = "read"  # read the company's non-private OKRs
    READ_PRIVATE = "read_private"  # read a private objective
    CHECK_IN = "check_in"  # record a check-in on a key result
    DRAFT_OBJECTIVE = "draft_objective"  # create an objective as a draft
    EDIT_DRAFT = "edit_draft"  # edit a draft objective (and its key results)
    MANAGE_OBJECTIVE = "manage_objective"  # create active, edit, activate, close, archive; KRs
    MANAGE_DEPENDENCY = "manage_dependency"  # link the objective to another it depends on
    MANAGE_COMPANY = "manage_company"  # settings, members, departments, cycles, API keys
    CORRECT_CHECKIN = "correct_checkin"  # correct (or undo) a recorded check-in of an open cycle
    COMMENT = "comment"  # comment on, reply to and react to OKRs the actor may read
    DELETE_COMMENT = "delete_comment"  # remove a comment (its text; the thread keeps its place)
    READ_COMPANY_DASHBOARD = "read_company_dashboard"  # the company dashboard: every department at a glance
    GRADE = "grade"  # change a key result's final score (or mark it "not scored") during the grading window
    WRITE_RETROSPECTIVE = "write_retrospective"  # write a closed cycle objective's retrospective note
    CARRY_OVER = "carry_over"  # copy an unfinished objective of a closed cycle into a later cycle, as a draft
    SUBMIT_PLAN = "submit_plan"  # submit a department's draft objectives of a cycle for review
    REVIEW_PLAN = "review_plan"  # approve (activating the drafts) or return a department's submitted plan
    MANAGE_WEBHOOKS = "manage_webhooks"  # outgoing webhook endpoints: create, change, rotate, test, redeliver


@dataclass(frozen=True, slots=True)
class Facts:
    """What is known about the actor's relation to the target object.

    ``department_role`` is the actor's role in the object's department (or in
    one of its ancestor departments); ``company_level`` is true when the object
    belongs to no department.
    """

    is_owner: bool = False
    department_role: str | None = None
    company_level: bool = False
    is_draft: bool = False
    is_author: bool = False


def _always(_: Facts) -> bool:
    return True


def _never(_: Facts) -> bool:
    return False


def _owner(f: Facts) -> bool:
    return f.is_owner


def _dept_lead(f: Facts) -> bool:
    return f.department_role == DepartmentRole.LEAD


def _dept_member(f: Facts) -> bool:
    return f.department_role in (DepartmentRole.LEAD, DepartmentRole.MEMBER)


def _any(*rules: Callable[[Facts], bool]) -> Callable[[Facts], bool]:
    def rule(f: Facts) -> bool:
        return any(r(f) for r in rules)

    rule.__name__ = "_or_".join(r.__name__.strip("_") for r in rules)
    return rule


def _author(f: Facts) -> bool:
    return f.is_author


def _own_draft(f: Facts) -> bool:
    return f.is_draft and f.is_owner


def _company_level(f: Facts) -> bool:
    return f.company_level


#: The role a ``write``-scoped API key acts with; it is no membership role.
INTEGRATION: Final = "integration"

A, L, M, V, K = Role.ADMIN, Role.LEADER, Role.MEMBER, Role.VIEWER, INTEGRATION

#: API key scope → the matrix role the key acts with.
API_KEY_ROLES: Final = {"read": V, "write": K}

MATRIX: Final[dict[Action, dict[str, Callable[[Facts], bool]]]] = {
    Action.READ: {A: _always, L: _always, M: _always, V: _always, K: _always},
    Action.READ_PRIVATE: {
        A: _always,
        L: _always,
        M: _any(_owner, _dept_member),
        V: _any(_owner, _dept_member),
        K: _never,
    },
    Action.CHECK_IN: {
        A: _always,
        L: _any(_owner, _dept_lead, _company_level),
        M: _any(_owner, _dept_lead),
        V: _never,
        K: _always,
    },
    Action.DRAFT_OBJECTIVE: {
        A: _always,
        L: _always,
        M: _dept_member,
        V: _never,
        K: _always,
    },
    Action.EDIT_DRAFT: {
        A: _always,
        L: _any(_company_level, _dept_lead, _own_draft),
        M: _any(_dept_lead, _own_draft),
        V: _never,
        K: _always,
    },
    Action.MANAGE_OBJECTIVE: {
        A: _always,
        L: _any(_company_level, _dept_lead),
        M: _dept_lead,
        V: _never,
        K: _always,
    },
    Action.MANAGE_DEPENDENCY: {
        A: _always,
        L: _any(_company_level, _dept_lead),
        M: _dept_lead,
        V: _never,
        K: _always,
    },
    Action.MANAGE_COMPANY: {A: _always, L: _never, M: _never, V: _never, K: _never},
    # The check-in's author, the key result's owner, a lead of its department (or a leader for a
    # company-level one) and admins; an integration corrects what it may record.
    Action.CORRECT_CHECKIN: {
        A: _always,
        L: _any(_author, _owner, _dept_lead, _company_level),
        M: _any(_author, _owner, _dept_lead),
        V: _never,
        K: _always,
    },
    # Viewers read the conversation but take no part in it.
    Action.COMMENT: {A: _always, L: _always, M: _always, V: _never, K: _always},
    # Authors remove their own comments; admins moderate any. Keys never delete people's words.
    Action.DELETE_COMMENT: {A: _always, L: _author, M: _author, V: _never, K: _never},
    # The leaders' view of the whole company (compliance by person, every department side by side).
    # Members and viewers read their departments' dashboards (Action.READ, like department pages);
    # a write key (a wallboard, a BI sync) reads the company's figures over non-private objectives.
    Action.READ_COMPANY_DASHBOARD: {A: _always, L: _always, M: _never, V: _never, K: _always},
    # A grade is a person's judgement with a reason: the key result's owner, a lead of its department
    # (a leader for a company-level objective) and admins; never a key. After the window nobody grades:
    # that is the cycle's rule (``Cycle.grading_open``), not a role's.
    Action.GRADE: {
        A: _always,
        L: _any(_owner, _dept_lead, _company_level),
        M: _any(_owner, _dept_lead),
        V: _never,
        K: _never,
    },
    # A retrospective is the objective's people looking back: its owner, a lead of its department
    # (a leader for a company-level objective, which has no department lead) and admins; never a key.
    # While the cycle is closed, also after grading ended (``retrospective_refusal``): notes are not scores.
    Action.WRITE_RETROSPECTIVE: {
        A: _always,
        L: _any(_owner, _dept_lead, _company_level),
        M: _any(_owner, _dept_lead),
        V: _never,
        K: _never,
    },
    # Carrying an unfinished objective into the next cycle: its owner, a lead of its department (a leader
    # for a company-level one) and admins decide what continues; a write key too (it manages OKRs). The
    # copies are drafts, created through objective_create, so drafting there is asked as well.
    Action.CARRY_OVER: {
        A: _always,
        L: _any(_owner, _dept_lead, _company_level),
        M: _any(_owner, _dept_lead),
        V: _never,
        K: _always,
    },
    # The department's lead answers for its plan (a lead of a parent department too); admins may act for
    # them. Planning is people agreeing with people: keys take no part.
    Action.SUBMIT_PLAN: {A: _always, L: _dept_lead, M: _dept_lead, V: _never, K: _never},
    # Leaders and admins review every department's plan; a lead never approves their own.
    Action.REVIEW_PLAN: {A: _always, L: _always, M: _never, V: _never, K: _never},
    # Webhook endpoints send the company's events (private ones too, if allowed) to a URL of the admin's
    # choosing: admins only, never a key (a leaked key must not be able to export the company's events).
    Action.MANAGE_WEBHOOKS: {A: _always, L: _never, M: _never, V: _never, K: _never},
}


def is_allowed(role: str, action: Action, facts: Facts | None = None) -> bool:
    """Whether a member with ``role`` may perform ``action`` given ``facts``."""
    rules = MATRIX[action]
    rule = rules.get(role)
    return rule is not None and rule(facts or Facts())
