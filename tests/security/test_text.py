"""Names and titles are one line of visible text; descriptions and notes may break lines.

One validator (okrhub.text) sits on every model field of names, titles,
descriptions and notes, so every page, API endpoint, import and the admin
refuse the same text, naming the field.
"""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from companies import services
from companies.models import Company, Invitation
from objectives.models import Objective
from okrhub.text import validate_multi_line, validate_single_line
from tests.helpers import db_state
from tests.onboarding.test_onboarding import signup_data

BASE = "/api/v1/companies/acme"
REFUSED_SINGLE = {
    "line feed": "Acme\nBcc: victim@example.test",
    "carriage return": "Acme\r",
    "tab": "Sales\tEMEA",
    "NUL": "x\x00y",
    "bell": "x\x07",
    "C1 control": "x\x85y",
    "line separator": "a\u2028b",
    "right-to-left override": "invoice\u202egpj.exe",
    "isolate": "\u2066x\u2069",
    "zero-width only": "\u200b\u200d\ufeff",
    "zero-width and spaces": " \u200b ",
}
ACCEPTED = ["Smith & <Sons>", "Café Ünïcode 北京", "👩‍👩‍👧 family team", "می‌خواهم", "-5 churn"]


@pytest.mark.parametrize("text", REFUSED_SINGLE.values(), ids=REFUSED_SINGLE.keys())
def test_single_line_text_refuses_control_characters_and_invisible_text(text):
    with pytest.raises(ValidationError):
        validate_single_line(text)


@pytest.mark.parametrize("text", ACCEPTED)
def test_ordinary_text_is_accepted(text):
    validate_single_line(text)
    validate_multi_line(text)


def test_multi_line_text_allows_line_breaks_and_tabs_only():
    validate_multi_line("First line\r\n\tSecond line\nThird")
    for text in ("x\x00", "x\x1b[31m", "a\u202eb", "a\u2029b", "\u200b"):
        with pytest.raises(ValidationError):
            validate_multi_line(text)


def test_signup_refuses_a_company_name_with_a_line_break(db):
    before = db_state()
    response = Client().post(reverse("signup"), signup_data(company_name="Evil\r\nBcc: all@example.test"))
    assert response.status_code == 422
    assert "one line of text" in response.content.decode()
    assert "company_name" in response.context["form"].errors
    assert db_state() == before
    assert mail.outbox == []


def test_settings_page_refuses_a_company_name_with_a_line_break(team, client_for):
    company = team.company
    fields = {
        "name": "Acme\nBcc: all@example.test",
        "timezone": company.timezone,
        "focus_mode": company.focus_mode,
        "max_objectives_per_department": company.max_objectives_per_department,
        "max_key_results_per_objective": company.max_key_results_per_objective,
        "checkin_weekday": company.checkin_weekday,
        "checkin_hour": company.checkin_hour,
        "grading_window_days": company.grading_window_days,
    }
    response = client_for(team.admin).post(
        reverse("companies:settings", args=[company.slug]), {f"settings-{k}": v for k, v in fields.items()}
    )
    assert response.status_code == 422
    assert list(response.context["settings_form"].errors) == ["name"]
    company.refresh_from_db()
    assert company.name == "Acme"


@pytest.mark.parametrize(
    ("path", "payload", "field"),
    [
        ("departments/", {"name": "Legal\u202e"}, "name"),
        ("objectives/", {"title": "Grow\r\nmore", "cycle": None}, "title"),
        ("objectives/", {"title": "\u200b\u200b", "cycle": None}, "title"),
        ("objectives/", {"title": "Grow", "description": "ok\nbut \x1b[2J", "cycle": None}, "description"),
        ("cycles/", {"name": "Q1\t2027", "start_date": "2027-01-01", "end_date": "2027-03-31"}, "name"),
    ],
)
def test_api_refuses_control_characters_naming_the_field(team, api, path, payload, field):
    if "cycle" in payload:
        payload = {**payload, "cycle": team.cycle.pk}
    before = db_state()
    response = api(team.admin).post(f"{BASE}/{path}", payload, format="json")
    assert response.status_code == 400, response.content
    assert field in {error["field"] for error in response.json()["errors"]}
    assert db_state() == before


def test_multi_line_description_is_accepted(team, api):
    response = api(team.admin).post(
        f"{BASE}/objectives/",
        {"title": "Grow", "description": "Why:\r\n\t- customers", "cycle": team.cycle.pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert Objective.objects.get(pk=response.json()["id"]).description == "Why:\r\n\t- customers"


def test_profile_refuses_an_invisible_name(team, client_for):
    response = client_for(team.member).post(
        reverse("profile"), {"full_name": "\u200b\u200c", "checkin_reminders": "on"}
    )
    assert response.status_code == 422
    team.member.refresh_from_db()
    assert team.member.full_name != "\u200b\u200c"


def test_an_invitation_whose_email_cannot_be_built_is_not_kept(team, django_capture_on_commit_callbacks):
    # A name stored before names were checked: the subject line cannot hold it.
    Company.objects.filter(pk=team.company.pk).update(name="Acme\r\nBcc: all@example.test")
    team.company.refresh_from_db()
    team.admin.email_verified = True
    team.admin.save(update_fields=["email_verified"])
    actor = team.actor(team.admin)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValueError, match="linefeed"):
        services.invitation_create(company=team.company, actor=actor, email="pat@example.test")
    assert not Invitation.objects.filter(email="pat@example.test").exists()
    assert mail.outbox == []
    # Once the name is fixed the same address can be invited: nothing blocks it.
    Company.objects.filter(pk=team.company.pk).update(name="Acme")
    team.company.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_create(company=team.company, actor=actor, email="pat@example.test")
    assert len(mail.outbox) == 1
