"""Writes for companies, users and memberships."""

import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from companies.emails import (
    read_invitation_token,
    read_verification_token,
    send_account_exists,
    send_invitation,
    send_verification,
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
from objectives.scheduling import schedule_full_recompute
from okrhub.errors import PermissionDenied, invalid, not_found
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


def _validate_reassign_to(company: Company, leaving: Membership, reassign_to: User | None) -> User | None:
    if reassign_to is None:
        return None
    if reassign_to.pk == leaving.user_id or not Membership.objects.filter(company=company, user=reassign_to).exists():
        raise invalid("reassign_to", "Choose another member of this company to own their OKRs.", "invalid_owner")
    return reassign_to


def _remove(company: Company, membership: Membership, reassign_to: User | None, field: str) -> int:
    membership = Membership.objects.select_for_update().get(pk=membership.pk, company=company)
    _refuse_last_admin(company, membership, field)
    reassign_to = _validate_reassign_to(company, membership, reassign_to)
    from departments.models import DepartmentMembership
    from objectives import services as okr

    moved = 0
    if reassign_to is not None:
        moved = okr.owner_reassign(company=company, from_user_id=membership.user_id, to_user=reassign_to)
    DepartmentMembership.objects.filter(company=company, user_id=membership.user_id).delete()
    membership.delete()
    return moved


@transaction.atomic
def membership_remove(
    *, company: Company, actor: Actor, membership: Membership, reassign_to: User | None = None
) -> int:
    """Remove a person from the company and its departments (admins only); the last admin stays.

    Their objectives, key results and check-ins stay: the history belongs to
    the company. What they own passes to ``reassign_to`` (another member),
    by default to the admin removing them; returns how many OKRs moved.
    """
    actor.require(Action.MANAGE_COMPANY)
    if membership.company_id != company.pk:
        raise not_found("member")
    if reassign_to is None and actor.user is not None and actor.user.pk != membership.user_id:
        reassign_to = actor.user
    return _remove(company, membership, reassign_to, "user")


@transaction.atomic
def membership_leave(*, company: Company, actor: Actor, reassign_to: User | None) -> int:
    """A person leaves the company; what they own passes to ``reassign_to``. The last admin cannot leave.

    Someone who owns objectives or key results must name who takes them over.
    """
    if actor.user is None:
        raise not_found("member")
    membership = Membership.objects.filter(company=company, user=actor.user).first()
    if membership is None:
        raise not_found("company")
    if reassign_to is None:
        from objectives import services as okr

        if okr.owned_count(company=company, user_id=actor.user.pk):
            raise invalid("reassign_to", "Choose who takes over the OKRs you own.", "required")
    return _remove(company, membership, reassign_to, "reassign_to")


# ---------------------------------------------------------------- sign-up and invitations


def _validate_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.error_list}) from None


@transaction.atomic
def signup(
    *, full_name: str, email: str, password: str, company_name: str, company_slug: str = "", timezone: str = "UTC"
) -> User | None:
    """Open sign-up: a person, their company (they are its admin) and its first cycle.

    Refused when the operator closed open sign-up. An address that already
    has an account creates nothing and is told so by email, so the response
    never reveals who has an account; the new account's address counts as
    verified only once the emailed link is opened. Returns the new user, or
    None for a known address.
    """
    if not settings.OKRHUB_OPEN_SIGNUP:
        raise PermissionDenied("Sign-up is closed on this server; ask an admin for an invitation.")
    email = User.objects.normalize_email(email).strip().lower()
    user = User(email=email, full_name=full_name.strip(), email_verified=False)
    user.full_clean(exclude=["password"], validate_unique=False)
    _validate_password(password, user)
    company = Company(name=company_name.strip(), slug=company_slug or "x", timezone=timezone)
    company.full_clean(validate_unique=False)
    if company_slug and Company.objects.filter(slug=company_slug).exists():
        raise invalid("slug", "This address is taken; choose another.", "unique")
    if User.objects.filter(email=email).exists():
        # Hash anyway, so the known address costs the same time as a new one.
        make_password(password)
        send_account_exists(email)
        return None
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        # A concurrent sign-up took the address between the check and the insert:
        # answer exactly as for a known address.
        send_account_exists(email)
        return None
    company = company_create(name=company.name, creator=user, slug=company_slug, timezone=timezone)
    from companies.demo import current_quarter
    from objectives import services as okr
    from objectives.models import CycleStatus

    name, start, end = current_quarter(company.local_today())
    okr.cycle_create(company=company, actor=None, name=name, start_date=start, end_date=end, status=CycleStatus.ACTIVE)
    send_verification(user)
    return user


def email_verification_resend(*, user: User) -> None:
    if not user.email_verified:
        send_verification(user)


@transaction.atomic
def email_verify(*, token: str) -> User:
    """Mark the address of the token's user verified; a bad, expired or outdated link is refused on ``token``."""
    try:
        payload = read_verification_token(token)
    except signing.SignatureExpired:
        raise invalid("token", "This confirmation link has expired; sign in to get a new one.", "expired") from None
    except signing.BadSignature:
        raise invalid("token", "This confirmation link is not valid.", "invalid") from None
    user = User.objects.select_for_update().filter(pk=payload.get("u"), email=payload.get("e")).first()
    if user is None:
        raise invalid("token", "This confirmation link is not valid.", "invalid")
    if not user.email_verified:
        user.email_verified = True
        user.save(update_fields=["email_verified"])
    return user


def _department_ids(company: Company, departments: Iterable[Any]) -> list[int]:
    from departments.models import Department

    ids = sorted({getattr(d, "pk", d) for d in departments})
    if not ids:
        return []
    found = set(Department.objects.filter(company=company, pk__in=ids).values_list("pk", flat=True))
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


class InvitationRefused(Exception):
    """An invitation link that cannot be used; ``reason`` is one of the keys of ``REASONS``."""

    REASONS = {
        "invalid": "This invitation link is not valid. Check that you copied the whole link from the newest email.",
        "expired": "This invitation has expired. Ask an admin of the company to send it again.",
        "used": "This invitation has already been accepted. Sign in to reach the company.",
        "revoked": "This invitation was withdrawn by an admin of the company.",
    }

    def __init__(self, reason: str):
        super().__init__(self.REASONS[reason])
        self.reason = reason


def invitation_from_token(token: str, *, lock: bool = False) -> Invitation:
    """The pending, unexpired invitation a link names, or ``InvitationRefused`` saying why not.

    A link of an invitation that was resent since (its nonce changed) reads
    as not valid: only the newest email's link works.
    """
    try:
        payload = read_invitation_token(token)
    except signing.BadSignature:
        raise InvitationRefused("invalid") from None
    if not isinstance(payload, dict):
        raise InvitationRefused("invalid")
    invitations = Invitation.objects.select_related("company", "invited_by")
    if lock:
        invitations = invitations.select_for_update(of=("self",))
    invitation = invitations.filter(pk=payload.get("i")).first()
    if invitation is None or not secrets.compare_digest(invitation.nonce, str(payload.get("n", ""))):
        raise InvitationRefused("invalid")
    if invitation.accepted_at is not None:
        raise InvitationRefused("used")
    if invitation.revoked_at is not None:
        raise InvitationRefused("revoked")
    if invitation.is_expired:
        raise InvitationRefused("expired")
    return invitation


@transaction.atomic
def invitation_accept(
    *, token: str, user: User | None = None, full_name: str = "", password: str = ""
) -> tuple[Invitation, Membership]:
    """Accept an invitation once: join the company with its role and departments.

    ``user`` is the signed-in person, who must own the invited address. With
    no ``user``, the address must have no account yet: one is created with
    ``password`` (its address verified by the link itself). Nothing is
    created when the link is refused or the input is invalid.
    """
    invitation = invitation_from_token(token, lock=True)
    company = invitation.company
    if user is not None:
        if user.email != invitation.email:
            raise invalid("email", f"This invitation is for {invitation.email}; sign in with that address.", "other")
    elif User.objects.filter(email=invitation.email).exists():
        raise invalid("email", f"{invitation.email} already has an account: sign in to accept.", "sign_in")
    else:
        user = User(email=invitation.email, full_name=full_name.strip())
        user.full_clean(exclude=["password"])
        _validate_password(password, user)
        user.set_password(password)
        user.save()
    if not user.email_verified:
        user.email_verified = True
        user.save(update_fields=["email_verified"])
    membership = Membership.objects.filter(company=company, user=user).first()
    if membership is None:
        membership = membership_create(company=company, actor=None, user=user, role=invitation.role)
    from departments import services as department_services
    from departments.models import Department, DepartmentMembership

    joined = set(
        DepartmentMembership.objects.filter(company=company, user=user).values_list("department_id", flat=True)
    )
    for department in Department.objects.filter(company=company, pk__in=invitation.department_ids).order_by("pk"):
        if department.pk not in joined:
            department_services.department_member_set(
                company=company, actor=None, department=department, user=user, role="member"
            )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return invitation, membership


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
