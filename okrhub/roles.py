"""The roles a person holds in a company and in a department.

They sit in the plumbing layer because the permission matrix
(``okrhub.permissions``) is written in their terms; ``companies.models`` and
``departments.models`` store them and re-export them under their old names.
"""

from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    LEADER = "leader", "Leader"
    MEMBER = "member", "Member"
    VIEWER = "viewer", "Viewer"


class DepartmentRole(models.TextChoices):
    LEAD = "lead", "Lead"
    MEMBER = "member", "Member"
