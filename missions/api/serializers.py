from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from exitplan.api import ListedFieldsMixin
from missions.models import Membership, Mission, Role


class UserRefSerializer(serializers.Serializer):
    """A person as others see them: name only, plus e-mail for those with view_members."""

    id = serializers.IntegerField()
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return user.name or user.email.split("@")[0]

    def to_representation(self, user):
        data = super().to_representation(user)
        if self.context.get("show_email"):
            data["email"] = user.email
        return data


MISSION = {
    "code": "monusco",
    "name": "United Nations Organization Stabilization Mission in the DR Congo",
    "country": "CD",
    "timezone": "Africa/Kinshasa",
    "mandate_start": "2010-07-01",
    "planned_exit": "2026-12-20",
    "status": "active",
    "exit_approach": "conditions_based",
}


@extend_schema_serializer(
    examples=[
        OpenApiExample("A mission", value=MISSION, request_only=True),
        OpenApiExample(
            "A mission",
            value={
                **MISSION,
                "version": 3,
                "created_at": "2026-05-04T09:12:00Z",
                "updated_at": "2026-11-20T14:03:00Z",
            },
            response_only=True,
        ),
    ]
)
class MissionSerializer(ListedFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = Mission
        fields = [
            "code",
            "name",
            "country",
            "timezone",
            "mandate_start",
            "planned_exit",
            "status",
            "exit_approach",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["version", "created_at", "updated_at"]

    def validate_code(self, value: str) -> str:
        # The code is in every address of the mission (pages, API, links in e-mails already
        # sent): changing it would break them all, so it is fixed once the mission exists.
        if self.instance is not None and value != self.instance.code:
            raise serializers.ValidationError(
                _("A mission's code cannot change after it is created: it is part of every link.")
            )
        return value


class MemberSerializer(serializers.ModelSerializer):
    user = UserRefSerializer(read_only=True)
    invited_by = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Membership
        fields = ["id", "user", "role", "stakeholder", "invited_by", "created_at", "version"]
        read_only_fields = ["id", "created_at", "version"]


class MemberCreateSerializer(serializers.Serializer):
    email = serializers.EmailField()
    name = serializers.CharField(max_length=200, required=False, default="")
    role = serializers.ChoiceField(choices=Role.choices)
    stakeholder = serializers.IntegerField(
        required=False, allow_null=True, help_text=_("A stakeholder of this mission.")
    )


class MemberUpdateSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    stakeholder = serializers.IntegerField(required=False, allow_null=True)
