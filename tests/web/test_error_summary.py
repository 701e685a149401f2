"""Every form posted with errors comes back with the error summary linking to each field (issue 17.4)."""

import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from companies import services as company_services
from companies.emails import invitation_token
from companies.models import Role
from tests.factories import KeyResultFactory, ObjectiveFactory

SUMMARY = re.compile(r'<div class="error-summary[^"]*" tabindex="-1" data-error-summary[^>]*>(.*?)</div>', re.S)


def summary_links(response) -> list[str]:
    html = response.content.decode()
    found = SUMMARY.findall(html)
    assert len(found) == 1, f"expected one error summary, got {len(found)}"
    return re.findall(r'<a href="#([^"]+)">', found[0])


def c(team, name, *args, ns="objectives"):
    return reverse(f"{ns}:{name}", args=[team.company.slug, *args])


def test_settings_forms(team, client_for):
    admin = client_for(team.admin)
    cases = [
        (c(team, "settings", ns="companies"), {"settings-name": ""}, "id_settings-name"),
        (c(team, "invitation_add", ns="companies"), {"invite-email": "no", "invite-role": "member"}, "id_invite-email"),
        (c(team, "cycle_add", ns="companies"), {"cycle-name": ""}, "id_cycle-name"),
        (c(team, "api_key_add", ns="companies"), {"key-name": "", "key-scope": "read"}, "id_key-name"),
        (c(team, "department_add", ns="companies"), {"department-name": ""}, "id_department-name"),
    ]
    for url, data, field_id in cases:
        response = admin.post(url, data)
        assert response.status_code == 422, url
        assert field_id in summary_links(response), url


def test_objective_key_result_and_dependency_forms(team, client_for):
    objective = ObjectiveFactory(company=team.company, cycle=team.cycle, department=team.department)
    admin = client_for(team.admin)
    response = admin.post(c(team, "objective_create"), {"title": "", "cycle": team.cycle.pk, "weight": "1"})
    assert response.status_code == 422
    assert "id_title" in summary_links(response)
    response = admin.post(c(team, "objective_edit", objective.pk), {"title": "", "weight": "1"})
    assert "id_title" in summary_links(response)
    response = admin.post(c(team, "key_result_create", objective.pk), {"title": "", "kind": "number"})
    assert response.status_code == 422
    assert "id_title" in summary_links(response)


@pytest.mark.parametrize("htmx", [False, True])
def test_check_in_form_plain_and_htmx(team, client_for, htmx):
    objective = ObjectiveFactory(company=team.company, cycle=team.cycle, department=team.department)
    kr = KeyResultFactory(company=team.company, objective=objective, owner=team.member)
    response = client_for(team.member, htmx=htmx).post(c(team, "check_in", kr.pk), {f"kr{kr.pk}-value": ""})
    assert response.status_code == 422
    assert f"id_kr{kr.pk}-value" in summary_links(response)


def test_profile_form(team, client_for):
    response = client_for(team.member).post(reverse("profile"), {"full_name": "x" * 300})
    assert response.status_code == 422
    assert "id_full_name" in summary_links(response)


def test_signup_and_password_reset_forms(db):
    response = Client().post(reverse("signup"), {"email": "not-an-email"})
    assert response.status_code in (200, 422)
    assert "id_email" in summary_links(response)
    response = Client().post(reverse("password_reset"), {"email": "not-an-email"})
    assert "id_email" in summary_links(response)


def test_password_reset_confirm_form(team):
    client = Client()
    uid = urlsafe_base64_encode(force_bytes(team.member.pk))
    token = default_token_generator.make_token(team.member)
    # The first GET swaps the token into the session and redirects to the set-password URL.
    response = client.get(reverse("password_reset_confirm", args=[uid, token]), follow=True)
    url = response.redirect_chain[-1][0]
    response = client.post(url, {"new_password1": "a-long-passphrase", "new_password2": "different-one"})
    assert "id_new_password2" in summary_links(response)


def test_invitation_accept_form(team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = company_services.invitation_create(
            company=team.company, actor=team.actor(team.admin), email="new@example.test", role=Role.MEMBER
        )
    response = Client().post(reverse("invitation_accept", args=[invitation_token(invitation)]), {"full_name": ""})
    links = summary_links(response)
    assert "id_full_name" in links
    assert "id_password" in links


def test_import_form(team, client_for):
    response = client_for(team.admin).post(c(team, "import"), {"csv_text": "", "intent": "check"})
    assert response.status_code == 422
    summary_links(response)


def test_no_summary_without_errors(team, client_for):
    html = client_for(team.admin).get(c(team, "settings", ns="companies")).content.decode()
    assert "data-error-summary" not in html
