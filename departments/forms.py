"""The department forms of the company settings page: add a department, place a person in one."""

from typing import cast

from django import forms

from companies.models import Company, User
from departments.models import Department, DepartmentRole
from okrhub.web import PageForm


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
