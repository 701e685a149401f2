"""Joining and leaving a company: sign-up, email verification, accepting an invitation,
removing a member (their OKRs handed over) and leaving.

These orchestrate companies, departments and objectives, so they live above all three.
"""

import datetime
import secrets

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from companies.emails import read_invitation_token, read_verification_token, send_account_exists, send_verification
from companies.models import Company, Invitation, Membership, User
from companies.services import _refuse_last_admin, company_create, membership_create
from companies.tenancy import Actor
from departments import services as department_services
from departments.models import Department, DepartmentMembership
from objectives import services as okr
from objectives.models import CycleStatus
from okrhub.errors import PermissionDenied, invalid, not_found
from okrhub.permissions import Action
from onboarding import first_cycle as first_cycles

# ---------------------------------------------------------------- leaving


def _validate_reassign_to(company: Company, leaving: Membership, reassign_to: User | None) -> User | None:
    if reassign_to is None:
        return None
    if reassign_to.pk == leaving.user_id or not Membership.objects.filter(company=company, user=reassign_to).exists():
        raise invalid("reassign_to", "Choose another member of this company to own their OKRs.", "invalid_owner")
    return reassign_to


def _remove(company: Company, actor: Actor, membership: Membership, reassign_to: User | None, field: str) -> int:
    membership = Membership.objects.select_for_update().get(pk=membership.pk, company=company)
    _refuse_last_admin(company, membership, field)
    reassign_to = _validate_reassign_to(company, membership, reassign_to)
    moved = 0
    if reassign_to is not None:
        moved = okr.owner_reassign(company=company, from_user_id=membership.user_id, to_user=reassign_to, actor=actor)
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
    return _remove(company, actor, membership, reassign_to, "user")


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
    if reassign_to is None and okr.owned_count(company=company, user_id=actor.user.pk):
        raise invalid("reassign_to", "Choose who takes over the OKRs you own.", "required")
    return _remove(company, actor, membership, reassign_to, "reassign_to")


# ---------------------------------------------------------------- sign-up and invitations


def _validate_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.error_list}) from None


@transaction.atomic
def signup(
    *,
    full_name: str,
    email: str,
    password: str,
    company_name: str,
    company_slug: str = "",
    timezone: str = "UTC",
    first_cycle: str = "",
    cycle_length: str = first_cycles.QUARTERLY,
    cycle_start: datetime.date | str | None = None,
    cycle_end: datetime.date | str | None = None,
    confirm_half_over: bool = False,
) -> User | None:
    """Open sign-up: a person, their company (they are its admin) and its first cycle.

    Refused when the operator closed open sign-up. An address that already
    has an account creates nothing and is told so by email, so the response
    never reveals who has an account; the new account's address counts as
    verified only once the emailed link is opened. Returns the new user, or
    None for a known address.

    The first cycle is this quarter (or calendar year), the next one, or
    custom dates, in the company's time zone (``onboarding.first_cycle``):
    by default this one unless it is more than half over, and one more than
    half over only with ``confirm_half_over``. It starts active, so the team
    can write its OKRs before it begins.
    """
    if not settings.OKRHUB_OPEN_SIGNUP:
        raise PermissionDenied("Sign-up is closed on this server; ask an admin for an invitation.")
    email = User.objects.normalize_email(email).strip().lower()
    user = User(email=email, full_name=full_name.strip(), email_verified=False)
    user.full_clean(exclude=["password"], validate_unique=False)
    _validate_password(password, user)
    company = Company(name=company_name.strip(), slug=company_slug or "x", timezone=timezone)
    company.full_clean(validate_unique=False)
    # Chosen before anything is written: a refused choice names its field and creates nothing.
    cycle = first_cycles.choose(
        company.local_today(),
        which=first_cycle,
        length=cycle_length,
        start=cycle_start,
        end=cycle_end,
        confirmed=confirm_half_over,
    )
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
    okr.cycle_create(
        company=company,
        actor=None,
        name=cycle.name,
        start_date=cycle.start,
        end_date=cycle.end,
        status=CycleStatus.ACTIVE,
    )
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
    # A missing id filters on pk=None, which matches nothing; the plugin refuses None for a non-null lookup.
    user = User.objects.select_for_update().filter(pk=payload.get("u"), email=payload.get("e")).first()  # type: ignore[misc]
    if user is None:
        raise invalid("token", "This confirmation link is not valid.", "invalid")
    if not user.email_verified:
        user.email_verified = True
        user.save(update_fields=["email_verified"])
    return user


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
    invitation = invitations.filter(pk=payload.get("i")).first()  # type: ignore[misc]  # pk=None matches nothing
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
