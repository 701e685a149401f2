"""Account and invitation emails: signed links, HTML and text bodies, sent after commit.

Links carry a value signed with the project's secret key by
``django.core.signing`` (a timestamped HMAC), so nothing guessable reaches an
inbox and nothing needs hand-written cryptography. What a link may still do
(is the invitation pending, has it been resent) is decided by the database
when it is opened.
"""

from typing import Any

from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from okrhub.links import site_url

VERIFY_SALT = "okrhub.accounts.verify-email"
INVITATION_SALT = "okrhub.companies.invitation"
#: How long an email confirmation link works.
VERIFY_MAX_AGE = 3 * 24 * 3600


def absolute(path: str) -> str:
    return site_url(path)


def verification_token(user: Any) -> str:
    """A link token binding the user to the address being confirmed (a changed address voids it)."""
    return signing.dumps({"u": user.pk, "e": user.email}, salt=VERIFY_SALT, compress=True)


def read_verification_token(token: str) -> dict:
    """The token's payload; ``signing.BadSignature`` (or its ``SignatureExpired``) if not valid."""
    return signing.loads(token, salt=VERIFY_SALT, max_age=VERIFY_MAX_AGE)


def invitation_token(invitation: Any) -> str:
    return signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt=INVITATION_SALT, compress=True)


def read_invitation_token(token: str) -> dict:
    """The token's payload or ``signing.BadSignature``; expiry is the invitation row's."""
    return signing.loads(token, salt=INVITATION_SALT)


def _build(*, subject: str, template: str, context: dict[str, Any], to: str) -> EmailMultiAlternatives:
    text = render_to_string(f"companies/emails/{template}.txt", context)
    html = render_to_string(f"companies/emails/{template}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to])
    message.attach_alternative(html, "text/html")
    message.message()  # builds the MIME message now: a header it cannot hold raises here
    return message


def send_after_commit(*, subject: str, template: str, context: dict[str, Any], to: str) -> None:
    """Build the email now, send it once the surrounding transaction commits.

    A write whose email cannot be built (a template error, a header with a
    line break) fails inside its transaction and is rolled back, so no row
    is left claiming an email that never went; a rolled-back write sends nothing.
    """
    message = _build(subject=subject, template=template, context=context, to=to)
    transaction.on_commit(message.send)


def send_verification(user: Any) -> None:
    url = absolute(reverse("verify_email", args=[verification_token(user)]))
    send_after_commit(
        subject="Confirm your email address for OKRHub",
        template="verify_email",
        context={"user": user, "url": url},
        to=user.email,
    )


def send_account_exists(email: str) -> None:
    """What someone signing up with a known address gets: a pointer to sign-in and reset, nothing created."""
    send_after_commit(
        subject="You already have an OKRHub account",
        template="account_exists",
        context={"login_url": absolute(reverse("login")), "reset_url": absolute(reverse("password_reset"))},
        to=email,
    )


def send_invitation(invitation: Any) -> None:
    url = absolute(reverse("invitation_accept", args=[invitation_token(invitation)]))
    inviter = invitation.invited_by
    send_after_commit(
        subject=f"You are invited to {invitation.company.name} on OKRHub",
        template="invitation",
        context={"invitation": invitation, "inviter": inviter, "company": invitation.company, "url": url},
        to=invitation.email,
    )
