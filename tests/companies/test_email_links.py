"""Links in emails come from OKRHUB_BASE_URL whatever Host a request named; text parts are not HTML-escaped."""

import re

from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse

from companies import services
from companies.models import User
from notifications.reminders import company_url, unsubscribe_url
from onboarding import services as onboarding
from tests.onboarding.test_onboarding import signup_data

BASE = "https://okr.example.com"
#: An allowed host on another port: what a request may claim to be addressed to.
OTHER_HOST = "localhost:8443"


def _links(message) -> set[str]:
    bodies = [message.body, *(content for content, _ in getattr(message, "alternatives", []))]
    return {link for body in bodies for link in re.findall(r"https?://[^\s\"'<]+", body)}


def _assert_all_links_on_base(message):
    links = _links(message)
    assert links
    assert all(link.startswith(f"{BASE}/") for link in links), links


@override_settings(OKRHUB_BASE_URL=BASE)
def test_password_reset_link_ignores_the_request_host(team):
    response = Client(HTTP_HOST=OTHER_HOST).post(reverse("password_reset"), {"email": team.member.email})
    assert response.status_code == 302
    (message,) = mail.outbox
    _assert_all_links_on_base(message)
    assert f"{BASE}/accounts/reset/" in message.body


@override_settings(OKRHUB_BASE_URL=BASE)
def test_signup_and_invitation_links_ignore_the_request_host(db, client_for, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = Client(HTTP_HOST=OTHER_HOST).post(reverse("signup"), signup_data())
    assert response.status_code == 302
    user = User.objects.get(email="nora@newco.test")
    User.objects.filter(pk=user.pk).update(email_verified=True)
    company = user.memberships.get().company
    admin = Client(HTTP_HOST=OTHER_HOST)
    admin.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            reverse("companies:settings", args=[company.slug]) + "invitations/",
            {"invite-email": "pat@example.test", "invite-role": "member"},
        )
        onboarding.signup(**signup_data(company_name="Again"))  # a known address: the "account exists" email
    assert response.status_code == 302
    verification, invitation, account_exists = mail.outbox
    for message in (verification, invitation, account_exists):
        _assert_all_links_on_base(message)


@override_settings(OKRHUB_BASE_URL=BASE)
def test_reminder_and_digest_links_come_from_the_base_url(team):
    assert company_url(team.company) == f"{BASE}/c/{team.company.slug}/"
    assert unsubscribe_url(team.member).startswith(f"{BASE}/reminders/unsubscribe/")


def test_plain_text_emails_are_not_html_escaped(team, django_capture_on_commit_callbacks):
    name = "Bob <b> & Co"
    User.objects.filter(pk=team.admin.pk).update(full_name=name, email_verified=True)
    team.admin.refresh_from_db()
    team.company.name = "Smith & <Sons>"
    team.company.save(update_fields=["name"])
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_create(company=team.company, actor=team.actor(team.admin), email="new@example.test")
        onboarding.signup(**signup_data(full_name=name))
    invitation, verification = mail.outbox
    assert f"{name} ({team.admin.email}) invites you to join Smith & <Sons>" in invitation.body
    assert f"Hello {name}," in verification.body
    for message in (invitation, verification):
        assert "&lt;" not in message.body
        assert "&amp;" not in message.body
        html = message.alternatives[0][0]
        assert "Bob &lt;b&gt; &amp; Co" in html  # the HTML part stays escaped
