from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from exitplan.api import if_match_version, with_etag
from exitplan.viewsets import IdempotentCreateMixin
from missions import services
from missions.access import mission_access
from missions.models import Membership, Mission
from stakeholders.models import Stakeholder

from .serializers import (
    MemberCreateSerializer,
    MemberSerializer,
    MemberUpdateSerializer,
    MissionSerializer,
)


class MissionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Missions the caller holds a role in; site administrators create them."""

    serializer_class = MissionSerializer
    lookup_field = "code"
    lookup_url_kwarg = "mission_code"
    mission_permissions = {"update": "change_mission", "partial_update": "change_mission"}
    ordering = ["id"]

    def get_queryset(self):
        return Mission.objects.visible_to(self.request.user).order_by("id")

    def get_object(self):
        return mission_access(self.request, self.kwargs["mission_code"]).mission

    def retrieve(self, request, *args, **kwargs):
        mission = self.get_object()
        return with_etag(Response(self.get_serializer(mission).data), mission)

    def create(self, request, *args, **kwargs):
        if not request.user.is_staff:
            raise PermissionDenied(_("Only site administrators create missions."))
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        mission = services.mission_create(actor=request.user, **serializer.validated_data)
        return with_etag(
            Response(self.get_serializer(mission).data, status=status.HTTP_201_CREATED), mission
        )

    def update(self, request, *args, **kwargs):
        mission = self.get_object()
        version = if_match_version(request, mission)
        serializer = self.get_serializer(
            mission, data=request.data, partial=kwargs.get("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        mission = services.record_update(
            actor=request.user, instance=mission, data=serializer.validated_data, version=version
        )
        return with_etag(Response(self.get_serializer(mission).data), mission)


class MemberViewSet(IdempotentCreateMixin, viewsets.ModelViewSet):
    """A mission's members: admins add people by e-mail, change roles and remove them."""

    serializer_class = MemberSerializer
    queryset = Membership.objects.none()
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    mission_permissions = {
        "list": "view_members",
        "retrieve": "view_members",
        "create": "manage_members",
        "partial_update": "manage_members",
        "destroy": "manage_members",
    }

    @property
    def access(self):
        return mission_access(self.request, self.kwargs["mission_code"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Membership.objects.none()
        return (
            Membership.objects.filter(mission=self.access.mission)
            .select_related("user", "invited_by")
            .order_by("id")
        )

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "show_email": True}

    def get_object(self):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def _stakeholder(self, pk):
        if pk is None:
            return None
        stakeholder = Stakeholder.objects.filter(pk=pk, mission=self.access.mission).first()
        if stakeholder is None:
            raise serializers.ValidationError(
                {"stakeholder": [_("Choose a stakeholder of this mission.")]}
            )
        return stakeholder

    def retrieve(self, request, *args, **kwargs):
        member = self.get_object()
        return with_etag(Response(self.get_serializer(member).data), member)

    def create(self, request, *args, **kwargs):
        return self.idempotent(request, lambda: self.create_response(request))

    def create_response(self, request):
        data = MemberCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values["stakeholder"] = self._stakeholder(values.get("stakeholder"))
        member = services.member_add(actor=request.user, mission=self.access.mission, **values)
        member = self.get_queryset().get(pk=member.pk)
        return with_etag(
            Response(self.get_serializer(member).data, status=status.HTTP_201_CREATED), member
        )

    def partial_update(self, request, *args, **kwargs):
        member = self.get_object()
        version = if_match_version(request, member)
        data = MemberUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if "stakeholder" in values:
            values["stakeholder"] = self._stakeholder(values["stakeholder"])
        member = services.membership_update(
            actor=request.user, membership=member, version=version, **values
        )
        member = self.get_queryset().get(pk=member.pk)
        return with_etag(Response(self.get_serializer(member).data), member)

    def destroy(self, request, *args, **kwargs):
        member = self.get_object()
        version = if_match_version(request, member)
        services.membership_delete(actor=request.user, membership=member, version=version)
        return Response(status=status.HTTP_204_NO_CONTENT)
