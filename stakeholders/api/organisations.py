"""Stakeholders over the API, with their contacts nested."""

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from exitplan.api import UserRefField
from exitplan.viewsets import MissionScopedViewSet

from .. import services
from ..models import Contact, Stakeholder

# Only callers with this permission see (and set) who a contact is beyond their name.
PRIVATE_CONTACT_FIELDS = ("email", "user")


class ContactSerializer(serializers.ModelSerializer):
    """A contact person; ``email`` and ``user`` only for callers with manage_consultations."""

    id = serializers.IntegerField(
        required=False,
        help_text=_("The contact's id; leave it out for a new contact."),
    )
    user = UserRefField(required=False)

    class Meta:
        model = Contact
        fields = ["id", "name", "email", "language", "user", "is_retired", "version"]
        read_only_fields = ["version"]

    def get_fields(self):
        fields = super().get_fields()
        access = self.context.get("access")
        if access is None or not access.has("manage_consultations"):
            for name in PRIVATE_CONTACT_FIELDS:
                fields.pop(name)
        return fields


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A host-government stakeholder",
            value={
                "name": "Prime Minister's Office (Joint Working Group co-chair)",
                "kind": "host_government",
                "contacts": [
                    {"name": "Transition focal point", "email": "pmo@example.cd", "language": "fr"}
                ],
            },
            request_only=True,
        ),
        OpenApiExample(
            "A host-government stakeholder",
            description="`email` and `user` of contacts only with manage_consultations.",
            value={
                "id": 34,
                "name": "Prime Minister's Office (Joint Working Group co-chair)",
                "kind": "host_government",
                "is_retired": False,
                "contacts": [
                    {
                        "id": 18,
                        "name": "Transition focal point",
                        "email": "pmo@example.cd",
                        "language": "fr",
                        "user": None,
                        "is_retired": False,
                        "version": 1,
                    }
                ],
                "version": 2,
                "created_at": "2026-05-04T09:12:00Z",
                "updated_at": "2026-11-20T14:03:00Z",
            },
            response_only=True,
        ),
    ]
)
class StakeholderSerializer(serializers.ModelSerializer):
    contacts = ContactSerializer(
        many=True,
        required=False,
        help_text=_(
            "When present, the whole set: contacts matched by id, new ones without an id; "
            "contacts left out are deleted, or retired when an invitation refers to them."
        ),
    )

    class Meta:
        model = Stakeholder
        fields = [
            "id",
            "name",
            "kind",
            "is_retired",
            "contacts",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["version", "created_at", "updated_at"]
        # The case-insensitive unique name per mission is checked by the service's
        # full_clean, which reports it on ``name``.
        validators = []


class StakeholderFilter(filters.FilterSet):
    class Meta:
        model = Stakeholder
        fields = ["kind", "is_retired"]


class StakeholderViewSet(MissionScopedViewSet):
    """A mission's stakeholders (read: view_mission; write: change_plan).

    DELETE answers 409 when a membership, an endorsement, a handover item or an invitation
    refers to the stakeholder: retire it (``is_retired``) instead.
    """

    search_fields = ("name", "contacts__name")

    queryset = Stakeholder.objects.prefetch_related(
        Prefetch("contacts", queryset=Contact.objects.select_related("user").order_by("id"))
    )
    serializer_class = StakeholderSerializer
    filterset_class = StakeholderFilter
    ordering = ("id",)
    ordering_fields = ("id", "name", "created_at", "updated_at")

    def perform_service_create(self, data):
        return services.stakeholder_create(actor=self.request.user, mission=self.mission, **data)

    def perform_service_update(self, obj, data, version):
        return services.stakeholder_update(
            actor=self.request.user, stakeholder=obj, version=version, **data
        )

    def perform_service_destroy(self, obj, version):
        services.stakeholder_delete(actor=self.request.user, stakeholder=obj, version=version)
