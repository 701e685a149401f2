"""Operator admin for OKRs: progress shown as people see it ("—" when unknown).

The fields the services' rules guard (an objective's parent, weight and
status; a key result's objective, kind, direction, values, weight and
confidence) are read-only here: the admin has no actor to run the services
with, and a raw save would skip laddering, focus, closed-cycle and pace
checks. Operators change them in the app or the API. Key results are not
added here for the same reason (their target is required).
"""

from django.contrib import admin
from django.utils.html import format_html

from companies.admin_tenancy import TenantAdminMixin
from objectives.models import CheckIn, Cycle, Dependency, KeyResult, Objective, PeriodicEmail
from objectives.scheduling import schedule_full_recompute


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


class ProgressMixin:
    def save_related(self, request, form, formsets, change) -> None:
        # Operator edits bypass the services; repair the progress caches after them.
        super().save_related(request, form, formsets, change)  # type: ignore[misc]  # a mixin for ModelAdmin
        schedule_full_recompute(company_id=form.instance.company_id)

    @admin.display(description="progress", ordering="progress")
    def progress_display(self, obj) -> str:
        if obj.progress is None:
            return "—"
        return format_html(
            '<progress max="100" value="{}" style="width:6em"></progress> {}',
            round(obj.progress * 100),
            percent(obj.progress),
        )


@admin.register(Cycle)
class CycleAdmin(TenantAdminMixin, admin.ModelAdmin):
    list_display = ["name", "company", "start_date", "end_date", "status"]
    list_filter = ["status", "company"]
    list_select_related = ["company"]
    readonly_fields = ["closed_at"]


class KeyResultInline(TenantAdminMixin, ProgressMixin, admin.TabularInline):
    model = KeyResult
    extra = 0
    fields = [
        "title",
        "kind",
        "direction",
        "start_value",
        "target_value",
        "current_value",
        "unit",
        "currency",
        "weight",
        "confidence",
        "progress_display",
    ]
    readonly_fields = [
        "kind",
        "direction",
        "start_value",
        "target_value",
        "current_value",
        "weight",
        "confidence",
        "progress_display",
    ]
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Objective)
class ObjectiveAdmin(TenantAdminMixin, ProgressMixin, admin.ModelAdmin):
    list_display = [
        "title",
        "company",
        "cycle",
        "department",
        "parent",
        "status",
        "weight",
        "progress_display",
    ]
    list_filter = ["status", "company", "cycle", "department"]
    list_select_related = ["company", "cycle", "department", "parent"]
    search_fields = ["title"]
    raw_id_fields = ["owner"]
    readonly_fields = ["parent", "status", "weight", "progress_display", "final_score"]
    inlines = [KeyResultInline]

    def save_formset(self, request, form, formset, change):
        for row in formset.save(commit=False):
            row.company_id = form.instance.company_id
            row.save()
        for row in formset.deleted_objects:
            row.delete()


_CHECKIN_COLUMNS = ("created_at", "value", "confidence", "author", "note", "corrects", "retracted", "entered_at")


class CheckInInline(TenantAdminMixin, admin.TabularInline):
    model = CheckIn
    extra = 0
    fields = _CHECKIN_COLUMNS
    readonly_fields = _CHECKIN_COLUMNS
    can_delete = False
    ordering = ["-created_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(KeyResult)
class KeyResultAdmin(TenantAdminMixin, ProgressMixin, admin.ModelAdmin):
    list_display = [
        "title",
        "objective",
        "kind",
        "current_value",
        "target_value",
        "confidence",
        "progress_display",
    ]
    list_filter = ["kind", "confidence", "company"]
    list_select_related = ["objective"]
    search_fields = ["title"]
    raw_id_fields = ["owner"]
    readonly_fields = [
        "objective",
        "kind",
        "direction",
        "start_value",
        "target_value",
        "current_value",
        "weight",
        "confidence",
        "last_checkin_at",
        "progress_display",
        "final_score",
    ]
    inlines = [CheckInInline]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(CheckIn)
class CheckInAdmin(TenantAdminMixin, admin.ModelAdmin):
    """Check-ins are append-only: operators can read them, never edit them."""

    list_display = ["key_result", "value", "confidence", "author", "created_at", "corrects", "retracted"]
    list_filter = ["confidence", "company"]
    list_select_related = ["key_result", "author"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Dependency)
class DependencyAdmin(TenantAdminMixin, admin.ModelAdmin):
    list_display = ["from_objective", "to_objective", "note", "company"]
    list_select_related = ["from_objective", "to_objective", "company"]
    raw_id_fields = ["from_objective", "to_objective"]


@admin.register(PeriodicEmail)
class PeriodicEmailAdmin(TenantAdminMixin, admin.ModelAdmin):
    """Who was reminded or sent a digest, per period; an empty "sent" is a claim whose send did not finish."""

    list_display = ["period", "kind", "user", "company", "claimed_at", "sent_at"]
    list_filter = ["kind", "period", "company"]
    list_select_related = ["company", "user"]
    search_fields = ["user__email"]
    readonly_fields = ["company", "user", "kind", "period", "claimed_at", "sent_at"]

    def has_add_permission(self, request) -> bool:
        return False
