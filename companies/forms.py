"""Forms of the profile and company settings pages. Services validate and write."""

import zoneinfo
from typing import cast

from django import forms

from companies.models import APIKeyScope, Company, Role, User
from departments.models import Department, DepartmentRole
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

    @classmethod
    def for_company(cls, company: Company, data=None) -> "CompanySettingsForm":
        initial = {name: getattr(company, name) for name in cls.base_fields}
        return cls(data, initial=initial, prefix="settings")


class MemberRoleForm(PageForm):
    role = forms.ChoiceField(label="Role", choices=Role.choices)


class DepartmentForm(PageForm):
    name = forms.CharField(label="Department name", max_length=120)
    parent = forms.ModelChoiceField(
        label="Inside department", queryset=Department.objects.none(), required=False, empty_label="— top level —"
    )

    def __init__(self, *args, company: Company, **kwargs):
        super().__init__(*args, prefix="department", **kwargs)
        parent = cast(forms.ModelChoiceField, self.fields["parent"])
        parent.queryset = Department.objects.filter(company=company).order_by("name")


class DepartmentPersonForm(PageForm):
    department = forms.ModelChoiceField(label="Department", queryset=Department.objects.none())
    user = forms.ModelChoiceField(label="Person", queryset=User.objects.none())
    role = forms.ChoiceField(
        label="Role in the department",
        choices=[*DepartmentRole.choices, ("", "Remove from department")],
        required=False,
        initial=DepartmentRole.MEMBER,
    )

    def __init__(self, *args, company: Company, **kwargs):
        super().__init__(*args, prefix="person", **kwargs)
        department = cast(forms.ModelChoiceField, self.fields["department"])
        department.queryset = Department.objects.filter(company=company).order_by("name")
        user = cast(forms.ModelChoiceField, self.fields["user"])
        user.queryset = User.objects.filter(memberships__company=company).order_by("full_name", "email")
        user.label_from_instance = lambda u: u.full_name or u.email  # type: ignore[method-assign, assignment]  # per instance


class CycleForm(PageForm):
    name = forms.CharField(label="Name", max_length=80, help_text="e.g. 2027 Q1")
    start_date = forms.DateField(label="Starts", widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label="Ends", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="cycle", **kwargs)


class SignupForm(PageForm):
    full_name = forms.CharField(
        label="Your name", max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(
        label="Work email", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters, not only digits, not a common password.",
    )
    company_name = forms.CharField(
        label="Company name", max_length=200, widget=forms.TextInput(attrs={"autocomplete": "organization"})
    )
    company_slug = forms.SlugField(
        label="Company address",
        max_length=60,
        required=False,
        help_text="Your pages live under /c/<address>/. Leave empty to make one from the company name.",
    )
    timezone = forms.ChoiceField(label="Company time zone", choices=[(tz, tz) for tz in TIMEZONES], initial="UTC")


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


class AcceptInvitationForm(PageForm):
    full_name = forms.CharField(
        label="Your name", max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    password = forms.CharField(
        label="Choose a password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters, not only digits, not a common password.",
    )


class ReassignForm(PageForm):
    """Who takes over the objectives and key results of someone leaving."""

    reassign_to = forms.ModelChoiceField(label="Give their objectives and key results to", queryset=User.objects.none())

    def __init__(self, *args, company: Company, leaving: User, label: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["reassign_to"])
        field.queryset = (
            User.objects.filter(memberships__company=company).exclude(pk=leaving.pk).order_by("full_name", "email")
        )
        field.label_from_instance = lambda u: f"{u.full_name} ({u.email})" if u.full_name else u.email  # type: ignore[method-assign, assignment]
        if label:
            field.label = label


class APIKeyForm(PageForm):
    name = forms.CharField(label="Key name", max_length=50, help_text="What uses it, e.g. “CRM sync”.")
    scope = forms.ChoiceField(label="Scope", choices=APIKeyScope.choices, initial=APIKeyScope.READ)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="key", **kwargs)
