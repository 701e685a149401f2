"""A company's chat connections: its Slack workspace, its Teams channel, who is who, what was sent.

Secrets (the Slack bot token, the Teams webhook URL, which is a bearer
credential by itself) are stored encrypted (``okrhub.encryption``); the
columns hold only Fernet tokens.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class SlackInstallation(models.Model):
    """The Slack workspace a company connected: one per company, and a workspace serves one company."""

    company = models.OneToOneField("companies.Company", on_delete=models.CASCADE, related_name="slack_installation")
    team_id = models.CharField(max_length=32, unique=True)
    team_name = models.CharField(max_length=200, blank=True)
    bot_user_id = models.CharField(max_length=32, blank=True)
    bot_token_encrypted = models.TextField()
    installed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    installed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Slack {self.team_name or self.team_id} for company {self.company_id}"


class SlackOAuthState(models.Model):
    """One "Add to Slack" attempt: the state Slack hands back, bound to the company and the admin who began it."""

    company = models.ForeignKey("companies.Company", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Slack install state for company {self.company_id}"


class SlackUser(models.Model):
    """A member's Slack user id in the company's workspace, found by email (``users.lookupByEmail``)."""

    company = models.ForeignKey("companies.Company", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    slack_user_id = models.CharField(max_length=32)
    matched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "user"], name="slack_user_once_per_person"),
            models.UniqueConstraint(fields=["company", "slack_user_id"], name="slack_user_once_per_slack_id"),
        ]

    def __str__(self) -> str:
        return f"{self.slack_user_id} is user {self.user_id} in company {self.company_id}"


class TeamsWebhook(models.Model):
    """The Teams channel a company posts to: a Workflows incoming-webhook URL (encrypted; it is the credential)."""

    company = models.OneToOneField("companies.Company", on_delete=models.CASCADE, related_name="teams_webhook")
    url_encrypted = models.TextField()
    #: Scheme and host only, to show which service it points at without revealing the secret path.
    url_host = models.CharField(max_length=255)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Teams webhook on {self.url_host} for company {self.company_id}"


class ChatChannel(models.TextChoices):
    SLACK = "slack", "Slack"
    TEAMS = "teams", "Microsoft Teams"


class ChatKind(models.TextChoices):
    REMINDER = "reminder", "Check-in reminder"
    DIGEST = "digest", "Weekly digest"


class ChatDelivery(models.Model):
    """The claim on one chat message of one kind, for one period, to one person (Slack) or the channel (Teams).

    Like ``objectives.PeriodicEmail``: inserted and committed before the
    message goes out, so a duplicate task or a second dispatcher sends nothing.
    """

    company = models.ForeignKey("companies.Company", on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=8, choices=ChatChannel.choices)
    kind = models.CharField(max_length=8, choices=ChatKind.choices)
    period = models.DateField()
    #: ``user:<id>`` for a person's direct message, ``channel`` for the company's Teams channel.
    recipient = models.CharField(max_length=32)
    claimed_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company", "channel", "kind", "period", "recipient"], name="chat_delivery_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.kind} to {self.recipient} in period {self.period}"
