from django.contrib import admin

from companies.admin_tenancy import TenantAdminMixin
from departments.models import Department, DepartmentMembership


class DepartmentMembershipInline(TenantAdminMixin, admin.TabularInline):
    model = DepartmentMembership
    extra = 0
    fields = ["user", "role"]
    autocomplete_fields = ["user"]


@admin.register(Department)
class DepartmentAdmin(TenantAdminMixin, admin.ModelAdmin):
    list_display = ["name", "company", "parent"]
    list_filter = ["company"]
    search_fields = ["name"]
    list_select_related = ["company", "parent"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [DepartmentMembershipInline]

    def save_formset(self, request, form, formset, change):
        # Inline rows inherit the department's company: it is the tenant key.
        for row in formset.save(commit=False):
            row.company_id = form.instance.company_id
            row.save()
        for row in formset.deleted_objects:
            row.delete()
