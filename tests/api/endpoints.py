"""Every API operation, the body it needs, and the roles the permission matrix allows.

One table drives the role, tenancy and validation tests, so an endpoint
added here is covered by all of them.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ALL = {"admin", "leader", "lead", "member", "viewer", "read_key", "write_key"}
ADMIN = {"admin"}
MANAGE_SALES = {"admin", "lead", "write_key"}  # MANAGE_OBJECTIVE / MANAGE_DEPENDENCY in Sales
EDIT_SALES_DRAFT = {"admin", "lead", "member", "write_key"}  # EDIT_DRAFT: the member owns the draft
CHECK_IN_SALES = {"admin", "lead", "member", "write_key"}  # CHECK_IN: the member owns the key result
DRAFT_IN_SALES = {"admin", "leader", "lead", "member", "write_key"}  # DRAFT_OBJECTIVE: leaders draft anywhere
PEOPLE = ALL - {"read_key", "write_key"}  # a person's own things (notifications): keys have none
COMMENT = {"admin", "leader", "lead", "member", "write_key"}  # COMMENT: everyone but viewers (and read keys)
REACT = {"admin", "leader", "lead", "member"}  # COMMENT, and reactions are people's: no key reacts
DELETE_MEMBERS_COMMENT = {"admin", "member"}  # DELETE_COMMENT: the author (the member) and admins

BAD_BODIES = (
    ("body", lambda w: {"body": ""}),
    ("body", lambda w: {"body": "x" * 5001}),
    ("body", lambda w: {"body": "ring \u0007 the bell"}),
    ("body", lambda w: {"body": "hello @admin@globex.test"}),  # another company's admin
    ("body", lambda w: {"body": "hello @nobody@nowhere.test"}),
    ("body", lambda w: {}),
)


@dataclass(frozen=True)
class Op:
    name: str
    method: str
    path: Callable[[Any], str]  # world → path below /api/v1/companies/<slug>/
    allowed: set[str]
    body: Callable[[Any], dict] = field(default=lambda w: {})
    # (field, bad body) pairs: each must answer 400 naming the field.
    bad: tuple[tuple[str, Callable[[Any], dict]], ...] = ()

    @property
    def is_read(self) -> bool:
        return self.method == "get"


OPS = [
    # company, members, keys
    Op("company", "get", lambda w: "", ALL),
    Op(
        "company_update",
        "patch",
        lambda w: "",
        ADMIN,
        lambda w: {"checkin_hour": 8},
        (("checkin_hour", lambda w: {"checkin_hour": 24}), ("timezone", lambda w: {"timezone": "Mars/Olympus"})),
    ),
    Op("members", "get", lambda w: "members/", ALL),
    Op(
        "member_invite",
        "post",
        lambda w: "members/",
        ADMIN,
        lambda w: {"email": "new@example.test", "role": "member"},
        (
            ("email", lambda w: {"email": "not-an-email"}),
            ("role", lambda w: {"email": "n@example.test", "role": "owner"}),
            ("email", lambda w: {"email": w.team.viewer.email}),
            ("email", lambda w: {"email": w.invitation.email}),
            ("departments", lambda w: {"email": "d@example.test", "departments": [987654]}),
        ),
    ),
    Op("member", "get", lambda w: f"members/{w.extra.pk}/", ALL),
    Op(
        "member_role",
        "patch",
        lambda w: f"members/{w.extra.pk}/",
        ADMIN,
        lambda w: {"role": "leader"},
        (("role", lambda w: {"role": "king"}),),
    ),
    Op("member_remove", "delete", lambda w: f"members/{w.extra.pk}/", ADMIN),
    Op("invitations", "get", lambda w: "invitations/", ADMIN),
    Op("invitation", "get", lambda w: f"invitations/{w.invitation.pk}/", ADMIN),
    Op("invitation_resend", "post", lambda w: f"invitations/{w.invitation.pk}/resend/", ADMIN),
    Op("invitation_revoke", "delete", lambda w: f"invitations/{w.invitation.pk}/", ADMIN),
    Op("api_keys", "get", lambda w: "api-keys/", ADMIN),
    Op(
        "api_key_create",
        "post",
        lambda w: "api-keys/",
        ADMIN,
        lambda w: {"name": "CRM", "scope": "write"},
        (("name", lambda w: {"scope": "read"}), ("scope", lambda w: {"name": "x", "scope": "admin"})),
    ),
    Op("api_key", "get", lambda w: f"api-keys/{w.admin_key.prefix}/", ADMIN),
    Op("api_key_revoke", "delete", lambda w: f"api-keys/{w.admin_key.prefix}/", ADMIN),
    # departments
    Op("departments", "get", lambda w: "departments/", ALL),
    Op(
        "department_create",
        "post",
        lambda w: "departments/",
        ADMIN,
        lambda w: {"name": "Legal"},
        (("name", lambda w: {"name": ""}), ("name", lambda w: {"name": "Sales"})),
    ),
    Op("department", "get", lambda w: f"departments/{w.ops.pk}/", ALL),
    Op(
        "department_update",
        "patch",
        lambda w: f"departments/{w.ops.pk}/",
        ADMIN,
        lambda w: {"name": "Ops"},
        (("parent", lambda w: {"parent": w.ops.pk}), ("slug", lambda w: {"slug": "not a slug"})),
    ),
    Op("department_delete", "delete", lambda w: f"departments/{w.ops.pk}/", ADMIN),
    Op("department_members", "get", lambda w: f"departments/{w.team.department.pk}/members/", ALL),
    Op(
        "department_member_set",
        "post",
        lambda w: f"departments/{w.ops.pk}/members/",
        ADMIN,
        lambda w: {"user": w.team.viewer.pk, "role": "lead"},
        (("user", lambda w: {"user": 0}), ("role", lambda w: {"user": w.team.viewer.pk, "role": "boss"})),
    ),
    Op("department_member", "get", lambda w: f"departments/{w.team.department.pk}/members/{w.team.lead.pk}/", ALL),
    Op(
        "department_member_remove",
        "delete",
        lambda w: f"departments/{w.team.department.pk}/members/{w.team.member.pk}/",
        ADMIN,
    ),
    # cycles
    Op("cycles", "get", lambda w: "cycles/", ALL),
    Op(
        "cycle_create",
        "post",
        lambda w: "cycles/",
        ADMIN,
        lambda w: {"name": "2027 Q2", "start_date": "2027-04-01", "end_date": "2027-06-30"},
        (
            ("end_date", lambda w: {"name": "Back", "start_date": "2027-04-01", "end_date": "2027-03-01"}),
            ("name", lambda w: {"name": "2026 Q4", "start_date": "2027-04-01", "end_date": "2027-06-30"}),
            ("start_date", lambda w: {"name": "X", "start_date": "April", "end_date": "2027-06-30"}),
        ),
    ),
    Op("cycle", "get", lambda w: f"cycles/{w.planning_cycle.pk}/", ALL),
    Op(
        "cycle_update",
        "patch",
        lambda w: f"cycles/{w.planning_cycle.pk}/",
        ADMIN,
        lambda w: {"name": "2027 first quarter"},
        (("end_date", lambda w: {"end_date": "2026-01-01"}), ("status", lambda w: {"status": "closed"})),
    ),
    Op("cycle_activate", "post", lambda w: f"cycles/{w.planning_cycle.pk}/activate/", ADMIN),
    Op("cycle_close", "post", lambda w: f"cycles/{w.team.cycle.pk}/close/", ADMIN),
    Op("cycle_grading", "get", lambda w: f"cycles/{w.team.cycle.pk}/grading/", ALL),
    Op("objective_retrospective", "get", lambda w: f"objectives/{w.sales_objective.pk}/retrospective/", ALL),
    Op("planning_board", "get", lambda w: f"cycles/{w.planning_cycle.pk}/planning/", ALL),
    # SUBMIT_PLAN: Sales's lead (the member's draft is Sales's plan) and admins; never a key.
    Op(
        "plan_submit",
        "post",
        lambda w: f"cycles/{w.team.cycle.pk}/planning/{w.team.department.pk}/submit/",
        {"admin", "lead"},
    ),
    # objectives
    Op("objectives", "get", lambda w: "objectives/", ALL),
    Op(
        "objective_create_company_level",
        "post",
        lambda w: "objectives/",
        {"admin", "leader", "write_key"},
        lambda w: {"cycle": w.team.cycle.pk, "title": "Delight customers", "status": "active"},
        (
            ("title", lambda w: {"cycle": w.team.cycle.pk, "title": ""}),
            ("cycle", lambda w: {"cycle": 0, "title": "T"}),
            ("weight", lambda w: {"cycle": w.team.cycle.pk, "title": "T", "weight": "0"}),
            ("status", lambda w: {"cycle": w.team.cycle.pk, "title": "T", "status": "closed"}),
        ),
    ),
    Op(
        "objective_draft_in_sales",
        "post",
        lambda w: "objectives/",
        DRAFT_IN_SALES,
        lambda w: {"cycle": w.team.cycle.pk, "title": "Win Nordics", "department": w.team.department.pk},
        (
            (
                "parent",
                lambda w: {
                    "cycle": w.team.cycle.pk,
                    "title": "T",
                    "department": w.ops.pk,
                    "parent": w.sales_objective.pk,
                },
            ),
            ("owner", lambda w: {"cycle": w.team.cycle.pk, "title": "T", "owner": 0}),
        ),
    ),
    Op("objective", "get", lambda w: f"objectives/{w.sales_objective.pk}/", ALL),
    Op(
        "objective_update",
        "patch",
        lambda w: f"objectives/{w.sales_objective.pk}/",
        MANAGE_SALES,
        lambda w: {"title": "Close €5M in new business"},
        (
            ("parent", lambda w: {"parent": w.sales_objective.pk}),
            ("title", lambda w: {"title": "x" * 201}),
            ("status", lambda w: {"status": "archived"}),
            ("cycle", lambda w: {"cycle": w.planning_cycle.pk}),
        ),
    ),
    Op(
        "draft_update",
        "patch",
        lambda w: f"objectives/{w.draft.pk}/",
        EDIT_SALES_DRAFT,
        lambda w: {"description": "Resellers in the Nordics"},
    ),
    Op(
        "objective_status",
        "post",
        lambda w: f"objectives/{w.sales_objective.pk}/status/",
        MANAGE_SALES,
        lambda w: {"status": "closed"},
        (("status", lambda w: {"status": "done"}), ("status", lambda w: {"status": "active"})),
    ),
    Op("objective_activate", "post", lambda w: f"objectives/{w.draft.pk}/activate/", MANAGE_SALES),
    Op("objective_delete", "delete", lambda w: f"objectives/{w.draft.pk}/", EDIT_SALES_DRAFT),
    # key results
    Op("key_results", "get", lambda w: "key-results/", ALL),
    Op(
        "key_result_create",
        "post",
        lambda w: "key-results/",
        MANAGE_SALES,
        lambda w: {"objective": w.sales_objective.pk, "title": "Grow pipeline from 0 to 40", "target_value": "40"},
        (
            ("target_value", lambda w: {"objective": w.sales_objective.pk, "title": "T", "target_value": "0"}),
            ("target_value", lambda w: {"objective": w.sales_objective.pk, "title": "T", "target_value": "abc"}),
            (
                "currency",
                lambda w: {"objective": w.sales_objective.pk, "title": "T", "kind": "currency", "target_value": "9"},
            ),
            ("kind", lambda w: {"objective": w.sales_objective.pk, "title": "T", "kind": "vibes", "target_value": "9"}),
        ),
    ),
    Op("key_result", "get", lambda w: f"key-results/{w.kr.pk}/", ALL),
    Op(
        "key_result_update",
        "patch",
        lambda w: f"key-results/{w.kr.pk}/",
        MANAGE_SALES,
        lambda w: {"target_value": "200"},
        (
            ("weight", lambda w: {"weight": "-1"}),
            ("target_value", lambda w: {"target_value": "-5"}),
            ("current_value", lambda w: {"current_value": "50"}),
        ),
    ),
    Op("key_result_delete", "delete", lambda w: f"key-results/{w.kr.pk}/", MANAGE_SALES),
    # check-ins
    Op("checkins", "get", lambda w: f"key-results/{w.kr.pk}/check-ins/", ALL),
    Op(
        "checkin_create",
        "post",
        lambda w: f"key-results/{w.kr.pk}/check-ins/",
        CHECK_IN_SALES,
        lambda w: {"value": "55", "confidence": "at_risk", "note": "slow month"},
        (
            ("value", lambda w: {"value": "lots", "confidence": "on_track"}),
            ("confidence", lambda w: {"value": "5", "confidence": "meh"}),
            ("recorded_at", lambda w: {"value": "5", "confidence": "on_track", "recorded_at": "2999-01-01T00:00:00Z"}),
            ("value", lambda w: {"value": "1e30", "confidence": "on_track"}),
        ),
    ),
    Op(
        "checkin_batch",
        "post",
        lambda w: "check-ins/batch/",
        CHECK_IN_SALES,
        lambda w: {"items": [{"key_result": w.kr.pk, "value": "55", "confidence": "at_risk"}], "note": "weekly"},
        (
            (
                "items[0].value",
                lambda w: {"items": [{"key_result": w.kr.pk, "value": "lots", "confidence": "on_track"}]},
            ),
            ("items", lambda w: {"items": []}),
            ("items[0].key_result", lambda w: {"items": [{"key_result": 0, "value": "5", "confidence": "on_track"}]}),
            (
                "items[1].key_result",
                lambda w: {"items": [{"key_result": w.kr.pk, "value": "5", "confidence": "on_track"}] * 2},
            ),
            (
                "note",
                lambda w: {
                    "items": [{"key_result": w.kr.pk, "value": "5", "confidence": "on_track"}],
                    "note": "n" * 1001,
                },
            ),
        ),
    ),
    # corrections: CORRECT_CHECKIN (the member wrote the check-in and owns the key result; Sales' lead; admins;
    # a write key); undo: its author alone
    Op(
        "checkin_correct",
        "post",
        lambda w: f"check-ins/{w.checkin.pk}/correction/",
        CHECK_IN_SALES,
        lambda w: {"value": "12", "confidence": "at_risk", "note": "recounted"},
        (
            ("value", lambda w: {"value": "lots", "confidence": "on_track"}),
            ("value", lambda w: {"confidence": "on_track"}),
            ("confidence", lambda w: {"value": "5", "confidence": "meh"}),
            ("value", lambda w: {"value": "1e30", "confidence": "on_track"}),
            ("note", lambda w: {"value": "5", "confidence": "on_track", "note": "x" * 2001}),
            ("note", lambda w: {"value": "5", "confidence": "on_track", "note": "bell\x07"}),
        ),
    ),
    Op("checkin_undo", "post", lambda w: f"check-ins/{w.checkin.pk}/undo/", {"member"}),
    # dependencies
    Op("dependencies", "get", lambda w: "dependencies/", ALL),
    Op(
        "dependency_create",
        "post",
        lambda w: "dependencies/",
        MANAGE_SALES,
        lambda w: {"from_objective": w.sales_objective.pk, "to_objective": w.draft.pk, "note": "needs partners"},
        (
            ("to_objective", lambda w: {"from_objective": w.sales_objective.pk, "to_objective": w.sales_objective.pk}),
            (
                "to_objective",
                lambda w: {"from_objective": w.sales_objective.pk, "to_objective": w.company_objective.pk},
            ),
        ),
    ),
    Op("dependency", "get", lambda w: f"dependencies/{w.dependency.pk}/", ALL),
    Op("dependency_delete", "delete", lambda w: f"dependencies/{w.dependency.pk}/", MANAGE_SALES),
    # conversation
    Op("objective_comments", "get", lambda w: f"objectives/{w.sales_objective.pk}/comments/", ALL),
    Op(
        "objective_comment",
        "post",
        lambda w: f"objectives/{w.sales_objective.pk}/comments/",
        COMMENT,
        lambda w: {"body": f"Great start @{w.team.lead.email}"},
        BAD_BODIES,
    ),
    Op("key_result_comments", "get", lambda w: f"key-results/{w.kr.pk}/comments/", ALL),
    Op(
        "key_result_comment",
        "post",
        lambda w: f"key-results/{w.kr.pk}/comments/",
        COMMENT,
        lambda w: {"body": "Pipeline looks thin"},
        BAD_BODIES[:2],
    ),
    Op("checkin_comments", "get", lambda w: f"check-ins/{w.checkin.pk}/comments/", ALL),
    Op(
        "checkin_comment",
        "post",
        lambda w: f"check-ins/{w.checkin.pk}/comments/",
        COMMENT,
        lambda w: {"body": "Nice week"},
        BAD_BODIES[2:4],
    ),
    Op("comment", "get", lambda w: f"comments/{w.comment.pk}/", ALL),
    Op("comment_delete", "delete", lambda w: f"comments/{w.comment.pk}/", DELETE_MEMBERS_COMMENT),
    Op(
        "comment_reply",
        "post",
        lambda w: f"comments/{w.comment.pk}/replies/",
        COMMENT,
        lambda w: {"body": "Which ones?"},
        BAD_BODIES,
    ),
    Op("comment_reactions", "get", lambda w: f"comments/{w.comment.pk}/reactions/", ALL),
    Op(
        "comment_react",
        "post",
        lambda w: f"comments/{w.comment.pk}/reactions/",
        REACT,
        lambda w: {"kind": "celebrate"},
        (("kind", lambda w: {"kind": "poop"}), ("kind", lambda w: {})),
    ),
    Op("checkin_reactions", "get", lambda w: f"check-ins/{w.checkin.pk}/reactions/", ALL),
    Op(
        "checkin_react",
        "post",
        lambda w: f"check-ins/{w.checkin.pk}/reactions/",
        REACT,
        lambda w: {"kind": "thumbs_up"},
        (("kind", lambda w: {"kind": "thumbs-up"}),),
    ),
    # the activity feed
    Op("events", "get", lambda w: "events/", ALL),
    Op("events_of_an_objective", "get", lambda w: f"events/?objective={w.sales_objective.pk}", ALL),
    # alignment
    Op("tree", "get", lambda w: "alignment/tree/", ALL),
    Op("gaps", "get", lambda w: "alignment/gaps/", ALL),
    # notifications: the caller's own
    Op("notifications", "get", lambda w: "notifications/", PEOPLE),
    Op("notification_unread_count", "get", lambda w: "notifications/unread-count/", PEOPLE),
    Op("notification_preferences", "get", lambda w: "notifications/preferences/", PEOPLE),
    Op(
        "notification_preferences_update",
        "patch",
        lambda w: "notifications/preferences/",
        PEOPLE,
        lambda w: {"mention": {"email": "digest"}},
        (
            ("mention.email", lambda w: {"mention": {"email": "hourly"}}),
            ("shouting", lambda w: {"shouting": {"in_app": False}}),
        ),
    ),
    # search
    Op("search", "get", lambda w: "search/?q=grow&kind=all&cycle=all", ALL),
    # dashboards: the company's for leaders, admins and write keys (READ_COMPANY_DASHBOARD); a department's for all
    Op("dashboard", "get", lambda w: "dashboard/", {"admin", "leader", "write_key"}),
    Op("dashboard_department", "get", lambda w: f"dashboard/departments/{w.team.department.pk}/", ALL),
    # webhooks: admins only (MANAGE_WEBHOOKS), never a key
    Op("webhooks", "get", lambda w: "webhooks/", ADMIN),
    Op(
        "webhook_create",
        "post",
        lambda w: "webhooks/",
        ADMIN,
        lambda w: {"url": "https://93.184.216.34/hook", "event_types": ["checkin.created"]},
        (
            ("url", lambda w: {"url": "https://10.0.0.1/hook"}),
            ("url", lambda w: {"url": "http://93.184.216.34/hook"}),
            ("url", lambda w: {}),
            ("event_types", lambda w: {"url": "https://93.184.216.34/", "event_types": ["checkin.deleted"]}),
        ),
    ),
    Op("webhook", "get", lambda w: f"webhooks/{w.webhook_endpoint.pk}/", ADMIN),
    Op(
        "webhook_update",
        "patch",
        lambda w: f"webhooks/{w.webhook_endpoint.pk}/",
        ADMIN,
        lambda w: {"description": "BI sync", "include_private": True},
        (
            ("url", lambda w: {"url": "https://169.254.169.254/"}),
            ("description", lambda w: {"description": "x" * 201}),
        ),
    ),
    Op("webhook_delete", "delete", lambda w: f"webhooks/{w.webhook_endpoint.pk}/", ADMIN),
    Op("webhook_rotate_secret", "post", lambda w: f"webhooks/{w.webhook_endpoint.pk}/rotate-secret/", ADMIN),
    Op("webhook_test", "post", lambda w: f"webhooks/{w.webhook_endpoint.pk}/test/", ADMIN),
    Op("webhook_deliveries", "get", lambda w: f"webhooks/{w.webhook_endpoint.pk}/deliveries/", ADMIN),
    Op("webhook_redeliver", "post", lambda w: f"webhook-deliveries/{w.webhook_delivery.pk}/redeliver/", ADMIN),
]

WRITES = [op for op in OPS if not op.is_read]
READS = [op for op in OPS if op.is_read]
BAD_INPUTS = [(op, name, body) for op in OPS for name, body in op.bad]


def call(client, op: Op, world, body: dict | None = None, *, slug: str | None = None):
    url = f"/api/v1/companies/{slug or world.slug}/{op.path(world)}"
    payload = op.body(world) if body is None else body
    if op.method in ("get", "delete"):
        return getattr(client, op.method)(url)
    return getattr(client, op.method)(url, payload, format="json")
