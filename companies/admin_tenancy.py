"""The Django admin, tenant-aware.

Operators of the whole installation are superusers and see everything. A
staff account that is *not* a superuser is a company operator: it sees and
edits only rows of the companies where it is an **admin** member (a viewer or
member with a stray ``is_staff`` flag must not read private objectives
through the back office), and it can neither pick another company nor grant
itself operator rights. Everything else answers like a missing object: the
admin's "does not exist" redirect, never a hint that the row is there.
"""

from typing import Any

from django.contrib.admin import RelatedOnlyFieldListFilter
from django.db.models import ForeignKey, Model, QuerySet
from django.http import HttpRequest

from companies.models import Company, Membership, Role

_CACHE_ATTRIBUTE = "_okrhub_operated_company_ids"


def is_installation_operator(request: HttpRequest) -> bool:
    return bool(request.user.is_active and request.user.is_superuser)


def operated_company_ids(request: HttpRequest) -> list[int]:
    """Ids of the companies a non-superuser staff account may operate (cached per request)."""
    if request.user.pk is None:  # not signed in: operates nothing
        return []
    if not hasattr(request, _CACHE_ATTRIBUTE):
        ids = list(
            Membership.objects.filter(user_id=request.user.pk, role=Role.ADMIN).values_list("company_id", flat=True)
        )
        setattr(request, _CACHE_ATTRIBUTE, ids)
    cached: list[int] = getattr(request, _CACHE_ATTRIBUTE)
    return cached


def tenant_filter(model: type[Model], queryset: QuerySet[Any], request: HttpRequest) -> QuerySet[Any]:
    """Restrict ``queryset`` of ``model`` to the operated companies (no-op for superusers)."""
    if is_installation_operator(request):
        return queryset
    ids = operated_company_ids(request)
    if model is Company:
        return queryset.filter(pk__in=ids)
    if model._meta.label == "companies.User":
        return queryset.filter(memberships__company_id__in=ids).distinct()
    if any(f.name == "company" for f in model._meta.get_fields()):
        return queryset.filter(company_id__in=ids)
    return queryset.none()


class TenantAdminMixin:
    """Mix into every ModelAdmin and inline of a tenant-owned (or tenant-linked) model."""

    model: Any  # the model class, set by ModelAdmin (type[Model], or narrower in a library's admin)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return tenant_filter(self.model, super().get_queryset(request), request)  # type: ignore[misc]

    def get_list_filter(self, request: HttpRequest) -> Any:
        """Filters on a related model offer only what the visible rows use (never every company)."""
        filters = super().get_list_filter(request)  # type: ignore[misc]
        if is_installation_operator(request):
            return filters
        related = {f.name for f in self.model._meta.get_fields() if isinstance(f, ForeignKey)}
        return [(name, RelatedOnlyFieldListFilter) if name in related else name for name in filters]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]
        if field is not None and hasattr(field, "queryset"):
            field.queryset = tenant_filter(db_field.related_model, field.queryset, request)
        return field

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]
        if field is not None and hasattr(field, "queryset") and not is_installation_operator(request):
            # Groups and permissions are installation-wide: only superusers hand them out.
            if db_field.related_model._meta.app_label == "auth":
                field.queryset = field.queryset.none()
            else:
                field.queryset = tenant_filter(db_field.related_model, field.queryset, request)
        return field


class InstallationOnlyAdminMixin:
    """For installation-wide records (sign-in attempts of every company's people): superusers only.

    The queryset is empty too, so views that look the row up before checking
    permissions (the admin's history page) answer as for a missing row.
    """

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset: QuerySet[Any] = super().get_queryset(request)  # type: ignore[misc]
        return queryset if is_installation_operator(request) else queryset.none()

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_installation_operator(request) and super().has_module_permission(request)  # type: ignore[misc]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_installation_operator(request) and super().has_view_permission(request, obj)  # type: ignore[misc]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_installation_operator(request) and super().has_change_permission(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_installation_operator(request) and super().has_delete_permission(request, obj)  # type: ignore[misc]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return is_installation_operator(request) and super().has_add_permission(request, *args)  # type: ignore[misc]


def restrict_app_to_superusers(site: Any, app_label: str) -> None:
    """Re-register a third-party app's admins (django-axes) so company operators cannot see them."""
    for model, model_admin in list(site._registry.items()):
        if model._meta.app_label == app_label and not isinstance(model_admin, InstallationOnlyAdminMixin):
            site.unregister(model)
            restricted = type(type(model_admin).__name__, (InstallationOnlyAdminMixin, type(model_admin)), {})
            site.register(model, restricted)
