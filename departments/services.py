"""Writes for departments and their leads and members."""

from typing import Any, overload

from django.db import transaction
from django.utils.text import slugify

from companies.models import Company, Membership, User
from companies.tenancy import Actor
from departments.models import Department, DepartmentMembership, DepartmentRole
from okrhub.errors import invalid, not_found
from okrhub.permissions import Action


def _check_parent(*, company: Company, department: Department | None, parent: Department | None) -> None:
    if parent is None:
        return
    if parent.company_id != company.pk:
        raise not_found("department")
    if department is None or department.pk is None:
        return
    parents = dict(Department.objects.filter(company=company).values_list("id", "parent_id"))
    current: int | None = parent.pk
    while current is not None:
        if current == department.pk:
            raise invalid(
                "parent",
                "A department cannot sit inside itself or one of its teams.",
                "department_cycle",
            )
        current = parents.get(current)


def _check_unique(*, company: Company, department: Department) -> None:
    others = Department.objects.filter(company=company).exclude(pk=department.pk)
    if others.filter(name=department.name).exists():
        raise invalid("name", f"A department named “{department.name}” already exists.", "unique")
    if department.slug and others.filter(slug=department.slug).exists():
        raise invalid("slug", f"The address “{department.slug}” is taken by another department.", "unique")


@transaction.atomic
def department_create(
    *,
    company: Company,
    actor: Actor | None,
    name: str,
    slug: str = "",
    parent: Department | None = None,
) -> Department:
    """Create a department (admins only; ``actor=None`` is the system)."""
    if actor is not None:
        actor.require(Action.MANAGE_COMPANY)
    _check_parent(company=company, department=None, parent=parent)
    if not slug and name.strip() and not slugify(name):
        # The slug is made from the name here; the caller sent a name, so the error names it.
        raise invalid("name", "Use a name with letters or digits, or send a slug.", "invalid")
    department = Department(company=company, name=name, slug=slug or slugify(name)[:60], parent=parent)
    if not slug and Department.objects.filter(company=company, slug=department.slug).exists():
        raise invalid(
            "name", f"A department with a similar name (address “{department.slug}”) already exists.", "unique"
        )
    _check_unique(company=company, department=department)
    department.full_clean()
    department.save()
    return department


@transaction.atomic
def department_update(
    *,
    company: Company,
    actor: Actor,
    department: Department,
    **changes: Any,
) -> Department:
    actor.require(Action.MANAGE_COMPANY)
    if department.company_id != company.pk:
        raise not_found("department")
    allowed = {"name", "slug", "parent"}
    if set(changes) - allowed:
        raise ValueError(f"cannot change {sorted(set(changes) - allowed)}")
    if "parent" in changes:
        _check_parent(company=company, department=department, parent=changes["parent"])
    for name, value in changes.items():
        setattr(department, name, value)
    _check_unique(company=company, department=department)
    department.full_clean()
    department.save()
    return department


@overload
def department_member_set(
    *, company: Company, actor: Actor | None, department: Department, user: User, role: str = ...
) -> DepartmentMembership: ...
@overload
def department_member_set(
    *, company: Company, actor: Actor | None, department: Department, user: User, role: None
) -> None: ...
@transaction.atomic
def department_member_set(
    *,
    company: Company,
    actor: Actor | None,
    department: Department,
    user: User,
    role: str | None = DepartmentRole.MEMBER,
) -> DepartmentMembership | None:
    """Make ``user`` a lead or member of ``department``; ``role=None`` removes them."""
    if actor is not None:
        actor.require(Action.MANAGE_COMPANY)
    if department.company_id != company.pk:
        raise not_found("department")
    if not Membership.objects.filter(company=company, user=user).exists():
        raise invalid("user", "Only members of the company can join its departments.")
    if role is not None and role not in DepartmentRole.values:
        raise invalid("role", f"Choose one of: {', '.join(DepartmentRole.values)}.")
    if role is None:
        DepartmentMembership.objects.filter(company=company, department=department, user=user).delete()
        return None
    membership, _ = DepartmentMembership.objects.get_or_create(
        company=company, department=department, user=user, defaults={"role": role}
    )
    if membership.role != role:
        membership.role = role
        membership.full_clean()
        membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def department_delete(*, company: Company, actor: Actor, department: Department) -> None:
    """Delete an empty department (admins only).

    A department with objectives (in any cycle) or with teams inside it is
    refused: its history and its teams would otherwise lose their place.
    """
    actor.require(Action.MANAGE_COMPANY)
    if department.company_id != company.pk:
        raise not_found("department")
    department = Department.objects.select_for_update().get(pk=department.pk, company=company)
    if Department.objects.filter(company=company, parent=department).exists():
        raise invalid("parent", "Teams sit inside this department; move or delete them first.", "has_teams")
    # Objectives sit a layer above departments: ask through the reverse relation.
    if department.objectives.filter(company=company).exists():
        raise invalid("department", "This department has objectives; it cannot be deleted.", "has_objectives")
    DepartmentMembership.objects.filter(company=company, department=department).delete()
    department.delete()
