from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from companies.admin_tenancy import TenantAdminMixin, is_installation_operator, restrict_app_to_superusers
from companies.models import Company, CompanyAPIKey, Invitation, Membership, User


class MembershipInline(TenantAdminMixin, admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Company)
class CompanyAdmin(TenantAdminMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "timezone", "focus_mode", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "timezone"]}),
        (
            "OKR practice",
            {
                "fields": [
                    "focus_mode",
                    "max_objectives_per_department",
                    "max_key_results_per_objective",
                    "rollup_child_objectives",
                ]
            },
        ),
        ("Check-in cadence", {"fields": ["checkin_weekday", "checkin_hour"]}),
    ]

    def has_add_permission(self, request) -> bool:
        # New tenants come from sign-up or an installation operator, not from a company's operator.
        return is_installation_operator(request) and super().has_add_permission(request)


@admin.register(User)
class UserAdmin(TenantAdminMixin, BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active", "date_joined"]
    search_fields = ["email", "full_name"]
    list_filter = ["is_staff", "is_active"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["full_name", "checkin_reminders", "email_verified"]}),
        (
            "Operator access",
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]

    # A company operator (staff, not superuser) may look people of its companies
    # up but never change them: a person can belong to several companies, and
    # changing their password or flags would reach into the others.
    def has_add_permission(self, request) -> bool:
        return is_installation_operator(request) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return is_installation_operator(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return is_installation_operator(request) and super().has_delete_permission(request, obj)


@admin.register(Membership)
class MembershipAdmin(TenantAdminMixin, admin.ModelAdmin):
    list_display = ["user", "company", "role", "created_at"]
    list_filter = ["role", "company"]
    search_fields = ["user__email", "company__name"]
    list_select_related = ["user", "company"]
    autocomplete_fields = ["user", "company"]


@admin.register(Invitation)
class InvitationAdmin(TenantAdminMixin, admin.ModelAdmin):
    """Operators see who was invited where; the link itself lives only in the email."""

    list_display = ["email", "company", "role", "created_at", "expires_at", "accepted_at", "revoked_at"]
    list_filter = ["role", "company"]
    search_fields = ["email", "company__name"]
    list_select_related = ["company"]
    autocomplete_fields = ["company"]
    readonly_fields = ["nonce", "invited_by", "accepted_by", "accepted_at", "sent_at", "created_at"]


# The library's own key model is installed with it but unused: keys here belong to a company.
admin.site.unregister(APIKey)
# Sign-in attempts (django-axes, registered before this app) name people of every company.
restrict_app_to_superusers(admin.site, "axes")


@admin.register(CompanyAPIKey)
class CompanyAPIKeyAdmin(TenantAdminMixin, APIKeyModelAdmin):
    """Operators can revoke a leaked key; the secret is shown once on creation, as in the API."""

    # The library's admin declares these as tuple literals, which its types then fix in length.
    list_display = ["prefix", "name", "company", "scope", "created", "last_used_at", "revoked"]  # type: ignore[assignment]
    list_filter = ["scope", "revoked", "company"]  # type: ignore[assignment]
    search_fields = ["name", "prefix", "company__name"]  # type: ignore[assignment]
    list_select_related = ["company"]
    autocomplete_fields = ["company"]
    readonly_fields = ["last_used_at", "revoked_at", "created_by"]

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), *self.readonly_fields)
