"""Consultations and their invitations over the API.

Who sees what (DESIGN.md): with manage_consultations, every consultation and its
invitations; observers every consultation but no invitations; liaisons and partners only
the consultations their stakeholder (or they themselves, as a contact) are invited to, and
only their own invitations. RSVP tokens never appear here: they live in the e-mailed link.
"""

import datetime
import zoneinfo

from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import serializers
from rest_framework.decorators import action

from exitplan.api import IsoDateTimeFilter, MissionRelatedField, if_match_version
from exitplan.viewsets import MissionScopedViewSet
from missions.access import VIEW
from missions.models import Phase

from .. import services
from ..models import Consultation, Contact, FeedbackForm, Invitation, ReminderDelivery
from ..selectors import MANAGE, consultations_visible

TIMESTAMPS = ["version", "created_at", "updated_at"]


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 moment with its UTC offset: a bare local time would be ambiguous."""

    def to_internal_value(self, value):
        if isinstance(value, str):
            parsed = parse_datetime(value.strip())
            if parsed is not None and timezone.is_naive(parsed):
                raise serializers.ValidationError(
                    _("Give the time with its UTC offset, e.g. 2026-11-25T10:00:00+01:00.")
                )
        return super().to_internal_value(value)


class HoursListField(serializers.ListField):
    """Whole hours; an item's error is reported as ``reminder_offsets[1]``."""

    child = serializers.IntegerField()

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as error:
            if isinstance(error.detail, dict):
                raise serializers.ValidationError(
                    [error.detail.get(index, []) for index in range(len(data))]
                ) from None
            raise


@extend_schema_field(
    {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "email": {"type": "string", "description": "With manage_consultations only."},
            "stakeholder": {"type": "integer"},
        },
    }
)
class ContactRefField(serializers.Field):
    """A contact as ``{"id", "name", "stakeholder"}`` (plus ``email`` with
    manage_consultations); in: the id of a contact of this mission."""

    def to_representation(self, contact):
        data = {"id": contact.pk, "name": contact.name, "stakeholder": contact.stakeholder_id}
        access = self.context.get("access")
        if access is not None and access.has(MANAGE):
            data["email"] = contact.email
        return data

    def to_internal_value(self, value):
        pk = value.get("id") if isinstance(value, dict) else value
        mission = self.context.get("mission")
        contact = (
            Contact.objects.select_related("stakeholder")
            .filter(pk=pk, stakeholder__mission=mission)
            .first()
            if isinstance(pk, int) and not isinstance(pk, bool)
            else None
        )
        if contact is None:
            raise serializers.ValidationError(_("Give the id of a contact of this mission."))
        return contact


CONSULTATION = {
    "phase": 7,
    "kind": "workshop",
    "title": "Joint Working Group: disengagement benchmarks for Ituri",
    "starts_at": "2026-12-03T09:00:00+01:00",
    "ends_at": "2026-12-03T13:00:00+01:00",
    "timezone": "Africa/Kinshasa",
    "location": "Primature, Kinshasa",
    "online_url": "",
    "agenda": "1. Benchmarks met since June\n2. Ituri timeline",
    "reminder_offsets": [168, 24],
    "feedback_form": None,
}


@extend_schema_serializer(
    examples=[
        OpenApiExample("A workshop", value=CONSULTATION, request_only=True),
        OpenApiExample(
            "A workshop",
            value={
                "id": 5,
                **CONSULTATION,
                "status": "scheduled",
                "outcome": "",
                "sequence": 0,
                "version": 1,
                "created_at": "2026-11-20T14:03:00Z",
                "updated_at": "2026-11-20T14:03:00Z",
            },
            response_only=True,
        ),
    ]
)
class ConsultationSerializer(serializers.ModelSerializer):
    """A consultation; ``starts_at`` and ``ends_at`` are written out in its own time zone."""

    phase = MissionRelatedField(Phase, allow_null=True, required=False)
    feedback_form = MissionRelatedField(FeedbackForm, allow_null=True, required=False)
    starts_at = AwareDateTimeField(help_text=_("ISO 8601 with its UTC offset."))
    ends_at = AwareDateTimeField(help_text=_("ISO 8601 with its UTC offset; after starts_at."))
    reminder_offsets = HoursListField(
        required=False,
        help_text=_(
            "Hours before the start at which invitees are reminded, each from 1 to 8760, "
            "each once; default [168, 24]."
        ),
    )

    class Meta:
        model = Consultation
        fields = [
            "id",
            "phase",
            "kind",
            "title",
            "starts_at",
            "ends_at",
            "timezone",
            "location",
            "online_url",
            "agenda",
            "status",
            "outcome",
            "reminder_offsets",
            "feedback_form",
            "sequence",
            *TIMESTAMPS,
        ]
        read_only_fields = ["sequence", *TIMESTAMPS]
        extra_kwargs = {
            # The service checks the zone with the other fields, so every error comes at once.
            "timezone": {
                "required": False,
                "validators": [],
                "help_text": _("IANA; the mission's by default."),
            },
            "sequence": {"help_text": _("Moves on when the consultation moves or is cancelled.")},
        }

    def to_representation(self, instance):
        data = super().to_representation(instance)
        try:
            zone = zoneinfo.ZoneInfo(instance.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return data
        for name in ("starts_at", "ends_at"):
            moment = getattr(instance, name).astimezone(zone)
            if moment.utcoffset() % datetime.timedelta(minutes=1):  # local mean time, pre-1900
                moment = moment.astimezone(datetime.UTC)  # RFC 3339 offsets are whole minutes
            data[name] = moment.isoformat().replace("+00:00", "Z")
        return data


class ConsultationFilter(filters.FilterSet):
    phase = filters.NumberFilter()
    starts_after = IsoDateTimeFilter(
        field_name="starts_at",
        lookup_expr="gte",
        label=_("Consultations starting at or after this moment (ISO 8601)."),
    )
    starts_before = IsoDateTimeFilter(
        field_name="starts_at",
        lookup_expr="lt",
        label=_("Consultations starting before this moment (ISO 8601)."),
    )

    class Meta:
        model = Consultation
        fields = ["status", "kind", "phase"]


class ConsultationViewSet(MissionScopedViewSet):
    """A mission's consultations.

    Moving one (time, time zone, place or link) bumps ``sequence`` for calendar updates.
    DELETE answers 409 once people are invited: cancel it instead, so they are told.
    """

    search_fields = ("title", "location", "agenda")

    queryset = Consultation.objects.all()
    serializer_class = ConsultationSerializer
    filterset_class = ConsultationFilter
    ordering = ("id",)
    ordering_fields = ("id", "starts_at", "ends_at", "created_at", "updated_at")
    mission_permissions = {
        "create": MANAGE,
        "update": MANAGE,
        "partial_update": MANAGE,
        "destroy": MANAGE,
        "cancel": MANAGE,
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no request
            return Consultation.objects.none()
        return consultations_visible(self.access)

    def perform_service_create(self, data):
        return services.consultation_create(actor=self.request.user, mission=self.mission, **data)

    def perform_service_update(self, obj, data, version):
        return services.consultation_update(
            actor=self.request.user, consultation=obj, data=data, version=version
        )

    def perform_service_destroy(self, obj, version):
        services.consultation_delete(actor=self.request.user, consultation=obj, version=version)

    @extend_schema(request=None, responses=ConsultationSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        """Cancel a scheduled consultation (409 when it was held or already cancelled)."""
        consultation = self.get_object()
        version = if_match_version(request, consultation)
        services.consultation_cancel(actor=request.user, consultation=consultation, version=version)
        return self.action_response(consultation)


class DeliverySerializer(serializers.ModelSerializer):
    """One e-mail to the invitee: when it is due, whether it went, and why not."""

    class Meta:
        model = ReminderDelivery
        fields = ["kind", "offset", "sequence", "due_at", "status", "attempts", "sent_at", "error"]
        read_only_fields = fields


class InvitationSerializer(serializers.ModelSerializer):
    """An invitation, without its RSVP token (that lives only in the e-mailed link)."""

    contact = ContactRefField()
    deliveries = DeliverySerializer(
        many=True,
        read_only=True,
        help_text=_(
            "The e-mails to this invitee (invitation, reminders, updates, cancellation, "
            "resends), oldest due first. With manage_consultations only."
        ),
    )

    class Meta:
        model = Invitation
        fields = ["id", "consultation", "contact", "rsvp", "deliveries", *TIMESTAMPS]
        read_only_fields = ["consultation", "rsvp", *TIMESTAMPS]
        # One invitation per contact: the service answers 409, not a 400 from here.
        validators = []

    def get_fields(self):
        fields = super().get_fields()
        access = self.context.get("access")
        if access is not None and not access.has(MANAGE):
            del fields["deliveries"]
        return fields


class InvitationRsvpSerializer(serializers.Serializer):
    rsvp = serializers.ChoiceField(choices=[(a.value, a.label) for a in services.RSVP_ANSWERS])


class InvitationFilter(filters.FilterSet):
    class Meta:
        model = Invitation
        fields = ["rsvp"]


class InvitationViewSet(MissionScopedViewSet):
    """The invitations to one consultation.

    With manage_consultations: all of them, with the contacts' e-mail addresses. Anyone
    else who may see the consultation: only the invitations whose contact is their user
    (none for most observers). The invitee or staff answer with ``rsvp/``.
    """

    queryset = Invitation.objects.all()
    serializer_class = InvitationSerializer
    filterset_class = InvitationFilter
    http_method_names = ["get", "post", "delete", "head", "options"]
    ordering = ("id",)
    ordering_fields = ("id", "created_at", "updated_at")
    mission_permissions = {
        "create": MANAGE,
        "destroy": MANAGE,
        "resend": MANAGE,
        "rsvp": VIEW,  # the invitee may answer too; the service decides per invitation
    }

    consultation: Consultation

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # A consultation the caller may not see answers 404 before anything else.
        self.consultation = self._visible_consultation()

    def _visible_consultation(self) -> Consultation:
        consultation = (
            consultations_visible(self.access)
            .select_related("mission")
            .filter(pk=self.kwargs["consultation_pk"])
            .first()
        )
        if consultation is None:
            raise Http404(_("No such consultation."))
        return consultation

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no request
            return Invitation.objects.none()
        rows = Invitation.objects.filter(consultation=self.consultation).select_related("contact")
        if not self.access.has(MANAGE):
            return rows.filter(contact__user=self.request.user)
        return rows.prefetch_related("deliveries")

    def perform_service_create(self, data):
        return services.invitation_create(
            actor=self.request.user, consultation=self.consultation, contact=data["contact"]
        )

    def perform_service_destroy(self, obj, version):
        services.invitation_delete(actor=self.request.user, invitation=obj, version=version)

    @extend_schema(request=InvitationRsvpSerializer, responses=InvitationSerializer)
    @action(detail=True, methods=["post"])
    def rsvp(self, request, *args, **kwargs):
        """Answer the invitation: accepted, tentative or declined (the invitee or staff)."""
        invitation = self.get_object()
        version = if_match_version(request, invitation)
        data = InvitationRsvpSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.invitation_rsvp(
            actor=request.user,
            access=self.access,
            invitation=invitation,
            rsvp=data.validated_data["rsvp"],
            version=version,
        )
        return self.action_response(invitation)

    @extend_schema(request=None, responses=InvitationSerializer)
    @action(detail=True, methods=["post"])
    def resend(self, request, *args, **kwargs):
        """Send the invitation again (recorded in the history; the e-mail follows)."""
        invitation = self.get_object()
        version = if_match_version(request, invitation)
        services.invitation_resend(actor=request.user, invitation=invitation, version=version)
        return self.action_response(invitation)
