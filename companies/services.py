"""Writes for companies, users and memberships."""

import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from companies.emails import (
    send_invitation,
)
from companies.models import (
    INVITATION_LIFETIME,
    APIKeyScope,
    Company,
    CompanyAPIKey,
    IdempotencyRecord,
    Invitation,
    Membership,
    Role,
    User,
)
from companies.signals import rollup_setting_changed
from companies.tenancy import Actor
from okrhub.errors import PermissionDenied, invalid, not_found
from okrhub.permissions import Action

#: Company fields an admin may change through settings.
SETTINGS_FIELDS = (
    "name",
    "timezone",
    "focus_mode",
    "max_objectives_per_department",
    "max_key_results_per_objective",
    "checkin_weekday",
    "checkin_hour",
    "rollup_child_objectives",
    "grading_window_days",
)


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "company"
    slug, n = base, 1
    while Company.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def company_create(*, name: str, creator: User | None = None, slug: str = "", **settings: Any) -> Company:
    """Create a tenant; its creator (if given) becomes its first admin."""
    company = Company(name=name, slug=slug or _unique_slug(name), **settings)
    company.full_clean()
    company.save()
    if creator is not None:
        membership_create(company=company, actor=None, user=creator, role=Role.ADMIN)
    return company


@transaction.atomic
def company_settings_update(*, company: Company, actor: Actor, **changes: Any) -> Company:
    """Change company settings (admins only). Toggling child roll-up recomputes progress."""
    actor.require(Action.MANAGE_COMPANY)
    unknown = set(changes) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValueError(f"not company settings: {sorted(unknown)}")
    company = Company.objects.select_for_update().get(pk=company.pk)
    rollup_changed = (
        "rollup_child_objectives" in changes and changes["rollup_child_objectives"] != company.rollup_child_objectives
    )
    for name, value in changes.items():
        setattr(company, name, value)
    company.full_clean()
    company.save(update_fields=[*changes])
    if rollup_changed:
        rollup_setting_changed.send(sender=Company, company=company)
    return company


def user_create(*, email: str, password: str | None, full_name: str = "") -> User:
    user = User(email=User.objects.normalize_email(email).lower(), full_name=full_name)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user


@transaction.atomic
def membership_create(*, company: Company, actor: Actor | None, user: User, role: str = Role.MEMBER) -> Membership:
    """Add ``user`` to ``company``. ``actor=None`` is the system (sign-up, demo, admin)."""
    if actor is not None:
        actor.require(Action.MANAGE_COMPANY)
    membership = Membership(company=company, user=user, role=role)
    membership.full_clean()
    membership.save()
    return membership


@transaction.atomic
def membership_update_role(*, company: Company, actor: Actor, membership: Membership, role: str) -> Membership:
    """Change a member's role; the company always keeps at least one admin."""
    actor.require(Action.MANAGE_COMPANY)
    if membership.company_id != company.pk:
        raise not_found("member")

    membership = Membership.objects.select_for_update().get(pk=membership.pk, company=company)
    if role != Role.ADMIN and is_last_admin(company, membership.user_id, lock=True):
        raise invalid("role", "The company must keep at least one admin.", "last_admin")
    membership.role = role
    membership.full_clean()
    membership.save(update_fields=["role"])
    return membership


def is_last_admin(company: Company, user_id: int, *, lock: bool = False) -> bool:
    """Whether ``user_id`` is the company's only admin: the one home of the last-admin rule.

    ``lock`` locks the admin rows (inside a write's transaction), so two
    admins demoting or removing each other at once cannot both pass.
    """
    admins = Membership.objects.filter(company=company, role=Role.ADMIN)
    if lock:
        admins = admins.select_for_update()
    return list(admins.values_list("user_id", flat=True)) == [user_id]


def _refuse_last_admin(company: Company, membership: Membership, field: str) -> None:
    if is_last_admin(company, membership.user_id, lock=True):
        raise invalid(field, "The company must keep at least one admin.", "last_admin")


# ---------------------------------------------------------------- sign-up and invitations


def _department_ids(company: Company, departments: Iterable[Any]) -> list[int]:
    ids = sorted({getattr(d, "pk", d) for d in departments})
    if not ids:
        return []
    # Departments sit a layer above companies: read them through the reverse relation.
    found = set(company.department_set.filter(pk__in=ids).values_list("pk", flat=True))
    if found != set(ids):
        raise invalid("departments", "Choose departments of this company.", "does_not_exist")
    return ids


@transaction.atomic
def invitation_create(
    *,
    company: Company,
    actor: Actor,
    email: str,
    role: str = Role.MEMBER,
    departments: Iterable[Any] = (),
) -> Invitation:
    """Invite an address into the company (admins with a confirmed address) and email the link.

    A current member, or an address with a pending invitation, is refused on
    ``email`` (resend that one instead); an expired pending invitation is
    replaced.
    """
    actor.require(Action.MANAGE_COMPANY)
    if actor.user is not None and not actor.user.email_verified:
        raise PermissionDenied("Confirm your email address before inviting people: use the link we emailed you.")
    email = User.objects.normalize_email(email).strip().lower()
    if Membership.objects.filter(company=company, user__email=email).exists():
        raise invalid("email", f"{email} is already a member of this company.", "already_member")
    department_ids = _department_ids(company, departments)
    pending = Invitation.objects.select_for_update().filter(
        company=company, email=email, accepted_at__isnull=True, revoked_at__isnull=True
    )
    now = timezone.now()
    for invitation in pending:
        if invitation.expires_at > now:
            raise invalid("email", f"{email} already has a pending invitation; resend it instead.", "already_invited")
        invitation.revoked_at = now
        invitation.save(update_fields=["revoked_at"])
    invitation = Invitation(
        company=company,
        email=email,
        role=role,
        department_ids=department_ids,
        invited_by=actor.user,
        nonce=secrets.token_urlsafe(16),
        created_at=now,
        sent_at=now,
        expires_at=now + INVITATION_LIFETIME,
    )
    invitation.full_clean()
    invitation.save()
    send_invitation(invitation)
    return invitation


def _pending_invitation(company: Company, invitation: Invitation) -> Invitation:
    if invitation.company_id != company.pk:
        raise not_found("invitation")
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk, company=company)
    if not invitation.is_pending:
        raise invalid("invitation", "This invitation was already accepted or revoked.", "not_pending")
    return invitation


@transaction.atomic
def invitation_resend(*, company: Company, actor: Actor, invitation: Invitation) -> Invitation:
    """Email a pending invitation again with a fresh link and a fresh 7 days; earlier links stop working."""
    actor.require(Action.MANAGE_COMPANY)
    invitation = _pending_invitation(company, invitation)
    now = timezone.now()
    invitation.nonce = secrets.token_urlsafe(16)
    invitation.sent_at = now
    invitation.expires_at = now + INVITATION_LIFETIME
    invitation.save(update_fields=["nonce", "sent_at", "expires_at"])
    send_invitation(invitation)
    return invitation


@transaction.atomic
def invitation_revoke(*, company: Company, actor: Actor, invitation: Invitation) -> Invitation:
    """Withdraw a pending invitation; its link is refused from then on."""
    actor.require(Action.MANAGE_COMPANY)
    invitation = _pending_invitation(company, invitation)
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    return invitation


# ---------------------------------------------------------------- API keys


@transaction.atomic
def api_key_create(
    *, company: Company, actor: Actor, name: str, scope: str = APIKeyScope.READ
) -> tuple[CompanyAPIKey, str]:
    """Create an integration key (admins only) and return it with its secret.

    The secret is returned here once and stored only as a hash; whoever
    loses it creates a new key.
    """
    actor.require(Action.MANAGE_COMPANY)
    key = CompanyAPIKey(company=company, name=name, scope=scope, created_by=actor.user)
    secret = CompanyAPIKey.objects.assign_key(key)
    key.full_clean()
    key.save(force_insert=True)
    return key, secret


@transaction.atomic
def api_key_revoke(*, company: Company, actor: Actor, key: CompanyAPIKey) -> CompanyAPIKey:
    """Revoke a key for good (admins only); revoking twice changes nothing."""
    actor.require(Action.MANAGE_COMPANY)
    if key.company_id != company.pk:
        raise not_found("API key")
    key = CompanyAPIKey.objects.select_for_update().get(pk=key.pk, company=company)
    if not key.revoked:
        key.revoked = True
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked", "revoked_at"])
    return key


#: How long an ``Idempotency-Key`` is remembered: retries come within minutes, not days.
IDEMPOTENCY_RETENTION = timedelta(hours=24)


def idempotency_records_purge_all_companies(*, older_than: timedelta = IDEMPOTENCY_RETENTION) -> int:
    """Forget idempotency keys older than ``older_than``, in every company; return how many.

    Meant for a periodic task; a key reused after this answers as a new request.
    """
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted


@transaction.atomic
def user_profile_update(*, user: User, full_name: str, checkin_reminders: bool) -> User:
    """A person edits their own name and whether check-in reminders reach them."""
    user = User.objects.select_for_update().get(pk=user.pk)
    user.full_name = full_name.strip()
    user.checkin_reminders = checkin_reminders
    user.full_clean(exclude=["password"])
    user.save(update_fields=["full_name", "checkin_reminders"])
    return user
