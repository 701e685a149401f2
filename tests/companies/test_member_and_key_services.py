"""Member removal and API key services (invitations: test_onboarding.py)."""

import pytest

from companies import selectors, services
from companies.models import CompanyAPIKey, Membership
from departments.models import DepartmentMembership
from okrhub.errors import NotFound, PermissionDenied
from onboarding import services as onboarding_services
from tests.helpers import refused


def test_remove_drops_department_roles_and_keeps_the_last_admin(team):
    admin = team.actor(team.admin)
    lead = Membership.objects.get(company=team.company, user=team.lead)
    onboarding_services.membership_remove(company=team.company, actor=admin, membership=lead)
    assert not Membership.objects.filter(company=team.company, user=team.lead).exists()
    assert not DepartmentMembership.objects.filter(company=team.company, user=team.lead).exists()
    with refused("user", code="last_admin"):
        onboarding_services.membership_remove(
            company=team.company, actor=admin, membership=Membership.objects.get(company=team.company, user=team.admin)
        )


def test_remove_refuses_another_companys_member_as_missing(team, other_team):
    with refused("membership", exc=NotFound):
        onboarding_services.membership_remove(
            company=team.company,
            actor=team.actor(team.admin),
            membership=Membership.objects.get(company=other_team.company, user=other_team.member),
        )


def test_api_key_is_stored_hashed_and_verifies(team):
    key, secret = services.api_key_create(company=team.company, actor=team.actor(team.admin), name="CRM", scope="write")
    stored = CompanyAPIKey.objects.get(pk=key.pk)
    assert secret.startswith(stored.prefix + ".")
    assert secret not in stored.hashed_key
    assert secret.split(".", 1)[1] not in stored.pk
    assert stored.is_valid(secret)
    assert not stored.is_valid(secret + "x")
    assert (stored.company, stored.scope, stored.created_by) == (team.company, "write", team.admin)


@pytest.mark.parametrize("role", ["leader", "member", "viewer"])
def test_only_admins_create_and_revoke_keys(team, role):
    key, _ = services.api_key_create(company=team.company, actor=team.actor(team.admin), name="CRM")
    actor = team.actor(getattr(team, role))
    with refused("name", exc=PermissionDenied):
        services.api_key_create(company=team.company, actor=actor, name="mine")
    with refused("key", exc=PermissionDenied):
        services.api_key_revoke(company=team.company, actor=actor, key=key)


def test_bad_scope_is_refused(team):
    with refused("scope"):
        services.api_key_create(company=team.company, actor=team.actor(team.admin), name="CRM", scope="admin")


def test_revoke_is_final_and_company_bound(team, other_team):
    key, _ = services.api_key_create(company=team.company, actor=team.actor(team.admin), name="CRM")
    with refused("key", exc=NotFound):
        services.api_key_revoke(company=other_team.company, actor=other_team.actor(other_team.admin), key=key)
    revoked = services.api_key_revoke(company=team.company, actor=team.actor(team.admin), key=key)
    assert revoked.revoked
    assert revoked.revoked_at is not None
    again = services.api_key_revoke(company=team.company, actor=team.actor(team.admin), key=key)
    assert again.revoked_at == revoked.revoked_at


def test_key_list_is_per_company(team, other_team):
    services.api_key_create(company=team.company, actor=team.actor(team.admin), name="ours")
    services.api_key_create(company=other_team.company, actor=other_team.actor(other_team.admin), name="theirs")
    assert [k.name for k in selectors.api_key_list(company=team.company)] == ["ours"]


def test_old_idempotency_keys_are_forgotten(team, other_team):
    import datetime

    from django.utils import timezone

    from companies.models import IdempotencyRecord

    now = timezone.now()
    for company, age in [(team.company, 25), (other_team.company, 30), (team.company, 1)]:
        IdempotencyRecord.objects.create(
            company=company,
            key=f"k{age}",
            fingerprint="f",
            status_code=201,
            response_body={},
            created_at=now - datetime.timedelta(hours=age),
        )
    assert services.idempotency_records_purge_all_companies() == 2
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["k1"]
