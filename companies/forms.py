"""Forms of the profile and company settings pages. Services validate and write."""

import zoneinfo
from typing import cast

from django import forms

from companies.models import APIKeyScope, Company, Role
from departments.models import Department
from okrhub.web import PageForm

TIMEZONES = sorted(zoneinfo.available_timezones())


class ProfileForm(PageForm):
    full_name = forms.CharField(label="Your name", max_length=200, required=False)
    checkin_reminders = forms.BooleanField(label="Email me a reminder when my check-ins are due", required=False)


class CompanySettingsForm(PageForm):
    name = forms.CharField(label="Company name", max_length=200)
    timezone = forms.ChoiceField(label="Time zone", choices=[(tz, tz) for tz in TIMEZONES])
    focus_mode = forms.ChoiceField(
        label="When a focus limit is exceeded",
        choices=[("warn", "Warn, but allow it"), ("block", "Refuse it")],
    )
    max_objectives_per_department = forms.IntegerField(
        label="Objectives per department and cycle", min_value=1, max_value=50
    )
    max_key_results_per_objective = forms.IntegerField(label="Key results per objective", min_value=1, max_value=50)
    checkin_weekday = forms.TypedChoiceField(
        label="Check-in day",
        coerce=int,
        choices=[
            (i, d) for i, d in enumerate(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"])
        ],
    )
    checkin_hour = forms.TypedChoiceField(
        label="Check-in hour (company time)", coerce=int, choices=[(h, f"{h:02d}:00") for h in range(24)]
    )
    rollup_child_objectives = forms.BooleanField(
        label="Child objectives count in their parent's progress", required=False
    )
    grading_window_days = forms.IntegerField(
        label="Grading window (days after a cycle closes)",
        min_value=1,
        max_value=60,
        help_text="Owners may change their key results' final scores, with a reason, until it ends.",
    )

    @classmethod
    def for_company(cls, company: Company, data=None) -> "CompanySettingsForm":
        initial = {name: getattr(company, name) for name in cls.base_fields}
        return cls(data, initial=initial, prefix="settings")


class MemberRoleForm(PageForm):
    role = forms.ChoiceField(label="Role", choices=Role.choices)


class CycleForm(PageForm):
    name = forms.CharField(label="Name", max_length=80, help_text="e.g. 2027 Q1")
    start_date = forms.DateField(label="Starts", widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label="Ends", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="cycle", **kwargs)


class InvitationForm(PageForm):
    email = forms.EmailField(label="Email address", max_length=254)
    role = forms.ChoiceField(label="Role", choices=Role.choices, initial=Role.MEMBER)
    departments = forms.ModelMultipleChoiceField(
        label="Departments (as member)",
        queryset=Department.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, company: Company, departments=None, **kwargs):
        super().__init__(*args, prefix="invite", **kwargs)
        field = cast(forms.ModelMultipleChoiceField, self.fields["departments"])
        field.queryset = Department.objects.filter(company=company).order_by("name")
        if departments is not None:
            # The page has the departments already: render from them without another query.
            field.choices = [(d.pk, d.name) for d in departments]


class APIKeyForm(PageForm):
    name = forms.CharField(label="Key name", max_length=50, help_text="What uses it, e.g. “CRM sync”.")
    scope = forms.ChoiceField(label="Scope", choices=APIKeyScope.choices, initial=APIKeyScope.READ)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="key", **kwargs)
