"""Writes for companies, users and memberships."""

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from companies.models import APIKeyScope, Company, CompanyAPIKey, IdempotencyRecord, Membership, Role, User
from okrhub.errors import invalid, not_found
from okrhub.permissions import Action
from okrhub.tenancy import Actor

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
        from objectives.rollup import schedule_full_recompute

        schedule_full_recompute(company_id=company.pk)
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
    if membership.role == Role.ADMIN and role != Role.ADMIN:
        admins = Membership.objects.select_for_update().filter(company=company, role=Role.ADMIN)
        if admins.count() <= 1:
            raise invalid("role", "The company must keep at least one admin.", "last_admin")
    membership.role = role
    membership.full_clean()
    membership.save(update_fields=["role"])
    return membership


def _refuse_last_admin(company: Company, membership: Membership, field: str) -> None:
    if membership.role != Role.ADMIN:
        return
    admins = list(
        Membership.objects.select_for_update().filter(company=company, role=Role.ADMIN).values_list("pk", flat=True)
    )
    if admins == [membership.pk]:
        raise invalid(field, "The company must keep at least one admin.", "last_admin")


@transaction.atomic
def membership_invite(
    *, company: Company, actor: Actor | None, email: str, role: str = Role.MEMBER, full_name: str = ""
) -> Membership:
    """Add a person by email (admins only); someone with no login yet gets one without a password.

    A person belongs to a company once: inviting a member again is refused on
    ``email``. The invitee sets a password through the onboarding flow.
    """
    if actor is not None:
        actor.require(Action.MANAGE_COMPANY)
    email = User.objects.normalize_email(email).lower()
    user = User.objects.filter(email=email).first()
    if user is None:
        user = user_create(email=email, password=None, full_name=full_name)
    elif Membership.objects.filter(company=company, user=user).exists():
        raise invalid("email", f"{email} is already a member of this company.", "already_member")
    return membership_create(company=company, actor=None, user=user, role=role)


@transaction.atomic
def membership_remove(*, company: Company, actor: Actor, membership: Membership) -> None:
    """Remove a person from the company and its departments; the last admin stays.

    Their objectives, key results and check-ins stay: the history belongs to
    the company.
    """
    actor.require(Action.MANAGE_COMPANY)
    if membership.company_id != company.pk:
        raise not_found("member")
    membership = Membership.objects.select_for_update().get(pk=membership.pk, company=company)
    _refuse_last_admin(company, membership, "user")
    from departments.models import DepartmentMembership

    DepartmentMembership.objects.filter(company=company, user_id=membership.user_id).delete()
    membership.delete()


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
