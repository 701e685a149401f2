from rest_framework import serializers

from companies.api.base import CompanyPrimaryKeyField
from companies.models import User
from departments.models import Department, DepartmentMembership, DepartmentRole


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "name", "slug", "parent"]
        read_only_fields = fields


class DepartmentInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    slug = serializers.SlugField(max_length=60, required=False, allow_blank=True)
    # Named like Field.parent: DRF's metaclass moves declared fields off the class; the stubs cannot tell.
    parent = CompanyPrimaryKeyField(model=Department, required=False, allow_null=True)  # type: ignore[assignment]


class DepartmentMemberSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)
    full_name = serializers.CharField(source="user.full_name", read_only=True)

    class Meta:
        model = DepartmentMembership
        fields = ["user", "email", "full_name", "role"]
        read_only_fields = fields


class DepartmentMemberInputSerializer(serializers.Serializer):
    user = CompanyPrimaryKeyField(
        model=User, filter_by=lambda users, context: users.filter(memberships__company=context["company"])
    )
    role = serializers.ChoiceField(choices=DepartmentRole.choices, default=DepartmentRole.MEMBER)
