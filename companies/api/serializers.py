from rest_framework import serializers

from companies.models import APIKeyScope, Company, CompanyAPIKey, Invitation, Membership, Role, User
from companies.services import SETTINGS_FIELDS


class UserSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "full_name"]


class CompanySettingsSerializer(serializers.ModelSerializer):
    class Meta:
        model = Company
        fields = ["slug", *SETTINGS_FIELDS, "created_at"]
        read_only_fields = ["slug", "created_at"]


class MembershipSerializer(serializers.ModelSerializer):
    user = UserSummarySerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "user", "role", "created_at"]
        read_only_fields = fields


class MemberInviteSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    role = serializers.ChoiceField(choices=Role.choices, default=Role.MEMBER)
    departments = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        default=list,
        max_length=100,
        help_text="Ids of departments the invitee joins as a member on accepting.",
    )


class InvitationSerializer(serializers.ModelSerializer):
    """A pending invitation; the person becomes a member when they accept the emailed link."""

    departments = serializers.ListField(source="department_ids", child=serializers.IntegerField(), read_only=True)
    invited_by = serializers.PrimaryKeyRelatedField[User](read_only=True, allow_null=True)

    class Meta:
        model = Invitation
        fields = ["id", "email", "role", "departments", "invited_by", "created_at", "expires_at"]
        read_only_fields = fields


class MemberRoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


class MyCompanySerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    role = serializers.CharField(help_text="admin, leader, member, viewer; for a key: viewer (read) or integration.")


class KeySummarySerializer(serializers.Serializer):
    prefix = serializers.CharField()
    name = serializers.CharField()
    scope = serializers.ChoiceField(choices=APIKeyScope.choices)


class MeSerializer(serializers.Serializer):
    user = UserSummarySerializer(allow_null=True)
    api_key = KeySummarySerializer(allow_null=True)
    companies = MyCompanySerializer(many=True)


class APIKeySerializer(serializers.ModelSerializer):
    created_by = serializers.PrimaryKeyRelatedField[User](read_only=True, allow_null=True)

    class Meta:
        model = CompanyAPIKey
        fields = ["prefix", "name", "scope", "created", "created_by", "last_used_at", "revoked", "revoked_at"]
        read_only_fields = fields


class APIKeyCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    scope = serializers.ChoiceField(choices=APIKeyScope.choices, default=APIKeyScope.READ)


class APIKeyCreatedSerializer(APIKeySerializer):
    key = serializers.SerializerMethodField(help_text="The secret, shown this once. Send it as `Api-Key <key>`.")

    class Meta(APIKeySerializer.Meta):
        fields = [*APIKeySerializer.Meta.fields, "key"]
        read_only_fields = fields

    def get_key(self, obj: CompanyAPIKey) -> str:
        return self.context["secret"]
