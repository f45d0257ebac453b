"""The transition plan over the API: phases, objectives, benchmarks, handover items."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.decorators import action

from exitplan.api import MissionRelatedField, UserRefField, if_match_version
from exitplan.viewsets import MissionScopedViewSet
from missions import services
from missions.models import Benchmark, HandoverItem, Objective, Phase, PhaseEndorsement
from stakeholders.models import Stakeholder

TIMESTAMPS = ["version", "created_at", "updated_at"]
EXAMPLE_STAMP = {
    "version": 3,
    "created_at": "2026-05-04T09:12:00Z",
    "updated_at": "2026-11-20T14:03:00Z",
}


def examples(name: str, request: dict, response: dict) -> list[OpenApiExample]:
    """One example to send and the answer to it (the schema's examples, nothing else)."""
    return [
        OpenApiExample(name, value=request, request_only=True),
        OpenApiExample(name, value={**response, **request, **EXAMPLE_STAMP}, response_only=True),
    ]


class EndorsementSerializer(serializers.ModelSerializer):
    endorsed_by = UserRefField(read_only=True)

    class Meta:
        model = PhaseEndorsement
        fields = [
            "id",
            "stakeholder",
            "endorsed_by",
            "endorsed_at",
            "statement",
            "readiness",
            "gate_threshold",
            "withdrawn_at",
            "withdrawn_reason",
        ]
        read_only_fields = fields


@extend_schema_serializer(
    examples=examples(
        "A handover phase",
        {
            "order": 7,
            "kind": "handover",
            "name": "Disengagement phases 2–3: North Kivu and Ituri",
            "planned_start": "2026-01-15",
            "planned_end": "2026-12-20",
            "status": "not_started",
            "gate_threshold": 70,
            "requires_endorsement": True,
        },
        {
            "id": 7,
            "actual_start": None,
            "actual_end": None,
            "is_retired": False,
            "endorsements": [],
            "changed_since_endorsement": False,
        },
    )
)
class PhaseSerializer(serializers.ModelSerializer):
    endorsements = EndorsementSerializer(many=True, read_only=True)
    changed_since_endorsement = serializers.SerializerMethodField(
        help_text="The threshold or the critical benchmarks changed after an active endorsement."
    )

    class Meta:
        model = Phase
        fields = [
            "id",
            "order",
            "kind",
            "name",
            "planned_start",
            "planned_end",
            "actual_start",
            "actual_end",
            "status",
            "gate_threshold",
            "requires_endorsement",
            "is_retired",
            "endorsements",
            "changed_since_endorsement",
            *TIMESTAMPS,
        ]
        read_only_fields = ["endorsements", *TIMESTAMPS]

    def get_changed_since_endorsement(self, phase) -> bool:
        changed = self.context.get("plan_changed_at", {})
        return any(
            e.withdrawn_at is None and changed.get(phase.pk) and changed[phase.pk] > e.endorsed_at
            for e in phase.endorsements.all()
        )


class PhaseEndorseSerializer(serializers.Serializer):
    statement = serializers.CharField(allow_blank=True, required=False, default="")


class PhaseWithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField()


class PhaseFilter(filters.FilterSet):
    class Meta:
        model = Phase
        fields = ["kind", "status", "is_retired", "requires_endorsement"]


class PhaseViewSet(MissionScopedViewSet):
    search_fields = ("name",)
    queryset = Phase.objects.prefetch_related("endorsements__endorsed_by")
    serializer_class = PhaseSerializer
    filterset_class = PhaseFilter
    mission_permissions = {
        "endorse": "endorse_phase",
        "withdraw_endorsement": "endorse_phase",
    }

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if "mission_code" in self.kwargs:
            context["plan_changed_at"] = services.phase_plan_changed_at(mission=self.mission)
        return context

    @extend_schema(request=PhaseEndorseSerializer, responses=PhaseSerializer)
    @action(detail=True, methods=["post"], serializer_class=PhaseEndorseSerializer)
    def endorse(self, request, *args, **kwargs):
        """Endorse this phase's gate for the caller's host-government stakeholder."""
        phase = self.get_object()
        version = if_match_version(request, phase)
        data = PhaseEndorseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.phase_endorse(
            actor=request.user,
            access=self.access,
            phase=phase,
            version=version,
            **data.validated_data,
        )
        return self.action_response_phase(phase)

    @extend_schema(request=PhaseWithdrawSerializer, responses=PhaseSerializer)
    @action(
        detail=True,
        methods=["post"],
        url_path="withdraw-endorsement",
        serializer_class=PhaseWithdrawSerializer,
    )
    def withdraw_endorsement(self, request, *args, **kwargs):
        """Withdraw the caller's stakeholder's active endorsement, with a reason."""
        phase = self.get_object()
        version = if_match_version(request, phase)
        data = PhaseWithdrawSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.phase_endorsement_withdraw(
            actor=request.user,
            access=self.access,
            phase=phase,
            version=version,
            **data.validated_data,
        )
        return self.action_response_phase(phase)

    def action_response_phase(self, phase):
        self.serializer_class = PhaseSerializer
        return self.action_response(phase)


@extend_schema_serializer(
    examples=examples(
        "A security objective",
        {
            "order": 1,
            "category": "security",
            "title": "Reduced threat of armed groups in the East",
            "description": "Minimum conditions for exit of the joint transition plan.",
            "weight": "3.0000",
            "target_phase": 7,
        },
        {"id": 20, "is_retired": False},
    )
)
class ObjectiveSerializer(serializers.ModelSerializer):
    target_phase = MissionRelatedField(Phase, allow_null=True, required=False)

    class Meta:
        model = Objective
        fields = [
            "id",
            "order",
            "category",
            "title",
            "description",
            "weight",
            "target_phase",
            "is_retired",
            *TIMESTAMPS,
        ]
        read_only_fields = TIMESTAMPS


class ObjectiveFilter(filters.FilterSet):
    class Meta:
        model = Objective
        fields = ["category", "target_phase", "is_retired"]


class ObjectiveViewSet(MissionScopedViewSet):
    search_fields = ("title", "description")
    queryset = Objective.objects.all()
    serializer_class = ObjectiveSerializer
    filterset_class = ObjectiveFilter


@extend_schema_serializer(
    examples=examples(
        "A quantitative benchmark",
        {
            "objective": 20,
            "order": 2,
            "code": "bm-sec-ddr-demobilised",
            "title": "Combatants demobilised (P-DDRCS)",
            "kind": "quantitative",
            "unit": "combatants",
            "baseline": "4600.0000",
            "target": "8000.0000",
            "weight": "1.0000",
            "frequency_days": 90,
            "critical": False,
            "data_source": "P-DDRCS quarterly report",
        },
        {"id": 41, "responsible": None, "is_retired": False},
    )
)
class BenchmarkSerializer(serializers.ModelSerializer):
    objective = MissionRelatedField(Objective)
    responsible = UserRefField(required=False)

    class Meta:
        model = Benchmark
        fields = [
            "id",
            "objective",
            "order",
            "code",
            "title",
            "kind",
            "unit",
            "baseline",
            "target",
            "weight",
            "frequency_days",
            "critical",
            "data_source",
            "responsible",
            "is_retired",
            *TIMESTAMPS,
        ]
        read_only_fields = TIMESTAMPS
        # The database constraint (unique code per mission) gives the message; the model's
        # full_clean in the service reports it as a field error.
        validators = []


class BenchmarkFilter(filters.FilterSet):
    code = filters.CharFilter()

    class Meta:
        model = Benchmark
        fields = ["objective", "code", "kind", "critical", "is_retired"]


class BenchmarkViewSet(MissionScopedViewSet):
    search_fields = ("code", "title", "data_source")
    queryset = Benchmark.objects.select_related("responsible")
    serializer_class = BenchmarkSerializer
    filterset_class = BenchmarkFilter
    ordering_fields = (*MissionScopedViewSet.ordering_fields, "code")

    def perform_service_create(self, data):
        return services.benchmark_create(actor=self.request.user, **data)


@extend_schema_serializer(
    examples=examples(
        "A base handed over",
        {
            "order": 4,
            "function": "South Kivu bases (14)",
            "receiving_stakeholder": 40,
            "planned_date": "2024-06-30",
            "status": "transferred",
            "notes": "Force out by 30 April, civilians by 30 June 2024.",
        },
        {"id": 12, "is_retired": False},
    )
)
class HandoverItemSerializer(serializers.ModelSerializer):
    receiving_stakeholder = MissionRelatedField(Stakeholder, allow_null=True, required=False)

    class Meta:
        model = HandoverItem
        fields = [
            "id",
            "order",
            "function",
            "receiving_stakeholder",
            "planned_date",
            "status",
            "notes",
            "is_retired",
            *TIMESTAMPS,
        ]
        read_only_fields = TIMESTAMPS


class HandoverItemFilter(filters.FilterSet):
    class Meta:
        model = HandoverItem
        fields = ["status", "receiving_stakeholder", "is_retired"]


class HandoverItemViewSet(MissionScopedViewSet):
    search_fields = ("function", "notes")
    queryset = HandoverItem.objects.all()
    serializer_class = HandoverItemSerializer
    filterset_class = HandoverItemFilter
