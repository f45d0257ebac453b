"""Comments on plan items and the caller's subscriptions to those items, over the API."""

import functools

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from exitplan.api import (
    CursorPagination,
    FilterBackend,
    ListedFieldsMixin,
    MissionRelatedField,
    PersonColumns,
    UpdatedAfterFilter,
    UserRefField,
    if_match_version,
    reject_unknown_fields,
    with_etag,
)
from exitplan.viewsets import MissionScopedViewSet
from missions.models import Subscription

from .. import services
from ..models import Comment


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A comment on a benchmark",
            value={
                "id": 88,
                "target_type": "benchmark",
                "target_id": 41,
                "parent": None,
                "author": {"id": 4, "name": "Government liaison"},
                "body": "The P-DDRCS figures for Ituri are not in this count yet.",
                "status": "open",
                "is_official": False,
                "version": 1,
                "created_at": "2026-11-20T14:03:00Z",
                "updated_at": "2026-11-20T14:03:00Z",
            },
        )
    ]
)
class CommentSerializer(ListedFieldsMixin, serializers.ModelSerializer):
    """A comment; ``status`` is the thread's and lives on its first comment."""

    author = UserRefField(read_only=True)

    class Meta:
        model = Comment
        fields = [
            "id",
            "target_type",
            "target_id",
            "parent",
            "author",
            "body",
            "status",
            "is_official",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A comment on a benchmark",
            value={
                "target_type": "benchmark",
                "target_id": 41,
                "body": "The P-DDRCS figures for Ituri are not in this count yet.",
            },
        ),
        OpenApiExample("A reply", value={"parent": 88, "body": "Thank you: they will be."}),
    ]
)
class CommentCreateSerializer(serializers.Serializer):
    body = serializers.CharField()
    target_type = serializers.ChoiceField(choices=Comment.TargetType.choices, required=False)
    target_id = serializers.IntegerField(required=False)
    parent = MissionRelatedField(
        Comment,
        pk_field=serializers.IntegerField(),
        required=False,
        allow_null=True,
        help_text=_("A reply: the first comment of a thread; the reply is about its item."),
    )


class CommentBodySerializer(serializers.Serializer):
    body = serializers.CharField()


class CommentFilter(filters.FilterSet):
    target_type = filters.ChoiceFilter(choices=Comment.TargetType.choices)
    target_id = filters.NumberFilter()
    parent = filters.NumberFilter(field_name="parent")
    is_reply = filters.BooleanFilter(
        field_name="parent", lookup_expr="isnull", exclude=True, label=_("Replies only (or none)")
    )
    open = filters.BooleanFilter(
        method="filter_open",
        label=_("true: threads not resolved yet (first comments only); false: resolved ones"),
    )

    class Meta:
        model = Comment
        fields = ["target_type", "target_id", "status", "parent", "is_official"]

    def filter_open(self, queryset, name, value):
        resolved = Q(status=Comment.Status.RESOLVED)
        return queryset.filter(parent__isnull=True).filter(~resolved if value else resolved)


# What CommentSerializer shows, as the list reads it (the author as PersonColumns).
LIST_COLUMNS = (
    *("id", "target_type", "target_id", "parent", "body", "status", "is_official"),
    *("version", "created_at", "updated_at", "author_id", "author__name", "author__email"),
)


@functools.cache
def _listed_comments():
    """Comments as the list reads them, built once and cloned per request.

    A page is written from plain rows (CommentSerializer reads dicts too): no Comment or User
    object per row, and of each author only what the list shows.
    """
    return Comment.objects.values(*LIST_COLUMNS)


class CommentViewSet(MissionScopedViewSet):
    """Comments on the mission's plan items, newest first (cursor pagination).

    Anyone with ``comment`` comments and replies; the author alone edits a comment while its
    thread is not resolved; ``answer_comments`` gives the official answer and resolves.
    Comments are not deleted (405): they are the record of the conversation.
    """

    queryset = Comment.objects.select_related("author")
    serializer_class = CommentSerializer
    filterset_class = CommentFilter
    filter_backends = [UpdatedAfterFilter, FilterBackend]
    pagination_class = CursorPagination
    http_method_names = ["get", "post", "patch", "head", "options"]
    mission_permissions = {
        "create": "comment",
        "partial_update": "comment",
        "answer": "answer_comments",
        "resolve": "answer_comments",
        # No comment is ever deleted: 405 for everyone who may see the mission.
        "destroy": "view_mission",
    }

    def get_queryset(self):
        if self.action == "list" and not getattr(self, "swagger_fake_view", False):
            return _listed_comments().filter(mission=self.mission)
        return super().get_queryset()

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if self.action == "list" and page is not None:
            for row in page:
                row["author"] = PersonColumns(
                    row.pop("author_id"), row.pop("author__name"), row.pop("author__email")
                )
        return page

    @extend_schema(request=CommentCreateSerializer, responses={201: CommentSerializer})
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def create_response(self, request) -> Response:
        data = CommentCreateSerializer(data=request.data, context=self.get_serializer_context())
        reject_unknown_fields(data, request.data)
        data.is_valid(raise_exception=True)
        comment = services.comment_create(
            actor=request.user, mission=self.mission, **data.validated_data
        )
        return self._created(comment)

    @extend_schema(request=CommentBodySerializer, responses={200: CommentSerializer})
    def partial_update(self, request, *args, **kwargs):
        """Change the text of one's own comment while its thread is not resolved."""
        comment = self.get_object()
        version = if_match_version(request, comment)
        data = CommentBodySerializer(data=request.data)
        reject_unknown_fields(data, request.data)
        data.is_valid(raise_exception=True)
        comment = services.comment_update(
            actor=request.user, comment=comment, version=version, **data.validated_data
        )
        return self.action_response(comment)

    @extend_schema(
        request=CommentBodySerializer,
        responses={201: OpenApiResponse(CommentSerializer, description="The official reply.")},
    )
    @action(detail=True, methods=["post"])
    def answer(self, request, *args, **kwargs):
        """Answer a thread officially (If-Match of the thread): 201 with the new reply."""

        def respond():
            comment = self.get_object()
            version = if_match_version(request, comment)
            data = CommentBodySerializer(data=request.data)
            reject_unknown_fields(data, request.data)
            data.is_valid(raise_exception=True)
            reply = services.comment_answer(
                actor=request.user, comment=comment, version=version, **data.validated_data
            )
            return self._created(reply)

        return self.idempotent(request, respond)

    @extend_schema(request=None, responses={200: CommentSerializer})
    @action(detail=True, methods=["post"])
    def resolve(self, request, *args, **kwargs):
        """Resolve a thread (If-Match): it takes no more replies or edits."""
        comment = self.get_object()
        version = if_match_version(request, comment)
        comment = services.comment_resolve(actor=request.user, comment=comment, version=version)
        return self.action_response(comment)

    def _created(self, comment) -> Response:
        comment = self.get_queryset().get(pk=comment.pk)
        return with_etag(
            Response(self.get_serializer(comment).data, status=status.HTTP_201_CREATED), comment
        )


class SubscriptionSerializer(serializers.ModelSerializer):
    target_type = serializers.ChoiceField(choices=Comment.TargetType.choices)

    class Meta:
        model = Subscription
        fields = ["id", "target_type", "target_id", "created_at"]
        read_only_fields = ["id", "created_at"]
        # One subscription per item: the service answers 409 for a second one.
        validators = []


class SubscriptionFilter(filters.FilterSet):
    target_type = filters.ChoiceFilter(choices=Comment.TargetType.choices)

    class Meta:
        model = Subscription
        fields = ["target_type", "target_id"]


class SubscriptionViewSet(MissionScopedViewSet):
    """The plan items the caller follows in this mission (theirs only; others' are 404).

    Commenting follows an item automatically. Following needs ``comment``; anyone who sees
    the mission lists and stops following their own. A subscription never changes, so it has
    no version and DELETE needs no If-Match.
    """

    queryset = Subscription.objects.all()
    serializer_class = SubscriptionSerializer
    filterset_class = SubscriptionFilter
    http_method_names = ["get", "post", "delete", "head", "options"]
    moment_field = "created_at"
    ordering = ("id",)
    ordering_fields = ("id", "created_at")
    mission_permissions = {"create": "comment", "destroy": "view_mission"}

    def get_queryset(self):
        rows = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):
            return rows
        return rows.filter(user=self.request.user)

    def perform_service_create(self, data):
        return services.subscription_create(actor=self.request.user, mission=self.mission, **data)

    def create_response(self, request) -> Response:
        serializer = self.get_serializer(data=request.data)
        reject_unknown_fields(serializer, request.data)
        serializer.is_valid(raise_exception=True)
        subscription = self.perform_service_create(serializer.validated_data)
        return Response(self.get_serializer(subscription).data, status=status.HTTP_201_CREATED)

    def retrieve(self, request, *args, **kwargs):
        return Response(self.get_serializer(self.get_object()).data)

    def destroy(self, request, *args, **kwargs):
        services.subscription_delete(actor=request.user, subscription=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
