"""A mission's history over the API: its audit events, newest first.

The history shows each caller only what they may see elsewhere (DESIGN.md): an event the
caller may not read the values of keeps its keys, so they see *that* a field changed, with
null in place of the values, and ``redacted`` says so.
"""

import re
from typing import Any

from django_filters import rest_framework as filters
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import mixins, serializers, viewsets

from exitplan.api import CursorPagination, UpdatedAfterFilter, UserRefField
from missions.access import MissionAccess, mission_access
from missions.models import AuditEvent

# Only with manage_consultations: contacts, invitations, RSVP tokens, reminder deliveries.
CONSULTATION_TYPES = frozenset({"contact", "invitation", "reminder_delivery"})
CONSULTATION_KEYS = frozenset({"contacts", "invitations", "invitees", "email", "token"})
# Only with log_assessment: drafts. A round's status changes are visible; its other events
# (create, update, import, delete) happen while it is a draft.
ASSESSMENT_TYPES = frozenset({"assessment", "score"})
ASSESSMENT_TRANSITIONS = frozenset({"submit", "approve", "return"})
# Only with manage_feedback: a form's public link.
FEEDBACK_KEYS = frozenset({"public_token"})
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _has_email(value: Any) -> bool:
    if isinstance(value, str):
        return bool(EMAIL.search(value))
    if isinstance(value, dict):
        return any(_has_email(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_has_email(v) for v in value)
    return False


def hidden_keys(event: AuditEvent, access: MissionAccess) -> set[str]:
    """The keys of ``event.changes`` whose values this caller may not see."""
    changes = event.changes or {}
    keys = set(changes)
    verb = event.action.rpartition(".")[2]
    hidden: set[str] = set()
    if not access.has("manage_consultations"):
        hidden |= keys if event.target_type in CONSULTATION_TYPES else keys & CONSULTATION_KEYS
    if (
        not access.has("log_assessment")
        and event.target_type in ASSESSMENT_TYPES
        and verb not in ASSESSMENT_TRANSITIONS
    ):
        hidden |= keys
    if not access.has("view_members") and event.target_type == "membership":
        hidden |= {key for key, value in changes.items() if _has_email(value)}
    if not access.has("manage_feedback"):
        hidden |= keys & FEEDBACK_KEYS
    return hidden


class AuditEventSerializer(serializers.ModelSerializer):
    actor = UserRefField(read_only=True, help_text="Null for changes made by the system.")
    changes = serializers.SerializerMethodField(
        help_text="Field → [before, after]; null where the caller may not see the values."
    )
    redacted = serializers.SerializerMethodField(
        help_text="True when some values are hidden from this caller."
    )

    class Meta:
        model = AuditEvent
        fields = ["id", "at", "actor", "action", "target_type", "target_id", "changes", "redacted"]
        read_only_fields = fields

    def _hidden(self, event) -> set[str]:
        return hidden_keys(event, self.context["access"])

    def get_changes(self, event) -> dict[str, Any]:
        hidden = self._hidden(event)
        return {k: None if k in hidden else v for k, v in (event.changes or {}).items()}

    def get_redacted(self, event) -> bool:
        return bool(self._hidden(event))


class HistoryFilter(filters.FilterSet):
    target_type = filters.CharFilter(help_text="The model's name in snake case, e.g. benchmark.")
    target_id = filters.NumberFilter()
    action = filters.CharFilter(help_text="<target_type>.<verb>, e.g. benchmark.update.")

    class Meta:
        model = AuditEvent
        fields = ["target_type", "target_id", "action"]


class HistoryPagination(CursorPagination):
    ordering = ("-at", "-id")


class HistoryViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The mission's audit trail, newest first; values hidden where the caller may not see."""

    queryset = AuditEvent.objects.none()  # for the schema; get_queryset scopes by mission
    serializer_class = AuditEventSerializer
    pagination_class = HistoryPagination
    filter_backends = [UpdatedAfterFilter, DjangoFilterBackend]
    filterset_class = HistoryFilter
    moment_field = "at"
    mission_permissions = {"list": "view_history"}

    @property
    def access(self) -> MissionAccess:
        return mission_access(self.request, self.kwargs["mission_code"])

    def get_queryset(self):
        return AuditEvent.objects.filter(mission=self.access.mission).select_related("actor")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "access": self.access}
