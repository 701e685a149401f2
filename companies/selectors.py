"""Reads of company members and API keys, each from one query."""

from django.db.models import QuerySet

from companies.models import Company, CompanyAPIKey, Membership


def member_list(*, company: Company) -> QuerySet[Membership]:
    return Membership.objects.filter(company=company).select_related("user").order_by("id")


def api_key_list(*, company: Company, include_revoked: bool = True) -> QuerySet[CompanyAPIKey]:
    """The company's keys, newest first; never the secret, which is not stored."""
    keys = CompanyAPIKey.objects.filter(company=company).select_related("created_by")
    if not include_revoked:
        keys = keys.filter(revoked=False)
    return keys.order_by("-created", "prefix")
