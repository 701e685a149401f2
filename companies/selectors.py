"""Reads of company members, invitations and API keys, each from one query."""

from django.db.models import QuerySet

from companies.models import Company, CompanyAPIKey, Invitation, Membership


def member_list(*, company: Company) -> QuerySet[Membership]:
    return Membership.objects.filter(company=company).select_related("user").order_by("id")


def api_key_list(*, company: Company, include_revoked: bool = True) -> QuerySet[CompanyAPIKey]:
    """The company's keys, newest first; never the secret, which is not stored."""
    keys = CompanyAPIKey.objects.filter(company=company).select_related("created_by")
    if not include_revoked:
        keys = keys.filter(revoked=False)
    return keys.order_by("-created", "prefix")


def invitation_list(*, company: Company, pending_only: bool = True) -> QuerySet[Invitation]:
    """The company's invitations, newest first: by default those neither accepted nor revoked (expired included)."""
    invitations = Invitation.objects.filter(company=company).select_related("invited_by")
    if pending_only:
        invitations = invitations.filter(accepted_at__isnull=True, revoked_at__isnull=True)
    return invitations.order_by("-created_at", "-pk")
