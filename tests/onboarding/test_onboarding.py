"""Onboarding: sign-up, email confirmation, invitations, first run, leaving and removal, API keys on settings."""

import datetime
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from companies import services
from companies.emails import invitation_token, read_invitation_token
from companies.models import Company, CompanyAPIKey, Invitation, Membership, Role, User
from departments.models import DepartmentMembership
from objectives.models import Cycle, CycleStatus, KeyResult, Objective
from okrhub.errors import PermissionDenied
from onboarding import services as onboarding_services
from tests.factories import DepartmentFactory, KeyResultFactory, ObjectiveFactory, UserFactory
from tests.helpers import db_state, refused

PASSWORD = "a-Long-enough-passphrase-9"


def signup_data(**changes):
    data = {
        "full_name": "Nora New",
        "email": "nora@newco.test",
        "password": PASSWORD,
        "company_name": "NewCo Labs",
        "company_slug": "",
        "timezone": "Pacific/Auckland",
    }
    return {**data, **changes}


def everything() -> dict:
    """Rows of every tenant table plus the users: what a refused flow must leave alone."""
    return {**db_state(), "User": sorted(User.objects.values_list("pk", "email", "password", "email_verified"))}


def link_in(message, pattern: str) -> str:
    return re.search(rf"https?://[^/\s]+({pattern}\S+)", message.body).group(1)


def invite(team, email="colleague@example.test", *, capture, role=Role.MEMBER, **extra):
    with capture(execute=True):
        invitation = services.invitation_create(
            company=team.company, actor=team.actor(team.admin), email=email, role=role, **extra
        )
    return invitation, link_in(mail.outbox[-1], "/invitations/")


# ---------------------------------------------------------------- sign-up


def test_signup_creates_user_company_admin_membership_and_current_quarter(
    db, django_capture_on_commit_callbacks, frozen_clock
):
    # Noon UTC on New Year's Eve is already New Year's Day in Auckland: the quarter is the company's.
    frozen_clock.move_to(datetime.datetime(2026, 12, 31, 12, tzinfo=datetime.UTC))
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("signup"), signup_data())
    assert response.status_code == 302
    assert response["Location"] == reverse("signup_sent")
    user = User.objects.get(email="nora@newco.test")
    assert (user.full_name, user.email_verified, user.check_password(PASSWORD)) == ("Nora New", False, True)
    company = Company.objects.get(slug="newco-labs")
    assert (company.name, company.timezone) == ("NewCo Labs", "Pacific/Auckland")
    assert Membership.objects.get(company=company).user == user
    assert Membership.objects.get(company=company).role == Role.ADMIN
    cycle = Cycle.objects.get(company=company)
    assert cycle.status == CycleStatus.ACTIVE
    assert (cycle.name, cycle.start_date, cycle.end_date) == (
        "2027 Q1",
        datetime.date(2027, 1, 1),
        datetime.date(2027, 3, 31),
    )
    assert [m.to for m in mail.outbox] == [["nora@newco.test"]]
    assert "Confirm" in mail.outbox[0].subject
    assert mail.outbox[0].alternatives[0][1] == "text/html"


def test_signup_slug_is_unique_and_editable(db, django_capture_on_commit_callbacks):
    Company.objects.create(name="NewCo Labs", slug="newco-labs")
    onboarding_services.signup(**dict(signup_data().items()))
    assert Company.objects.filter(slug="newco-labs-2").exists()
    response = Client().post(reverse("signup"), signup_data(email="b@newco.test", company_slug="newco-labs"))
    assert response.status_code == 422
    assert "This address is taken" in response.content.decode()
    onboarding_services.signup(**signup_data(email="c@newco.test", company_slug="ours"))
    assert Company.objects.filter(slug="ours").exists()


@pytest.mark.parametrize(
    ("changes", "field_text"),
    [
        ({"password": "12345678"}, "entirely numeric"),
        ({"email": "not-an-email"}, "valid email"),
        ({"company_name": ""}, "required"),
        ({"company_slug": "not a slug"}, "valid"),
        ({"timezone": "Mars/Olympus"}, "valid choice"),
    ],
)
def test_bad_signup_names_the_field_and_creates_nothing(db, changes, field_text):
    before = everything()
    response = Client().post(reverse("signup"), signup_data(**changes))
    assert response.status_code == 422
    assert field_text in response.content.decode()
    assert everything() == before


def test_signup_with_a_known_email_answers_the_same_and_creates_nothing(team, django_capture_on_commit_callbacks):
    new = Client().post(reverse("signup"), signup_data(email="fresh@example.test", company_name="Fresh"))
    before = everything()
    with django_capture_on_commit_callbacks(execute=True):
        known = Client().post(reverse("signup"), signup_data(email="Member@ACME.test", company_name="Sneaky"))
    assert (known.status_code, known["Location"]) == (new.status_code, new["Location"])
    assert everything() == before
    assert not Company.objects.filter(name="Sneaky").exists()
    assert [m.to for m in mail.outbox] == [["member@acme.test"]]
    assert "already have" in mail.outbox[0].subject
    page = Client().get(known["Location"]).content.decode()
    assert "Check your email" in page


def test_signup_closed_refuses_the_page_but_invitations_still_work(team, settings, django_capture_on_commit_callbacks):
    settings.OKRHUB_OPEN_SIGNUP = False
    before = everything()
    assert Client().get(reverse("signup")).status_code == 403
    response = Client().post(reverse("signup"), signup_data())
    assert response.status_code == 403
    assert "Sign-up is closed" in response.content.decode()
    assert everything() == before
    assert "Create your company" not in Client().get(reverse("login")).content.decode()
    with pytest.raises(PermissionDenied):
        onboarding_services.signup(**signup_data())

    _, link = invite(team, "invitee@example.test", capture=django_capture_on_commit_callbacks)
    client = Client()
    response = client.post(link, {"full_name": "Ivo Invitee", "password": PASSWORD})
    assert response.status_code == 302
    assert Membership.objects.filter(company=team.company, user__email="invitee@example.test").exists()


def test_email_link_confirms_and_then_invitations_may_be_sent(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user = onboarding_services.signup(**signup_data())
    company = Company.objects.get(memberships__user=user)
    actor = services.Actor.for_user(company, user)
    with refused("email", exc=PermissionDenied):
        services.invitation_create(company=company, actor=actor, email="x@example.test")
    client = Client()
    client.force_login(user)
    page = client.get(reverse("objectives:my_key_results", args=[company.slug])).content.decode()
    assert "Please confirm nora@newco.test" in page
    link = link_in(mail.outbox[0], "/accounts/verify/")
    tampered = link[:-3] + ("aaa" if not link.endswith("aaa/") else "bbb") + "/"
    assert client.get(tampered).status_code == 400
    response = client.get(link)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email_verified
    actor = services.Actor.for_user(company, user)
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_create(company=company, actor=actor, email="x@example.test")
    assert mail.outbox[-1].to == ["x@example.test"]


def test_unverified_admin_gets_403_from_the_invite_form(db, django_capture_on_commit_callbacks):
    user = onboarding_services.signup(**signup_data())
    company = Company.objects.get(memberships__user=user)
    client = Client()
    client.force_login(user)
    before = everything()
    response = client.post(
        reverse("companies:invitation_add", args=[company.slug]),
        {"invite-email": "x@example.test", "invite-role": "member"},
    )
    assert response.status_code == 403
    assert everything() == before


# ---------------------------------------------------------------- invitations


def test_invitation_email_link_creates_the_account_membership_and_departments(team, django_capture_on_commit_callbacks):
    ops = DepartmentFactory(company=team.company, name="Ops", slug="ops")
    invitation, link = invite(
        team, "New.Person@Example.TEST", role=Role.LEADER, departments=[ops], capture=django_capture_on_commit_callbacks
    )
    assert invitation.email == "new.person@example.test"
    assert invitation.expires_at - invitation.created_at == datetime.timedelta(days=7)
    assert not User.objects.filter(email="new.person@example.test").exists()
    message = mail.outbox[-1]
    assert team.company.name in message.subject
    assert message.alternatives[0][1] == "text/html"

    client = Client()
    page = client.get(link)
    assert page.status_code == 200
    assert "Join Acme" in page.content.decode()
    response = client.post(link, {"full_name": "Nia New", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("objectives:my_key_results", args=[team.company.slug])
    user = User.objects.get(email="new.person@example.test")
    assert user.check_password(PASSWORD)
    assert user.email_verified
    assert Membership.objects.get(company=team.company, user=user).role == Role.LEADER
    assert DepartmentMembership.objects.get(company=team.company, user=user).department == ops
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert invitation.accepted_by == user
    assert client.get(response["Location"]).status_code == 200  # signed in


def test_weak_password_on_acceptance_creates_nothing(team, django_capture_on_commit_callbacks):
    _, link = invite(team, capture=django_capture_on_commit_callbacks)
    before = everything()
    response = Client().post(link, {"full_name": "X", "password": "short"})
    assert response.status_code == 422
    assert "too short" in response.content.decode()
    assert everything() == before


def _expire(invitation):
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))


def _reuse(team, invitation, link):
    Client().post(link, {"full_name": "First", "password": PASSWORD})


def _revoke(team, invitation, link):
    services.invitation_revoke(company=team.company, actor=team.actor(team.admin), invitation=invitation)


REFUSALS = {
    "expired": (lambda team, invitation, link: _expire(invitation), lambda link: link, 410, "has expired"),
    "reused": (_reuse, lambda link: link, 410, "already been accepted"),
    "revoked": (_revoke, lambda link: link, 410, "withdrawn"),
    "tampered": (lambda *a: None, lambda link: link.replace(":", ":x", 1), 404, "not valid"),
    "forged id": (
        lambda *a: None,
        lambda link: reverse("invitation_accept", args=["eyJpIjoxLCJuIjoieCJ9:1vVw3E:forged"]),
        404,
        "not valid",
    ),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_refused_invitation_links_say_why_and_create_nothing(team, django_capture_on_commit_callbacks, case):
    prepare, mangle, status, text = REFUSALS[case]
    invitation, link = invite(team, capture=django_capture_on_commit_callbacks)
    prepare(team, invitation, link)
    before = everything()
    for method in ("get", "post"):
        client = Client()
        response = getattr(client, method)(mangle(link), {"full_name": "Late", "password": PASSWORD})
        assert response.status_code == status, (method, response.content)
        assert text in response.content.decode()
        assert "_auth_user_id" not in client.session
    assert everything() == before


def test_resending_makes_a_new_link_and_voids_the_old_one(team, django_capture_on_commit_callbacks):
    invitation, old_link = invite(team, capture=django_capture_on_commit_callbacks)
    _expire(invitation)
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_resend(company=team.company, actor=team.actor(team.admin), invitation=invitation)
    new_link = link_in(mail.outbox[-1], "/invitations/")
    assert new_link != old_link
    assert Client().get(old_link).status_code == 404
    assert Client().get(new_link).status_code == 200


def test_invitation_refusals_on_create(team, other_team, django_capture_on_commit_callbacks):
    admin = team.actor(team.admin)
    with refused("email", code="already_member"):
        services.invitation_create(company=team.company, actor=admin, email=team.viewer.email.upper())
    invite(team, "x@example.test", capture=django_capture_on_commit_callbacks)
    with refused("email", code="already_invited"):
        services.invitation_create(company=team.company, actor=admin, email="x@example.test")
    with refused("departments", code="does_not_exist"):
        services.invitation_create(
            company=team.company, actor=admin, email="y@example.test", departments=[other_team.department]
        )
    with refused("email", exc=PermissionDenied):
        services.invitation_create(company=team.company, actor=team.actor(team.leader), email="y@example.test")
    # An expired pending invitation does not block a new one: it is replaced.
    _expire(Invitation.objects.get(email="x@example.test"))
    services.invitation_create(company=team.company, actor=admin, email="x@example.test")
    assert Invitation.objects.filter(email="x@example.test", revoked_at__isnull=True).count() == 1


def test_a_person_invited_to_a_second_company_gains_a_membership_not_an_account(
    team, other_team, django_capture_on_commit_callbacks
):
    person = other_team.member
    _, link = invite(team, person.email, capture=django_capture_on_commit_callbacks)
    users = User.objects.count()
    anonymous = Client().get(link).content.decode()
    assert "Sign in to accept" in anonymous
    before = everything()
    assert Client().post(link, {"full_name": "x", "password": PASSWORD}).status_code == 302  # to sign-in
    assert everything() == before
    client = Client()
    client.force_login(person)
    assert "Join Acme" in client.get(link).content.decode()
    response = client.post(link)
    assert response["Location"] == reverse("objectives:my_key_results", args=[team.company.slug])
    assert User.objects.count() == users
    assert set(Membership.objects.filter(user=person).values_list("company__slug", flat=True)) == {"acme", "globex"}
    page = client.get(response["Location"]).content.decode()
    switcher = re.search(r'<details class="switcher">.*?</details>', page, re.S).group(0)
    assert "Acme" in switcher
    assert "Globex" in switcher


def test_signed_in_as_someone_else_cannot_accept(team, other_team, django_capture_on_commit_callbacks):
    _, link = invite(team, "someone@example.test", capture=django_capture_on_commit_callbacks)
    client = Client()
    client.force_login(other_team.admin)
    before = everything()
    assert "this invitation is for someone@example.test" in client.get(link).content.decode()
    assert client.post(link).status_code == 403
    assert everything() == before


def test_settings_page_invites_resends_and_revokes(team, client_for, django_capture_on_commit_callbacks):
    client = client_for(team.admin)
    url = reverse("companies:invitation_add", args=[team.company.slug])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"invite-email": "pat@example.test", "invite-role": "viewer"})
    assert response.status_code == 302
    invitation = Invitation.objects.get(company=team.company, email="pat@example.test")
    assert invitation.role == Role.VIEWER
    assert mail.outbox[-1].to == ["pat@example.test"]
    page = client.get(reverse("companies:settings", args=[team.company.slug])).content.decode()
    assert "pat@example.test" in page
    bad = client.post(url, {"invite-email": team.viewer.email, "invite-role": "member"})
    assert bad.status_code == 422
    assert "already a member" in bad.content.decode()
    action = lambda name: reverse(  # noqa: E731
        "companies:invitation_action", args=[team.company.slug, invitation.pk, name]
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(action("resend")).status_code == 302
    assert len(mail.outbox) == 2
    assert client.post(action("revoke")).status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    # Members cannot; other companies' invitations are missing.
    assert client_for(team.member).post(action("resend")).status_code == 403
    other = Client()
    other.force_login(UserFactory())
    assert other.post(action("revoke")).status_code == 404


def test_api_invite_creates_an_invitation_not_a_membership(team, api, django_capture_on_commit_callbacks):
    ops = DepartmentFactory(company=team.company, name="Ops", slug="ops")
    with django_capture_on_commit_callbacks(execute=True):
        response = api(team.admin).post(
            f"/api/v1/companies/{team.company.slug}/members/",
            {"email": "api@example.test", "role": "leader", "departments": [ops.pk]},
        )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["email"], body["role"], body["departments"]) == ("api@example.test", "leader", [ops.pk])
    assert not Membership.objects.filter(company=team.company, user__email="api@example.test").exists()
    assert mail.outbox[-1].to == ["api@example.test"]


# ---------------------------------------------------------------- leaving and removal


def test_removal_hands_objectives_and_key_results_to_the_chosen_owner(team, client_for):
    objective = ObjectiveFactory(company=team.company, cycle=team.cycle, department=team.department, owner=team.lead)
    kr = KeyResultFactory(company=team.company, objective=objective, owner=team.lead)
    membership = Membership.objects.get(company=team.company, user=team.lead)
    client = client_for(team.admin)
    url = reverse("companies:member_remove", args=[team.company.slug, membership.pk])
    page = client.get(url).content.decode()
    assert "They own 2 objectives" in page
    refused_post = client.post(url, {"reassign_to": UserFactory().pk})
    assert refused_post.status_code == 422
    assert Membership.objects.filter(pk=membership.pk).exists()
    assert client.post(url, {"reassign_to": team.member.pk}).status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert Objective.objects.get(pk=objective.pk).owner == team.member
    assert KeyResult.objects.get(pk=kr.pk).owner == team.member
    assert client_for(team.leader).get(url).status_code in (403, 404)


def test_a_member_leaves_choosing_who_takes_over(team, client_for):
    objective = ObjectiveFactory(company=team.company, cycle=team.cycle, department=team.department, owner=team.member)
    client = client_for(team.member)
    url = reverse("leave_company", args=[team.company.slug])
    assert "Choose who takes them over" in client.get(url).content.decode()
    before = everything()
    assert client.post(url, {}).status_code == 422
    assert client.post(url, {"reassign_to": team.member.pk}).status_code == 422
    assert everything() == before
    assert client.post(url, {"reassign_to": team.lead.pk}).status_code == 302
    assert not Membership.objects.filter(company=team.company, user=team.member).exists()
    assert Objective.objects.get(pk=objective.pk).owner == team.lead
    assert client.get(reverse("objectives:my_key_results", args=[team.company.slug])).status_code == 404


def test_a_viewer_who_owns_nothing_leaves_without_choosing(team, client_for):
    client = client_for(team.viewer)
    assert client.post(reverse("leave_company", args=[team.company.slug]), {}).status_code == 302
    assert not Membership.objects.filter(company=team.company, user=team.viewer).exists()


def test_the_last_admin_cannot_leave(team, client_for):
    client = client_for(team.admin)
    url = reverse("leave_company", args=[team.company.slug])
    assert "only admin" in client.get(url).content.decode()
    before = everything()
    response = client.post(url, {"reassign_to": team.leader.pk})
    assert response.status_code == 422
    assert "only admin" in response.content.decode()
    assert everything() == before
    with refused("reassign_to", code="last_admin"):
        onboarding_services.membership_leave(
            company=team.company, actor=team.actor(team.admin), reassign_to=team.leader
        )


# ---------------------------------------------------------------- first run


def test_an_empty_companys_home_offers_the_three_starts_to_admins(team, client_for, django_assert_num_queries):
    home = reverse("objectives:my_key_results", args=[team.company.slug])
    client = client_for(team.admin)
    # session, user, membership, department roles, cycles, my objectives, company objectives, header companies,
    # and the first-run state: objective counts, first department
    with django_assert_num_queries(10):
        page = client.get(home).content.decode()
    assert "Load the example cascade" in page
    assert "Import from a CSV file" in page
    assert reverse("objectives:import", args=[team.company.slug]) in page
    assert "Write the first company objective" in page
    assert "Load the example cascade" not in client_for(team.member).get(home).content.decode()


def test_loading_the_example_cascade_into_an_empty_company(team, client_for):
    client = client_for(team.admin)
    url = reverse("example_load", args=[team.company.slug])
    assert client_for(team.leader).post(url).status_code == 403
    response = client.post(url)
    assert response.status_code == 302
    objectives = Objective.objects.filter(company=team.company)
    assert objectives.count() == 4
    assert set(objectives.values_list("owner", flat=True)) == {team.admin.pk}
    top = objectives.get(parent__isnull=True)
    assert top.title == "Expand into new markets and grow revenue by 25%"
    assert {o.department.name for o in objectives.filter(parent=top)} == {"Sales", "Marketing", "Product"}
    assert KeyResult.objects.filter(company=team.company).count() == 12
    assert (
        "Load the example cascade"
        not in client.get(reverse("objectives:my_key_results", args=[team.company.slug])).content.decode()
    )
    before = everything()
    client.post(url)
    assert everything() == before  # only into an empty company


def test_loading_the_example_activates_the_planned_cycle_running_today(team, client_for):
    # Found by mypy: first_cycle activated a planning cycle with actor=None, which cycle_activate cannot take.
    Cycle.objects.filter(pk=team.cycle.pk).update(status=CycleStatus.PLANNING)
    response = client_for(team.admin).post(reverse("example_load", args=[team.company.slug]))
    assert response.status_code == 302
    team.cycle.refresh_from_db()
    assert team.cycle.status == CycleStatus.ACTIVE
    assert set(Objective.objects.filter(company=team.company).values_list("cycle", flat=True)) == {team.cycle.pk}


def test_blank_start_shows_progress_through_the_guided_steps(team, client_for):
    home = reverse("objectives:my_key_results", args=[team.company.slug])
    client = client_for(team.admin)
    top = ObjectiveFactory(company=team.company, cycle=team.cycle, department=None, owner=team.admin)
    page = client.get(home).content.decode()
    assert "Next steps to your first cascade" in page
    assert f"?department={team.department.pk}" in page
    ObjectiveFactory(company=team.company, cycle=team.cycle, department=team.department, parent=top)
    assert "Next steps" not in client.get(home).content.decode()


# ---------------------------------------------------------------- API keys on the settings page


def test_admin_creates_a_key_sees_the_secret_once_and_revokes_it(team, client_for, api):
    client = client_for(team.admin)
    response = client.post(
        reverse("companies:api_key_add", args=[team.company.slug]), {"key-name": "CRM sync", "key-scope": "write"}
    )
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    key = CompanyAPIKey.objects.get(company=team.company, name="CRM sync")
    secret = re.search(r'id="api-key-secret"[^>]*value="([^"]+)"', response.content.decode()).group(1)
    assert secret.startswith(key.prefix + ".")
    assert "shown only this once" in response.content.decode()
    settings_page = client.get(reverse("companies:settings", args=[team.company.slug])).content.decode()
    assert key.prefix in settings_page
    assert secret not in settings_page
    assert api(key=secret).get(f"/api/v1/companies/{team.company.slug}/").status_code == 200

    revoke = reverse("companies:api_key_revoke", args=[team.company.slug, key.prefix])
    assert client.post(revoke).status_code == 302
    assert api(key=secret).get(f"/api/v1/companies/{team.company.slug}/").status_code == 401
    assert "revoked" in client.get(reverse("companies:settings", args=[team.company.slug])).content.decode()


def test_bad_key_name_names_the_field_and_creates_nothing(team, client_for):
    before = everything()
    response = client_for(team.admin).post(
        reverse("companies:api_key_add", args=[team.company.slug]), {"key-name": "", "key-scope": "admin"}
    )
    assert response.status_code == 422
    assert "id_key-name_error" in response.content.decode() or "This field is required" in response.content.decode()
    assert everything() == before


def test_non_admins_get_403_and_other_companies_keys_are_missing(team, other_team, client_for, api_key):
    secret = api_key(other_team.company)
    prefix = secret.split(".")[0]
    for user in (team.leader, team.member, team.viewer):
        client = client_for(user)
        assert (
            client.post(reverse("companies:api_key_add", args=[team.company.slug]), {"key-name": "x"}).status_code
            == 403
        )
        assert client.get(reverse("companies:settings", args=[team.company.slug])).status_code == 403
    before = everything()
    assert (
        client_for(team.admin).post(reverse("companies:api_key_revoke", args=[team.company.slug, prefix])).status_code
        == 404
    )
    assert (
        client_for(team.admin)
        .post(reverse("companies:api_key_revoke", args=[other_team.company.slug, prefix]))
        .status_code
        == 404
    )
    assert everything() == before


# ---------------------------------------------------------------- query counts and page hygiene


def test_new_pages_query_counts(team, client_for, django_assert_num_queries, django_capture_on_commit_callbacks):
    with django_assert_num_queries(0):
        assert Client().get(reverse("signup")).status_code == 200
    _, link = invite(team, capture=django_capture_on_commit_callbacks)
    # the invitation (with company and inviter), whether the address has an account
    with django_assert_num_queries(2):
        assert Client().get(link).status_code == 200
    client = client_for(team.admin)
    # session, user, membership, department roles; the service's savepoint, its full_clean (company, creator,
    # id, prefix, scope constraint with its savepoint), the insert, release; the header's companies
    with django_assert_num_queries(15):
        response = client.post(
            reverse("companies:api_key_add", args=[team.company.slug]), {"key-name": "CI", "key-scope": "read"}
        )
    assert response.status_code == 201
    member = Membership.objects.get(company=team.company, user=team.member)
    # session, user, membership, department roles, the member, what they own (2), the candidates, header companies
    with django_assert_num_queries(9):
        assert client.get(reverse("companies:member_remove", args=[team.company.slug, member.pk])).status_code == 200
    ObjectiveFactory(company=team.company, cycle=team.cycle, department=team.department, owner=team.member)
    leaver = client_for(team.member)
    # session, user, membership, department roles, what they own (2), the candidates, header companies
    with django_assert_num_queries(8):
        assert leaver.get(reverse("leave_company", args=[team.company.slug])).status_code == 200


def test_new_pages_have_no_inline_script_or_style(team, client_for, django_capture_on_commit_callbacks):
    _, link = invite(team, capture=django_capture_on_commit_callbacks)
    admin = client_for(team.admin)
    member = Membership.objects.get(company=team.company, user=team.member)
    pages = [
        Client().get(reverse("signup")),
        Client().get(reverse("signup_sent")),
        Client().get(link),
        admin.get(reverse("objectives:my_key_results", args=[team.company.slug])),
        admin.get(reverse("companies:member_remove", args=[team.company.slug, member.pk])),
        admin.get(reverse("leave_company", args=[team.company.slug])),
        admin.post(reverse("companies:api_key_add", args=[team.company.slug]), {"key-name": "x", "key-scope": "read"}),
        Client().get(reverse("invitation_accept", args=["nonsense"])),
    ]
    for response in pages:
        html = response.content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), response.request["PATH_INFO"]
        assert " style=" not in html
        assert "<style" not in html
        assert re.search(r" on[a-z]+=", html) is None
        # every input has a label
        for input_id in re.findall(r'<input[^>]+type="(?:text|email|password)"[^>]*id="([^"]+)"', html):
            assert f'for="{input_id}"' in html, input_id


def test_token_helper_round_trips(team, django_capture_on_commit_callbacks):
    invitation, link = invite(team, capture=django_capture_on_commit_callbacks)
    token = link.rstrip("/").rsplit("/", 1)[-1]
    assert link == reverse("invitation_accept", args=[token])
    # A token carries the second it was signed: compared by what it says, two made a second apart are equal.
    assert read_invitation_token(token) == {"i": invitation.pk, "n": invitation.nonce}
    assert read_invitation_token(invitation_token(invitation)) == read_invitation_token(token)


def test_api_removal_hands_what_the_member_owns_to_the_removing_admin(team, api):
    objective = ObjectiveFactory(company=team.company, cycle=team.cycle, department=team.department, owner=team.member)
    membership = Membership.objects.get(company=team.company, user=team.member)
    response = api(team.admin).delete(f"/api/v1/companies/{team.company.slug}/members/{membership.pk}/")
    assert response.status_code == 204
    assert Objective.objects.get(pk=objective.pk).owner == team.admin


def test_api_resend_voids_the_old_link_and_revoke_refuses_the_new_one(team, api, django_capture_on_commit_callbacks):
    invitation, old_link = invite(team, capture=django_capture_on_commit_callbacks)
    client = api(team.admin)
    base = f"/api/v1/companies/{team.company.slug}/invitations/{invitation.pk}/"
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"{base}resend/").status_code == 200
    new_link = link_in(mail.outbox[-1], "/invitations/")
    assert Client().get(old_link).status_code == 404
    assert client.delete(base).status_code == 204
    response = Client().get(new_link)
    assert response.status_code == 410
    assert "withdrawn" in response.content.decode()
    listed = client.get(f"/api/v1/companies/{team.company.slug}/invitations/").json()["results"]
    assert listed == []
