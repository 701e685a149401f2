"""Tenants (companies), people and their memberships."""

import datetime
import zoneinfo
from typing import ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone as dj_timezone
from rest_framework_api_key.models import AbstractAPIKey

from okrhub.roles import Role  # stored here; defined with the permission matrix
from okrhub.text import validate_single_line


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known IANA time zone.", code="invalid_timezone")


class FocusMode(models.TextChoices):
    WARN = "warn", "Warn"
    BLOCK = "block", "Block"


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class Company(models.Model):
    """A tenant. Its settings live on the row: they are read on almost every write."""

    name = models.CharField(max_length=200, validators=[validate_single_line])
    slug = models.SlugField(max_length=60, unique=True)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    focus_mode = models.CharField(
        max_length=5,
        choices=FocusMode.choices,
        default=FocusMode.WARN,
        help_text="What happens when a focus limit is exceeded: warn, or refuse the write.",
    )
    max_objectives_per_department = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    max_key_results_per_objective = models.PositiveSmallIntegerField(
        default=5, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    checkin_weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, default=Weekday.MONDAY)
    checkin_hour = models.PositiveSmallIntegerField(
        default=9, validators=[MaxValueValidator(23)], help_text="Local hour (0-23) in the company's time zone."
    )
    rollup_child_objectives = models.BooleanField(
        default=True,
        help_text="Whether child objectives count in their parent's progress.",
    )
    grading_window_days = models.PositiveSmallIntegerField(
        default=7,
        db_default=7,  # rows written by raw SQL (the bench's generator) get the default too
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text="Days after a cycle closes during which owners may change its final scores.",
    )
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        verbose_name_plural = "companies"
        constraints = [
            models.CheckConstraint(condition=Q(focus_mode__in=FocusMode.values), name="company_focus_mode_valid"),
            models.CheckConstraint(
                condition=Q(max_objectives_per_department__gte=1),
                name="company_max_objectives_positive",
            ),
            models.CheckConstraint(
                condition=Q(max_key_results_per_objective__gte=1),
                name="company_max_key_results_positive",
            ),
            models.CheckConstraint(
                condition=Q(checkin_weekday__gte=0, checkin_weekday__lte=6),
                name="company_checkin_weekday_valid",
            ),
            models.CheckConstraint(
                condition=Q(checkin_hour__gte=0, checkin_hour__lte=23),
                name="company_checkin_hour_valid",
            ),
            models.CheckConstraint(
                condition=Q(grading_window_days__gte=1, grading_window_days__lte=60),
                name="company_grading_window_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def local_today(self) -> datetime.date:
        return dj_timezone.localdate(timezone=self.tzinfo)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """One global login per person, by email; companies come through memberships."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200, blank=True, validators=[validate_single_line])
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="Operator access to the admin.")
    checkin_reminders = models.BooleanField(default=True, help_text="Receive check-in reminder emails.")
    email_verified = models.BooleanField(
        default=True,
        help_text="False only for a self sign-up until its confirmation link is opened; "
        "accounts made by invitation or by an operator count as verified.",
    )
    date_joined = models.DateTimeField(default=dj_timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def display_name(self) -> str:
        return self.full_name or self.email.split("@")[0]


class Membership(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=6, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "user"], name="membership_unique_per_company"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.company} ({self.role})"


#: How long an invitation link stays valid; a resend starts the period again.
INVITATION_LIFETIME = datetime.timedelta(days=7)


def invitation_expiry() -> datetime.datetime:
    return dj_timezone.now() + INVITATION_LIFETIME


class Invitation(models.Model):
    """An admin's invitation of an email address into the company, with a role.

    The link in the email signs (id, nonce); a resend draws a new nonce, which
    invalidates earlier links. At most one invitation per address is pending
    (neither accepted nor revoked) in a company. ``department_ids`` holds the
    departments the invitee joins as a member; ids deleted meanwhile are
    skipped on acceptance (a JSON list keeps companies free of a migration
    dependency on departments).
    """

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="invitations", db_index=False)
    email = models.EmailField()
    role = models.CharField(max_length=6, choices=Role.choices, default=Role.MEMBER)
    department_ids = models.JSONField(default=list, blank=True)
    invited_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    nonce = models.CharField(max_length=32)
    created_at = models.DateTimeField(default=dj_timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(default=invitation_expiry)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company", "email"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_pending_unique_per_company",
            ),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="invitation_role_valid"),
        ]
        indexes = [models.Index(fields=["company", "created_at"], name="invitation_company_created")]

    def __str__(self) -> str:
        return f"{self.email} to {self.company} ({self.role})"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= dj_timezone.now()


class APIKeyScope(models.TextChoices):
    READ = "read", "Read"
    WRITE = "write", "Read and write"


class CompanyAPIKey(AbstractAPIKey):
    """An integration's key: belongs to one company, stored hashed, shown once.

    The library keeps ``prefix`` (public, identifies the key) and a SHA-512
    ``hashed_key``; the secret itself is never stored. ``scope`` maps onto a
    role of the permission matrix (``okrhub.permissions.API_KEY_ROLES``).
    """

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="api_keys", db_index=False)
    scope = models.CharField(max_length=5, choices=APIKeyScope.choices, default=APIKeyScope.READ)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "company API key"
        verbose_name_plural = "company API keys"
        constraints = [
            models.CheckConstraint(condition=Q(scope__in=APIKeyScope.values), name="api_key_scope_valid"),
        ]
        indexes = [models.Index(fields=["company", "revoked"], name="api_key_company_revoked")]


class IdempotencySender(models.TextChoices):
    USER = "user", "Person"
    API_KEY = "api_key", "API key"


class IdempotencyRecord(models.Model):
    """The first response to a POST carrying an ``Idempotency-Key`` header.

    Unique per (company, sender, key): keys are the sender's own, so nobody
    can block an integration by sending its (predictable) key first. A
    concurrent retry blocks on the unique index until the first request
    commits, then replays its stored response and headers. ``fingerprint``
    hashes the method, path and validated body, so the same key reused for a
    different request is refused instead of replayed.
    """

    company = models.ForeignKey(Company, on_delete=models.CASCADE, db_index=False)
    sender_kind = models.CharField(max_length=8, choices=IdempotencySender.choices)
    #: The user's id or the API key's prefix.
    sender_id = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.JSONField(encoder=DjangoJSONEncoder)
    response_headers = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company", "sender_kind", "sender_id", "key"], name="idempotency_key_per_sender"
            ),
        ]
        indexes = [models.Index(fields=["company", "created_at"], name="idempotency_company_created")]

    def __str__(self) -> str:
        return f"{self.key} ({self.status_code})"
