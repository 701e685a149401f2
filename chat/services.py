"""Every write of the chat integrations, and their conversations with Slack and Teams.

- **Slack install** (OAuth v2): :func:`slack_install_url` issues a state bound
  to the company and the admin (:class:`SlackStateStore`, single use, ten
  minutes) and builds Slack's consent URL with slack-sdk's
  ``AuthorizeUrlGenerator``; :func:`slack_install_complete` consumes the state,
  checks the admin still manages the company, trades the code for a bot token
  (``oauth.v2.access``) and stores it encrypted. A company has one workspace
  and a workspace serves one company.
- **Who is who**: a member is found in Slack by email
  (``users.lookupByEmail``) and a Slack user in OKRHub by the email Slack
  shows (``users.info``); each match is cached per company (``SlackUser``).
- **Reminders and digests** go as Slack direct messages and Teams cards with
  the content of the emails (``notifications.reminders``), each claimed once
  per recipient and period (``ChatDelivery``) before it is sent.
- **Check-ins from Slack** run the ordinary batch check-in service
  (``objectives.services.checkins_batch``): same permissions, same validation,
  same events.
"""

import datetime
import logging
import secrets
from dataclasses import dataclass
from logging import Logger
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ImproperlyConfigured, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth import AuthorizeUrlGenerator, OAuthStateStore

from chat import blocks, cards
from chat.models import ChatChannel, ChatDelivery, ChatKind, SlackInstallation, SlackOAuthState, SlackUser, TeamsWebhook
from chat.outbound import OutboundRefused, check_public_url, post_json
from companies.models import Company, Membership, Role, User
from companies.tenancy import Actor
from notifications import reminders
from objectives import selectors as okr_selectors
from objectives import services as okr
from okrhub import encryption
from okrhub.errors import PermissionDenied, invalid
from okrhub.links import site_url
from okrhub.logs import log_event
from okrhub.permissions import Action

log = logging.getLogger(__name__)

SLACK_SCOPES = ["chat:write", "users:read", "users:read.email", "commands"]
STATE_LIFETIME = datetime.timedelta(minutes=10)


class ChatNotConfigured(Exception):
    """The operator has not set what this integration needs (named in the message)."""


class SlackFormErrors(Exception):
    """A modal submission refused: block id → message, answered as Slack's ``response_action: errors``."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


# ---------------------------------------------------------------- configuration


def slack_missing_settings() -> list[str]:
    """The operator settings a Slack connection needs and lacks (empty when Slack can be connected)."""
    names = ["OKRHUB_SLACK_CLIENT_ID", "OKRHUB_SLACK_CLIENT_SECRET", "OKRHUB_SLACK_SIGNING_SECRET"]
    missing = [name for name in names if not getattr(settings, name)]
    if not encryption.encryption_configured():
        missing.append("OKRHUB_ENCRYPTION_KEY")
    return missing


def slack_client(token: str | None = None) -> WebClient:
    """A Web API client on ``OKRHUB_SLACK_API_URL`` (Slack's, or a local server in tests)."""
    base = settings.OKRHUB_SLACK_API_URL
    return WebClient(
        token=token,
        base_url=base if base.endswith("/") else base + "/",
        timeout=int(settings.OKRHUB_CHAT_TIMEOUT_SECONDS),
    )


def slack_redirect_uri() -> str:
    return site_url(reverse("slack_oauth_callback"))


def weekly_url(company: Company) -> str:
    return reminders.checkin_url(company)


# ---------------------------------------------------------------- Slack install


class SlackStateStore(OAuthStateStore):
    """OAuth states in the database, each bound to the company and the admin who started the install."""

    def __init__(self, *, user: User, company: Company | None = None) -> None:
        self.user = user
        self.company = company
        self.consumed: SlackOAuthState | None = None

    @property
    def logger(self) -> Logger:
        return log

    def issue(self, *args: Any, **kwargs: Any) -> str:
        if self.company is None:
            raise ValueError("a state is issued for a company")
        state = secrets.token_urlsafe(32)
        SlackOAuthState.objects.filter(created_at__lt=timezone.now() - STATE_LIFETIME).delete()
        SlackOAuthState.objects.create(company=self.company, user=self.user, state=state)
        return state

    def consume(self, state: str) -> bool:
        """True once for a fresh state of this user; the row is deleted whatever the answer."""
        row = SlackOAuthState.objects.select_related("company").filter(state=state, user=self.user).first()
        if row is None:
            return False
        SlackOAuthState.objects.filter(pk=row.pk).delete()
        if row.created_at < timezone.now() - STATE_LIFETIME:
            return False
        self.consumed = row
        return True


def slack_install_url(*, company: Company, actor: Actor) -> str:
    """Slack's consent page for this company's admin, with a fresh state."""
    actor.require(Action.MANAGE_COMPANY)
    missing = slack_missing_settings()
    if missing:
        raise ChatNotConfigured(f"The operator has not set {', '.join(missing)}.")
    state = SlackStateStore(user=actor.user, company=company).issue()
    generator = AuthorizeUrlGenerator(
        client_id=settings.OKRHUB_SLACK_CLIENT_ID,
        redirect_uri=slack_redirect_uri(),
        scopes=SLACK_SCOPES,
        authorization_url=settings.OKRHUB_SLACK_AUTHORIZE_URL,
    )
    return generator.generate(state)


def slack_install_complete(*, user: User, state: str, code: str) -> SlackInstallation:
    """Finish "Add to Slack": the state names the company and the admin; the code becomes a stored bot token."""
    store = SlackStateStore(user=user)
    if not state or not store.consume(state) or store.consumed is None:
        raise invalid("state", "This Slack connection link has expired or is not yours: start again from settings.")
    company = store.consumed.company
    actor = Actor.for_user(company, user)
    actor.require(Action.MANAGE_COMPANY)
    if not code:
        raise invalid("code", "Slack sent no authorization code: the connection was cancelled.")
    try:
        response = slack_client().oauth_v2_access(
            client_id=settings.OKRHUB_SLACK_CLIENT_ID,
            client_secret=settings.OKRHUB_SLACK_CLIENT_SECRET,
            code=code,
            redirect_uri=slack_redirect_uri(),
        )
    except SlackApiError as error:
        raise invalid("code", f"Slack refused the connection ({error.response.get('error')}).") from None
    except OSError:
        raise invalid(
            "code", "Slack could not be reached to finish the connection; try again.", "unreachable"
        ) from None
    team = response.get("team") or {}
    team_id, team_name = str(team.get("id") or ""), str(team.get("name") or "")
    token = str(response.get("access_token") or "")
    if not team_id or not token:
        raise invalid("code", "Slack's answer named no workspace or bot token.")
    with transaction.atomic():
        taken = SlackInstallation.objects.select_for_update().filter(team_id=team_id).exclude(company=company)
        if taken.exists():
            raise invalid(
                "team",
                f"The Slack workspace {team_name or team_id} is already connected to another OKRHub company; "
                "a workspace serves one company.",
                "workspace_taken",
            )
        previous = SlackInstallation.objects.filter(company=company).values_list("team_id", flat=True).first()
        if previous is not None and previous != team_id:
            SlackUser.objects.filter(company=company).delete()  # ids of the old workspace mean nothing in the new
        installation, _ = SlackInstallation.objects.update_or_create(
            company=company,
            defaults={
                "team_id": team_id,
                "team_name": team_name[:200],
                "bot_user_id": str(response.get("bot_user_id") or ""),
                "bot_token_encrypted": encryption.encrypt(token),
                "installed_by": user,
                "installed_at": timezone.now(),
            },
        )
    log_event(log, "slack.installed", company=company.pk, team=team_id, user=user.pk)
    return installation


def slack_disconnect(*, company: Company, actor: Actor) -> bool:
    """Forget the company's workspace (its token revoked at Slack when Slack answers); True if there was one."""
    actor.require(Action.MANAGE_COMPANY)
    installation = SlackInstallation.objects.filter(company=company).first()
    if installation is None:
        return False
    try:
        slack_client(slack_token(installation)).auth_revoke()
    except (SlackApiError, OSError, encryption.InvalidToken, ImproperlyConfigured) as error:
        log_event(log, "slack.revoke_failed", level=logging.WARNING, company=company.pk, error=type(error).__name__)
    with transaction.atomic():
        SlackUser.objects.filter(company=company).delete()
        SlackInstallation.objects.filter(company=company).delete()
    log_event(log, "slack.disconnected", company=company.pk, user=actor.user_id)
    return True


def slack_token(installation: SlackInstallation) -> str:
    return encryption.decrypt(installation.bot_token_encrypted)


def bot_client(installation: SlackInstallation) -> WebClient | None:
    """A client with the workspace's bot token; None (logged) if the token cannot be read with today's key."""
    try:
        return slack_client(slack_token(installation))
    except (encryption.InvalidToken, ImproperlyConfigured) as error:
        log_event(
            log,
            "slack.token_unreadable",
            level=logging.ERROR,
            company=installation.company_id,
            error=type(error).__name__,
        )
        return None


def installation_for_team_all_companies(team_id: str) -> SlackInstallation | None:
    """The installation of a Slack workspace, whichever company it serves (requests from Slack name the team)."""
    if not team_id:
        return None
    return SlackInstallation.objects.select_related("company").filter(team_id=team_id).first()


# ---------------------------------------------------------------- who is who


def slack_user_id_for(*, company: Company, client: WebClient, user: User) -> str | None:
    """The member's Slack user id in the company's workspace (by email, cached); None if Slack knows no such email."""
    cached = SlackUser.objects.filter(company=company, user=user).values_list("slack_user_id", flat=True).first()
    if cached:
        return cached
    try:
        response = client.users_lookupByEmail(email=user.email)
    except SlackApiError as error:
        if error.response.get("error") == "users_not_found":
            log_event(log, "slack.unmatched", company=company.pk, user=user.pk)
            return None
        raise
    slack_user_id = str((response.get("user") or {}).get("id") or "")
    if not slack_user_id:
        return None
    _remember(company=company, user=user, slack_user_id=slack_user_id)
    return slack_user_id


def _remember(*, company: Company, user: User, slack_user_id: str) -> None:
    with transaction.atomic():
        SlackUser.objects.filter(company=company, slack_user_id=slack_user_id).exclude(user=user).delete()
        SlackUser.objects.update_or_create(company=company, user=user, defaults={"slack_user_id": slack_user_id})


@dataclass
class SlackPerson:
    """Who a request from Slack comes from: the member, or the email Slack shows for an unmatched person."""

    membership: Membership | None
    email: str

    def unmatched_message(self, company: Company) -> str:
        if not self.email:
            return (
                f"Your Slack profile shows no email address, so OKRHub cannot find you in {company.name}. "
                "Ask a Slack admin to let apps read email addresses."
            )
        return f"Your Slack email {self.email} isn't a member of company {company.name} in OKRHub."


def member_for_slack_user(*, installation: SlackInstallation, client: WebClient, slack_user_id: str) -> SlackPerson:
    """The company member behind a Slack user id: cached link, else the email Slack shows (``users.info``)."""
    company = installation.company
    link = SlackUser.objects.filter(company=company, slack_user_id=slack_user_id).values_list("user_id", flat=True)
    membership = Membership.objects.select_related("user", "company").filter(company=company, user_id__in=link).first()
    if membership is not None and membership.user.is_active:
        return SlackPerson(membership=membership, email=membership.user.email)
    response = client.users_info(user=slack_user_id)
    email = str(((response.get("user") or {}).get("profile") or {}).get("email") or "")
    if not email:
        return SlackPerson(membership=None, email="")
    membership = (
        Membership.objects.select_related("user", "company")
        .filter(company=company, user__email__iexact=email, user__is_active=True)
        .first()
    )
    if membership is None:
        log_event(log, "slack.unmatched", company=company.pk, slack_user=slack_user_id)
        return SlackPerson(membership=None, email=email)
    _remember(company=company, user=membership.user, slack_user_id=slack_user_id)
    return SlackPerson(membership=membership, email=email)


# ---------------------------------------------------------------- claims


def _claim(*, company: Company, channel: str, kind: str, period: datetime.date, recipient: str) -> ChatDelivery | None:
    try:
        with transaction.atomic():
            return ChatDelivery.objects.create(
                company=company, channel=channel, kind=kind, period=period, recipient=recipient
            )
    except IntegrityError:
        return None


def _sent(claim: ChatDelivery) -> None:
    ChatDelivery.objects.filter(pk=claim.pk, company_id=claim.company_id).update(sent_at=timezone.now())


def _release(claim: ChatDelivery) -> None:
    ChatDelivery.objects.filter(pk=claim.pk, company_id=claim.company_id, sent_at__isnull=True).delete()


def _slack_dm(*, claim: ChatDelivery, client: WebClient, slack_user_id: str, message: dict[str, Any]) -> bool:
    """Post a direct message under ``claim``: kept when Slack refused for good, released (and raised) otherwise."""
    try:
        client.chat_postMessage(channel=slack_user_id, text=message["text"], blocks=message["blocks"])
    except SlackApiError as error:
        code = str(error.response.get("error") or "")
        if code in ("ratelimited", "internal_error", "service_unavailable", "fatal_error", "request_timeout"):
            _release(claim)
            raise
        log_event(log, "slack.refused", level=logging.WARNING, company=claim.company_id, kind=claim.kind, error=code)
        return False
    except OSError:
        _release(claim)
        raise
    _sent(claim)
    return True


# ---------------------------------------------------------------- Slack reminders and digests


def _connected_client(company: Company) -> WebClient | None:
    installation = SlackInstallation.objects.filter(company=company).first()
    if installation is None:
        return None
    return bot_client(installation)


def send_slack_reminder(*, company: Company, user_id: int, period: datetime.date) -> bool:
    """DM one person their check-in reminder (the email's content) with a "Check in" button; True if sent."""
    client = _connected_client(company)
    if client is None:
        return False
    membership = Membership.objects.select_related("user", "company").filter(company=company, user_id=user_id).first()
    if membership is None:
        return False
    since = reminders.period_start(company, period)
    key_results = reminders.reminder_key_results(membership=membership, since=since)
    if not key_results:
        return False
    slack_user_id = slack_user_id_for(company=company, client=client, user=membership.user)
    if slack_user_id is None:
        return False  # logged; the email goes all the same
    claim = _claim(
        company=company, channel=ChatChannel.SLACK, kind=ChatKind.REMINDER, period=period, recipient=f"user:{user_id}"
    )
    if claim is None:
        return False
    message = blocks.reminder_message(
        company_name=company.name,
        person=membership.user.display_name,
        key_results=key_results,
        url=weekly_url(company),
        since=since.astimezone(company.tzinfo).strftime("%A %d %B, %H:%M"),
    )
    sent = _slack_dm(claim=claim, client=client, slack_user_id=slack_user_id, message=message)
    if sent:
        log_event(log, "slack.reminder_sent", company=company.pk, user=user_id, period=period)
    return sent


def send_slack_digest(*, company: Company, user_id: int, period: datetime.date, now: datetime.datetime) -> bool:
    """DM one leader the week's digest (the email's content); True if sent."""
    client = _connected_client(company)
    if client is None:
        return False
    membership = reminders.digest_membership(company=company, user_id=user_id)
    if membership is None:
        return False
    slack_user_id = slack_user_id_for(company=company, client=client, user=membership.user)
    if slack_user_id is None:
        return False
    claim = _claim(
        company=company, channel=ChatChannel.SLACK, kind=ChatKind.DIGEST, period=period, recipient=f"user:{user_id}"
    )
    if claim is None:
        return False
    digest = reminders.period_digest(company=company, actor=Actor.for_membership(membership), period=period, now=now)
    message = blocks.digest_message(
        digest=digest, person=membership.user.display_name, url=reminders.company_url(company)
    )
    sent = _slack_dm(claim=claim, client=client, slack_user_id=slack_user_id, message=message)
    if sent:
        log_event(log, "slack.digest_sent", company=company.pk, user=user_id, period=period)
    return sent


def slack_send_test(*, company: Company, actor: Actor) -> None:
    """DM the admin a test message; a ``ValidationError`` says what went wrong."""
    actor.require(Action.MANAGE_COMPANY)
    installation = SlackInstallation.objects.filter(company=company).first()
    if installation is None:
        raise invalid("slack", "Connect a Slack workspace first.", "not_connected")
    client = bot_client(installation)
    if client is None:
        raise invalid("slack", "OKRHub cannot read the stored Slack token: connect Slack again.", "unreadable")
    try:
        slack_user_id = slack_user_id_for(company=company, client=client, user=actor.user)
        if slack_user_id is None:
            raise invalid("slack", f"No one in the Slack workspace has the email {actor.user.email}.", "unmatched")
        message = blocks.test_message(company_name=company.name)
        client.chat_postMessage(channel=slack_user_id, text=message["text"], blocks=message["blocks"])
    except SlackApiError as error:
        raise invalid("slack", f"Slack refused the message ({error.response.get('error')}).", "refused") from None
    except OSError:
        raise invalid("slack", "Slack could not be reached; try again.", "unreachable") from None


# ---------------------------------------------------------------- check-ins from Slack


def slack_checkin_rows(*, company: Company, actor: Actor) -> list[Any]:
    """The modal's rows: the weekly check-in page's (``weekly_key_results``)."""
    return okr_selectors.weekly_key_results(company=company, actor=actor)


def slack_checkin_submit(*, company: Company, actor: Actor, values: dict[str, dict[str, Any]]) -> list[str]:
    """Record the check-ins of a submitted modal through ``checkins_batch``; the titles saved.

    ``values`` is Slack's ``view.state.values`` (block id → action id → element
    state). A row with a value becomes a check-in; a confidence change or a
    note without a value is refused on that row, and so is a block naming a
    key result the person cannot check in on here (another company's, say).
    """
    rows = {
        kr.pk: kr for objective in slack_checkin_rows(company=company, actor=actor) for kr in objective.my_key_results
    }
    errors: dict[str, str] = {}
    posted: dict[int, dict[str, str]] = {}
    for block, actions in values.items():
        head, _, field = block.partition("-")
        if not head.startswith("kr") or not head[2:].isdigit() or field not in ("value", "confidence", "note"):
            continue
        element = actions.get(field) or {}
        if field == "confidence":
            text = str((element.get("selected_option") or {}).get("value") or "")
        else:
            text = str(element.get("value") or "").strip()
        posted.setdefault(int(head[2:]), {})[field] = text
    items: list[okr.BatchItem] = []
    item_rows: list[int] = []
    for kr_id, fields in sorted(posted.items()):
        kr = rows.get(kr_id)
        if kr is None or not kr.can_check_in:
            errors[blocks.block_id(kr_id, "value")] = "You cannot check in on this key result."
            continue
        value, confidence, note = fields.get("value", ""), fields.get("confidence", ""), fields.get("note", "")
        if not value:
            if note or (confidence and confidence != (kr.confidence or "on_track")):
                errors[blocks.block_id(kr_id, "value")] = "Enter a value to check in (a note or confidence needs one)."
            continue
        items.append(okr.BatchItem(key_result=kr, value=value, confidence=confidence or kr.confidence or "", note=note))
        item_rows.append(kr_id)
    if errors:
        raise SlackFormErrors(errors)
    if not items:
        first = next(iter(sorted(posted)), None)
        raise SlackFormErrors(
            {blocks.block_id(first, "value") if first else "none": "Enter a value for at least one key result."}
        )
    try:
        okr.checkins_batch(company=company, actor=actor, items=items)
    except okr.CheckInBatchInvalid as error:
        for index, item_error in error.item_errors.items():
            kr_id = item_rows[index]
            for field, messages in _messages(item_error).items():
                target = field if field in ("value", "confidence", "note") else "value"
                errors.setdefault(blocks.block_id(kr_id, target), " ".join(messages))
        raise SlackFormErrors(errors) from None
    except PermissionDenied as error:
        raise SlackFormErrors({blocks.block_id(item_rows[0], "value"): str(error)}) from None
    log_event(log, "slack.checkins", company=company.pk, user=actor.user_id, count=len(items))
    return [kr.title for kr in (rows[kr_id] for kr_id in item_rows)]


def _messages(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {field: [m for e in errors for m in e.messages] for field, errors in error.error_dict.items()}
    return {NON_FIELD_ERRORS: error.messages}


# ---------------------------------------------------------------- Teams


def teams_webhook_save(*, company: Company, actor: Actor, url: str) -> TeamsWebhook:
    """Store the channel's Workflows webhook URL (encrypted) after refusing private and local addresses."""
    actor.require(Action.MANAGE_COMPANY)
    if not url.strip():
        raise invalid("url", "Enter the webhook URL the Teams workflow gave you.", "required")
    if len(url) > 2000:
        raise invalid("url", "Keep the URL within 2,000 characters.", "max_length")
    url = check_public_url(url, field="url")
    if not encryption.encryption_configured():
        raise invalid("url", "The operator has not set OKRHUB_ENCRYPTION_KEY, so the URL cannot be stored.", "config")
    parts = urlsplit(url)
    webhook, _ = TeamsWebhook.objects.update_or_create(
        company=company,
        defaults={
            "url_encrypted": encryption.encrypt(url),
            "url_host": f"{parts.scheme}://{parts.netloc}"[:255],
            "updated_by": actor.user,
            "updated_at": timezone.now(),
        },
    )
    log_event(log, "teams.saved", company=company.pk, user=actor.user_id, host=webhook.url_host)
    return webhook


def teams_webhook_remove(*, company: Company, actor: Actor) -> bool:
    actor.require(Action.MANAGE_COMPANY)
    deleted, _ = TeamsWebhook.objects.filter(company=company).delete()
    return bool(deleted)


def _teams_post(*, company: Company, payload: dict[str, Any]) -> tuple[bool, str]:
    """(posted, why not): the card posted to the company's channel, if it has one."""
    webhook = TeamsWebhook.objects.filter(company=company).first()
    if webhook is None:
        return False, "Save a Teams webhook URL first."
    try:
        status, body = post_json(encryption.decrypt(webhook.url_encrypted), payload)
    except OutboundRefused as error:
        return False, f"Refused: {error}"
    if status >= 300:
        return False, f"Teams answered {status}: {body[:200]}"
    return True, ""


def channel_actor(company: Company) -> Actor:
    """Who a channel post is written for: anyone in the channel, so no private objective (a viewer of no department)."""
    return Actor(company=company, role=Role.VIEWER)


def post_teams_reminders(*, company: Company, period: datetime.date) -> bool:
    """Post who has check-ins waiting this period (names and counts) to the company's Teams channel, once."""
    if not TeamsWebhook.objects.filter(company=company).exists():
        return False
    since = reminders.period_start(company, period)
    due = reminders.key_results_to_remind(company=company, since=since)
    if not due:
        return False
    claim = _claim(
        company=company, channel=ChatChannel.TEAMS, kind=ChatKind.REMINDER, period=period, recipient="channel"
    )
    if claim is None:
        return False
    names = dict(User.objects.filter(pk__in=list(due)).values_list("pk", "full_name"))
    emails = dict(User.objects.filter(pk__in=list(due)).values_list("pk", "email"))
    people = sorted(((names[pk] or emails[pk].split("@")[0]), len(rows)) for pk, rows in due.items())
    payload = cards.reminders_card(
        company_name=company.name,
        people=people,
        since=since.astimezone(company.tzinfo).strftime("%A %d %B, %H:%M"),
        url=weekly_url(company),
    )
    return _teams_deliver(claim=claim, company=company, payload=payload)


def post_teams_digest(*, company: Company, period: datetime.date, now: datetime.datetime) -> bool:
    """Post the week's digest, as a reader of no private objective sees it, to the company's Teams channel, once."""
    if not TeamsWebhook.objects.filter(company=company).exists():
        return False
    claim = _claim(company=company, channel=ChatChannel.TEAMS, kind=ChatKind.DIGEST, period=period, recipient="channel")
    if claim is None:
        return False
    digest = reminders.period_digest(company=company, actor=channel_actor(company), period=period, now=now)
    return _teams_deliver(
        claim=claim, company=company, payload=cards.digest_card(digest=digest, url=weekly_url(company))
    )


def _teams_deliver(*, claim: ChatDelivery, company: Company, payload: dict[str, Any]) -> bool:
    try:
        posted, why = _teams_post(company=company, payload=payload)
    except OSError:
        _release(claim)
        raise
    if not posted:
        log_event(log, "teams.refused", level=logging.WARNING, company=company.pk, kind=claim.kind, error=why[:200])
        if why.startswith("Teams answered 5"):
            _release(claim)
            raise OSError(why)
        return False
    _sent(claim)
    log_event(log, "teams.posted", company=company.pk, kind=claim.kind, period=claim.period)
    return True


def teams_send_test(*, company: Company, actor: Actor) -> None:
    actor.require(Action.MANAGE_COMPANY)
    try:
        posted, why = _teams_post(
            company=company, payload=cards.test_card(company_name=company.name, url=weekly_url(company))
        )
    except OSError as error:
        raise invalid("url", f"The webhook could not be reached ({type(error).__name__}).", "unreachable") from None
    if not posted:
        raise invalid("url", why, "refused")
