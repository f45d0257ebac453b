"""Assessment rounds, their scores and readiness over the API: shapes only, no rules.

Scores are checked by the services (benchmark codes, value or rating by the benchmark's
kind, the 1–4 range), so every error of a set comes back at once, keyed like
``scores[1].rating``; the serializers only parse types.
"""

from drf_spectacular.utils import OpenApiExample, extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from exitplan.api import ListedFieldsMixin, UserRefField
from missions.models import DECIMAL

from ..models import Assessment, Score

TIMESTAMPS = ["version", "created_at", "updated_at"]


class BenchmarkCodeField(serializers.CharField):
    """A benchmark by its ``code`` (DESIGN.md: benchmarks are named by code, not id)."""

    context_free = True  # see exitplan.api.ListedFieldsMixin

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 60)
        kwargs.setdefault("help_text", "The benchmark's code, e.g. bm-sec-incidents.")
        super().__init__(**kwargs)

    def to_representation(self, benchmark):
        # A code already (annotated on the row, as by ScoreViewSet) or a Benchmark.
        return benchmark if isinstance(benchmark, str) else benchmark.code


def _value_field():
    return serializers.DecimalField(
        **DECIMAL,
        required=False,
        allow_null=True,
        help_text="For a quantitative benchmark (leave out or null for a rated one).",
    )


def _rating_field():
    return serializers.DecimalField(
        max_digits=6,
        decimal_places=4,
        required=False,
        allow_null=True,
        help_text="1 to 4, for a rated benchmark (leave out or null for a quantitative one).",
    )


class ScoreSerializer(serializers.ModelSerializer):
    """A score inside its round. Written as part of the round's whole set of scores."""

    benchmark = BenchmarkCodeField()
    value = _value_field()
    rating = _rating_field()
    attachment = serializers.FileField(
        read_only=True, allow_null=True, help_text="The evidence file's URL, or null."
    )

    class Meta:
        model = Score
        fields = ["id", "benchmark", "value", "rating", "evidence", "source", "attachment"]
        read_only_fields = ["id", "attachment"]
        # One score per benchmark in a round: the service reports a repeated code by position.
        validators = []


ASSESSMENT = {
    "as_of": "2026-06-30",
    "kind": "security",
    "method": "field_visit",
    "summary": "Field visits to Bunia and Djugu with the P-DDRCS provincial team.",
    "label": "",
}


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A round with its scores",
            value={
                **ASSESSMENT,
                "scores": [
                    {
                        "benchmark": "bm-sec-ddr-demobilised",
                        "value": "5230",
                        "evidence": "P-DDRCS register, June 2026",
                        "source": "P-DDRCS",
                    },
                    {
                        "benchmark": "bm-sec-armed-group-violence",
                        "rating": 2,
                        "evidence": "Incidents down in Djugu, up in Irumu",
                    },
                ],
            },
            request_only=True,
        ),
        OpenApiExample(
            "A round with its scores",
            value={
                "id": 57,
                **ASSESSMENT,
                "status": "draft",
                "author": {"id": 3, "name": "M&E officer"},
                "submitted_at": None,
                "approved_by": None,
                "approved_at": None,
                "returned_reason": "",
                "scores": [
                    {
                        "id": 301,
                        "benchmark": "bm-sec-ddr-demobilised",
                        "value": "5230.0000",
                        "rating": None,
                        "evidence": "P-DDRCS register, June 2026",
                        "source": "P-DDRCS",
                        "attachment": None,
                    },
                    {
                        "id": 302,
                        "benchmark": "bm-sec-armed-group-violence",
                        "value": None,
                        "rating": "2.0000",
                        "evidence": "Incidents down in Djugu, up in Irumu",
                        "source": "",
                        "attachment": None,
                    },
                ],
                "version": 1,
                "created_at": "2026-07-02T08:30:00Z",
                "updated_at": "2026-07-02T08:30:00Z",
            },
            response_only=True,
        ),
    ]
)
class AssessmentSerializer(serializers.ModelSerializer):
    """A round with its scores.

    ``scores``, when given, is the whole set: scores are matched by benchmark code, new
    codes are added, codes left out are removed, and each item is the whole score (a field
    it leaves out is emptied; the attachment stays). Leave ``scores`` out to keep the set.
    """

    scores = ScoreSerializer(many=True, required=False)
    author = UserRefField(read_only=True)
    approved_by = UserRefField(read_only=True)

    class Meta:
        model = Assessment
        fields = [
            "id",
            "as_of",
            "kind",
            "method",
            "summary",
            "label",
            "status",
            "author",
            "submitted_at",
            "approved_by",
            "approved_at",
            "returned_reason",
            "scores",
            *TIMESTAMPS,
        ]
        read_only_fields = [
            "status",
            "submitted_at",
            "approved_at",
            "returned_reason",
            *TIMESTAMPS,
        ]


class AssessmentReturnSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why the round goes back to its author.")


class FlatScoreSerializer(ListedFieldsMixin, serializers.ModelSerializer):
    """One score with its round's date and status: the flat, read-only list."""

    # benchmark_code and round_status are annotated by ScoreViewSet (no object per row).
    benchmark = BenchmarkCodeField(source="benchmark_code", read_only=True)
    as_of = serializers.DateField(read_only=True, help_text="The round's as_of.")
    status = serializers.CharField(
        source="round_status", read_only=True, help_text="The round's status."
    )
    updated_at = serializers.DateTimeField(
        source="changed_at",
        read_only=True,
        help_text=(
            "The later of the score's and its round's last change, so that ?updated_after= "
            "also returns scores whose round was submitted, approved or returned."
        ),
    )

    class Meta:
        model = Score
        fields = [
            "id",
            "assessment",
            "benchmark",
            "as_of",
            "value",
            "rating",
            "evidence",
            "source",
            "status",
            "version",
            "updated_at",
        ]
        read_only_fields = fields


# Readiness --------------------------------------------------------------------------


class ReadinessQuerySerializer(serializers.Serializer):
    as_of = serializers.DateField(
        required=False,
        help_text="Compute for this date (YYYY-MM-DD) without storing anything.",
    )


class ReadinessHistoryQuerySerializer(serializers.Serializer):
    summary = serializers.BooleanField(
        required=False,
        default=False,
        help_text=(
            "Leave out `benchmarks` and `blockers` (one entry per benchmark each): what a trend "
            "chart needs, at a small part of the size."
        ),
    )


class WhatIfScoreSerializer(serializers.Serializer):
    benchmark = BenchmarkCodeField()
    value = _value_field()
    rating = _rating_field()
    evidence = serializers.CharField(required=False, allow_blank=True)
    source = serializers.CharField(required=False, allow_blank=True)


class WhatIfSerializer(serializers.Serializer):
    as_of = serializers.DateField(
        required=False,
        help_text="The date the hypothetical scores count from (default: today in the "
        "mission's time zone).",
    )
    scores = WhatIfScoreSerializer(many=True)


# The readiness resource, for the OpenAPI schema only: the services build it (DESIGN.md).


class _LatestScoreSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    value = serializers.CharField(allow_null=True)
    rating = serializers.CharField(allow_null=True)


class _ObjectiveFiguresSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    category = serializers.CharField()
    readiness = serializers.FloatField()
    flags = serializers.ListField(child=serializers.CharField())


class _BenchmarkFiguresSerializer(serializers.Serializer):
    code = serializers.CharField()
    progress = serializers.FloatField()
    met = serializers.BooleanField()
    flags = serializers.ListField(child=serializers.CharField())
    latest = _LatestScoreSerializer(allow_null=True)


class _BlockerSerializer(serializers.Serializer):
    benchmark = serializers.CharField()
    share = serializers.FloatField()
    reason = serializers.ChoiceField(["no_data", "stale", "below_target"])


class _GateSerializer(serializers.Serializer):
    phase = serializers.IntegerField(help_text="The phase's id.")
    open = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField())


class _ProjectionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(["on_track", "at_risk", "insufficient_data"])
    date = serializers.DateField(allow_null=True)


@extend_schema_field({"type": "object", "additionalProperties": {"type": "number"}})
class _CategoriesField(serializers.DictField):
    pass


@extend_schema_serializer(
    # One object, also where the view's action is called "list" (readiness/).
    many=False,
    examples=[
        OpenApiExample(
            "Readiness of MONUSCO",
            value={
                "mission": "monusco",
                "as_of": "2026-11-25",
                "computed_at": "2026-11-25T06:00:04Z",
                "recomputing": False,
                "readiness": 62.5,
                "confidence": 0.812,
                "flags": [],
                "categories": {"security": 55.0, "political": 70.0},
                "objectives": [
                    {
                        "id": 20,
                        "title": "Reduced threat of armed groups in the East",
                        "category": "security",
                        "readiness": 55.0,
                        "flags": [],
                    }
                ],
                "benchmarks": [
                    {
                        "code": "bm-sec-ddr-demobilised",
                        "progress": 0.185,
                        "met": False,
                        "flags": ["stale"],
                        "latest": {"as_of": "2026-06-30", "value": "5230.0000", "rating": None},
                    }
                ],
                "blockers": [
                    {"benchmark": "bm-sec-ddr-demobilised", "share": 0.125, "reason": "stale"}
                ],
                "gates": [
                    {"phase": 7, "open": False, "reasons": ["below_threshold", "critical_not_met"]}
                ],
                "projection": {"status": "at_risk", "date": "2028-03-01"},
            },
            response_only=True,
        )
    ],
)
class ReadinessSerializer(serializers.Serializer):
    """DESIGN.md's readiness resource; figures rounded half up (readiness to 0.1)."""

    mission = serializers.CharField()
    as_of = serializers.DateField()
    computed_at = serializers.DateTimeField()
    recomputing = serializers.BooleanField()
    readiness = serializers.FloatField()
    confidence = serializers.FloatField()
    flags = serializers.ListField(child=serializers.CharField())
    categories = _CategoriesField()
    objectives = _ObjectiveFiguresSerializer(many=True)
    benchmarks = _BenchmarkFiguresSerializer(many=True)
    blockers = _BlockerSerializer(many=True)
    gates = _GateSerializer(many=True)
    projection = _ProjectionSerializer(allow_null=True, help_text="Null for what-if figures.")


class ReadinessHistoryItemSerializer(ReadinessSerializer):
    """A stored snapshot's figures; with ``?summary=true`` without benchmarks and blockers."""

    benchmarks = _BenchmarkFiguresSerializer(
        many=True, required=False, help_text="Absent with ?summary=true."
    )
    blockers = _BlockerSerializer(many=True, required=False, help_text="Absent with ?summary=true.")
