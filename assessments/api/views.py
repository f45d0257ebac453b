"""Assessment rounds, scores and readiness over the API: thin views over the services."""

import functools

from django.core.exceptions import PermissionDenied
from django.db.models import F, OuterRef, Prefetch, Subquery
from django.db.models.functions import Greatest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response

from exitplan.api import (
    CursorPagination,
    FilterBackend,
    UpdatedAfterFilter,
    if_match_version,
    problem,
    reject_unknown_fields,
)
from exitplan.db import JSONWithout
from exitplan.renderers import EncodedJSON, JSONRenderer
from exitplan.viewsets import IdempotentCreateMixin, MissionScopedViewSet
from missions.access import mission_access
from missions.models import Benchmark

from .. import selectors, services
from ..imports import ImportInvalid, rows_from_csv, rows_from_xlsx, scores_import
from ..models import Assessment, ReadinessSnapshot, Score
from .serializers import (
    AssessmentReturnSerializer,
    AssessmentSerializer,
    FlatScoreSerializer,
    ReadinessHistoryItemSerializer,
    ReadinessHistoryQuerySerializer,
    ReadinessQuerySerializer,
    ReadinessSerializer,
    WhatIfSerializer,
)

# Cursor lists are ordered by their pagination, not by ?ordering= (a cursor needs one order).
CURSOR_FILTERS = [UpdatedAfterFilter, FilterBackend]


class AsOfFilterSet(filters.FilterSet):
    """``as_of`` exactly, or a range with ``as_of_after``/``as_of_before`` (both inclusive)."""

    as_of_after = filters.DateFilter(
        field_name="as_of", lookup_expr="gte", label="as_of on or after this date"
    )
    as_of_before = filters.DateFilter(
        field_name="as_of", lookup_expr="lte", label="as_of on or before this date"
    )


class AssessmentFilter(AsOfFilterSet):
    class Meta:
        model = Assessment
        fields = ["status", "kind", "method", "as_of", "label"]


class AssessmentViewSet(MissionScopedViewSet):
    """A mission's assessment rounds with their scores.

    Drafts exist only for callers with log_assessment: for everyone else a draft's id is
    404 and drafts are absent from the list. Scores change only while a round is a draft.
    """

    search_fields = ("summary", "label")

    queryset = Assessment.objects.select_related("author", "approved_by").prefetch_related(
        Prefetch("scores", Score.objects.select_related("benchmark").order_by("id"))
    )
    serializer_class = AssessmentSerializer
    filterset_class = AssessmentFilter
    lookup_value_regex = r"\d+"
    ordering = ("id",)
    ordering_fields = ("id", "as_of", "created_at", "updated_at")
    mission_permissions = {
        "create": "log_assessment",
        "update": "log_assessment",
        "partial_update": "log_assessment",
        "destroy": "log_assessment",
        "submit": "log_assessment",
        "approve": "approve_assessment",
        "return_round": "approve_assessment",
    }

    def get_queryset(self):
        rows = super().get_queryset()
        if not self.access.has("log_assessment"):
            rows = rows.filter(status__in=Assessment.COUNTED)
        return rows

    def perform_service_create(self, data):
        data = dict(data)
        scores = data.pop("scores", None)
        return services.assessment_create(
            actor=self.request.user, mission=self.mission, scores=scores, **data
        )

    def perform_service_update(self, obj, data, version):
        data = dict(data)
        scores = data.pop("scores", None)
        return services.assessment_update(
            actor=self.request.user, assessment=obj, data=data, scores=scores, version=version
        )

    def perform_service_destroy(self, obj, version):
        services.assessment_delete(actor=self.request.user, assessment=obj, version=version)

    @extend_schema(request=None, responses=AssessmentSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, *args, **kwargs):
        """Submit a draft round: its scores count from now on and no longer change."""
        assessment = self.get_object()
        version = if_match_version(request, assessment)
        services.assessment_submit(assessment=assessment, actor=request.user, version=version)
        return self.action_response(assessment)

    @extend_schema(request=None, responses=AssessmentSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        """Approve a submitted round (final); 403 for its author, superusers included."""
        assessment = self.get_object()
        self._four_eyes(
            assessment,
            _(
                "Someone other than the author must approve this round: ask another admin "
                "or staff member of the mission."
            ),
        )
        version = if_match_version(request, assessment)
        services.assessment_approve(assessment=assessment, actor=request.user, version=version)
        return self.action_response(assessment)

    @extend_schema(request=AssessmentReturnSerializer, responses=AssessmentSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_round(self, request, *args, **kwargs):
        """Send a submitted round back to draft with a ``reason``; never one's own round."""
        assessment = self.get_object()
        self._four_eyes(
            assessment,
            _(
                "Someone other than the author must return this round: ask another admin "
                "or staff member of the mission."
            ),
        )
        version = if_match_version(request, assessment)
        data = AssessmentReturnSerializer(data=request.data)
        reject_unknown_fields(data, request.data)
        data.is_valid(raise_exception=True)
        services.assessment_return(
            actor=request.user,
            assessment=assessment,
            reason=data.validated_data["reason"],
            version=version,
        )
        return self.action_response(assessment)

    def _four_eyes(self, assessment, message):
        """Four-eyes (DESIGN.md): never one's own round, site superusers included."""
        if not self.access.can_approve(assessment):
            raise PermissionDenied(message)


class ScoreFilter(AsOfFilterSet):
    """Filters on the round's date (``as_of``, annotated on each row by ScoreViewSet)."""

    benchmark = filters.CharFilter(field_name="benchmark__code", label="The benchmark's code")
    as_of = filters.DateFilter(field_name="as_of", label="The round's as_of")
    status = filters.ChoiceFilter(
        field_name="assessment__status",
        choices=Assessment.Status.choices,
        label="The round's status",
    )

    class Meta:
        model = Score
        fields = []


class ScorePagination(CursorPagination):
    # DRF's cursor reads its position from an attribute of each row and cannot follow
    # ``assessment__as_of``: the round's date is annotated as ``as_of`` instead.
    ordering = ("-as_of", "-id")


FLAT_SCORE_COLUMNS = (
    *("id", "assessment", "benchmark", "value", "rating", "evidence", "source"),
    *("version", "updated_at"),
)
# What FlatScoreSerializer shows, as the list reads it: columns and ScoreViewSet's annotations.
FLAT_SCORE_LIST_COLUMNS = (
    *("id", "assessment", "value", "rating", "evidence", "source", "version"),
    *("as_of", "changed_at", "benchmark_code", "round_status"),
)


class ScoreViewSet(MissionScopedViewSet):
    """Every counted score of the mission, flat and read-only, newest first by as_of then id.

    Callers with log_assessment also see the scores of draft rounds.
    """

    http_method_names = ["get", "head", "options"]
    queryset = Score.objects.all()
    serializer_class = FlatScoreSerializer
    filterset_class = ScoreFilter
    # Ids only, so that scores/import/ (a sibling route) is never read as a score's id.
    lookup_value_regex = r"\d+"
    filter_backends = CURSOR_FILTERS
    pagination_class = ScorePagination
    mission_lookup = "assessment__mission"
    moment_field = "changed_at"

    def get_queryset(self):
        rows = _flat_scores(listed=self.action == "list").filter(assessment__mission=self.mission)
        if not self.access.has("log_assessment"):
            rows = rows.filter(assessment__status__in=Assessment.COUNTED)
        return rows


@functools.cache
def _flat_scores(*, listed: bool):
    """Scores with their round's and benchmark's columns, built once and cloned per request.

    Building the annotations costs a request more than running its query. The columns come
    as annotations: no round or benchmark object is built (nor their other columns decoded)
    per row; a page (``listed``) is written from plain rows (FlatScoreSerializer reads
    dicts too), so no Score object either.
    """
    rows = Score.objects.annotate(
        as_of=F("assessment__as_of"),
        changed_at=Greatest("updated_at", "assessment__updated_at"),
        # A subquery, not a join: PostgreSQL looks codes up for the page's rows only, after
        # the sort, instead of for every score of the rounds sorted.
        benchmark_code=Subquery(
            Benchmark.objects.filter(pk=OuterRef("benchmark_id")).order_by().values("code")
        ),
        round_status=F("assessment__status"),
    )
    return rows.values(*FLAT_SCORE_LIST_COLUMNS) if listed else rows.only(*FLAT_SCORE_COLUMNS)


class MissionReadinessMixin:
    @property
    def access(self):
        return mission_access(self.request, self.kwargs["mission_code"])

    @property
    def mission(self):
        return self.access.mission


class ReadinessViewSet(MissionReadinessMixin, viewsets.GenericViewSet):
    """The mission's readiness: the latest snapshot, or figures for another date."""

    serializer_class = ReadinessSerializer
    # The latest snapshot is sent as the JSON text stored with it (exitplan.renderers).
    renderer_classes = [JSONRenderer]
    pagination_class = None
    filter_backends = []

    @extend_schema(
        parameters=[ReadinessQuerySerializer],
        responses=ReadinessSerializer,
        description=(
            "The latest snapshot (computed and stored on the spot when there is none); "
            "`recomputing` is true while a later change waits for the job. With `?as_of=`, "
            "the figures for that date, computed and not stored."
        ),
    )
    def list(self, request, *args, **kwargs):
        query = ReadinessQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        as_of = query.validated_data.get("as_of")
        if as_of is None:
            return Response(EncodedJSON(services.readiness_current_encoded(mission=self.mission)))
        return Response(services.readiness_figures(mission=self.mission, as_of=as_of))


SUMMARY_OMITS = ("benchmarks", "blockers")


class ReadinessHistoryPagination(CursorPagination):
    ordering = ("-computed_at", "-id")


@extend_schema_view(
    list=extend_schema(
        responses=ReadinessHistoryItemSerializer(many=True),
        parameters=[
            OpenApiParameter(
                "updated_after",
                str,
                description="Only snapshots computed strictly after this moment (ISO 8601).",
            ),
            ReadinessHistoryQuerySerializer,
        ],
    )
)
class ReadinessHistoryViewSet(
    MissionReadinessMixin, mixins.ListModelMixin, viewsets.GenericViewSet
):
    """One item per stored snapshot (its figures), newest first by computed_at."""

    pagination_class = ReadinessHistoryPagination
    filter_backends = [UpdatedAfterFilter]
    moment_field = "computed_at"
    serializer_class = ReadinessHistoryItemSerializer
    # Full items are the JSON text stored with each snapshot, joined (exitplan.renderers).
    renderer_classes = [JSONRenderer]

    def get_queryset(self):
        return ReadinessSnapshot.objects.filter(mission=self.mission)

    def list(self, request, *args, **kwargs):
        query = ReadinessHistoryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = self.filter_queryset(self.get_queryset())
        if query.validated_data["summary"]:
            # Dropped in the database: the per-benchmark lists are most of each snapshot.
            rows = rows.only("id", "computed_at").annotate(
                figures_summary=JSONWithout("figures", *SUMMARY_OMITS)
            )
            page = self.paginate_queryset(rows)
            return self.get_paginated_response(
                [services.readiness_snapshot_figures(snapshot) for snapshot in page]
            )
        page = self.paginate_queryset(selectors.with_encoded(rows))
        envelope = self.paginator.get_paginated_response([]).data
        items = services.readiness_snapshots_encoded(page)
        return Response(EncodedJSON.with_list(envelope, "results", items))


class ReadinessWhatIfViewSet(MissionReadinessMixin, viewsets.GenericViewSet):
    """Figures as if some scores were submitted on ``as_of``; stores nothing.

    Because nothing is stored, read-only tokens and closed missions may call it, and it
    needs only view_mission.
    """

    stores_nothing = True
    mission_permissions = {"create": "view_mission"}
    serializer_class = WhatIfSerializer
    pagination_class = None
    filter_backends = []

    @extend_schema(request=WhatIfSerializer, responses={200: ReadinessSerializer})
    def create(self, request, *args, **kwargs):
        data = WhatIfSerializer(data=request.data)
        reject_unknown_fields(data, request.data)
        data.is_valid(raise_exception=True)
        as_of = data.validated_data.get("as_of") or selectors.mission_today(self.mission)
        scores = [
            {k: v for k, v in row.items() if k in ("benchmark", "value", "rating")}
            for row in data.validated_data["scores"]
        ]
        return Response(
            services.readiness_what_if(mission=self.mission, as_of=as_of, scores=scores)
        )


@extend_schema_serializer(component_name="ScoreImport")
class ScoreImportRequestSerializer(serializers.Serializer):
    label = serializers.CharField(max_length=200, help_text="The data set's name; rounds reuse it.")
    submit = serializers.BooleanField(default=False, help_text="Submit the drafts it touches.")
    rows = serializers.ListField(
        child=serializers.DictField(), required=False, help_text="JSON rows (or send a file)."
    )
    file = serializers.FileField(required=False, help_text="CSV or XLSX with a header row.")


class ScoreImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    assessments = serializers.ListField(child=serializers.IntegerField())


class ScoreImportViewSet(MissionReadinessMixin, IdempotentCreateMixin, viewsets.GenericViewSet):
    """Load many scores at once: JSON rows, or a CSV/XLSX file; all rows or none."""

    mission_permissions = {"create": "log_assessment"}
    serializer_class = ScoreImportRequestSerializer
    parser_classes = [JSONParser, MultiPartParser]
    pagination_class = None
    filter_backends = []
    # A 50,000-row CSV is a few MB; refuse anything far beyond before parsing it.
    MAX_FILE_BYTES = 20 * 1024 * 1024

    @extend_schema(
        request={
            "application/json": ScoreImportRequestSerializer,
            "multipart/form-data": ScoreImportRequestSerializer,
        },
        responses={201: ScoreImportResultSerializer, 200: ScoreImportResultSerializer},
        description=(
            "Rows are grouped by `as_of` into rounds of kind `joint`, method `dataset`, with "
            "the label. Every row is validated first: any error answers 400 with "
            "`errors: [{row, field, detail}]` (rows count from 1) and writes nothing. A rerun "
            "of the same rows changes nothing. Up to 50,000 rows."
        ),
    )
    def create(self, request, *args, **kwargs):
        return self.idempotent(request, lambda: self.import_response(request))

    def import_response(self, request):
        data = ScoreImportRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data.get("file")
        try:
            if upload is not None:
                if upload.size > self.MAX_FILE_BYTES:
                    return problem(413, _("The file is larger than 20 MB; split it."))
                content = upload.read()
                is_xlsx = upload.name.lower().endswith(".xlsx") or content[:2] == b"PK"
                rows = rows_from_xlsx(content) if is_xlsx else rows_from_csv(content)
            elif "rows" in data.validated_data:
                rows = data.validated_data["rows"]
            else:
                raise serializers.ValidationError({"rows": [_("Send rows or a file.")]})
            result = scores_import(
                actor=request.user,
                mission=self.mission,
                label=data.validated_data["label"],
                rows=rows,
                submit=data.validated_data["submit"],
            )
        except ImportInvalid as invalid:
            return problem(
                400,
                ngettext(
                    "%(count)s row error; nothing was imported.",
                    "%(count)s row errors; nothing was imported.",
                    len(invalid.errors),
                )
                % {"count": len(invalid.errors)},
                errors=invalid.errors,
            )
        status_code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return Response(result.as_dict(), status=status_code)
