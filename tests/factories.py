"""factory_boy factories; every tenant-owned factory takes ``company`` explicitly."""

import datetime

import factory

from companies.models import Company, Membership, Role, User
from departments.models import Department, DepartmentMembership, DepartmentRole
from objectives.models import Cycle, CycleStatus, KeyResult, Objective, ObjectiveStatus


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"Company {n}")
    slug = factory.Sequence(lambda n: f"company-{n}")
    timezone = "UTC"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.django.Password("pw-for-tests")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Role.MEMBER


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"Department {n}")
    slug = factory.Sequence(lambda n: f"department-{n}")


class DepartmentMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DepartmentMembership

    role = DepartmentRole.MEMBER


class CycleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cycle

    name = factory.Sequence(lambda n: f"Cycle {n}")
    start_date = datetime.date(2026, 10, 1)
    end_date = datetime.date(2026, 12, 31)
    status = CycleStatus.ACTIVE


class ObjectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Objective

    title = factory.Sequence(lambda n: f"Objective {n}")
    status = ObjectiveStatus.ACTIVE


class KeyResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KeyResult

    title = factory.Sequence(lambda n: f"Raise metric {n} from 0 to 100")
    start_value = 0
    target_value = 100
