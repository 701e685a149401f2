"""Departments (and teams inside them) with their leads and members."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from okrhub.roles import DepartmentRole  # stored here; defined with the permission matrix
from okrhub.text import validate_single_line


class Department(models.Model):
    company = models.ForeignKey("companies.Company", on_delete=models.CASCADE, db_index=False)
    name = models.CharField(max_length=120, validators=[validate_single_line])
    slug = models.SlugField(max_length=60)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")

    people: list["DepartmentMembership"]  # not a column: the settings page attaches the department's people

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["company", "slug"], name="department_slug_per_company"),
            models.UniqueConstraint(fields=["company", "name"], name="department_name_per_company"),
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | ~Q(parent=F("id")),
                name="department_not_own_parent",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class DepartmentMembership(models.Model):
    company = models.ForeignKey("companies.Company", on_delete=models.CASCADE, db_index=False)
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="department_memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="department_memberships")
    role = models.CharField(max_length=6, choices=DepartmentRole.choices, default=DepartmentRole.MEMBER)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "department", "user"], name="department_membership_unique"),
            models.CheckConstraint(condition=Q(role__in=DepartmentRole.values), name="department_role_valid"),
        ]
        indexes = [models.Index(fields=["company", "user"], name="deptmember_company_user")]

    def __str__(self) -> str:
        return f"{self.user} {self.role} of {self.department}"
