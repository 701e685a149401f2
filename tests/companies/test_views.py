"""Sign-in, password reset, profile, the company switcher, error pages and company settings."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from companies.models import Company, FocusMode, Membership, Role
from departments.models import Department, DepartmentMembership, DepartmentRole
from objectives.models import Cycle, CycleStatus
from tests.factories import MembershipFactory


def settings_url(team, name="settings", *args):
    return reverse(f"companies:{name}", args=[team.company.slug, *args])


def test_sign_in_lands_on_my_key_results(team):
    client = Client()
    response = client.post(reverse("login"), {"username": "member@acme.test", "password": "pw-for-tests"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("objectives:my_key_results", args=["acme"])
    assert "My key results" in response.content.decode()


def test_wrong_password_says_so(team):
    response = Client().post(reverse("login"), {"username": "member@acme.test", "password": "nope"})
    assert response.status_code == 200
    assert "enter a correct" in response.content.decode().lower()


def test_sign_out(team, client_for):
    client = client_for(team.member)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("objectives:my_key_results", args=["acme"])).status_code == 302


def test_password_reset_by_email(team):
    client = Client()
    response = client.post(reverse("password_reset"), {"email": "member@acme.test"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Reset your OKRHub password"
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    response = client.get(link, follow=True)
    assert "Choose a new password" in response.content.decode()
    response = client.post(
        response.redirect_chain[-1][0],
        {"new_password1": "a-much-better-pass-42", "new_password2": "a-much-better-pass-42"},
    )
    assert response.status_code == 302
    assert Client().login(username="member@acme.test", password="a-much-better-pass-42")


def test_profile_edits_name_and_reminders(team, client_for):
    client = client_for(team.member)
    assert "Your profile" in client.get(reverse("profile")).content.decode()
    response = client.post(reverse("profile"), {"full_name": "  Max Member ", "checkin_reminders": ""})
    assert response.status_code == 302
    team.member.refresh_from_db()
    assert team.member.full_name == "Max Member"
    assert team.member.checkin_reminders is False
    response = client.post(reverse("profile"), {"full_name": "x" * 201, "checkin_reminders": "on"})
    assert response.status_code == 422
    assert 'id="id_full_name_error"' in response.content.decode()


def test_company_switcher_lists_only_my_companies(team, other_team, client_for):
    third = Company.objects.create(name="Initech", slug="initech")
    MembershipFactory(company=other_team.company, user=team.member, role=Role.VIEWER)
    html = client_for(team.member).get(reverse("objectives:my_key_results", args=["acme"])).content.decode()
    assert 'class="switcher"' in html
    assert "/c/globex/" in html
    assert third.name not in html
    single = client_for(team.viewer).get(reverse("objectives:my_key_results", args=["acme"])).content.decode()
    assert 'class="switcher"' not in single


def test_friendly_404_page(team, client_for, settings):
    settings.DEBUG = False
    response = client_for(team.member).get("/c/acme/objectives/999999/")
    assert response.status_code == 404
    assert "find that page" in response.content.decode()


# ---------------------------------------------------------------- settings


@pytest.mark.parametrize("who", ["leader", "member", "viewer"])
def test_settings_are_for_admins_only(team, client_for, who):
    client = client_for(getattr(team, who))
    assert client.get(settings_url(team)).status_code == 403
    assert client.post(settings_url(team), {"settings-name": "Hacked"}).status_code == 403
    assert client.post(settings_url(team, "cycle_add"), {"cycle-name": "X"}).status_code == 403
    membership = Membership.objects.get(company=team.company, user=team.viewer)
    assert (
        client.post(settings_url(team, "member_role", membership.pk), {f"m{membership.pk}-role": "admin"}).status_code
        == 403
    )
    team.company.refresh_from_db()
    assert team.company.name == "Acme"
    assert Membership.objects.get(pk=membership.pk).role == Role.VIEWER
    html = client.get(reverse("objectives:my_key_results", args=["acme"])).content.decode()
    assert ">Settings<" not in html


def test_other_company_settings_answer_404(team, other_team, client_for):
    assert client_for(other_team.admin).get(settings_url(team)).status_code == 404


def _settings_post(**extra):
    data = {
        "settings-name": "Acme Corp",
        "settings-timezone": "Europe/Berlin",
        "settings-focus_mode": "block",
        "settings-max_objectives_per_department": "4",
        "settings-max_key_results_per_objective": "5",
        "settings-checkin_weekday": "4",
        "settings-checkin_hour": "15",
        "settings-rollup_child_objectives": "on",
        "settings-grading_window_days": "10",
    }
    data.update(extra)
    return data


def test_admin_updates_settings(team, client_for):
    client = client_for(team.admin)
    html = client.get(settings_url(team)).content.decode()
    for section in ("General, focus and check-ins", "Members and roles", "Departments", "Cycles"):
        assert section in html
    response = client.post(settings_url(team), _settings_post())
    assert response.status_code == 302
    team.company.refresh_from_db()
    assert team.company.name == "Acme Corp"
    assert team.company.timezone == "Europe/Berlin"
    assert team.company.focus_mode == FocusMode.BLOCK
    assert (team.company.checkin_weekday, team.company.checkin_hour) == (4, 15)
    assert team.company.grading_window_days == 10
    response = client.post(settings_url(team), _settings_post(**{"settings-max_objectives_per_department": "0"}))
    assert response.status_code == 422
    assert 'id="id_settings-max_objectives_per_department_error"' in response.content.decode()
    response = client.post(settings_url(team), _settings_post(**{"settings-grading_window_days": "0"}))
    assert response.status_code == 422
    assert 'id="id_settings-grading_window_days_error"' in response.content.decode()


def test_admin_changes_roles_but_keeps_one_admin(team, client_for):
    client = client_for(team.admin)
    viewer = Membership.objects.get(company=team.company, user=team.viewer)
    response = client.post(settings_url(team, "member_role", viewer.pk), {f"m{viewer.pk}-role": "member"}, follow=True)
    assert "is now member" in response.content.decode()
    assert Membership.objects.get(pk=viewer.pk).role == Role.MEMBER
    me = Membership.objects.get(company=team.company, user=team.admin)
    response = client.post(settings_url(team, "member_role", me.pk), {f"m{me.pk}-role": "viewer"}, follow=True)
    assert "at least one admin" in response.content.decode()
    assert Membership.objects.get(pk=me.pk).role == Role.ADMIN


def test_admin_creates_departments_and_sets_leads(team, client_for):
    client = client_for(team.admin)
    response = client.post(
        settings_url(team, "department_add"), {"department-name": "Marketing", "department-parent": ""}
    )
    assert response.status_code == 302
    marketing = Department.objects.get(company=team.company, name="Marketing")
    response = client.post(settings_url(team, "department_add"), {"department-name": "Marketing"})
    assert response.status_code == 422
    assert 'id="id_department-name_error"' in response.content.decode()
    response = client.post(
        settings_url(team, "department_person"),
        {"person-department": marketing.pk, "person-user": team.member.pk, "person-role": "lead"},
    )
    assert response.status_code == 302
    assert DepartmentMembership.objects.get(department=marketing, user=team.member).role == DepartmentRole.LEAD
    client.post(
        settings_url(team, "department_person"),
        {"person-department": marketing.pk, "person-user": team.member.pk, "person-role": ""},
    )
    assert not DepartmentMembership.objects.filter(department=marketing, user=team.member).exists()


def test_admin_opens_and_closes_cycles(team, client_for):
    client = client_for(team.admin)
    response = client.post(
        settings_url(team, "cycle_add"),
        {"cycle-name": "2027 Q1", "cycle-start_date": "2027-03-31", "cycle-end_date": "2027-01-01"},
    )
    assert response.status_code == 422
    assert 'id="id_cycle-end_date_error"' in response.content.decode()
    response = client.post(
        settings_url(team, "cycle_add"),
        {"cycle-name": "2027 Q1", "cycle-start_date": "2027-01-01", "cycle-end_date": "2027-03-31"},
    )
    assert response.status_code == 302
    cycle = Cycle.objects.get(company=team.company, name="2027 Q1")
    assert cycle.status == CycleStatus.PLANNING
    client.post(settings_url(team, "cycle_action", cycle.pk, "activate"))
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.ACTIVE
    client.post(settings_url(team, "cycle_action", cycle.pk, "close"))
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.CLOSED
    response = client.post(settings_url(team, "cycle_action", cycle.pk, "close"), follow=True)
    assert "closed; its OKRs are frozen" in response.content.decode()
    assert client.post(settings_url(team, "cycle_action", cycle.pk, "explode")).status_code == 404


@pytest.mark.parametrize("size", [1, 10])
def test_settings_query_count_does_not_grow_with_data(team, client_for, django_assert_num_queries, size):
    from tests.factories import CycleFactory, DepartmentFactory, DepartmentMembershipFactory, UserFactory

    for i in range(size):
        user = MembershipFactory(company=team.company, user=UserFactory()).user
        department = DepartmentFactory(company=team.company)
        DepartmentMembershipFactory(company=team.company, department=department, user=user)
        CycleFactory(company=team.company, name=f"Old {i}", status=CycleStatus.CLOSED)
    client = client_for(team.admin)
    # session, user, membership, department roles, header companies, members, departments (with counts),
    # department people, cycles, pending invitations, API keys, and the three selects: department parent,
    # person's department, person (the invitation form reuses the departments already read)
    with django_assert_num_queries(14):
        response = client.get(settings_url(team))
    assert response.status_code == 200


def test_server_error_page_renders_without_a_request():
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "Something went wrong on our side" in html
    assert "<script" not in html


def test_profile_and_sign_in_query_counts(team, client_for, django_assert_num_queries):
    client = client_for(team.member)
    # session, user, the header's companies
    with django_assert_num_queries(3):
        assert client.get(reverse("profile")).status_code == 200
    with django_assert_num_queries(0):
        assert Client().get(reverse("login")).status_code == 200
