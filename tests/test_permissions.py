"""The permission matrix, tested as a table: every role, every action, the facts that matter."""

import pytest

from okrhub.permissions import MATRIX, Action, Facts, is_allowed

OWNER = Facts(is_owner=True)
OWN_DRAFT = Facts(is_owner=True, is_draft=True)
LEAD = Facts(department_role="lead")
DEPT_MEMBER = Facts(department_role="member")
COMPANY_LEVEL = Facts(company_level=True)
AUTHOR = Facts(is_author=True)
STRANGER = Facts()  # someone else's object in a department the actor is not in

CONTEXTS = {
    "owner": OWNER,
    "own_draft": OWN_DRAFT,
    "lead": LEAD,
    "dept_member": DEPT_MEMBER,
    "company_level": COMPANY_LEVEL,
    "author": AUTHOR,
    "stranger": STRANGER,
}

# For each action and role: the contexts in which the action is allowed.
EXPECTED = {
    Action.READ: {
        "admin": set(CONTEXTS),
        "leader": set(CONTEXTS),
        "member": set(CONTEXTS),
        "viewer": set(CONTEXTS),
        "integration": set(CONTEXTS),
    },
    Action.READ_PRIVATE: {
        "admin": set(CONTEXTS),
        "leader": set(CONTEXTS),
        "member": {"owner", "own_draft", "lead", "dept_member"},
        "viewer": {"owner", "own_draft", "lead", "dept_member"},
        "integration": set(),
    },
    Action.CHECK_IN: {
        "admin": set(CONTEXTS),
        "leader": {"owner", "own_draft", "lead", "company_level"},
        "member": {"owner", "own_draft", "lead"},
        "viewer": set(),
        "integration": set(CONTEXTS),
    },
    Action.DRAFT_OBJECTIVE: {
        "admin": set(CONTEXTS),
        "leader": set(CONTEXTS),
        "member": {"lead", "dept_member"},
        "viewer": set(),
        "integration": set(CONTEXTS),
    },
    Action.EDIT_DRAFT: {
        "admin": set(CONTEXTS),
        "leader": {"own_draft", "lead", "company_level"},
        "member": {"own_draft", "lead"},
        "viewer": set(),
        "integration": set(CONTEXTS),
    },
    Action.MANAGE_OBJECTIVE: {
        "admin": set(CONTEXTS),
        "leader": {"lead", "company_level"},
        "member": {"lead"},
        "viewer": set(),
        "integration": set(CONTEXTS),
    },
    Action.MANAGE_DEPENDENCY: {
        "admin": set(CONTEXTS),
        "leader": {"lead", "company_level"},
        "member": {"lead"},
        "viewer": set(),
        "integration": set(CONTEXTS),
    },
    Action.MANAGE_COMPANY: {
        "admin": set(CONTEXTS),
        "leader": set(),
        "member": set(),
        "viewer": set(),
        "integration": set(),
    },
    Action.GRADE: {
        "admin": set(CONTEXTS),
        "leader": {"owner", "own_draft", "lead", "company_level"},
        "member": {"owner", "own_draft", "lead"},
        "viewer": set(),
        "integration": set(),
    },
    Action.WRITE_RETROSPECTIVE: {
        "admin": set(CONTEXTS),
        "leader": {"owner", "own_draft", "lead", "company_level"},
        "member": {"owner", "own_draft", "lead"},
        "viewer": set(),
        "integration": set(),
    },
    Action.CARRY_OVER: {
        "admin": set(CONTEXTS),
        "leader": {"owner", "own_draft", "lead", "company_level"},
        "member": {"owner", "own_draft", "lead"},
        "viewer": set(),
        "integration": set(CONTEXTS),
    },
    Action.CORRECT_CHECKIN: {
        "admin": set(CONTEXTS),
        "leader": {"owner", "own_draft", "lead", "company_level", "author"},
        "member": {"owner", "own_draft", "lead", "author"},
        "viewer": set(),
        "integration": set(CONTEXTS),
    },
    Action.COMMENT: {
        "admin": set(CONTEXTS),
        "leader": set(CONTEXTS),
        "member": set(CONTEXTS),
        "viewer": set(),
        "integration": set(CONTEXTS),
    },
    Action.DELETE_COMMENT: {
        "admin": set(CONTEXTS),
        "leader": {"author"},
        "member": {"author"},
        "viewer": set(),
        "integration": set(),
    },
    Action.READ_COMPANY_DASHBOARD: {
        "admin": set(CONTEXTS),
        "leader": set(CONTEXTS),
        "member": set(),  # not even a lead: department dashboards are theirs (Action.READ)
        "viewer": set(),
        "integration": set(CONTEXTS),
    },
    # A department's lead submits its plan (a leader only where they lead); keys never take part in planning.
    Action.SUBMIT_PLAN: {
        "admin": set(CONTEXTS),
        "leader": {"lead"},
        "member": {"lead"},
        "viewer": set(),
        "integration": set(),
    },
    # Leaders and admins review any department's plan; a lead (a member) never approves their own.
    Action.REVIEW_PLAN: {
        "admin": set(CONTEXTS),
        "leader": set(CONTEXTS),
        "member": set(),
        "viewer": set(),
        "integration": set(),
    },
    Action.MANAGE_WEBHOOKS: {
        "admin": set(CONTEXTS),
        "leader": set(),
        "member": set(),
        "viewer": set(),
        "integration": set(),
    },
}

CASES = [
    (action, role, context, context in allowed)
    for action, by_role in EXPECTED.items()
    for role, allowed in by_role.items()
    for context in CONTEXTS
]


def test_table_covers_every_action_and_role():
    assert set(EXPECTED) == set(Action) == set(MATRIX)
    for action in Action:
        assert set(EXPECTED[action]) == {"admin", "leader", "member", "viewer", "integration"} == set(MATRIX[action])


@pytest.mark.parametrize(("action", "role", "context", "allowed"), CASES, ids=lambda v: str(v))
def test_matrix(action, role, context, allowed):
    assert is_allowed(role, action, CONTEXTS[context]) is allowed


def test_unknown_role_is_refused_everything():
    assert not any(is_allowed("intern", action, Facts(is_owner=True, company_level=True)) for action in Action)


def test_api_key_scopes_map_onto_matrix_roles():
    """A read key reads like a viewer; a write key manages OKRs but never the company, nor grades (a judgement)."""
    from okrhub.permissions import API_KEY_ROLES

    assert set(API_KEY_ROLES) == {"read", "write"}
    read, write = API_KEY_ROLES["read"], API_KEY_ROLES["write"]
    assert [a for a in Action if is_allowed(read, a, STRANGER)] == [Action.READ]
    assert {a for a in Action if is_allowed(write, a, STRANGER)} == set(Action) - {
        Action.READ_PRIVATE,
        Action.MANAGE_COMPANY,
        Action.DELETE_COMMENT,
        Action.GRADE,
        Action.WRITE_RETROSPECTIVE,
        Action.SUBMIT_PLAN,
        Action.REVIEW_PLAN,
        Action.MANAGE_WEBHOOKS,
    }
